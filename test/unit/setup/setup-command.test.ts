/**
 * `dthostmon setup` in-process (the e2e test spawns the built binary): the text, quiet and JSON forms, `--host`
 * selection, and usage errors. Local hosts and a closed loopback port only: the SSH cases are integration tests.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../helpers/cli.js';
import { cli } from '../../helpers/cli-in-process.js';

describe('dthostmon setup (in-process)', () => {
  const dir = tempDir('dthm-setup-cmd-');
  const log = join(dir, 'app.log');
  writeFileSync(log, 'x\n');
  const config = join(dir, 'dthostmon.yaml');
  writeFileSync(
    config,
    [
      'global: {track_changes: false}',
      'database: {path: "${DB_DIR}/dthostmon.db"}',
      `ssh: {key_path: ${join(dir, 'id_ed25519')}}`,
      'hosts:',
      `  - {name: here, transport: local, logs: ["${log}"]}`,
      '  - {name: gone, hostname: 127.0.0.1, port: 1, user: nobody}',
      `  - {name: off, transport: local, enabled: false, logs: ["${join(dir, 'missing.log')}"]}`,
      '',
    ].join('\n'),
  );
  const env = { DB_DIR: dir };

  it('prints the table, the hints of the failing host and the summary; exit 1', async () => {
    const res = await cli(['setup', '-c', config], { env });
    expect(res.code).toBe(1);
    expect(res.stderr).toBe('');
    expect(res.stdout).toMatch(/│ here +│ local +│ local +│ local +│ local +│ not used +│ 1 readable +│/);
    expect(res.stdout).toMatch(/│ gone +│ nobody@127\.0\.0\.1:1 +│ ✗ refused +│/);
    expect(res.stdout).not.toContain('│ off ');
    expect(res.stdout).toContain('gone (nobody@127.0.0.1:1):\n  ✗ Connect: nothing listens on 127.0.0.1:1: is sshd running there, and is port 1 right?');
    expect(res.stdout.trim().split('\n').at(-1)).toBe('2 hosts checked: 1 ready, 0 with warnings, 1 failed.');
  });

  it('--host checks a disabled host too; -q prints only problems', async () => {
    const res = await cli(['setup', '-c', config, '--host', 'off', '-q'], { env });
    expect(res.code).toBe(1);
    expect(res.stdout).toBe(`off (local):\n  ✗ Logs: ${join(dir, 'missing.log')} does not exist on the host: fix logs in the config, or remove it\n\n1 host checked: 0 ready, 0 with warnings, 1 failed.\n`);
    const quietOk = await cli(['setup', '-c', config, '--host', 'here', '-q'], { env });
    expect([quietOk.code, quietOk.stdout, quietOk.stderr]).toEqual([0, '', '']);
  });

  it('--json with --generate-key carries the key result; the private key never appears', async () => {
    const res = await cli(['setup', '-c', config, '--host', 'here', '--generate-key', '--json'], { env });
    expect(res.code).toBe(0);
    const doc = JSON.parse(res.stdout) as { keys: Array<{ path: string; status: string; publicKey: string }>; hosts: Array<{ name: string; status: string }> };
    expect(doc.keys).toEqual([expect.objectContaining({ path: join(dir, 'id_ed25519'), status: 'created', publicKey: expect.stringMatching(/^ssh-ed25519 /) })]);
    expect(doc.hosts.map((h) => [h.name, h.status])).toEqual([['here', 'ok']]);
    expect(res.stdout + res.stderr).not.toContain('PRIVATE KEY');
  });

  it('an unknown --host is a usage error (exit 2)', async () => {
    const res = await cli(['setup', '-c', config, '--host', 'nope'], { env });
    expect(res.code).toBe(2);
    expect(res.stderr).toBe(`dthostmon: --host nope: no such host in ${config} (known: here, gone, off)\n`);
  });

  it('says so when every host is disabled', async () => {
    const none = join(dir, 'none.yaml');
    writeFileSync(none, `database: {path: "${join(dir, 'none.db')}"}\nhosts:\n  - {name: off, transport: local, enabled: false}\n`);
    const res = await cli(['setup', '-c', none]);
    expect([res.code, res.stdout]).toEqual([0, 'No host to check: every host is disabled (name them with --host to check them anyway).\n']);
  });
});
