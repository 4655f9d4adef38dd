/**
 * The "done when": a divtools tree whose host points at a real sshd; `sync-config --dry-run` shows the
 * change, the real sync writes it, and `dthostmon run` on the result monitors the host.
 */
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSshd, type SshdPeer } from '../helpers/sshd.js';
import { assertBuilt, runCli } from '../helpers/cli.js';
import { stage, type Staged } from '../integration/sync/stage.js';
import type { PassResult } from '../../src/types.js';

describe('sync-config, then dthostmon run on the result', () => {
  let peer: SshdPeer | null = null;
  let staged: Staged;

  beforeAll(async () => {
    assertBuilt();
    peer = await startSshd();
    staged = stage('sshd');
  });
  afterAll(async () => {
    await peer?.stop();
    staged.cleanup();
  });

  it('syncs a host from its folder and monitors it over SSH', async () => {
    if (!peer) return; // skipped with a message (never under CI=true: startSshd throws there)
    const log = join(staged.dir, 'lab.log');
    writeFileSync(log, 'Nov 25 10:00:00 lab1 sshd[1]: Invalid user admin from 198.51.100.7 port 4000\n');
    const knownHosts = join(staged.dir, 'known_hosts');
    writeFileSync(knownHosts, `${peer.knownHostsLine}\n`);
    writeFileSync(staged.configPath, ['# monitor of the lab', 'global:', '  reports_dir: reports', 'ssh:', `  known_hosts: "${knownHosts}"`, ''].join('\n'));
    // The sync sees the connection settings; the key path is only known where dthostmon runs.
    const syncEnv = { DOCKER_SITES_DIR: staged.sitesDir, SSHD_PORT: String(peer.port), SSHD_USER: peer.user, LAB_LOG: log };

    const dry = await runCli(['sync-config', '-c', staged.configPath, '--dry-run'], { cwd: staged.dir, env: syncEnv });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toBe(
      [
        '--- a/dthostmon.yaml',
        '+++ b/dthostmon.yaml',
        '@@ -3,3 +3,14 @@',
        '   reports_dir: reports',
        ' ssh:',
        `   known_hosts: "${knownHosts}"`,
        '+sites:',
        '+  s01-lab: {}',
        '+hosts:',
        '+  - name: lab1',
        '+    site: s01-lab',
        '+    hostname: 127.0.0.1',
        `+    port: ${peer.port}`,
        `+    user: ${peer.user}`,
        '+    key_path: ${DTHM_TEST_KEY}',
        '+    logs:',
        `+      - ${log}`,
        '',
      ].join('\n'),
    );

    const sync = await runCli(['sync-config', '-c', staged.configPath], { cwd: staged.dir, env: syncEnv });
    expect(sync.code).toBe(0);
    expect(sync.stderr).toContain('hosts: 1 added, 0 updated, 0 unchanged');

    const run = await runCli(['run', '-c', staged.configPath, '--json'], { env: { DTHM_TEST_KEY: peer.keyPath } });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as PassResult;
    expect(result.hosts).toHaveLength(1);
    expect(result.hosts[0]).toMatchObject({ name: 'lab1', site: 's01-lab', status: 'ok', logBytesRead: statSync(log).size });
    expect(result.hosts[0]!.findings.map((f) => f.category)).toContain('auth.invalid_user');
  });
});
