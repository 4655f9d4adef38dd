/**
 * Keys and host-key trust against a real OpenSSH sshd (issue #3 item 1): client key types, permissions, passphrase,
 * ssh-agent, known_hosts (plain, hashed, mismatch), strict policy, and trust on first use through runPass: a second
 * server with another host key on the same port is refused before authentication and becomes a crit finding.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFile, chmod, copyFile, readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { connectSsh } from '../../../src/collect/ssh-transport.js';
import { createTransportFactory } from '../../../src/collect/create-transport.js';
import { HostKeyChangedError, HostKeyRefusedError } from '../../../src/collect/host-key-policy.js';
import { ClientKeyError } from '../../../src/collect/ssh-keys.js';
import { loadConfig } from '../../../src/config/load.js';
import { runPass } from '../../../src/run-pass.js';
import { startSshd, type SshdPeer } from '../../helpers/sshd.js';
import { openTestStore, type TestStore } from '../../helpers/store.js';
import { tempDir } from '../../helpers/cli.js';
import type { ResolvedHost } from '../../../src/types.js';
import { testHost } from './host-fixture.js';

const signal = new AbortController().signal;
const dir = tempDir('dthm-trust-');
let peer: SshdPeer | null = null;

beforeAll(async () => {
  peer = await startSshd();
});
afterAll(async () => {
  await peer?.stop();
});

const host = (ssh: Partial<ResolvedHost['ssh']> = {}) =>
  testHost({ transport: 'ssh', port: peer!.port, user: peer!.user, ssh: { keyPath: peer!.keyPath, connectTimeoutMs: 5000, ...ssh } });

/** A client key from ssh-keygen, authorized on the test server unless told otherwise. */
async function clientKey(name: string, args: string[], options: { passphrase?: string; authorize?: boolean } = {}): Promise<string> {
  const path = join(dir, name);
  await execa('ssh-keygen', ['-q', ...args, '-N', options.passphrase ?? '', '-C', name, '-f', path]);
  if (options.authorize ?? true) await appendFile(join(peer!.dir, 'authorized_keys', peer!.user), await readFile(`${path}.pub`));
  return path;
}

async function ping(t: Awaited<ReturnType<typeof connectSsh>>): Promise<string> {
  try {
    return (await t.exec('echo ok', { timeoutMs: 30_000 })).stdout;
  } finally {
    await t.close();
  }
}

describe('client keys against a real sshd', () => {
  it('logs in with Ed25519 and RSA 4096 keys', async () => {
    if (!peer) return;
    expect(await ping(await connectSsh(host(), { signal }))).toBe('ok\n');
    const rsa = await clientKey('rsa4096', ['-t', 'rsa', '-b', '4096']);
    expect(await ping(await connectSsh(host({ keyPath: rsa }), { signal }))).toBe('ok\n');
  }, 90_000);

  it('refuses an authorized RSA 2048 key before connecting, and a key file readable by others', async () => {
    if (!peer) return;
    const rsa = await clientKey('rsa2048', ['-t', 'rsa', '-b', '2048']);
    const err = await connectSsh(host({ keyPath: rsa }), { signal }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClientKeyError);
    expect((err as Error).message).toBe(
      `ssh ${peer.user}@127.0.0.1:${peer.port}: refused private key ${rsa}: RSA 2048 bits: too weak ` +
        '(use Ed25519, ECDSA >= 256 bits or RSA >= 4096 bits) (NR-SEC-001)',
    );
    const open = await clientKey('open', ['-t', 'ed25519']);
    await chmod(open, 0o644);
    await expect(connectSsh(host({ keyPath: open }), { signal })).rejects.toThrow(
      `ssh ${peer.user}@127.0.0.1:${peer.port}: permissions 0644 for '${open}' are too open`,
    );
  });

  it('decrypts an encrypted key with the passphrase from the variable named in config', async () => {
    if (!peer) return;
    const secret = 'tr0ub4dor & 3';
    const path = await clientKey('encrypted', ['-t', 'ed25519'], { passphrase: secret });
    const ssh = { keyPath: path, passphraseEnv: 'DTHM_TEST_PASSPHRASE' };
    expect(await ping(await connectSsh(host(ssh), { signal, env: { DTHM_TEST_PASSPHRASE: secret } }))).toBe('ok\n');
    const missing = await connectSsh(host(ssh), { signal, env: {} }).catch((e: Error) => e);
    expect((missing as Error).message).toContain('the key is encrypted and DTHM_TEST_PASSPHRASE (ssh.key_passphrase_env) is not set');
    const wrong = await connectSsh(host(ssh), { signal, env: { DTHM_TEST_PASSPHRASE: 'not it' } }).catch((e: Error) => e);
    expect((wrong as Error).message).toContain('wrong passphrase in DTHM_TEST_PASSPHRASE');
    expect((wrong as Error).message).not.toContain('not it');
  });

  describe('with a real ssh-agent', () => {
    let agent: ChildProcess | null = null;
    const socket = join(dir, 'agent.sock');
    beforeAll(async () => {
      if (!peer) return;
      // -D: in the foreground, so this test owns the process and stops it by its pid.
      agent = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
      const deadline = Date.now() + 5000;
      while (Date.now() < deadline && (await execa('ssh-add', ['-l'], { env: { SSH_AUTH_SOCK: socket }, reject: false })).exitCode === 2) {
        await new Promise((r) => setTimeout(r, 50));
      }
    });
    afterAll(() => {
      agent?.kill('SIGTERM');
    });

    it('skips weak agent keys and says so, then logs in with a strong one', async () => {
      if (!peer) return;
      const env = { SSH_AUTH_SOCK: socket };
      const weak = await clientKey('agent-rsa2048', ['-t', 'rsa', '-b', '2048']);
      await execa('ssh-add', [weak], { env });
      const refused = await connectSsh(host({ keyPath: null }), { signal, env }).catch((e: Error) => e);
      expect((refused as Error).message).toBe(
        `ssh ${peer.user}@127.0.0.1:${peer.port}: authentication failed (publickey); agent keys refused as too weak (NR-SEC-001): RSA 2048 bits`,
      );
      const strong = await clientKey('agent-ed25519', ['-t', 'ed25519']);
      await execa('ssh-add', [strong], { env });
      expect(await ping(await connectSsh(host({ keyPath: null }), { signal, env }))).toBe('ok\n');
      // use_agent with a default key path that does not exist: the agent alone is used, as ssh does.
      const viaOption = testHost({
        transport: 'ssh',
        port: peer.port,
        user: peer.user,
        ssh: { keyPath: join(dir, 'no_such_default_key'), useAgent: true, connectTimeoutMs: 5000 },
        origin: { 'ssh.keyPath': 'default' },
      });
      expect(await ping(await connectSsh(viaOption, { signal, env }))).toBe('ok\n');
      await expect(connectSsh(host({ keyPath: null }), { signal, env: {} })).rejects.toThrow(
        'no private key configured (key_path: null) and SSH_AUTH_SOCK is not set',
      );
    }, 90_000);
  });
});

