#!/usr/bin/env node
// `npm run bench`: speed and memory of a pass, measured side by side in one run (the machine is shared and noisy,
// so compare ratios, not absolute times). Uses the built CLI (npm run bench builds first).
//   A. first pass over a 100k-line auth.log (10.6 MB), local transport, vs logwatch --service sshd on the same file
//   B. incremental pass after 1,000 appended lines (what cron runs every 15 minutes)
//   C. a pass over 50 simulated hosts (rootfs directories, local transport), 10 at once
// Every result also goes to the benchmarks table (bench-results.mjs; `npm run bench:trend`).
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { storeBenchmarks } from './bench-results.mjs';
import { authLogLines } from './gen-authlog.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'dthostmon.js');
const work = mkdtempSync(join(tmpdir(), 'dthm-bench-'));
const reps = Number(process.env.BENCH_REPS ?? 3);
const hasTime = existsSync('/usr/bin/time');

async function writeLines(path, gen) {
  const out = createWriteStream(path);
  for (const line of gen) if (!out.write(line)) await new Promise((r) => out.once('drain', r));
  await new Promise((r) => out.end(r));
}

/** Runs a command, returns wall seconds and peak RSS (MiB) measured by GNU time. */
function measure(cmd, args, env = {}) {
  const started = process.hrtime.bigint();
  const res = hasTime
    ? spawnSync('/usr/bin/time', ['-f', '%M', cmd, ...args], { env: { ...process.env, NO_COLOR: '1', ...env }, encoding: 'utf8', maxBuffer: 1 << 28 })
    : spawnSync(cmd, args, { env: { ...process.env, NO_COLOR: '1', ...env }, encoding: 'utf8', maxBuffer: 1 << 28 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const rssKb = hasTime ? Number(res.stderr.trim().split('\n').pop()) : NaN;
  return { seconds, rssMiB: rssKb / 1024, status: res.status, stdout: res.stdout, stderr: res.stderr };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rows = [];
/** `key`: the benchmark and variant the trend stores it as (bench-results.mjs). */
function record(name, samples, key) {
  rows.push({ name, seconds: median(samples.map((s) => s.seconds)), rssMiB: median(samples.map((s) => s.rssMiB)), ...key });
}

function config(dir, hosts, extra = '') {
  const path = join(dir, 'dthostmon.yaml');
  writeFileSync(path, `global:\n  reports_dir: reports\n  max_concurrent_hosts: 10\n  log_max_bytes: 64MiB\n${extra}hosts:\n${hosts}`);
  return path;
}

// A + B: one host, a 100k-line auth.log.
const logDir = join(work, 'logs');
mkdirSync(logDir);
const authLog = join(logDir, 'auth.log');
await writeLines(authLog, authLogLines(100_000));
const oneHost = `  - name: web-01\n    transport: local\n    logs: ["${authLog}"]\n`;
const first = [];
const incremental = [];
for (let i = 0; i < reps; i++) {
  const dir = mkdtempSync(join(work, 'a-'));
  const cfg = config(dir, oneHost);
  const a = measure(process.execPath, [bin, 'run', '-c', cfg, '--quiet']);
  if (a.status !== 0) throw new Error(`dthostmon run failed (${a.status}): ${a.stderr}`);
  first.push(a);
  const extraLog = join(dir, 'auth.log');
  cpSync(authLog, extraLog);
  writeFileSync(cfg, `global:\n  reports_dir: reports\n  log_max_bytes: 64MiB\nhosts:\n  - name: web-01\n    transport: local\n    logs: ["${extraLog}"]\n`);
  measure(process.execPath, [bin, 'run', '-c', cfg, '--quiet']);
  let more = '';
  for (const l of authLogLines(1000, 'web-01', 7)) more += l;
  appendFileSync(extraLog, more);
  incremental.push(measure(process.execPath, [bin, 'run', '-c', cfg, '--quiet']));
}
record('dthostmon run, first pass, 100k-line auth.log', first, { benchmark: 'authlog-first-pass', variant: 'dthostmon' });
record('dthostmon run, incremental pass, +1k lines', incremental, { benchmark: 'authlog-incremental-pass', variant: 'dthostmon' });

const logwatch = spawnSync('sh', ['-c', 'command -v logwatch'], { encoding: 'utf8' }).stdout.trim();
if (logwatch) {
  const lwDir = join(work, 'lw');
  mkdirSync(lwDir);
  execFileSync('ln', ['-sf', authLog, join(lwDir, 'auth.log')]);
  const lw = [];
  for (let i = 0; i < reps; i++) {
    lw.push(measure(logwatch, ['--logdir', lwDir, '--service', 'sshd', '--range', 'All', '--detail', 'High', '--numeric', '--output', 'stdout', '--format', 'text', '--hostname', 'web-01']));
  }
  record('logwatch --service sshd, same 100k-line file', lw, { benchmark: 'authlog-first-pass', variant: 'logwatch' });
} else {
  rows.push({ name: 'logwatch (not installed: apt-get install logwatch to compare)', seconds: NaN, rssMiB: NaN });
}

// C: 50 simulated hosts as rootfs directories.
const fleet = join(work, 'fleet');
let hosts = '';
for (let h = 0; h < 50; h++) {
  const r = join(fleet, `h${h}`);
  for (const d of ['etc', 'proc/sys/kernel', 'var/log']) mkdirSync(join(r, d), { recursive: true });
  cpSync('/etc/os-release', join(r, 'etc/os-release'));
  cpSync('/etc/passwd', join(r, 'etc/passwd'));
  for (const f of ['loadavg', 'uptime', 'meminfo', 'stat']) cpSync(`/proc/${f}`, join(r, 'proc', f));
  writeFileSync(join(r, 'proc/sys/kernel/hostname'), `h${h}\n`);
  writeFileSync(join(r, 'proc/sys/kernel/osrelease'), '6.1.0-bench\n');
  await writeLines(join(r, 'var/log/auth.log'), authLogLines(2000, `h${h}`, h + 1));
  hosts += `  - name: h${h}\n    transport: local\n    rootfs: "${r}"\n    logs: [/var/log/auth.log]\n`;
}
const fleetRuns = [];
for (let i = 0; i < reps; i++) {
  const dir = mkdtempSync(join(work, 'c-'));
  const res = measure(process.execPath, [bin, 'run', '-c', config(dir, hosts), '--quiet']);
  if (res.status !== 0) throw new Error(`fleet pass failed (${res.status}): ${res.stderr}`);
  fleetRuns.push(res);
}
record('dthostmon run, 50 simulated hosts x 2k lines, 10 at once', fleetRuns, { benchmark: 'fleet-50-hosts', variant: 'dthostmon' });

const base = rows[0].seconds;
console.log(`\ndthostmon benchmarks (median of ${reps}; ${new Date().toISOString()}; node ${process.version})\n`);
console.log('| case | wall s | peak RSS MiB | x first pass |');
console.log('|---|---|---|---|');
for (const r of rows) {
  const f = (n, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : '-');
  console.log(`| ${r.name} | ${f(r.seconds)} | ${f(r.rssMiB, 0)} | ${f(r.seconds / base)} |`);
}
rmSync(work, { recursive: true, force: true });

// The trend (npm run bench:trend): wall time and peak RSS of each case; the first pass also as a ratio to logwatch's.
const logwatchSeconds = rows.find((r) => r.variant === 'logwatch')?.seconds ?? Number.NaN;
await storeBenchmarks(
  'bench',
  rows.filter((r) => r.benchmark).flatMap((r) => {
    const vsLogwatch = r.benchmark === 'authlog-first-pass' && r.variant === 'dthostmon' ? { baselineVariant: 'logwatch', ratio: r.seconds / logwatchSeconds } : {};
    return [
      { benchmark: r.benchmark, variant: r.variant, metric: 'wall_s', value: r.seconds, ...vsLogwatch },
      { benchmark: r.benchmark, variant: r.variant, metric: 'rss_mib', value: r.rssMiB },
    ];
  }),
);
