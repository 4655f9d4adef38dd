import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { connectSsh } from '../../../src/collect/ssh-transport.js';
import { createLocalTransport } from '../../../src/collect/local-transport.js';
import { readKnownHosts } from '../../../src/collect/known-hosts.js';
import { loadConfig } from '../../../src/config/load.js';
import type { CheckDeps } from '../../../src/setup/check-host.js';
import { hostKeyCheckFor } from '../../../src/setup/host-key-status.js';
import { pushKey } from '../../../src/setup/push-key.js';
import { setupHosts } from '../../../src/setup/setup-hosts.js';
import type { PinnedHostKey, ResolvedHost } from '../../../src/types.js';
import { startSshd, type SshdPeer } from '../../helpers/sshd.js';
import { canTestSudo, throwawayUsers } from '../../helpers/sudo.js';

const PASSWORD = 'Corr3ct-horse battery';
const OTHER_PASSWORD = 'another-Secret-42';

function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 1));
    });
  });
}

/**
 * `dthostmon setup` against a real sshd: a host whose key works, two fresh accounts that only have a password (one
 * of them with another password than the one typed), and a closed port. The users are throwaway accounts (root).
 */
describe('setup through a real sshd', () => {
  const users = throwawayUsers();
  let peer: SshdPeer | null = null;
  let dir = '';
  let fresh = '';
  let otherPassword = '';
  let twice = '';
  let hosts: ResolvedHost[] = [];
  let configText = '';

  const deps = (pins: Record<string, PinnedHostKey[]> = {}): CheckDeps => ({
    connectSsh,
    createLocalTransport: async () => createLocalTransport(),
    readKnownHosts,
    pinnedHostKeys: (name) => pins[name] ?? [],
    env: {},
  });
  const byName = (name: string): ResolvedHost => hosts.find((h) => h.name === name) as ResolvedHost;

  beforeAll(async () => {
    if (!(await canTestSudo())) return;
    fresh = await users.addWithPassword('dthmpw', PASSWORD);
    otherPassword = await users.addWithPassword('dthmpx', OTHER_PASSWORD);
    twice = await users.addWithPassword('dthmtw', PASSWORD);
    peer = await startSshd({ passwordUsers: [fresh, otherPassword, twice] });
    if (!peer) return;
    dir = await mkdtemp(join(tmpdir(), 'dthm-setup-ssh-'));
    await chmod(dir, 0o755);
    await writeFile(join(dir, 'app.log'), 'hello\n', { mode: 0o644 });
    await writeFile(join(dir, 'root-only.log'), 'secret\n', { mode: 0o600 });
    await writeFile(join(dir, 'known_hosts'), `${peer.knownHostsLine}\n`);
    const port = await closedPort();
    configText = [
      // Whether this machine has ss or dpkg (a tools warning) is not what these tests are about.
      'global:',
      '  track_changes: false',
      'ssh:',
      `  key_path: ${peer.keyPath}`,
      `  known_hosts: ${join(dir, 'known_hosts')}`,
      '  connect_timeout: 20',
      'hosts:',
      `  - {name: good, hostname: 127.0.0.1, port: ${peer.port}, user: ${peer.user}, logs: ["${join(dir, 'app.log')}"]}`,
      `  - {name: fresh, hostname: 127.0.0.1, port: ${peer.port}, user: ${fresh}, logs: ["${join(dir, 'app.log')}", "${join(dir, 'root-only.log')}", "${join(dir, 'gone.log')}"]}`,
      `  - {name: other, hostname: 127.0.0.1, port: ${peer.port}, user: ${otherPassword}, logs: ["${join(dir, 'app.log')}"]}`,
      `  - {name: closed, hostname: 127.0.0.1, port: ${port}, user: ${peer.user}}`,
      `  - {name: twice-a, hostname: 127.0.0.1, port: ${peer.port}, user: ${twice}, logs: ["${join(dir, 'app.log')}"]}`,
      `  - {name: twice-b, hostname: 127.0.0.1, port: ${peer.port}, user: ${twice}, logs: ["${join(dir, 'app.log')}"]}`,
      '',
    ].join('\n');
    await writeFile(join(dir, 'dthostmon.yaml'), configText);
    hosts = (await loadConfig(join(dir, 'dthostmon.yaml'), { env: {} })).hosts;
  }, 60_000);
  afterAll(async () => {
    await peer?.stop();
    await users.remove();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('passes a host whose key works, with the fingerprint ssh-keygen prints, and fails the closed port with its hint', async () => {
    if (!peer) return;
    const [good, closed] = await setupHosts({ hosts: [byName('good'), byName('closed')], concurrency: 2, pushKeys: false, prompt: null }, deps());
    const expected = (await execa('ssh-keygen', ['-lf', join(peer.dir, 'ssh_host_ed25519_key.pub')])).stdout.split(' ')[1];
    expect(good).toMatchObject({
      status: 'ok',
      connect: { status: 'ok' },
      hostKey: { status: 'ok', source: 'known_hosts', algorithm: 'ssh-ed25519', fingerprint: expected },
      auth: { status: 'ok' },
      sudo: { status: 'skipped', summary: 'not used' },
      logs: { status: 'ok', files: [{ path: join(dir, 'app.log'), state: 'readable', via: 'user' }] },
      tools: { status: 'ok' },
    });
    expect(closed!.status).toBe('fail');
    expect(closed!.connect).toEqual({ status: 'fail', summary: 'refused', hint: expect.stringContaining(`127.0.0.1:${byName('closed').port}`) });
    expect(closed!.hostKey.status).toBe('skipped');
  });

  it('says a refused key can be pushed, and never prompts without a terminal', async () => {
    if (!peer) return;
    const [result] = await setupHosts({ hosts: [byName('fresh')], concurrency: 1, pushKeys: true, prompt: null }, deps());
    expect(result!.auth).toMatchObject({ status: 'fail', summary: 'refused', problem: 'refused' });
    expect(result!.auth.hint).toContain(`ssh-copy-id -i ${peer.keyPath}.pub -p ${peer.port} ${fresh}@127.0.0.1`);
    expect(result!.push).toMatchObject({ status: 'no-tty' });
    expect(result!.push!.detail).toContain('dthostmon setup --push-keys --host fresh');
    expect(result!.status).toBe('fail');
  });

  it('pushes the key with one password, proves it, and fails only the host whose password differs', async () => {
    if (!peer) return;
    const questions: string[] = [];
    const prompt = async (question: string): Promise<string> => {
      questions.push(question);
      return PASSWORD;
    };
    const results = await setupHosts(
      { hosts: [byName('good'), byName('fresh'), byName('other'), byName('closed')], concurrency: 3, pushKeys: true, prompt },
      deps(),
    );
    expect(questions).toEqual(['SSH password for the monitoring user (used for 2 hosts, not stored): ']);
    const [good, pushed, rejected, closed] = results;
    expect(good!.status).toBe('ok');
    expect(good!.push).toBeUndefined();
    expect(pushed!.push).toMatchObject({ status: 'installed' });
    expect(pushed!.auth.status).toBe('ok');
    // Checked again with the key: the log checks ran as the new user.
    expect(pushed!.logs.files.map((f) => [f.path, f.state])).toEqual([
      [join(dir, 'app.log'), 'readable'],
      [join(dir, 'root-only.log'), 'unreadable'],
      [join(dir, 'gone.log'), 'missing'],
    ]);
    expect(pushed!.logs.hint).toContain(`${fresh} cannot read ${join(dir, 'root-only.log')} (root:root mode 600): set sudo: true`);
    expect(pushed!.logs.hint).toContain(`${join(dir, 'gone.log')} does not exist on the host`);
    expect(rejected!.push).toMatchObject({ status: 'password-rejected' });
    expect(rejected!.status).toBe('fail');
    expect(closed!.connect.summary).toBe('refused');
    expect(JSON.stringify(results)).not.toContain(PASSWORD);

    const home = `/home/${fresh}`;
    expect((await stat(`${home}/.ssh`)).mode & 0o777).toBe(0o700);
    expect((await stat(`${home}/.ssh/authorized_keys`)).mode & 0o777).toBe(0o600);
    const publicKey = (await readFile(`${peer.keyPath}.pub`, 'utf8')).split(' ').slice(0, 2).join(' ');
    const lines = (await readFile(`${home}/.ssh/authorized_keys`, 'utf8')).split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(publicKey);

    // A second push finds the key and adds nothing.
    const host = byName('fresh');
    const again = await pushKey(host, PASSWORD, {
      publicKey: lines[0]!,
      fingerprint: 'SHA256:x',
      check: hostKeyCheckFor(host, await readKnownHosts(join(dir, 'known_hosts')), []),
    });
    expect(again.status).toBe('present');
    expect((await readFile(`${home}/.ssh/authorized_keys`, 'utf8')).split('\n').filter((l) => l !== '')).toHaveLength(1);
    // And the next setup finds nothing to push.
    const [next] = await setupHosts({ hosts: [host], concurrency: 1, pushKeys: true, prompt: async () => fail('no prompt expected') }, deps());
    expect(next!.auth.status).toBe('ok');
    expect(next!.push).toBeUndefined();
  }, 60_000);

  it('shows a new host key as new (to be pinned by run) and refuses a changed one before any password is sent', async () => {
    if (!peer) return;
    await writeFile(join(dir, 'empty_known_hosts'), '');
    const altDir = join(dir, 'alt');
    await mkdir(altDir);
    await writeFile(join(altDir, 'dthostmon.yaml'), configText.replace(join(dir, 'known_hosts'), join(dir, 'empty_known_hosts')));
    const alt = (await loadConfig(join(altDir, 'dthostmon.yaml'), { env: {} })).hosts;
    const [fresh1] = await setupHosts({ hosts: [alt.find((h) => h.name === 'good')!], concurrency: 1, pushKeys: false, prompt: null }, deps());
    expect(fresh1!.hostKey).toMatchObject({ status: 'warn', summary: 'new', source: 'new' });
    expect(fresh1!.hostKey.hint).toContain('will be pinned on the first run (accept-new)');
    expect(fresh1!.status).toBe('warn');

    const other = (await execa('ssh-keygen', ['-lf', `${peer.keyPath}.pub`])).stdout.split(' ')[1] as string;
    const wrongPin: PinnedHostKey = {
      algorithm: 'ssh-ed25519',
      key: (await readFile(`${peer.keyPath}.pub`, 'utf8')).split(' ')[1] as string,
      fingerprint: other,
      firstSeen: '2026-01-01T00:00:00Z',
      lastSeen: '2026-01-01T00:00:00Z',
    };
    let isAsked = false;
    const [changed] = await setupHosts(
      { hosts: [alt.find((h) => h.name === 'other')!], concurrency: 1, pushKeys: true, prompt: async () => ((isAsked = true), PASSWORD) },
      deps({ other: [wrongPin] }),
    );
    expect(changed!.hostKey).toMatchObject({ status: 'fail', summary: 'CHANGED' });
    expect(changed!.hostKey.hint).toContain(`expected ${other} (pinned 2026-01-01T00:00:00Z)`);
    expect(changed!.auth.summary).toBe('not tried');
    expect(isAsked).toBe(false);
  });

  it('tests sudo -n sh -s only where sudo: true, and reads the logs as root there', async () => {
    if (!peer) return;
    const admLog = join(dir, 'adm.log');
    await writeFile(admLog, 'x\n', { mode: 0o640 });
    await execa('chown', ['root:adm', admLog]);
    const otherHost = byName('other');
    const pushed = await pushKey(otherHost, OTHER_PASSWORD, {
      publicKey: (await readFile(`${peer.keyPath}.pub`, 'utf8')).trim(),
      fingerprint: 'SHA256:x',
      check: hostKeyCheckFor(otherHost, await readKnownHosts(join(dir, 'known_hosts')), []),
    });
    expect(pushed.status).toBe('installed');
    const logs = [admLog, join(dir, 'root-only.log')];
    const [asRoot, refused, plain] = await setupHosts(
      {
        hosts: [
          { ...byName('good'), sudo: true, logs },
          { ...otherHost, name: 'other-sudo', sudo: true, logs },
          { ...otherHost, logs },
        ],
        concurrency: 1,
        pushKeys: false,
        prompt: null,
      },
      deps(),
    );
    expect(asRoot!.sudo).toEqual({ status: 'ok', summary: 'ok (root)' });
    expect(asRoot!.logs.files.map((f) => [f.state, f.via])).toEqual([
      ['readable', 'sudo'],
      ['readable', 'sudo'],
    ]);
    expect(refused!.sudo.status).toBe('fail');
    expect(refused!.sudo.hint).toMatch(/^sudo: sudo -n refused: .*\(allow NOPASSWD for "sh" for user dthmpx/);
    expect(plain!.sudo).toEqual({ status: 'skipped', summary: 'not used' });
    expect(plain!.logs.hint!.split('\n')).toEqual([
      `${otherPassword} cannot read ${admLog} (root:adm mode 640): add it to group adm (usermod -aG adm ${otherPassword}; effective at its next login), or set sudo: true`,
      `${otherPassword} cannot read ${join(dir, 'root-only.log')} (root:root mode 600): set sudo: true for this host, or grant read access (setfacl -m u:${otherPassword}:r ${join(dir, 'root-only.log')})`,
    ]);
  });

  it('pushes once to an account that two host entries name, and proves the key on both', async () => {
    if (!peer) return;
    const results = await setupHosts({ hosts: [byName('twice-a'), byName('twice-b')], concurrency: 2, pushKeys: true, prompt: async () => PASSWORD }, deps());
    expect(results.map((r) => [r.name, r.status, r.auth.status, r.push?.status])).toEqual([
      ['twice-a', 'ok', 'ok', 'installed'],
      ['twice-b', 'ok', 'ok', 'installed'],
    ]);
    const lines = (await readFile(`/home/${twice}/.ssh/authorized_keys`, 'utf8')).split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(1);
  });

  it('tells a server without password logins from a wrong password', async () => {
    if (!peer) return;
    const host = byName('good');
    const result = await pushKey(host, 'whatever', {
      publicKey: (await readFile(`${peer.keyPath}.pub`, 'utf8')).trim(),
      fingerprint: 'SHA256:x',
      check: hostKeyCheckFor(host, await readKnownHosts(join(dir, 'known_hosts')), []),
    });
    expect(result.status).toBe('password-not-allowed');
    expect(result.detail).toContain('PasswordAuthentication no');
  });

  it('checks the key file itself: a missing key still gets the connection and host key checked', async () => {
    if (!peer) return;
    const host = { ...byName('good'), ssh: { ...byName('good').ssh, keyPath: join(dir, 'no-such-key') } };
    const [result] = await setupHosts({ hosts: [host], concurrency: 1, pushKeys: true, prompt: null }, deps());
    expect(result).toMatchObject({ connect: { status: 'ok' }, hostKey: { status: 'ok', source: 'known_hosts' }, auth: { status: 'fail', problem: 'no-key' } });
    expect(result!.auth.hint).toContain('--generate-key');
    expect(result!.push).toMatchObject({ status: 'no-key' });
  });
});