describe('host keys against a real sshd', () => {
  const knownHosts = async (name: string, lines: string[], hash = false): Promise<string> => {
    const path = join(dir, name);
    await writeFile(path, `${lines.join('\n')}\n`);
    if (hash) await execa('ssh-keygen', ['-H', '-f', path]);
    return path;
  };
  const otherKeyLine = async (): Promise<string> => {
    const path = join(dir, `other-host-${Date.now()}`);
    await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path]);
    const [type, key] = (await readFile(`${path}.pub`, 'utf8')).split(' ');
    return `[127.0.0.1]:${peer!.port} ${type} ${key}`;
  };

  it('strict: connects when known_hosts has the key, plain or hashed by ssh-keygen -H', async () => {
    if (!peer) return;
    const plain = await knownHosts('kh-plain', ['# ours', peer.knownHostsLine]);
    const t = await connectSsh(host({ knownHostsPath: plain, hostKeyPolicy: 'strict' }), { signal });
    expect(t.hostKey?.key).toBe(peer.hostKeyPub.split(' ')[1]);
    expect(await ping(t)).toBe('ok\n');
    const hashed = await knownHosts('kh-hashed', [peer.knownHostsLine], true);
    expect(await readFile(hashed, 'utf8')).not.toContain('127.0.0.1');
    expect(await ping(await connectSsh(host({ knownHostsPath: hashed, hostKeyPolicy: 'strict' }), { signal }))).toBe('ok\n');
  });

  it('strict: refuses a host known_hosts does not list, even with a matching pin', async () => {
    if (!peer) return;
    const first = await connectSsh(host(), { signal });
    await first.close();
    const pin = { ...first.hostKey!, firstSeen: 'x', lastSeen: 'x' };
    const empty = await knownHosts('kh-empty', ['# nothing']);
    const err = await connectSsh(host({ knownHostsPath: empty, hostKeyPolicy: 'strict' }), { signal, pinnedHostKeys: [pin] }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(HostKeyRefusedError);
    expect((err as Error).message).toMatch(/host key SHA256:\S+ \(ssh-ed25519\) is not in known_hosts .*kh-empty and ssh.host_key_policy is strict/);
  });

  it('refuses a known_hosts mismatch before authentication, naming both fingerprints', async () => {
    if (!peer) return;
    const before = peer.log().split('\n').filter((l) => /Accepted publickey/.test(l)).length;
    const wrong = await knownHosts('kh-wrong', [await otherKeyLine()]);
    const err = await connectSsh(host({ knownHostsPath: wrong }), { signal }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(HostKeyChangedError);
    expect((err as Error).message).toMatch(
      new RegExp(`^ssh ${peer.user}@127\\.0\\.0\\.1:${peer.port}: host key changed: expected SHA256:\\S+ \\(ssh-ed25519, .*kh-wrong:1\\), the server presented SHA256:\\S+ \\(ssh-ed25519\\)`),
    );
    expect((err as Error).message).not.toContain(peer.hostKeyPub.split(' ')[1]);
    await new Promise((r) => setTimeout(r, 200));
    expect(peer.log().split('\n').filter((l) => /Accepted publickey/.test(l)).length).toBe(before);
  });
});

