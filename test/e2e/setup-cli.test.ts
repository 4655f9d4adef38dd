import { chmodSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { startSshd, type SshdPeer } from '../helpers/sshd.js';
import { canTestSudo, throwawayUsers } from '../helpers/sudo.js';
import { canUseTmux, startTmux, type TmuxSession } from '../helpers/tmux.js';
import { assertBuilt, binPath, repoRoot, runCli, tempDir, writeFile } from '../helpers/cli.js';

const PASSWORD = 'Tmux-typed pass 7';

/** The lines of a private key's base64 body: none may appear in any output. */
function privateKeyLines(path: string): string[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('-----'));
}

function expectNoSecrets(text: string, keyPath: string): void {
  expect(text).not.toContain(PASSWORD);
  expect(text).not.toContain('PRIVATE KEY');
  for (const line of privateKeyLines(keyPath)) expect(text).not.toContain(line);
}

/**
 * `dthostmon setup` through the built CLI: --generate-key, --json, no terminal (no prompt, says what to run), and in
 * tmux the hidden password prompt, Ctrl-C, the key push, and then `dthostmon run` working with the pushed key.
 */
describe('dthostmon setup (built CLI)', () => {
  const dir = tempDir('dthm-e2e-setup-');
  const users = throwawayUsers();
  const sessions: TmuxSession[] = [];
  let peer: SshdPeer | null = null;
  let noTty = '';
  let pushUser = '';
  let isTmux = false;
  const appLog = join(dir, 'app.log');

  beforeAll(async () => {
    assertBuilt();
    chmodSync(dir, 0o755);
    writeFile(appLog, 'Nov 25 10:00:00 h1 app[1]: started\n');
    isTmux = await canUseTmux();
    if (!(await canTestSudo())) return;
    noTty = await users.addWithPassword('dthmnt', PASSWORD);
    pushUser = await users.addWithPassword('dthmpk', PASSWORD);
    peer = await startSshd({ passwordUsers: [noTty, pushUser] });
    if (peer) writeFile(join(dir, 'known_hosts'), `${peer.knownHostsLine}\n`);
  }, 60_000);
  afterAll(async () => {
    for (const session of sessions) await session.kill();
    await peer?.stop();
    await users.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A config `<sub>.yaml` for `hosts` (YAML flow maps) with this key; its store and reports under `<sub>/`. */
  const config = (sub: string, hosts: string[], keyPath: string): string => {
    const at = join(dir, sub);
    return writeFile(
      join(dir, `${sub}.yaml`),
      [
        'global:',
        `  reports_dir: ${at}/reports`,
        'database:',
        `  path: ${at}/dthostmon.db`,
        'ssh:',
        `  key_path: ${keyPath}`,
        `  known_hosts: ${join(dir, 'known_hosts')}`,
        'hosts:',
        ...hosts.map((h) => `  - ${h}`),
        '',
      ].join('\n'),
    );
  };
  // No change tracking: whether this machine has ss or dpkg (a warning) is not what these tests are about.
  const local = `{name: here, transport: local, track_changes: false, logs: ["${appLog}"]}`;
  const sshHost = (name: string, user: string) => `{name: ${name}, hostname: 127.0.0.1, port: ${peer!.port}, user: ${user}, logs: ["${appLog}"]}`;

  it('--generate-key creates the key once (0600/0644, readable by OpenSSH) and then leaves it alone', async () => {
    const keyPath = join(dir, 'gen/.ssh/id_ed25519');
    const cfg = config('gen', [local], keyPath);
    const first = await runCli(['setup', '--generate-key', '-c', cfg]);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(statSync(keyPath).mode & 0o777).toBe(0o600);
    expect(statSync(`${keyPath}.pub`).mode & 0o777).toBe(0o644);
    const fingerprint = (await execa('ssh-keygen', ['-lf', keyPath])).stdout.split(' ')[1] as string;
    const publicKey = (await execa('ssh-keygen', ['-y', '-f', keyPath])).stdout.trim();
    expect(first.stdout).toContain(`✓ created ${keyPath} (Ed25519) and ${keyPath}.pub (${fingerprint})`);
    expect(first.stdout).toContain(`public key: ${publicKey}`);
    expect(first.stdout).toMatch(/All 1 host ready for dthostmon run\./);
    const before = readFileSync(keyPath, 'utf8');

    const second = await runCli(['setup', '--generate-key', '-c', cfg]);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain(`${keyPath} exists: left unchanged (${fingerprint})`);
    expect(readFileSync(keyPath, 'utf8')).toBe(before);
    expectNoSecrets(first.stdout + first.stderr + second.stdout + second.stderr, keyPath);
  });

  it('--json prints the structured results; an unreachable host exits 1', async () => {
    const cfg = config('json', [local, '{name: gone, hostname: 127.0.0.1, port: 1, user: nobody}'], join(dir, 'json-key'));
    const res = await runCli(['setup', '--json', '-c', cfg]);
    expect(res.code).toBe(1);
    expect(res.stderr).toBe('');
    const doc = JSON.parse(res.stdout) as { config: string; notes: string[]; hosts: Array<Record<string, unknown>>; summary: unknown };
    expect(doc.config).toBe(cfg);
    expect(doc.summary).toEqual({ hosts: 2, ok: 1, warn: 0, fail: 1 });
    expect(doc.hosts.map((h) => [h.name, h.target, h.status])).toEqual([
      ['here', 'local', 'ok'],
      ['gone', 'nobody@127.0.0.1:1', 'fail'],
    ]);
    expect(doc.hosts[0]).toMatchObject({ logs: { status: 'ok', files: [{ path: appLog, state: 'readable', via: 'user' }] }, tools: { found: expect.any(Object) } });
    expect(doc.hosts[1]).toMatchObject({
      connect: { status: 'fail', summary: 'refused', hint: 'nothing listens on 127.0.0.1:1: is sshd running there, and is port 1 right?' },
      hostKey: { status: 'skipped', fingerprint: null },
      auth: { status: 'skipped' },
    });
  });

  it('without a terminal, --push-keys asks nothing and says what to run (exit 1)', async () => {
    if (!peer) return;
    const keyPath = join(dir, 'nt-key');
    const cfg = config('nt', [sshHost('fresh', noTty)], keyPath);
    expect((await runCli(['setup', '--generate-key', '-c', cfg])).code).toBe(1);
    const res = await runCli(['setup', '--push-keys', '-c', cfg]);
    expect(res.code).toBe(1);
    expect(res.stderr).not.toContain('password');
    expect(res.stdout).toContain('✗ Auth: ');
    expect(res.stdout).toContain('✗ Key push: stdin is not a terminal, so no password was asked: run `dthostmon setup --push-keys --host fresh` in a terminal');
    expect(res.stdout).toContain(`ssh-copy-id -i ${keyPath}.pub -p ${peer.port} ${noTty}@127.0.0.1`);
    expectNoSecrets(res.stdout + res.stderr, keyPath);
  });

  it('in a terminal: the prompt hides the password, Ctrl-C cancels (130), the key is pushed, and run works with it', async () => {
    if (!peer || !isTmux) return;
    const keyPath = join(dir, 'pk/.ssh/id_ed25519');
    const cfg = config('pk', [sshHost('fresh', pushUser)], keyPath);
    const setup = async (flags: string): Promise<TmuxSession> => {
      const session = await startTmux(`${process.execPath} ${binPath} setup ${flags} -c ${cfg}`, {
        width: 200,
        height: 50,
        cwd: repoRoot,
        env: { ...process.env, NO_COLOR: '1', DTHOSTMON_CONFIG: '' },
      });
      sessions.push(session);
      return session;
    };
    const prompt = 'SSH password for the monitoring user (used for 1 host, not stored): ';

    const cancel = await setup('--generate-key --push-keys');
    await cancel.waitFor(prompt, 20_000);
    await cancel.type('half typed');
    await cancel.keys('C-c');
    expect(await cancel.waitForExit(20_000)).toBe(130);
    const cancelled = await cancel.screen({ history: true });
    expect(cancelled).toContain('dthostmon: cancelled: no key was pushed');
    expect(cancelled).not.toContain('half typed');

    const push = await setup('--push-keys');
    await push.waitFor(prompt, 20_000);
    expect(await push.screen()).toContain(`The monitor's key will be added to ~/.ssh/authorized_keys of: ${pushUser}@127.0.0.1:${peer.port}`);
    await push.type(PASSWORD);
    expect(await push.screen()).not.toContain(PASSWORD);
    await push.keys('Enter');
    expect(await push.waitForExit(30_000)).toBe(0);
    const pushed = await push.screen({ history: true });
    expect(pushed).toContain('✓ Key push: key added to ~/.ssh/authorized_keys');
    expect(pushed).toContain('All 1 host ready for dthostmon run; key installed on 1 host.');
    expectNoSecrets(cancelled + pushed, keyPath);
    expect(readFileSync(`/home/${pushUser}/.ssh/authorized_keys`, 'utf8')).toBe(`${readFileSync(`${keyPath}.pub`, 'utf8').trim()}\n`);

    const run = await runCli(['run', '-c', cfg]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
  }, 90_000);
});
