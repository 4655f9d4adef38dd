#!/usr/bin/env node
// `npm run bench:analyze`: analysis throughput of issue #4, measured side by side in one run (the machine is shared
// and noisy: compare the ratios within a run). It generates, in a temp directory deleted at the end:
//   - a deterministic 1 M-line syslog + auth.log mix (scripts/gen-syslog-mix.mjs), and
//   - a 1 GiB file of the same mix (other seed),
// and runs scripts/analyze-file.mjs on each as a child process (the pass's read and analysis path over the built
// dist/: framing, integrity hash, line splitting, syslog parsing, ignore/own-session filters, templates, built-in
// rules, findings), measuring its wall time and peak RSS. In the same run logwatch (Debian package) reads the 1 M-line
// file (`--service sshd --range All --detail High --numeric`), is timed the same way, and its report's failed users
// and source IPs must all be named by our auth findings (scripts/logwatch-sshd.mjs).
// Targets (issue #4): >= 50 MB/s, >= 5x logwatch's throughput (aim 10x), peak RSS <= 120 MB on the 1 GiB file. The
// exit status is 1 when a target or the coverage check fails. `--short` (or BENCH_SHORT=1), for CI: 100 k lines and
// 50 MB, one run each; only the coverage check and a sanity floor apply: BENCH_ANALYZE_MIN_MBPS (default 10) MB per
// CPU second of the analysis (CPU, not wall time: a CI machine running other tests at once slows the wall clock).
// `--json` prints the results as one JSON object instead of the tables.
// Knobs: BENCH_ANALYZE_LINES, BENCH_ANALYZE_BIG_MB (size of the big file, MiB), BENCH_ANALYZE_REPS (runs of the
// 1 M-line case, median; default 3), BENCH_ANALYZE_NODE_ARGS (extra node flags for the analysing process, e.g.
// "--cpu-prof --cpu-prof-dir=/tmp/prof").
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { MIX_REFERENCE, syslogMixLines } from './gen-syslog-mix.mjs';
import { coverage, logwatchArgs, logwatchPath, namedByFindings, parseLogwatchSshd } from './logwatch-sshd.mjs';
import { storeBenchmarks } from './bench-results.mjs';

const MiB = 2 ** 20;
const TIME = '/usr/bin/time';
const HOST = 'web-01';
const TARGET_MBPS = 50;
const TARGET_RATIO = 5;
const AIM_RATIO = 10;
const TARGET_RSS_MB = 120;

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const analyzer = join(root, 'scripts', 'analyze-file.mjs');
const { values: flags } = parseArgs({ options: { short: { type: 'boolean', default: false }, json: { type: 'boolean', default: false } } });
const isShort = flags.short || process.env.BENCH_SHORT === '1';
const mixLines = Number(process.env.BENCH_ANALYZE_LINES ?? (isShort ? 100_000 : 1_000_000));
const bigBytes = Number(process.env.BENCH_ANALYZE_BIG_MB ?? (isShort ? 50 : 1024)) * MiB;
const reps = Number(process.env.BENCH_ANALYZE_REPS ?? (isShort ? 1 : 3));
const minShortMbps = Number(process.env.BENCH_ANALYZE_MIN_MBPS ?? 10);
const nodeArgs = (process.env.BENCH_ANALYZE_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);

for (const [name, value] of [['BENCH_ANALYZE_LINES', mixLines], ['BENCH_ANALYZE_BIG_MB', bigBytes], ['BENCH_ANALYZE_REPS', reps]]) {
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
}
if (!existsSync(join(root, 'dist', 'analyze', 'log-stream.js'))) throw new Error('dist/ is missing: run `npm run build` first');

const work = mkdtempSync(join(tmpdir(), 'dthm-bench-analyze-'));
/** Removes the temp directory, whatever happened. Idempotent. */
function cleanup() {
  rmSync(work, { recursive: true, force: true });
}
process.on('exit', cleanup);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    cleanup();
    process.kill(process.pid, signal);
  });
}
const log = (text) => {
  if (!flags.json) console.error(text);
};

/**
 * Writes mix lines to `path` until `maxLines` lines or `maxBytes` bytes, in 1 MiB writes, hashing them on the way
 * (the sha256 the host would send with the range). Returns the size, line count and sha256.
 */
async function writeMix(path, seed, maxLines, maxBytes) {
  const out = createWriteStream(path);
  const hash = createHash('sha256');
  let buf = '';
  let bytes = 0;
  let lines = 0;
  const flush = async () => {
    const chunk = Buffer.from(buf, 'latin1');
    hash.update(chunk);
    if (!out.write(chunk)) await new Promise((r) => out.once('drain', r));
    buf = '';
  };
  for (const line of syslogMixLines(maxLines, HOST, seed)) {
    buf += line;
    bytes += line.length;
    lines++;
    if (buf.length >= MiB) await flush();
    if (bytes >= maxBytes) break;
  }
  await flush();
  await new Promise((r) => out.end(r));
  return { path, bytes, lines, sha256: hash.digest('hex') };
}

