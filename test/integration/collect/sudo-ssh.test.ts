import { appendFile, chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectHost } from '../../../src/collect/collect-host.js';
import { connectSsh } from '../../../src/collect/ssh-transport.js';
import type { PreviousHostState, ResolvedHost } from '../../../src/types.js';
import { startSshd, type SshdPeer } from '../../helpers/sshd.js';
import { canTestSudo, throwawayUsers } from '../../helpers/sudo.js';
import { noPreviousState, testHost } from './host-fixture.js';

const LINES = ['Nov 25 10:00:00 h1 sshd[7]: Failed password for root from 198.51.100.7 port 4000 ssh2', 'Nov 25 10:00:01 h1 su[8]: FAILED SU (to root) mallory on pts/0'];

/**
 * `sudo: true` through the real sshd and the real sudo, as two throwaway unprivileged users: one allowed to run sh
 * as root without a password (the sudoers line docs/collection.md gives), one with no sudo rule at all.
 */
describe('collectHost with sudo through a real sshd', () => {
  const users = throwawayUsers();
  let peer: SshdPeer | null = null;
  let allowed = '';
  let noRule = '';
  let dir = '';
  let log = '';
  const signal = new AbortController().signal;
  // 30 s per command: a loaded machine plus a login shell can take seconds per exec.
  const host = (user: string, over: Partial<ResolvedHost> = {}) =>
    testHost({ transport: 'ssh', port: peer!.port, user, logs: [log], commandTimeoutMs: 30_000, ssh: { keyPath: peer!.keyPath, connectTimeoutMs: 30_000 }, ...over });

  async function pass(target: ResolvedHost, previous: PreviousHostState = noPreviousState()) {
    const transport = await connectSsh(target, { signal });
    try {
      return await collectHost(target, transport, previous, { clock: () => new Date(), signal, cpuSampleSeconds: 0 });
    } finally {
      await transport.close();
    }
  }

  beforeAll(async () => {
    if (!(await canTestSudo())) return;
    allowed = await users.add('dthmsu');
    noRule = await users.add('dthmnp');
    await users.allowSudoSh(allowed);
    peer = await startSshd({ extraUsers: [allowed, noRule] });
    // The users can traverse the directory; the log in it is root's alone, like /var/log/auth.log on many systems.
    dir = await mkdtemp(join(tmpdir(), 'dthm-sudo-ssh-'));
    await chmod(dir, 0o755);
    log = join(dir, 'secure.log');
    await writeFile(log, `${LINES.join('\n')}\n`, { mode: 0o600 });
  }, 60_000);
  afterAll(async () => {
    await peer?.stop();
    await users.remove();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('reports a root-only log unreadable without sudo', async () => {
    if (!peer) return;
    const snap = await pass(host(allowed));
    expect(snap.logSources).toEqual([expect.objectContaining({ path: log, status: 'unreadable' })]);
    expect(snap.logs).toEqual([]);
    expect(snap.cursors).toEqual([]);
  }, 90_000);

  it('reads it with sudo, lines and cursor, and only the new lines on the next pass', async () => {
    if (!peer) return;
    const first = await pass(host(allowed, { sudo: true }));
    expect(first.failures).toEqual([]);
    expect(first.facts?.hostname).not.toBe('');
    expect(first.logSources).toEqual([expect.objectContaining({ path: log, status: 'read', linesRead: 2 })]);
    expect(first.logs.map((r) => [r.program, r.message])).toEqual([
      ['sshd', 'Failed password for root from 198.51.100.7 port 4000 ssh2'],
      ['su', 'FAILED SU (to root) mallory on pts/0'],
    ]);
    expect(first.cursors).toEqual([expect.objectContaining({ path: log, offset: LINES.join('\n').length + 1 })]);

    await appendFile(log, 'Nov 25 10:05:00 h1 sudo[9]: mallory : command not allowed\n');
    const second = await pass(host(allowed, { sudo: true }), { ...noPreviousState(), cursors: first.cursors });
    expect(second.failures).toEqual([]);
    expect(second.logs.map((r) => r.message)).toEqual(['mallory : command not allowed']);
    // sudo resets TMPDIR: the read's FIFO directory is made by root under /tmp and removed on exit.
    expect(second.logSources[0]).toMatchObject({ status: 'read', linesRead: 1 });
  }, 90_000);

  it('turns sudo asking for a password into one clear failure line; the host stays reachable (partial)', async () => {
    if (!peer) return;
    const snap = await pass(host(noRule, { sudo: true }));
    expect(snap.reachable).toBe(true);
    const probe = snap.failures.find((f) => f.source === 'probe');
    expect(probe?.message).toBe(`sudo -n refused: a password is required (allow NOPASSWD for "sh" for user ${noRule}, or set sudo: false)`);
    // Nothing else mentions sudo: the sections the probe did not report fail as they do after any probe failure.
    expect(snap.failures.filter((f) => f.message.includes('sudo'))).toEqual([probe]);
    expect(snap.failures.every((f) => !f.message.includes('\n'))).toBe(true);
    expect(snap.logSources.map((s) => [s.path, s.status === 'read'])).toEqual([[log, false]]);
    expect(snap.logs).toEqual([]);
    expect(snap.cursors).toEqual([]);
  }, 90_000);
});
