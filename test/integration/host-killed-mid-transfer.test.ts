/**
 * Issue #3: "a host killed mid-transfer (others finish, cursor not advanced for the broken source)", through the
 * whole pass (runPass in process, SQLite) over a real OpenSSH sshd. One sshd serves three host entries that differ
 * by their rootfs directory. While host b's big syslog streams, the test kills b's per-connection sshd processes
 * (kill -9, found from the remote `tail` that reads b's file), so b's TCP connection drops mid-transfer as a dying
 * host's would. Hosts a and c must finish; b's broken source must keep its cursor; the next pass reads it whole.
 */
import { appendFile, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config/load.js';
import { createTransportFactory } from '../../src/collect/create-transport.js';
import { runPass, type PassDeps } from '../../src/run-pass.js';
import type { LoadedConfig } from '../../src/config/types.js';
import type { HostPassResult, PassResult } from '../../src/types.js';
import { tempDir } from '../helpers/cli.js';
import { ancestorsUpTo, bytesReadBy, findProcesses, type ProcInfo } from '../helpers/proc.js';
import { startSshd, type SshdPeer } from '../helpers/sshd.js';
import { openTestStore, type TestStore } from '../helpers/store.js';
import { waitUntil } from '../helpers/wait.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
const AUTH_LOG = '/var/log/auth.log';
const SYSLOG = '/var/log/syslog';
/** What b's syslog grows by before the killed pass: big enough that its read takes a while, under the byte cap. */
const BIG_APPEND_BYTES = 64 * 1024 * 1024;
/** The remote `tail` must have read this much of b's syslog before the kill: the transfer is surely under way. */
const KILL_AFTER_BYTES = 8 * 1024 * 1024;

const line = (host: string, program: string, message: string): string => `Nov 25 10:00:00 sim-${host} ${program}: ${message}\n`;
const bruteForce = (host: string): string =>
  Array.from({ length: 6 }, (_, i) => line(host, `sshd[${100 + i}]`, `Failed password for admin from 192.0.2.7 port ${50000 + i} ssh2`)).join('');

/** A simulated host under `root`: the files the probe reads (so the host is `ok`, not `partial`) and its two logs. */
async function simulatedHost(root: string, name: string): Promise<void> {
  const put = async (path: string, content: string | Buffer): Promise<void> => {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  };
  const fixture = (parser: string, file: string): Promise<Buffer> => readFile(join(FIXTURES, parser, `${file}.txt`));
  await put('etc/os-release', await fixture('os-release', 'debian-12'));
  await put('etc/hostname', `sim-${name}\n`);
  await put('etc/passwd', await fixture('passwd', 'debian'));
  await put('proc/sys/kernel/osrelease', '6.1.0-28-amd64\n');
  await put('proc/uptime', '86400.25 170000.00\n');
  await put('proc/loadavg', '0.10 0.10 0.10 1/200 999\n');
  await put('proc/stat', await fixture('proc-stat', 'before'));
  await put('proc/meminfo', await fixture('meminfo', 'debian-12'));
  await put(AUTH_LOG.slice(1), line(name, 'sshd[10]', 'Accepted publickey for deploy from 192.0.2.2 port 40000 ssh2'));
  await put(SYSLOG.slice(1), line(name, 'app[1]', 'started'));
}

/** Appends `bytes` of syslog lines that no rule matches, written from one repeated 1 MiB buffer (fast). */
async function appendFiller(path: string, bytes: number): Promise<number> {
  const one = line('b', 'app[42]', `filler ${'x'.repeat(200)}`);
  const block = Buffer.from(one.repeat(Math.floor((1024 * 1024) / one.length)));
  let written = 0;
  let lines = 0;
  while (written + block.length <= bytes) {
    await appendFile(path, block);
    written += block.length;
    lines += block.length / one.length;
  }
  return lines;
}

interface Kill {
  tail: ProcInfo;
  /** Bytes the remote `tail` had read of the file when the kill was sent. */
  tailBytesRead: number;
  /** The per-connection sshd processes killed, the listener's child first. */
  killed: ProcInfo[];
  /** The remote `sh -s` that ran the read command (the kill leaves its private FIFO directory behind). */
  shell: ProcInfo | null;
}

/**
 * Polls /proc every 25 ms for the remote `tail` reading `path`; once it has read `minBytes`, kills with SIGKILL the
 * sshd processes between it and the listener, the listener's child first (for a root login it is the only one and
 * holds the socket; a non-root login adds an unprivileged session process under it), so the connection drops with
 * the command still streaming. Resolves with what it killed, or with why it could not once `stop` is aborted.
 */
async function killWhenStreaming(peer: SshdPeer, path: string, minBytes: number, stop: AbortSignal): Promise<Kill | string> {
  let lastSeen = 'no remote tail of the file was ever seen';
  while (!stop.aborted) {
    const [tail] = findProcesses((p) => p.comm === 'tail' && p.argv.includes(path));
    if (tail) {
      const read = bytesReadBy(tail.pid) ?? 0;
      lastSeen = `the remote tail (pid ${tail.pid}) had read ${read} B when last seen`;
      if (read >= minBytes) {
        const chain = ancestorsUpTo(tail.pid, peer.pid);
        if (!chain) return `the remote tail (pid ${tail.pid}) is not a descendant of sshd ${peer.pid}`;
        const sshds = chain.filter((p) => p.comm.startsWith('sshd')).reverse();
        for (const p of sshds) process.kill(p.pid, 'SIGKILL');
        return { tail, tailBytesRead: read, killed: sshds, shell: chain.find((p) => p.comm === 'sh') ?? null };
      }
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return `${lastSeen}; the read ended before it could be killed (make BIG_APPEND_BYTES bigger)`;
}

const position = ({ inode, offset, fingerprint }: { inode: number; offset: number; fingerprint: string }) => ({ inode, offset, fingerprint });

describe('a host killed mid-transfer, through runPass over a real sshd (SQLite)', () => {
  let peer: SshdPeer | null = null;
  let store: TestStore | null = null;
  let config: LoadedConfig;
  const dir = tempDir('dthm-killed-');
  /** What the killed remote command could not clean up itself. */
  const leftovers: string[] = [];
  const db = () => (store as TestStore).db;
  const rootOf = (host: string): string => join(dir, 'hosts', host);
  const fileOf = (host: string, path: string): string => join(rootOf(host), path);
  const deps = (): PassDeps => ({
    store: store as TestStore,
    clock: () => new Date(),
    createTransport: createTransportFactory({}),
    runner: hostname(),
    pid: process.pid,
    isPidAlive: () => false,
  });
  const byName = (pass: PassResult, name: string): HostPassResult => {
    const found = pass.hosts.find((h) => h.name === name);
    if (!found) throw new Error(`no result for host ${name}`);
    return found;
  };
  const size = async (host: string, path: string): Promise<number> => (await stat(fileOf(host, path))).size;
  const cursorsOf = async (host: string) =>
    db()
      .selectFrom('cursors')
      .innerJoin('hosts', 'hosts.id', 'cursors.host_id')
      .select(['cursors.path', 'cursors.inode', 'cursors.offset', 'cursors.fingerprint', 'cursors.fingerprint_len', 'cursors.updated_at', 'cursors.host_run_id'])
      .where('hosts.name', '=', host)
      .orderBy('cursors.path')
      .execute();
  const hostRunOf = async (runId: number, host: string) =>
    db()
      .selectFrom('host_runs')
      .innerJoin('hosts', 'hosts.id', 'host_runs.host_id')
      .selectAll('host_runs')
      .where('host_runs.run_id', '=', runId)
      .where('hosts.name', '=', host)
      .executeTakeFirstOrThrow();

  beforeAll(async () => {
    peer = await startSshd();
    if (!peer) return;
    store = await openTestStore('sqlite');
    for (const host of ['a', 'b', 'c']) await simulatedHost(rootOf(host), host);
    const knownHosts = join(dir, 'known_hosts');
    await writeFile(knownHosts, `${peer.knownHostsLine}\n`);
    const configPath = join(dir, 'dthostmon.yaml');
    await writeFile(
      configPath,
      [
        'global:',
        `  reports_dir: "${join(dir, 'reports')}"`,
        '  pass_timeout: 120',
        '  max_concurrent_hosts: 3',
        // Generous: the login shell of the test machine may take seconds per command (see test helpers).
        '  command_timeout: 45',
        `  port: ${peer.port}`,
        `  user: ${peer.user}`,
        `  logs: [${AUTH_LOG}, ${SYSLOG}]`,
        'ssh:',
        `  key_path: "${peer.keyPath}"`,
        `  known_hosts: "${knownHosts}"`,
        '  host_key_policy: strict',
        'hosts:',
        ...['a', 'b', 'c'].flatMap((h) => [`  - name: ${h}`, '    hostname: 127.0.0.1', `    rootfs: "${rootOf(h)}"`]),
        '',
      ].join('\n'),
    );
    config = await loadConfig(configPath, { env: {} });
  });
  afterAll(async () => {
    await peer?.stop();
    await store?.cleanup();
    for (const path of [dir, ...leftovers]) await rm(path, { recursive: true, force: true });
  });

  it('others finish, the killed host keeps the cursor of the broken source, and the next pass reads it whole', async () => {
    if (!peer) return;

    // Pass 0: every host is read once, so b's syslog has a cursor the killed pass must leave exactly as it is.
    const first = await runPass(config, deps());
    expect(first.hosts.map((h) => [h.name, h.status, h.error])).toEqual([
      ['a', 'ok', null],
      ['b', 'ok', null],
      ['c', 'ok', null],
    ]);
    const before = await cursorsOf('b');
    expect(before.map((c) => [c.path, c.offset])).toEqual([
      [AUTH_LOG, await size('b', AUTH_LOG)],
      [SYSLOG, await size('b', SYSLOG)],
    ]);
    const syslogBefore = before.find((c) => c.path === SYSLOG)!;

    // New lines on every host (a brute force in auth.log, one syslog line); b's syslog also grows by 64 MiB.
    const added = new Map<string, { bytes: number; lines: number }>();
    for (const host of ['a', 'b', 'c']) {
      const auth = bruteForce(host);
      const sys = line(host, 'app[1]', 'still running');
      await appendFile(fileOf(host, AUTH_LOG), auth);
      await appendFile(fileOf(host, SYSLOG), sys);
      added.set(host, { bytes: Buffer.byteLength(auth) + Buffer.byteLength(sys), lines: 7 });
    }
    const syslogB = fileOf('b', SYSLOG);
    const fillerLines = await appendFiller(syslogB, BIG_APPEND_BYTES);

    // Pass 1: b's connection is killed on the server side while its syslog streams.
    const stopKiller = new AbortController();
    const killing = killWhenStreaming(peer, syslogB, KILL_AFTER_BYTES, stopKiller.signal);
    let killed: PassResult;
    try {
      killed = await runPass(config, deps());
    } finally {
      stopKiller.abort();
    }
    const kill = await killing;
    if (typeof kill === 'string') {
      const b = byName(killed, 'b');
      throw new Error(`b was never killed: ${kill} (b: ${b.status}, ${b.logBytesRead} B read, ${b.error ?? 'no error'})`);
    }
    if (kill.shell) leftovers.push(`/tmp/dthm-read.${kill.shell.pid}`);
    // The listener's child was killed (a root login runs its session right there; a non-root one also has an
    // unprivileged session process under it), before the remote tail had read all of the file.
    expect(kill.killed.length).toBeGreaterThanOrEqual(1);
    expect(kill.killed.every((p) => p.comm === 'sshd')).toBe(true);
    expect(kill.killed[0]!.ppid).toBe(peer.pid);
    expect(kill.tailBytesRead).toBeLessThan(await size('b', SYSLOG));

    // The pass resolves; a and c are untouched by b's death.
    expect(killed.status).toBe('complete');
    for (const host of ['a', 'c']) {
      const result = byName(killed, host);
      expect(result).toMatchObject({ status: 'ok', error: null, logBytesRead: added.get(host)!.bytes });
      expect(result.findings.map((f) => f.category)).toContain('auth.bruteforce');
      const row = await hostRunOf(killed.runId!, host);
      expect(row).toMatchObject({ status: 'ok', log_bytes_read: added.get(host)!.bytes, log_lines_read: added.get(host)!.lines });
      const stored = await db().selectFrom('findings').select('category').where('host_run_id', '=', row.id).execute();
      expect(stored.map((f) => f.category)).toContain('auth.bruteforce');
    }

    // b is reachable with one source broken: `partial`, which the pass counts as collected (runs.hosts_ok, exit 0).
    const b = byName(killed, 'b');
    expect(b.status).toBe('partial');
    // Only a source that arrived whole counts: auth.log (read before the syslog); no interrupted syslog byte.
    expect(b.logBytesRead).toBe(Buffer.byteLength(bruteForce('b')));
    expect(b.findings.map((f) => f.category)).toContain('auth.bruteforce');
    // The transport tells a dropped connection from a command that ended without an exit status; ssh2 adds the
    // socket's reason when it saw one (`connection reset by peer`), depending on how the kill races the read.
    const lost = /^logs: reading logs: (connection lost(?:: [^;]+)?);/.exec(b.error ?? '')?.[1];
    expect(lost).toBeDefined();
    const interrupted = `read interrupted (${lost}); will be read again next pass`;
    expect(b.error).toBe(`logs: reading logs: ${lost}; ${SYSLOG}: ${interrupted}`);
    const sourceFailed = b.findings.filter((f) => f.category === 'collect.source_failed');
    expect(sourceFailed.map((f) => [f.subject, f.severity, f.title, f.evidence[0]?.lines])).toEqual([
      [SYSLOG, 'info', `Log ${SYSLOG} is error`, [interrupted]],
      ['logs', 'info', 'Could not collect logs', [`reading logs: ${lost}`]],
    ]);

    // The store: b's syslog cursor row is exactly the pass-0 row; its auth.log cursor advanced (that source completed).
    const after = await cursorsOf('b');
    expect(after.find((c) => c.path === SYSLOG)).toEqual(syslogBefore);
    expect(after.find((c) => c.path === AUTH_LOG)?.offset).toBe(await size('b', AUTH_LOG));
    const bRun = await hostRunOf(killed.runId!, 'b');
    expect(bRun).toMatchObject({ status: 'partial', error: b.error, log_bytes_read: b.logBytesRead, log_lines_read: 6, findings_info: sourceFailed.length });
    expect(JSON.parse(bRun.log_sources)).toEqual([
      expect.objectContaining({ path: AUTH_LOG, status: 'read', linesRead: 6 }),
      { pattern: SYSLOG, path: SYSLOG, status: 'error', bytesRead: 0, linesRead: 0, skippedBytes: 0, note: interrupted },
    ]);
    expect(JSON.parse(bRun.failures)).toEqual([
      { source: 'logs', message: `reading logs: ${lost}` },
      { source: SYSLOG, message: interrupted },
    ]);
    const bFindings = await db().selectFrom('findings').select(['category', 'subject']).where('host_run_id', '=', bRun.id).execute();
    expect(bFindings).toEqual(
      expect.arrayContaining([
        { category: 'collect.source_failed', subject: SYSLOG },
        { category: 'collect.source_failed', subject: 'logs' },
      ]),
    );
    const run = await db().selectFrom('runs').selectAll().where('id', '=', killed.runId!).executeTakeFirstOrThrow();
    expect(run).toMatchObject({ status: 'complete', hosts_ok: 3, hosts_failed: 0 });

    // The server side is gone: the remote tail died with the connection, and no session is left.
    await waitUntil('the remote tail is gone', async () => findProcesses((p) => p.pid === kill.tail.pid).length === 0);
    await waitUntil('no sshd session is left', async () => (await peer!.sessionCount()) === 0);
    if (kill.shell) {
      // The orphaned `sh -s` dies of SIGPIPE, which its traps do not cover, so its private FIFO directory stays
      // (removed in afterAll).
      const shell = kill.shell.pid;
      await waitUntil('the remote sh is gone', async () => findProcesses((p) => p.pid === shell).length === 0);
    }

    // Pass 2: nobody kills. b's syslog is read from its old cursor to the end, once; nothing is read twice.
    const again = await runPass(config, deps());
    expect(again.hosts.map((h) => [h.name, h.status, h.error])).toEqual([
      ['a', 'ok', null],
      ['b', 'ok', null],
      ['c', 'ok', null],
    ]);
    const syslogSize = await size('b', SYSLOG);
    const bAgain = byName(again, 'b');
    expect(bAgain.logBytesRead).toBe(syslogSize - syslogBefore.offset);
    expect(bAgain.findings.map((f) => f.category)).not.toContain('collect.source_failed');
    // The brute force was counted by pass 1 (from auth.log, which completed) and is not counted again.
    expect(bAgain.findings.map((f) => f.category)).not.toContain('auth.bruteforce');
    // The still-running line and every filler line, each once.
    expect(await hostRunOf(again.runId!, 'b')).toMatchObject({ status: 'ok', log_bytes_read: bAgain.logBytesRead, log_lines_read: 1 + fillerLines });
    const final = await cursorsOf('b');
    expect(final.find((c) => c.path === SYSLOG)).toMatchObject({ inode: syslogBefore.inode, offset: syslogSize });
    // Same position (an unchanged file's cursor row is rewritten each pass, so its updated_at moves).
    expect(final.find((c) => c.path === AUTH_LOG)).toMatchObject(position(after.find((c) => c.path === AUTH_LOG)!));
    for (const host of ['a', 'c']) {
      expect(byName(again, host).logBytesRead).toBe(0);
      expect(byName(again, host).findings.map((f) => f.category)).not.toContain('auth.bruteforce');
      expect(await hostRunOf(again.runId!, host)).toMatchObject({ status: 'ok', log_bytes_read: 0, log_lines_read: 0 });
    }
  }, 90_000);
});
