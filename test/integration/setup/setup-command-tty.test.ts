import { EventEmitter } from 'node:events';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setup } from '../../../src/cli/commands/setup.js';
import type { CliIo } from '../../../src/cli/output.js';
import type { TtyInput } from '../../../src/setup/password-prompt.js';
import { startSshd, type SshdPeer } from '../../helpers/sshd.js';
import { canTestSudo, throwawayUsers } from '../../helpers/sudo.js';

const PASSWORD = 'in-Process pass 9';

/** A terminal that answers the password question with `answer` (keys as typed) as soon as it is asked. */
class AnsweringTty extends EventEmitter implements TtyInput {
  isTTY = true;
  constructor(private readonly answer: string) {
    super();
  }
  setRawMode(): this {
    return this;
  }
  setEncoding(): this {
    return this;
  }
  resume(): this {
    setImmediate(() => this.emit('data', this.answer));
    return this;
  }
  pause(): this {
    return this;
  }
}

/**
 * The setup command in-process with a terminal stand-in: the prompt is asked once on stderr, Ctrl-C exits 130 with
 * nothing pushed, and a typed password installs the key (exit 0). The real pty is the e2e test's (tmux).
 */
describe('dthostmon setup --push-keys, in-process', () => {
  const users = throwawayUsers();
  let peer: SshdPeer | null = null;
  let dir = '';
  let user = '';

  beforeAll(async () => {
    if (!(await canTestSudo())) return;
    user = await users.addWithPassword('dthmip', PASSWORD);
    peer = await startSshd({ passwordUsers: [user] });
    if (!peer) return;
    dir = await mkdtemp(join(tmpdir(), 'dthm-setup-tty-'));
    await chmod(dir, 0o755);
    await writeFile(join(dir, 'app.log'), 'x\n', { mode: 0o644 });
    await writeFile(join(dir, 'known_hosts'), `${peer.knownHostsLine}\n`);
    await writeFile(
      join(dir, 'dthostmon.yaml'),
      [
        'global: {track_changes: false}',
        `ssh: {key_path: ${peer.keyPath}, known_hosts: ${join(dir, 'known_hosts')}}`,
        'hosts:',
        `  - {name: fresh, hostname: 127.0.0.1, port: ${peer.port}, user: ${user}, logs: ["${join(dir, 'app.log')}"]}`,
        '',
      ].join('\n'),
    );
  }, 60_000);
  afterAll(async () => {
    await peer?.stop();
    await users.remove();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function run(answer: string): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const io: CliIo = { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) }, env: { NO_COLOR: '1' }, cwd: dir };
    const code = await setup({
      config: join(dir, 'dthostmon.yaml'),
      verbose: false,
      quiet: false,
      json: false,
      io,
      hosts: [],
      generateKey: false,
      pushKeys: true,
      stdin: new AnsweringTty(answer),
    });
    return { code, stdout, stderr };
  }

  it('Ctrl-C at the prompt exits 130 and pushes nothing', async () => {
    if (!peer) return;
    const res = await run('abc\u0003');
    expect(res.code).toBe(130);
    expect(res.stderr).toBe(
      `The monitor's key will be added to ~/.ssh/authorized_keys of: ${user}@127.0.0.1:${peer.port}\n` +
        'SSH password for the monitoring user (used for 1 host, not stored): \ndthostmon: cancelled: no key was pushed\n',
    );
    expect(res.stdout).toBe('');
    await expect(readFile(`/home/${user}/.ssh/authorized_keys`, 'utf8')).rejects.toThrow();
  });

  it('a typed password installs the key and the host is then ready (exit 0)', async () => {
    if (!peer) return;
    const res = await run(`${PASSWORD}\r`);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('fresh (');
    expect(res.stdout).toContain('✓ Key push: key added to ~/.ssh/authorized_keys');
    expect(res.stdout).toContain('All 1 host ready for dthostmon run; key installed on 1 host.');
    expect(res.stdout + res.stderr).not.toContain(PASSWORD);
  });
});
