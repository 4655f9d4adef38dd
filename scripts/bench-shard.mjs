#!/usr/bin/env node
// `npm run bench:shard`: sharded passes (issue #10). 60 host entries behind one loopback sshd, a PostgreSQL store in a
// fresh schema (DTHOSTMON_BENCH_PG_URL, else postgres://postgres@127.0.0.1:5432/test). Every pass first appends
// BENCH_SHARD_LINES (default 2000) auth.log lines to every host, then the variants run one after the other, alternating,
// BENCH_SHARD_REPS times (default 3; medians reported), all in one run so they share the machine's noise:
//   A. one ordinary `dthostmon run` (max_concurrent_hosts C)
//   B. one `run --worker` (C lanes)
//   C. three `run --worker` processes sharing the pass (C lanes each)
// C = BENCH_SHARD_CONCURRENCY (default 3). Wall time is from the first spawn to the last exit.
// BENCH_SHARD_RTT_MS (default 0): the hosts are reached through a loopback proxy that delays every chunk by half of it
// each way (scripts/bench-sshd.mjs startDelayProxy), as a WAN link does; 0 connects to sshd directly. Without it the
// monitored "hosts" (sshd and its shells) and the workers share this machine's cores: a CPU-bound pass that more
// workers on the same machine cannot speed up.
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { storeBenchmarks } from './bench-results.mjs';
import { startBenchSshd, startDelayProxy } from './bench-sshd.mjs';
import { authLogLines } from './gen-authlog.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'dthostmon.js');
const HOSTS = Number(process.env.BENCH_SHARD_HOSTS ?? 60);
const lines = Number(process.env.BENCH_SHARD_LINES ?? 2000);
const reps = Number(process.env.BENCH_SHARD_REPS ?? 3);
const concurrency = Number(process.env.BENCH_SHARD_CONCURRENCY ?? 3);
const rttMs = Number(process.env.BENCH_SHARD_RTT_MS ?? 0);
const pgUrl = process.env.DTHOSTMON_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const work = mkdtempSync(join(tmpdir(), 'dthm-bench-shard-'));
const schema = `bench_shard_${process.pid}`;
const admin = postgres(pgUrl, { max: 1, onnotice: () => undefined });
let sshd = null;
let proxy = null;

async function cleanup() {
  await proxy?.close();
  sshd?.stop();
  await admin.unsafe(`drop schema if exists "${schema}" cascade`).catch(() => undefined);
  await admin.end({ timeout: 5 }).catch(() => undefined);
  rmSync(work, { recursive: true, force: true });
}

/** Runs the CLI; resolves with its exit code and output. */
function cli(args) {
  return new Promise((ok) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, NO_COLOR: '1', DTHOSTMON_LOG_FORMAT: 'text' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => ok({ code, stderr }));
  });
}

/** Runs `commands` at once; wall seconds from the first spawn to the last exit. */
async function timed(commands) {
  const started = process.hrtime.bigint();
  const results = await Promise.all(commands.map((args) => cli(args)));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  for (const r of results) if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr.slice(0, 500)}`);
  return seconds;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
let rng = 1;
const seeded = () => (rng = (rng * 48271) % 2147483647) / 2147483647;

try {
  await admin.unsafe(`create schema "${schema}"`);
  const url = `${pgUrl}${pgUrl.includes('?') ? '&' : '?'}search_path=${schema}`;
  sshd = await startBenchSshd(join(work, 'ssh'));
  if (rttMs > 0) proxy = await startDelayProxy(sshd.port, rttMs / 2);
  const hostPort = proxy?.port ?? sshd.port;
  const names = Array.from({ length: HOSTS }, (_, i) => `h${String(i + 1).padStart(3, '0')}`);
  const logOf = (h) => join(work, 'logs', h, 'auth.log');
  for (const h of names) {
    mkdirSync(dirname(logOf(h)), { recursive: true });
    writeFileSync(logOf(h), '');
  }
  const appendAll = () => {
    for (const h of names) appendFileSync(logOf(h), [...authLogLines(lines, h, Math.floor(seeded() * 1e9))].join(''));
  };
  const config = join(work, 'dthostmon.yaml');
  writeFileSync(config, [
    'global:',
    `  reports_dir: ${JSON.stringify(join(work, 'reports'))}`,
    `  max_concurrent_hosts: ${concurrency}`,
    '  report_frequency: never',
    '  site_report_frequency: never',
    'database:',
    `  url: "${url}"`,
    'ssh:',
    `  key_path: "${sshd.keyPath}"`,
    'hosts:',
    ...names.flatMap((h) => [`  - name: ${h}`, '    hostname: 127.0.0.1', `    port: ${hostPort}`, `    user: ${sshd.user}`, `    logs: ["${logOf(h)}"]`]),
    '',
  ].join('\n'));

  // Warm-up: the first look at every host (host keys pinned, whole history read), not measured.
  appendAll();
  await timed([['run', '-c', config, '-q']]);

  const variants = {
    'A: ordinary run': () => [['run', '-c', config, '-q']],
    'B: 1 worker': (key) => [['run', '-c', config, '-q', '--worker', '--worker-id', 'w1', '--pass-key', key]],
    'C: 3 workers': (key) => ['w1', 'w2', 'w3'].map((w) => ['run', '-c', config, '-q', '--worker', '--worker-id', w, '--pass-key', key]),
  };
  const samples = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  const loadStart = loadavg()[0];
  for (let rep = 0; rep < reps; rep += 1) {
    for (const [name, commands] of Object.entries(variants)) {
      appendAll();
      samples[name].push(await timed(commands(`bench-${rep}-${name[0]}`)));
    }
  }
  const base = median(samples['A: ordinary run']);
  console.log(`\n${HOSTS} hosts over SSH, ${lines} new auth.log lines per host and pass, max_concurrent_hosts ${concurrency} per process, ${rttMs > 0 ? `${rttMs} ms RTT to every host (delaying proxy)` : 'hosts on loopback'}, median of ${reps}; load ${loadStart.toFixed(1)} -> ${loadavg()[0].toFixed(1)}\n`);
  console.log('| variant | wall s (median) | samples | x A | hosts/s |');
  console.log('|---|---|---|---|---|');
  for (const [name, xs] of Object.entries(samples)) {
    const m = median(xs);
    console.log(`| ${name} | ${m.toFixed(2)} | ${xs.map((x) => x.toFixed(2)).join(' / ')} | ${(m / base).toFixed(2)} | ${(HOSTS / m).toFixed(1)} |`);
  }
  await storeBenchmarks(
    'bench:shard',
    Object.entries(samples).map(([name, xs]) => ({
      benchmark: `sharded-pass-${HOSTS}-hosts${rttMs > 0 ? `-rtt-${rttMs}ms` : ''}`,
      variant: name.slice(3),
      metric: 'wall_s',
      value: median(xs),
      ...(name.startsWith('A') ? {} : { baselineVariant: 'ordinary run', ratio: median(xs) / base }),
    })),
  );
} finally {
  await cleanup();
}