/**
 * Runs a command under GNU time when installed: wall seconds, user+sys CPU seconds of it and its children, and peak
 * RSS (KiB); both NaN without GNU time. logwatch is a pipeline of perl processes, so its CPU can exceed its wall time.
 */
function timed(cmd, args) {
  const hasTime = existsSync(TIME);
  const timeFile = join(work, 'time.txt');
  const argv = hasTime ? [TIME, '-o', timeFile, '-f', '%U %S %M', cmd, ...args] : [cmd, ...args];
  const started = process.hrtime.bigint();
  const res = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', maxBuffer: 1 << 30, env: { ...process.env, NO_COLOR: '1' } });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (res.error) throw res.error;
  if (res.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${res.status ?? res.signal}): ${res.stderr.slice(-2000)}`);
  const [user = Number.NaN, sys = Number.NaN, rssKiB = Number.NaN] = hasTime
    ? readFileSync(timeFile, 'utf8').trim().split('\n').at(-1).split(' ').map(Number)
    : [];
  return { seconds, cpuSeconds: user + sys, rssKiB, stdout: res.stdout };
}

/** Our analysis of one file in its own process; the peak RSS is that process's own (`process.resourceUsage`). */
function analyze(file, withFindings) {
  const args = [...nodeArgs, analyzer, file.path, '--sha256', file.sha256, '--reference', MIX_REFERENCE.toISOString()];
  const run = timed(process.execPath, withFindings ? [...args, '--findings'] : args);
  const result = JSON.parse(run.stdout);
  if (result.bytes !== file.bytes || result.lines !== file.lines) {
    throw new Error(`${file.path}: analysed ${result.lines} lines / ${result.bytes} bytes, wrote ${file.lines} / ${file.bytes}`);
  }
  return { seconds: run.seconds, cpuSeconds: run.cpuSeconds, rssKiB: result.maxRssKiB, result };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
/** The median run by wall time (its RSS and output go with it). */
const medianRun = (runs) => runs.find((r) => r.seconds === median(runs.map((x) => x.seconds)));
const rate = (file, run) => ({
  mbps: file.bytes / 1e6 / run.seconds,
  linesPerSecond: file.lines / run.seconds,
  rssMiB: run.rssKiB / 1024,
  cpuSeconds: run.cpuSeconds,
  mbPerCpuSecond: file.bytes / 1e6 / run.cpuSeconds,
});

const lwBinary = logwatchPath();
if (lwBinary === null) throw new Error('logwatch is not installed (apt-get install logwatch; npm run bench:analyze installs it as root)');
const loadBefore = loadavg();
const lwDir = join(work, 'logwatch');
mkdirSync(lwDir);
let started = Date.now();
const mix = await writeMix(join(lwDir, 'auth.log'), 42, mixLines, Number.POSITIVE_INFINITY);
const big = await writeMix(join(work, 'big.log'), 7, Number.MAX_SAFE_INTEGER, bigBytes);
log(`generated ${mix.lines} lines (${(mix.bytes / 1e6).toFixed(1)} MB) and ${big.lines} lines (${(big.bytes / 1e6).toFixed(1)} MB) in ${((Date.now() - started) / 1000).toFixed(1)} s`);

// The 1 M-line file: ours and logwatch's runs alternate, so that a load change hits both alike.
const ours = [];
const theirs = [];
for (let i = 0; i < reps; i++) {
  ours.push(analyze(mix, i === 0));
  theirs.push(timed(lwBinary, logwatchArgs(lwDir, HOST)));
  log(`run ${i + 1}/${reps}: dthostmon ${ours[i].seconds.toFixed(2)} s, logwatch ${theirs[i].seconds.toFixed(2)} s`);
}
started = Date.now();
const bigRun = analyze(big, false);
log(`${(big.bytes / 1e6).toFixed(0)} MB file: ${bigRun.seconds.toFixed(2)} s`);

const oursMix = rate(mix, medianRun(ours));
const lwMix = rate(mix, medianRun(theirs));
const oursBig = rate(big, bigRun);
const ratio = oursMix.mbps / lwMix.mbps;
const cpuRatio = oursMix.mbPerCpuSecond / lwMix.mbPerCpuSecond;
const cov = coverage(parseLogwatchSshd(theirs[0].stdout), namedByFindings(ours[0].result.findings));
const isCovered = cov.users.missing.length === 0 && cov.ips.missing.length === 0 && cov.ips.reported > 0;

const bigMbPerAnalysisCpu = big.bytes / 1e6 / bigRun.result.cpuSeconds;
const targets = isShort
  ? [
      {
        target: `short mode: >= ${minShortMbps} MB per CPU second of the analysis (sanity floor)`,
        measured: `${bigMbPerAnalysisCpu.toFixed(1)} MB per CPU s`,
        isMet: bigMbPerAnalysisCpu >= minShortMbps,
      },
    ]
  : [
      { target: `>= ${TARGET_MBPS} MB/s (${(big.bytes / MiB).toFixed(0)} MiB file)`, measured: `${oursBig.mbps.toFixed(1)} MB/s`, isMet: oursBig.mbps >= TARGET_MBPS },
      { target: `>= ${TARGET_RATIO}x logwatch (aim ${AIM_RATIO}x)`, measured: `${ratio.toFixed(2)}x`, isMet: ratio >= TARGET_RATIO },
      { target: `peak RSS <= ${TARGET_RSS_MB} MB (${(big.bytes / MiB).toFixed(0)} MiB file)`, measured: `${(bigRun.rssKiB * 1024 / 1e6).toFixed(0)} MB`, isMet: bigRun.rssKiB * 1024 <= TARGET_RSS_MB * 1e6 },
    ];
targets.push({
  target: 'names every failed user and source IP logwatch reports',
  measured: `users ${cov.users.reported - cov.users.missing.length}/${cov.users.reported}, IPs ${cov.ips.reported - cov.ips.missing.length}/${cov.ips.reported}`,
  isMet: isCovered,
});
const isOk = targets.every((t) => t.isMet);

const summary = {
  date: new Date().toISOString(),
  node: process.version,
  cpus: cpus().length,
  loadavg: { before: loadBefore, after: loadavg() },
  isShort,
  reps,
  mix: { bytes: mix.bytes, lines: mix.lines, ours: { ...oursMix, seconds: medianRun(ours).seconds }, logwatch: { ...lwMix, seconds: medianRun(theirs).seconds }, ratio, cpuRatio },
  big: { bytes: big.bytes, lines: big.lines, ours: { ...oursBig, seconds: bigRun.seconds } },
  findings: { count: ours[0].result.findingCount, templates: ours[0].result.templates, newPatternFindings: ours[0].result.newPatternFindings },
  coverage: { ...cov, isCovered },
  targets,
  isOk,
};

if (flags.json) {
  console.log(JSON.stringify(summary, null, 2));
} else {
  const f = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '-');
  const load = (l) => l.map((x) => x.toFixed(2)).join(' ');
  console.log(`\ndthostmon analysis benchmark (${summary.date}; node ${process.version}; ${cpus().length} CPUs; ` +
    `loadavg before ${load(loadBefore)}, after ${load(summary.loadavg.after)}; median of ${reps} for the ${mix.lines}-line file)\n`);
  console.log('| case | MB | lines | wall s | CPU s | MB/s | MB per CPU s | lines/s | peak RSS MiB | x logwatch (wall) | x logwatch (CPU) |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  const row = (name, file, r) =>
    console.log(`| ${name} | ${f(file.bytes / 1e6, 1)} | ${file.lines} | ${f(file.bytes / 1e6 / r.mbps)} | ${f(r.cpuSeconds)} | ${f(r.mbps, 1)} | ` +
      `${f(r.mbPerCpuSecond, 1)} | ${f(r.linesPerSecond, 0)} | ${f(r.rssMiB, 0)} | ${f(r.mbps / lwMix.mbps)} | ${f(r.mbPerCpuSecond / lwMix.mbPerCpuSecond)} |`);
  row(`dthostmon analysis, ${mix.lines}-line syslog/auth mix`, mix, oursMix);
  row('logwatch --service sshd --detail High, same file', mix, lwMix);
  row(`dthostmon analysis, ${(big.bytes / MiB).toFixed(0)} MiB mix`, big, oursBig);
  console.log(`\nfindings on the ${mix.lines}-line file: ${summary.findings.count} (plus ${summary.findings.newPatternFindings} new-pattern), ${summary.findings.templates} templates`);
  console.log(`logwatch reports ${cov.users.reported} failed users and ${cov.ips.reported} source IPs; missing from our findings: ` +
    `users [${cov.users.missing.slice(0, 10).join(', ')}${cov.users.missing.length > 10 ? ', ...' : ''}], IPs [${cov.ips.missing.slice(0, 10).join(', ')}]\n`);
  console.log('| target | measured | met? |');
  console.log('|---|---|---|');
  for (const t of targets) console.log(`| ${t.target} | ${t.measured} | ${t.isMet ? 'yes' : 'no'} |`);
}
const suite = isShort ? 'bench:analyze --short' : 'bench:analyze';
await storeBenchmarks(suite, [
  { benchmark: 'analyze-mix', variant: 'dthostmon', metric: 'mb_per_s', value: oursMix.mbps, baselineVariant: 'logwatch', ratio: ratio },
  { benchmark: 'analyze-mix', variant: 'dthostmon', metric: 'mb_per_cpu_s', value: oursMix.mbPerCpuSecond, baselineVariant: 'logwatch', ratio: cpuRatio },
  { benchmark: 'analyze-mix', variant: 'logwatch', metric: 'mb_per_s', value: lwMix.mbps },
  { benchmark: 'analyze-mix', variant: 'logwatch', metric: 'mb_per_cpu_s', value: lwMix.mbPerCpuSecond },
  { benchmark: 'analyze-big', variant: 'dthostmon', metric: 'mb_per_s', value: oursBig.mbps },
  { benchmark: 'analyze-big', variant: 'dthostmon', metric: 'rss_mib', value: oursBig.rssMiB },
]);
if (!isOk) process.exitCode = 1;
