/**
 * Issue #3: "a 1 GB log streamed with bounded memory", through the built CLI (`run --json`) over a real OpenSSH
 * sshd. One host (a rootfs directory) has a syslog of at least 1 GiB: a few MiB of scripts/gen-authlog.mjs lines
 * repeated, with planted brute-force lines from TEST-NET IPs at the start, once per repetition and at the very end.
 * The pass must read the file whole (logBytesRead = its size, every line counted once), find exactly the failed
 * logins written, and stay far below the size of the log in memory: records are analysed as they stream (RecordBatch
 * into the rules), no log is held. The CLI runs under GNU time (exact peak RSS and CPU) and its VmRSS is sampled
 * every 100 ms; the numbers are printed so they can be reported.
 */
import { createWriteStream, existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { authLogLines } from '../../scripts/gen-authlog.mjs';
import type { Finding, HostPassResult, PassResult } from '../../src/types.js';
import { assertBuilt, spawnCli, tempDir, type CliResult } from '../helpers/cli.js';
import { bytesReadBy, findProcesses, memoryOf, reapedChildrenCpuMs } from '../helpers/proc.js';
import { startSshd, type SshdPeer } from '../helpers/sshd.js';
import { waitUntil } from '../helpers/wait.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
const SYSLOG = '/var/log/syslog';
const MiB = 1024 * 1024;
/** The log is at least this big. */
const LOG_BYTES = 1024 * MiB;
/** Lines of gen-authlog.mjs in the repeated block (about 4 MiB). */
const BLOCK_LINES = 40_000;
/** Blocks per write: big chunks, so that writing 1 GiB takes seconds. */
const BLOCKS_PER_WRITE = 8;
/** Far below the log: the CLI must not hold it. Node, its modules and the bounded buffers take ~100-150 MiB. */
const MAX_PEAK_RSS_KIB = 300 * 1024;
const SAMPLE_EVERY_MS = 100;
const GNU_TIME = '/usr/bin/time';

/** Brute force planted outside the generator's IPs (198.51.100.0/24, 203.0.113.0/24), so its counts are known. */
const IP_AT_START = '192.0.2.20';
const IP_EVERY_BLOCK = '192.0.2.10';
const IP_AT_END = '192.0.2.30';
const failedRoot = (ip: string, i: number): string =>
  `Nov 25 10:00:00 web-01 sshd[${4000 + i}]: Failed password for root from ${ip} port ${40000 + i} ssh2\n`;
const planted = (ip: string, count: number): string => Array.from({ length: count }, (_, i) => failedRoot(ip, i)).join('');

/** How gen-authlog.mjs writes the lines the sshd rules count (checked here independently of the rules' regexes). */
const GEN_FAILED = /: Failed password for invalid user \S+ from (\S+) port \d+ ssh2$/;
const GEN_INVALID = /: Invalid user \S+ from (\S+) port \d+$/;

interface LogPlan {
  head: Buffer;
  block: Buffer;
  blocks: number;
  tail: Buffer;
  sizeBytes: number;
  lines: number;
  /** IP -> failed password events (auth.bruteforce counts) and invalid-user events (auth.invalid_user counts). */
  failed: Map<string, number>;
  invalid: Map<string, number>;
}

function addCount(counts: Map<string, number>, ip: string, n: number): void {
  counts.set(ip, (counts.get(ip) ?? 0) + n);
}

/** The file as head + block x blocks + tail, with the exact counts of everything the rules should find in it. */
function planLog(): LogPlan {
  const genFailed = new Map<string, number>();
  const genInvalid = new Map<string, number>();
  let text = '';
  for (const line of authLogLines(BLOCK_LINES, 'web-01', 7)) {
    text += line;
    const failed = GEN_FAILED.exec(line.trimEnd());
    if (failed?.[1]) addCount(genFailed, failed[1], 1);
    const invalid = GEN_INVALID.exec(line.trimEnd());
    if (invalid?.[1]) addCount(genInvalid, invalid[1], 1);
  }
  const block = Buffer.from(text + failedRoot(IP_EVERY_BLOCK, 0));
  const head = Buffer.from(planted(IP_AT_START, 5));
  const tail = Buffer.from(planted(IP_AT_END, 7));
  const blocks = Math.ceil((LOG_BYTES - head.length - tail.length) / block.length);
  const failed = new Map<string, number>([[IP_AT_START, 5]]);
  for (const [ip, n] of genFailed) addCount(failed, ip, n * blocks);
  failed.set(IP_EVERY_BLOCK, blocks);
  failed.set(IP_AT_END, 7);
  const invalid = new Map([...genInvalid].map(([ip, n]) => [ip, n * blocks] as const));
  return {
    head,
    block,
    blocks,
    tail,
    sizeBytes: head.length + block.length * blocks + tail.length,
    lines: 5 + (BLOCK_LINES + 1) * blocks + 7,
    failed,
    invalid,
  };
}

async function writeLog(path: string, plan: LogPlan): Promise<void> {
  const many = Buffer.concat(Array.from({ length: BLOCKS_PER_WRITE }, () => plan.block));
  function* chunks(): Generator<Buffer> {
    yield plan.head;
    for (let left = plan.blocks; left > 0; left -= BLOCKS_PER_WRITE) {
      yield left >= BLOCKS_PER_WRITE ? many : many.subarray(0, left * plan.block.length);
    }
    yield plan.tail;
  }
  await mkdir(dirname(path), { recursive: true });
  await pipeline(Readable.from(chunks()), createWriteStream(path));
}

/** The files the probe reads, so the host is `ok` (not `partial`); the log is written separately. */
async function simulatedHost(root: string): Promise<void> {
  const put = async (path: string, content: string | Buffer): Promise<void> => {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  };
  const fixture = (parser: string, file: string): Promise<Buffer> => readFile(join(FIXTURES, parser, `${file}.txt`));
  await put('etc/os-release', await fixture('os-release', 'debian-12'));
  await put('etc/hostname', 'big-01\n');
  await put('etc/passwd', await fixture('passwd', 'debian'));
  await put('proc/sys/kernel/osrelease', '6.1.0-28-amd64\n');
  await put('proc/uptime', '86400.25 170000.00\n');
  await put('proc/loadavg', '0.10 0.10 0.10 1/200 999\n');
  await put('proc/stat', await fixture('proc-stat', 'before'));
  await put('proc/meminfo', await fixture('meminfo', 'debian-12'));
}

interface MemorySample {
  atMs: number;
  rssKiB: number;
  /** Bytes the CLI process has read so far (rchar: mostly the SSH stream), to place a sample in the transfer. */
  readBytes: number;
}

interface MeasuredRun {
  result: CliResult;
  wallMs: number;
  /** GNU time's maximum RSS when it ran the CLI, else the last VmHWM sampled. */
  peakRssKiB: number;
  /** Highest VmHWM sampled (misses at most the last SAMPLE_EVERY_MS). */
  sampledPeakRssKiB: number;
  cpuMs: { user: number; sys: number } | null;
  samples: MemorySample[];
}

/** Runs the CLI under GNU time when installed, sampling the node process's memory every SAMPLE_EVERY_MS. */
async function runMeasured(args: string[], timeFile: string): Promise<MeasuredRun> {
  const hasTime = existsSync(GNU_TIME);
  if (!hasTime && process.env.CI === 'true') throw new Error(`${GNU_TIME} not found (apt-get install time; npm test installs it as root)`);
  if (!hasTime) console.warn(`${GNU_TIME} not found (apt-get install time): peak RSS is the last VmHWM sampled`);
  const startedMs = Date.now();
  const { child, done } = spawnCli(args, hasTime ? { wrapper: [GNU_TIME, '-o', timeFile, '-f', '%e %U %S %M'] } : {});
  const samples: MemorySample[] = [];
  let sampledPeakRssKiB = 0;
  let cliPid: number | null = hasTime ? null : (child.pid ?? null);
  const timer = setInterval(() => {
    cliPid ??= findProcesses((p) => p.ppid === child.pid)[0]?.pid ?? null;
    if (cliPid === null) return;
    const memory = memoryOf(cliPid);
    if (!memory) return;
    sampledPeakRssKiB = Math.max(sampledPeakRssKiB, memory.peakRssKiB);
    samples.push({ atMs: Date.now() - startedMs, rssKiB: memory.rssKiB, readBytes: bytesReadBy(cliPid) ?? 0 });
  }, SAMPLE_EVERY_MS);
  let result: CliResult;
  try {
    result = await done;
  } finally {
    clearInterval(timer);
  }
  const wallMs = Date.now() - startedMs;
  if (!hasTime) return { result, wallMs, peakRssKiB: sampledPeakRssKiB, sampledPeakRssKiB, cpuMs: null, samples };
  // GNU time writes `Command exited with non-zero status N` first when it did; the format line is the last one.
  const [, user = 'NaN', sys = 'NaN', maxRss = 'NaN'] = readFileSync(timeFile, 'utf8').trim().split('\n').at(-1)!.split(' ');
  return {
    result,
    wallMs,
    peakRssKiB: Number(maxRss),
    sampledPeakRssKiB,
    cpuMs: { user: Number(user) * 1000, sys: Number(sys) * 1000 },
    samples,
  };
}

const mib = (kib: number): string => (kib / 1024).toFixed(0);

/** RSS when the CLI had read about 10%, 25%, 50%, 75% and 100% of the log: flat, not growing with it. */
function rssAlongTheRead(samples: MemorySample[], logBytes: number): string {
  return [0.1, 0.25, 0.5, 0.75, 1]
    .map((share) => {
      const sample = samples.find((s) => s.readBytes >= logBytes * share) ?? samples.at(-1);
      return `${share * 100}%: ${sample ? mib(sample.rssKiB) : '?'} MiB`;
    })
    .join(', ');
}

/** IP -> failed passwords, as the auth.bruteforce titles state them (`...: N failed password logins`). */
function failedPasswordsOf(findings: Finding[]): Record<string, number> {
  return Object.fromEntries(
    findings
      .filter((f) => f.category === 'auth.bruteforce')
      .map((f) => [f.subject ?? '', Number(/: (\d+) failed password logins$/.exec(f.title)?.[1] ?? NaN)]),
  );
}

function countsOf(findings: Finding[], category: string): Record<string, number> {
  return Object.fromEntries(findings.filter((f) => f.category === category).map((f) => [f.subject ?? '', f.count]));
}

describe('a 1 GiB log over a real sshd, through the built CLI', () => {
  let peer: SshdPeer | null = null;
  const dir = tempDir('dthm-e2e-gigabyte-');
  const root = join(dir, 'host');
  const logPath = join(root, SYSLOG);
  const configPath = join(dir, 'dthostmon.yaml');
  let plan: LogPlan;

  beforeAll(async () => {
    assertBuilt();
    peer = await startSshd();
    if (!peer) return;
    plan = planLog();
    await simulatedHost(root);
    const writeStartedMs = Date.now();
    await writeLog(logPath, plan);
    console.log(
      `wrote ${(plan.sizeBytes / MiB).toFixed(0)} MiB (${plan.lines} lines) in ${((Date.now() - writeStartedMs) / 1000).toFixed(1)} s`,
    );
    const knownHosts = join(dir, 'known_hosts');
    await writeFile(knownHosts, `${peer.knownHostsLine}\n`);
    await writeFile(
      configPath,
      [
        'global:',
        `  reports_dir: "${join(dir, 'reports')}"`,
        // Generous: 1 GiB through sshd, sha256sum and ssh2 on a loaded 2-core machine.
        '  pass_timeout: 900',
        '  command_timeout: 600',
        'ssh:',
        `  key_path: "${peer.keyPath}"`,
        `  known_hosts: "${knownHosts}"`,
        '  host_key_policy: strict',
        'hosts:',
        '  - name: big-01',
        '    hostname: 127.0.0.1',
        `    port: ${peer.port}`,
        `    user: ${peer.user}`,
        `    rootfs: "${root}"`,
        `    logs: [${SYSLOG}]`,
        // Above the file: the whole log is read in one pass, not its newest 64 MiB.
        '    log_max_bytes: 2GiB',
        '',
      ].join('\n'),
    );
  }, 180_000);
  afterAll(async () => {
    await peer?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('reads it whole with exact counts and a peak RSS that does not grow with the log; the next pass reads 0 bytes', async () => {
    if (!peer) return; // skipped with a message (never under CI=true: startSshd throws there)
    expect(statSync(logPath).size).toBe(plan.sizeBytes);
    expect(plan.sizeBytes).toBeGreaterThanOrEqual(LOG_BYTES);

    const serverCpuBeforeMs = reapedChildrenCpuMs(peer.pid) ?? 0;
    const first = await runMeasured(['run', '-c', configPath, '--json'], join(dir, 'first.time'));
    expect(first.result.stderr).toBe('');
    expect(first.result.code).toBe(0);
    await waitUntil('the sshd session is gone', async () => (await peer!.sessionCount()) === 0);
    const serverCpuMs = (reapedChildrenCpuMs(peer.pid) ?? 0) - serverCpuBeforeMs;

    const pass = JSON.parse(first.result.stdout) as PassResult;
    const host = pass.hosts[0] as HostPassResult;
    const seconds = first.wallMs / 1000;
    console.log(
      [
        `1st pass: ${(plan.sizeBytes / MiB).toFixed(0)} MiB in ${seconds.toFixed(1)} s wall (host ${(host.durationMs / 1000).toFixed(1)} s)` +
          ` = ${(plan.sizeBytes / MiB / seconds).toFixed(1)} MiB/s`,
        `peak RSS ${mib(first.peakRssKiB)} MiB (sampled VmHWM ${mib(first.sampledPeakRssKiB)} MiB, ${first.samples.length} samples);` +
          ` RSS along the read: ${rssAlongTheRead(first.samples, plan.sizeBytes)}`,
        `CPU: dthostmon ${first.cpuMs ? `user ${(first.cpuMs.user / 1000).toFixed(1)} s + sys ${(first.cpuMs.sys / 1000).toFixed(1)} s` : 'not measured'};` +
          ` server side (sshd, sh, tail, head, tee, sha256sum) ${(serverCpuMs / 1000).toFixed(1)} s`,
      ].join('\n'),
    );

    expect(pass.status).toBe('complete');
    expect(pass.hosts).toHaveLength(1);
    expect(host).toMatchObject({ name: 'big-01', status: 'ok', error: null, logBytesRead: plan.sizeBytes });
    expect(host.findings.map((f) => f.category)).not.toContain('collect.source_failed');
    // Every failed password written, per IP, each counted once: the planted ones and the generator's.
    // (The finding also groups the IP's pre-auth disconnects, sshd.preauth_disconnect: its title counts the passwords.)
    expect(failedPasswordsOf(host.findings)).toEqual(Object.fromEntries(plan.failed));
    expect(countsOf(host.findings, 'auth.invalid_user')).toEqual(Object.fromEntries(plan.invalid));
    // The last bytes of the file were analysed: the example lines of the IP at the end are the planted ones.
    const atEnd = host.findings.find((f) => f.category === 'auth.bruteforce' && f.subject === IP_AT_END);
    expect(atEnd?.evidence).toEqual([{ source: SYSLOG, lines: planted(IP_AT_END, 5).trimEnd().split('\n'), values: { users: 'root' } }]);

    // Every line was read once, and the cursor is at the end of the file.
    const db = new Database(join(dir, 'dthostmon.db'), { readonly: true });
    try {
      const run = db.prepare('select status, log_bytes_read, log_lines_read from host_runs where run_id = ?').get(pass.runId);
      expect(run).toEqual({ status: 'ok', log_bytes_read: plan.sizeBytes, log_lines_read: plan.lines });
      const cursor = db.prepare('select path, "offset" from cursors').all();
      expect(cursor).toEqual([{ path: SYSLOG, offset: plan.sizeBytes }]);
    } finally {
      db.close();
    }

    // The point of the test: memory stays bounded while 1 GiB streams through.
    expect(first.peakRssKiB).toBeLessThan(MAX_PEAK_RSS_KIB);

    // Nothing new: the next pass reads nothing and finds no brute force.
    const second = await runMeasured(['run', '-c', configPath, '--json'], join(dir, 'second.time'));
    expect(second.result.stderr).toBe('');
    expect(second.result.code).toBe(0);
    const again = (JSON.parse(second.result.stdout) as PassResult).hosts[0] as HostPassResult;
    console.log(`2nd pass: ${(second.wallMs / 1000).toFixed(1)} s wall, peak RSS ${mib(second.peakRssKiB)} MiB`);
    expect(again).toMatchObject({ status: 'ok', error: null, logBytesRead: 0 });
    expect(again.findings.map((f) => f.category)).not.toContain('auth.bruteforce');
  }, 600_000);
});
