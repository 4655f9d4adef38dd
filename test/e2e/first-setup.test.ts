/**
 * Issue #7's "done when", as one user would do it: a divtools sites tree, `sync-config --dry-run` (a correct diff,
 * nothing written), `sync-config` for real, `config validate`, then in a terminal `setup --generate-key --push-keys`
 * (the password typed once, hidden) and `dthostmon run` on the result, against a real sshd whose user has only a
 * password at first.
 */
import { chmodSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startSshd, type SshdPeer } from '../helpers/sshd.js';
import { canTestSudo, throwawayUsers } from '../helpers/sudo.js';
import { canUseTmux, startTmux, type TmuxSession } from '../helpers/tmux.js';
import { assertBuilt, binPath, repoRoot, runCli, tempDir, writeFile } from '../helpers/cli.js';

const PASSWORD = 'first Setup pw 9';

describe('from a divtools tree to a monitored host', () => {
  const dir = tempDir('dthm-first-setup-');
  const users = throwawayUsers();
  const sessions: TmuxSession[] = [];
  let peer: SshdPeer | null = null;
  let user = '';
  let isTmux = false;

  beforeAll(async () => {
    assertBuilt();
    chmodSync(dir, 0o755);
    isTmux = await canUseTmux();
    if (!(await canTestSudo())) return;
    user = await users.addWithPassword('dthmfs', PASSWORD);
    peer = await startSshd({ passwordUsers: [user] });
  }, 60_000);
  afterAll(async () => {
    for (const session of sessions) await session.kill();
    await peer?.stop();
    await users.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sync-config --dry-run, sync-config, setup --generate-key --push-keys, run', async () => {
    if (!peer || !isTmux) return;
    const sites = join(dir, 'sites');
    const appLog = writeFile(join(dir, 'app.log'), 'Nov 25 10:00:00 lab1 app[1]: started\n');
    mkdirSync(join(sites, 's01-lab', 'lab1'), { recursive: true });
    mkdirSync(join(sites, 's01-lab', 'media'), { recursive: true });
    writeFile(join(sites, 's01-lab', '.env.s01-lab'), 'export DTHM_SITE_TAGS=lab   # one tag, still a list\n');
    writeFile(
      join(sites, 's01-lab', 'lab1', '.env.lab1'),
      ['DTHM_HOST_HOSTNAME=127.0.0.1', `export DTHM_HOST_PORT=${peer.port}`, `DTHM_HOST_USER=${user}`, `DTHM_HOST_LOGS=${appLog}`, 'DTHM_HOST_TRACK_CHANGES=no', ''].join('\n'),
    );
    const keyPath = join(dir, 'keys', 'id_ed25519');
    const config = writeFile(
      join(dir, 'dthostmon.yaml'),
      [
        '# yaml-language-server: $schema=../examples/dthostmon.schema.json',
        'global:',
        `  reports_dir: ${dir}/reports   # kept by sync`,
        'database:',
        `  path: ${dir}/dthostmon.db`,
        'ssh:',
        `  key_path: ${keyPath}`,
        `  known_hosts: ${dir}/known_hosts`,
        '',
      ].join('\n'),
    );
    const original = readFileSync(config, 'utf8');
    const env = { DOCKER_SITES_DIR: sites };

    const dry = await runCli(['sync-config', '-c', config, '--dry-run'], { env });
    expect(dry.code).toBe(0);
    expect(dry.stdout.startsWith(`--- ${config}\n+++ ${config}\n@@ `)).toBe(true);
    expect(dry.stdout).toContain(['+sites:', '+  s01-lab:', '+    tags:', '+      - lab', '+hosts:', '+  - name: lab1', '+    site: s01-lab', '+    hostname: 127.0.0.1', `+    port: ${peer.port}`, `+    user: ${user}`].join('\n'));
    expect(dry.stderr).toContain('s01-lab/media: no dthostmon configuration');
    expect(readFileSync(config, 'utf8')).toBe(original);

    const sync = await runCli(['sync-config', '-c', config], { env });
    expect(sync.code).toBe(0);
    expect(readFileSync(config, 'utf8')).toContain(`reports_dir: ${dir}/reports   # kept by sync`);
    expect((await runCli(['config', 'validate', '-c', config])).stdout).toContain('valid (1 hosts, 1 enabled)');

    const session = await startTmux(`${process.execPath} ${binPath} setup --generate-key --push-keys -c ${config}`, {
      width: 200,
      height: 50,
      cwd: repoRoot,
      env: { ...process.env, NO_COLOR: '1', DTHOSTMON_CONFIG: '' },
    });
    sessions.push(session);
    await session.waitFor('SSH password for the monitoring user', 20_000);
    await session.type(PASSWORD);
    await session.keys('Enter');
    expect(await session.waitForExit(30_000)).toBe(0);
    const screen = await session.screen({ history: true });
    expect(screen).toContain('✓ Key push: key added to ~/.ssh/authorized_keys');
    expect(screen).not.toContain(PASSWORD);

    const run = await runCli(['run', '-c', config, '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const pass = JSON.parse(run.stdout) as { hosts: { name: string; site: string | null; status: string }[] };
    expect(pass.hosts).toEqual([expect.objectContaining({ name: 'lab1', site: 's01-lab', status: 'ok' })]);
  }, 120_000);
});