describe('trust on first use through runPass (SQLite)', () => {
  let store: TestStore;
  let second: SshdPeer | null = null;
  beforeAll(async () => {
    store = await openTestStore('sqlite');
  });
  afterAll(async () => {
    await second?.stop();
    await store.cleanup();
  });

  it('pins the key on the first pass; another key on the same port is a crit finding and nothing is collected', async () => {
    if (!peer) return;
    const log = join(dir, 'tofu.log');
    await writeFile(log, 'Nov 25 10:00:00 web sshd[1]: Server listening on 0.0.0.0 port 22.\n');
    // The key outlives the first server (stopping it removes its directory).
    const keyPath = join(dir, 'tofu_ed25519');
    await copyFile(peer.keyPath, keyPath);
    await chmod(keyPath, 0o600);
    const configPath = join(dir, 'tofu.yaml');
    await writeFile(
      configPath,
      [
        'ssh:',
        `  known_hosts: ${join(dir, 'no_known_hosts')}`,
        'hosts:',
        '  - name: tofu',
        '    hostname: 127.0.0.1',
        `    port: ${peer.port}`,
        `    user: ${peer.user}`,
        `    key_path: ${keyPath}`,
        `    logs: ["${log}"]`,
        '',
      ].join('\n'),
    );
    const config = await loadConfig(configPath, { env: {} });
    const deps = () => ({
      store,
      clock: () => new Date(),
      createTransport: createTransportFactory({}),
      runner: hostname(),
      pid: process.pid,
      isPidAlive: () => false,
    });

    const first = await runPass(config, deps());
    expect(first.hosts[0]).toMatchObject({ status: 'ok' });
    const pins = await store.db.selectFrom('host_keys').selectAll().execute();
    expect(pins).toHaveLength(1);
    expect(pins[0]).toMatchObject({ algorithm: 'ssh-ed25519', key: peer.hostKeyPub.split(' ')[1] });
    const pinned = pins[0]!.fingerprint;

    // Same port, new server, new host key: what a man in the middle looks like.
    const port = peer.port;
    const authorized = await readFile(join(peer.dir, 'authorized_keys', peer.user));
    await peer.stop();
    peer = null;
    second = await startSshd({ port });
    await writeFile(join(second!.dir, 'authorized_keys', second!.user), authorized);

    const again = await runPass(config, deps());
    const result = again.hosts[0]!;
    expect(result.status).toBe('failed');
    expect(result.score).toBeNull();
    expect(result.logBytesRead).toBe(0);
    expect(result.error).toContain(`host key changed: expected ${pinned} (ssh-ed25519, pinned `);
    expect(result.findings).toHaveLength(1);
    const finding = result.findings[0]!;
    expect(finding).toMatchObject({ category: 'ssh.host_key_changed', severity: 'crit', key: 'ssh.host_key_changed:tofu' });
    expect(finding.evidence[0]!.values).toMatchObject({ algorithm: 'ssh-ed25519', expected: `${pinned} (ssh-ed25519)` });
    expect(finding.evidence[0]!.values!.presented).toMatch(/^SHA256:/);
    expect(finding.evidence[0]!.values!.presented).not.toBe(pinned);
    expect(JSON.stringify(result)).not.toContain(second!.hostKeyPub.split(' ')[1]);

    // The first pass may have its own findings (a busy machine's load): look at the refused pass only.
    const runs = await store.db.selectFrom('host_runs').select(['id', 'status', 'facts', 'findings_crit']).orderBy('id').execute();
    expect(runs[1]).toMatchObject({ status: 'failed', facts: null, findings_crit: 1 });
    const stored = await store.db
      .selectFrom('findings')
      .select(['category', 'severity', 'evidence'])
      .where('host_run_id', '=', runs[1]!.id)
      .execute();
    expect(stored).toEqual([expect.objectContaining({ category: 'ssh.host_key_changed', severity: 'crit' })]);
    // The pin is unchanged, and the new server never saw an authentication attempt.
    expect((await store.db.selectFrom('host_keys').select('fingerprint').execute()).map((r) => r.fingerprint)).toEqual([pinned]);
    await new Promise((r) => setTimeout(r, 200));
    // The harness's readiness probe, then our refused connection.
    expect(second!.log().match(/Connection from 127\.0\.0\.1/g)?.length).toBeGreaterThanOrEqual(2);
    expect(second!.log()).not.toMatch(/Accepted publickey|Failed publickey|userauth/i);
  }, 90_000);
});
