#!/usr/bin/env node
// `npm run bench:metrics`: what turning on the metrics sources of issue #8 (Prometheus, InfluxDB 1.x, Glances 3)
// costs a pass. One run starts the three real servers on loopback (Debian packages, temp dirs, free ports) and
// measures `dthostmon run --json` (the built CLI) over N hosts (BENCH_METRICS_HOSTS, default 50; named host-01...) in
// these variants, alternated (A, B, down, silent, A, B, ...) and repeated BENCH_METRICS_REPS times (default 3):
//   - A      no metrics source: the baseline;
//   - B      all three sources on every host + 2 custom queries (one PromQL, one InfluxQL). Prometheus holds, per
//            host, node_exporter-like series for the last hour every 15 s (backfilled with promtool: instance
//            host-NN:9100, 2 CPUs, memory, 2 ext4 mounts, load, eth0); InfluxDB 7 days of hourly Telegraf points
//            (cpu, mem, disk / and /data, system); Glances: BENCH_METRICS_GLANCES real instances (default: as many as
//            hosts run at once), host i on instance i mod that. A real fleet has one Glances per host, and one
//            Glances 3 for 10 hosts at once measures that server: it serves its REST API from one thread with a
//            listen backlog of 5 (Python's socketserver default). Even alone, the 7 plugin requests dthostmon sends
//            a host's Glances at once can overflow that backlog while Glances refreshes its stats: the kernel drops
//            the SYN and the client resends it after 1 s. "listen overflows" counts those drops during the pass
//            (TcpExt ListenOverflows, system-wide); a Glances duration just over 1 s is one of them;
//   - down   B with prometheus_url on a closed loopback port (what a killed Prometheus looks like: connection refused);
//   - silent B with glances_url on a server that accepts and never answers, metrics.glances.timeout 2 s.
// Every host is `transport: local` with its own small rootfs (etc/os-release, copied /proc files, a 300-line
// auth.log): no sshd, so the collection side is cheap and stable and the difference between A and B is the sources.
// Change detection and scheduled reports are off. Every measured pass starts from a copy of the same store, warmed by
// one unmeasured A pass: each is a steady-state pass (auth.log already read), the same work every time. One more
// unmeasured B pass warms the servers (a fresh Glances' first stats refresh is far slower than the next ones).
// How to read it: the machine is shared, so compare ratios to A within one run, not absolute seconds across runs.
// "wall", "CPU" and "peak RSS" are GNU time's (the dthostmon process tree); "host ms" is each host's own time in the
// store (host_runs.duration_ms: collection with the sources beside it, analysis, report); the per-source durations
// are each source's duration_ms (table metric_sources); medians and p95 are over all hosts and repetitions.
// "server CPU" is what the three servers used during the pass (including the stats refresh a request triggers in
// Glances).
// A B pass that does not store N ok rows per source (or a down/silent pass whose failures are not the expected
// ones) stops the benchmark: a benchmark of failing sources measures nothing.
// Other knobs: BENCH_METRICS_VARIANTS (default A,B,down,silent), BENCH_METRICS_CONCURRENCY (default 10),
// BENCH_METRICS_GLANCES (Glances instances, default = BENCH_METRICS_CONCURRENCY; 1, one Glances for all 50 hosts, has
// hosts wait 1-7 s in SYN retransmits, some past the 5 s timeout, which stops the benchmark),
// BENCH_METRICS_NODE_ARGS (extra node flags for dthostmon, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
/* global fetch -- Node 20's fetch (the shared eslint config lists no browser globals) */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { URLSearchParams, fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { authLogLines } from './gen-authlog.mjs';
import { freePort } from './bench-sshd.mjs';
import { storeBenchmarks } from './bench-results.mjs';

const TIME = '/usr/bin/time';
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'dthostmon.js');
const hostCount = Number(process.env.BENCH_METRICS_HOSTS ?? 50);
const reps = Number(process.env.BENCH_METRICS_REPS ?? 3);
const concurrency = Number(process.env.BENCH_METRICS_CONCURRENCY ?? 10);
const glancesCount = Number(process.env.BENCH_METRICS_GLANCES ?? concurrency);
const nodeArgs = (process.env.BENCH_METRICS_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
const VARIANTS = {
  A: 'A: no metrics source',
  B: 'B: Prometheus + InfluxDB + Glances',
  down: 'B, Prometheus down (refused)',
  silent: 'B, Glances silent (timeout 2 s)',
};
const variants = (process.env.BENCH_METRICS_VARIANTS ?? 'A,B,down,silent').split(',').map((v) => v.trim()).filter(Boolean);
const SOURCES = ['prometheus', 'influxdb', 'glances'];
const HOUR = 3600;
/** Prometheus points run this far past the start, so "now" has fresh samples for the whole run (see backfill). */
const AHEAD_S = 30 * 60;

if (!Number.isInteger(hostCount) || hostCount < 1) throw new Error(`BENCH_METRICS_HOSTS must be a positive integer, got ${process.env.BENCH_METRICS_HOSTS}`);
if (!Number.isInteger(reps) || reps < 1) throw new Error(`BENCH_METRICS_REPS must be a positive integer, got ${process.env.BENCH_METRICS_REPS}`);
if (!Number.isInteger(glancesCount) || glancesCount < 1) throw new Error(`BENCH_METRICS_GLANCES must be a positive integer, got ${process.env.BENCH_METRICS_GLANCES}`);
for (const v of variants) if (!(v in VARIANTS)) throw new Error(`BENCH_METRICS_VARIANTS: unknown variant ${v} (known: ${Object.keys(VARIANTS).join(', ')})`);

/** The binary on PATH, or null. */
function which(name) {
  for (const d of (process.env.PATH ?? '').split(delimiter)) if (d && existsSync(join(d, name))) return join(d, name);
  return null;
}
const BINS = { prometheus: which('prometheus'), promtool: which('promtool'), influxd: which('influxd'), glances: which('glances') };
for (const [name, path] of Object.entries(BINS)) {
  if (!path) throw new Error(`${name} not found on PATH (apt-get install prometheus influxdb glances python3-bottle; scripts/install-peers.sh does it as root)`);
}
for (const needed of [TIME, bin]) {
  if (!existsSync(needed)) throw new Error(`${needed} not found (GNU time and \`npm run build\` are required)`);
}

const work = mkdtempSync(join(tmpdir(), 'dthm-bench-metrics-'));
/** Servers started here: { name, child, group (killed as a process group), exited }. */
const daemons = [];
let silentServer = null;
/** The dthostmon pass running now (under GNU time, in its own process group), or null. */
let running = null;

/**
 * Kills every server started here (by pid; Glances by its process group) and a pass still running, and removes the
 * temp dir. Idempotent.
 */
function cleanup() {
  for (const d of daemons) {
    if (d.child.exitCode !== null || d.child.signalCode !== null) continue;
    try {
      process.kill(d.group ? -d.child.pid : d.child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  daemons.length = 0;
  if (running && running.exitCode === null && running.signalCode === null) {
    try {
      // The whole group: GNU time and the dthostmon under it, which would go on writing into the temp dir.
      process.kill(-running.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  running = null;
  silentServer?.close();
  silentServer = null;
  // A killed server may still be closing its files: rm retries on ENOTEMPTY/EBUSY.
  rmSync(work, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
}
process.on('exit', cleanup);
for (const signal of ['SIGINT', 'SIGTERM']) {
  // Clean up, then die of the same signal (the handler is gone after `once`, so the default action applies).
  process.once(signal, () => {
    cleanup();
    process.kill(process.pid, signal);
  });
}

/** Stops the servers gracefully (SIGTERM, SIGKILL after 5 s) before the temp dir goes. */
async function stopDaemons() {
  for (const d of [...daemons].reverse()) {
    if (d.child.exitCode !== null || d.child.signalCode !== null) continue;
    const kill = (sig) => {
      try {
        process.kill(d.group ? -d.child.pid : d.child.pid, sig);
      } catch {
        // Already gone.
      }
    };
    kill('SIGTERM');
    const timer = setTimeout(() => kill('SIGKILL'), 5000);
    await d.exited;
    clearTimeout(timer);
  }
}

/** Starts a server with its output in `<work>/<name>.log`; `group` starts it in its own process group. */
function startDaemon(name, cmd, args, options = {}) {
  const logPath = join(work, `${name}.log`);
  const fd = openSync(logPath, 'a');
  const child = spawn(cmd, args, { stdio: ['ignore', fd, fd], detached: options.group === true, ...options.spawn });
  closeSync(fd);
  const exited = new Promise((r) => child.once('exit', r));
  const d = { name, child, group: options.group === true, exited, log: () => readFileSync(logPath, 'utf8').slice(-2000) };
  daemons.push(d);
  return d;
}

/** Polls `check` every 100 ms until it is true; fails naming `what` (with the server's log) after `ms`. */
async function waitFor(what, d, check, ms = 30_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (d.child.exitCode !== null) throw new Error(`${d.name} exited while waiting until ${what}: ${d.log()}`);
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}: ${d.log()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The status of a GET. Identity encoding: Glances 3 answers 500 to `/api/3/status` when asked for deflate. */
async function httpStatus(url) {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000), headers: { 'accept-encoding': 'identity' } });
  await res.arrayBuffer();
  return res.status;
}

/** CPU seconds (user + sys) a running process used so far, from /proc; 0 when it is gone. */
function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / clockTicks;
  } catch {
    return 0;
  }
}
/**
 * The kernel's count of connections dropped because a listen queue was full (TcpExt ListenOverflows, system-wide):
 * each one is a SYN the client resends after 1 s. Glances 3 listens with a backlog of 5.
 */
function listenOverflows() {
  try {
    const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n').filter((l) => l.startsWith('TcpExt:'));
    const names = lines[0].split(/\s+/);
    return Number(lines[1].split(/\s+/)[names.indexOf('ListenOverflows')]);
  } catch {
    return NaN;
  }
}
const clockTicks = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;

const pad = String(hostCount).length < 2 ? 2 : String(hostCount).length;
const hostName = (h) => `host-${String(h + 1).padStart(pad, '0')}`;

/**
 * node_exporter-like OpenMetrics for every host, one sample every 15 s from 65 min before `now` to AHEAD_S after it.
 * Samples past `now` are what keeps the series fresh while the benchmark runs: Prometheus answers for a time t only
 * from samples at or before t, so the later ones simply wait in the block. Counters grow at steady per-host rates.
 */
function prometheusBackfill(now) {
  const start = now - 65 * 60;
  const times = [];
  for (let t = start; t <= now + AHEAD_S; t += 15) times.push(t);
  const families = new Map();
  const add = (name, labels, value) => {
    const text = Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',');
    if (!families.has(name)) families.set(name, []);
    const lines = families.get(name);
    for (const t of times) lines.push(`${name}{${text}} ${value(t - start)} ${t}`);
  };
  const GIB = 1024 ** 3;
  for (let h = 0; h < hostCount; h++) {
    const base = { job: 'node', instance: `${hostName(h)}:9100` };
    const busy = 0.05 + (h % 10) / 50; // 5-23 % CPU, varies by host
    for (const cpu of ['0', '1']) {
      add('node_cpu_seconds_total', { ...base, cpu, mode: 'idle' }, (s) => (1e6 + s * (1 - busy)).toFixed(2));
      add('node_cpu_seconds_total', { ...base, cpu, mode: 'user' }, (s) => (2e5 + s * busy * 0.7).toFixed(2));
      add('node_cpu_seconds_total', { ...base, cpu, mode: 'system' }, (s) => (1e5 + s * busy * 0.3).toFixed(2));
    }
    add('node_memory_MemTotal_bytes', base, () => 8 * GIB);
    add('node_memory_MemAvailable_bytes', base, (s) => Math.round(8 * GIB * (0.6 - (h % 5) / 20) - (s % 600) * 1e5));
    for (const [mountpoint, device, size, used] of [['/', '/dev/sda1', 40 * GIB, 0.4 + (h % 7) / 20], ['/data', '/dev/sdb1', 500 * GIB, 0.3]]) {
      const labels = { ...base, device, fstype: 'ext4', mountpoint };
      // /data grows 1 GiB an hour: a trend the analysis projects.
      const free = (s) => Math.round(size * (1 - used) - (mountpoint === '/data' ? (s / HOUR) * GIB : 0));
      add('node_filesystem_size_bytes', labels, () => size);
      add('node_filesystem_avail_bytes', labels, (s) => free(s) - Math.round(size * 0.05));
      add('node_filesystem_free_bytes', labels, free);
    }
    add('node_load1', base, (s) => (0.3 + busy * 4 + ((s / 15) % 4) / 10).toFixed(2));
    add('node_network_receive_bytes_total', { ...base, device: 'eth0' }, (s) => Math.round(1e9 + s * 125_000 * (1 + (h % 3))));
    add('node_network_transmit_bytes_total', { ...base, device: 'eth0' }, (s) => Math.round(5e8 + s * 60_000 * (1 + (h % 3))));
  }
  // OpenMetrics: the samples of a family are contiguous, then `# EOF`.
  return `${[...families.values()].flat().join('\n')}\n# EOF\n`;
}

/** 7 days of hourly Telegraf points per host (line protocol, seconds): cpu-total, mem, disk / and /data, system. */
function telegrafWeek(now) {
  const lines = [];
  for (let h = 0; h < hostCount; h++) {
    const host = hostName(h);
    for (let i = 7 * 24; i >= 0; i--) {
      const t = now - i * HOUR;
      lines.push(`cpu,host=${host},cpu=cpu-total usage_idle=${(85 - (h % 10) - (i % 5)).toFixed(1)} ${t}`);
      lines.push(`mem,host=${host} used_percent=${(40 + (h % 5) * 5 + (i % 3)).toFixed(1)} ${t}`);
      lines.push(`disk,host=${host},path=/ used_percent=${(40 + (h % 7) * 5).toFixed(1)} ${t}`);
      lines.push(`disk,host=${host},path=/data used_percent=${(30 + (7 * 24 - i) / 24).toFixed(2)} ${t}`);
      lines.push(`system,host=${host} load1=${(0.3 + (h % 10) / 10).toFixed(2)} ${t}`);
    }
  }
  return lines;
}

async function startPrometheus(now) {
  const dir = join(work, 'prometheus');
  const dataDir = join(dir, 'data');
  mkdirSync(dir);
  writeFileSync(join(dir, 'backfill.om'), prometheusBackfill(now));
  const bf = spawnSync(BINS.promtool, ['tsdb', 'create-blocks-from', 'openmetrics', join(dir, 'backfill.om'), dataDir], { encoding: 'utf8' });
  if (bf.status !== 0) throw new Error(`promtool create-blocks-from openmetrics failed: ${(bf.stderr || bf.stdout).slice(-2000)}`);
  rmSync(join(dir, 'backfill.om'));
  // Nothing is scraped: the backfilled blocks are all it serves.
  writeFileSync(join(dir, 'prometheus.yml'), 'global: {scrape_interval: 15s}\nscrape_configs: []\n');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const d = startDaemon('prometheus', BINS.prometheus, [
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${dataDir}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--storage.tsdb.retention.time=30d',
  ]);
  await waitFor('Prometheus is ready', d, async () => (await httpStatus(`${url}/-/ready`)) === 200);
  const q = encodeURIComponent('count(count by (instance) (node_load1))');
  await waitFor(`Prometheus has the ${hostCount} hosts' series`, d, async () => {
    const body = await (await fetch(`${url}/api/v1/query?query=${q}`, { signal: AbortSignal.timeout(2000) })).json();
    return Number(body.data?.result?.[0]?.value?.[1]) === hostCount;
  });
  return { url, daemon: d };
}

async function startInfluxdb(now) {
  const dir = join(work, 'influxdb');
  mkdirSync(dir);
  const httpPort = await freePort();
  const rpcPort = await freePort();
  // The defaults listen on all interfaces (:8086, :8088) and report usage: both overridden (test-peers.md section 5).
  writeFileSync(join(dir, 'influxdb.conf'), [
    'reporting-disabled = true',
    `bind-address = "127.0.0.1:${rpcPort}"`,
    '[meta]', `dir = "${join(dir, 'meta')}"`,
    '[data]', `dir = "${join(dir, 'data')}"`, `wal-dir = "${join(dir, 'wal')}"`, 'query-log-enabled = false',
    '[monitor]', 'store-enabled = false',
    '[http]', `bind-address = "127.0.0.1:${httpPort}"`, 'log-enabled = false',
    '[continuous_queries]', 'enabled = false',
    '',
  ].join('\n'));
  const url = `http://127.0.0.1:${httpPort}`;
  const d = startDaemon('influxd', BINS.influxd, ['-config', join(dir, 'influxdb.conf')]);
  await waitFor('influxd answers /ping', d, async () => (await httpStatus(`${url}/ping`)) === 204);
  const created = await fetch(`${url}/query`, { method: 'POST', body: new URLSearchParams({ q: 'CREATE DATABASE telegraf' }) });
  if (!created.ok) throw new Error(`influxd CREATE DATABASE: HTTP ${created.status} ${await created.text()}`);
  const lines = telegrafWeek(now);
  for (let i = 0; i < lines.length; i += 5000) {
    const res = await fetch(`${url}/write?db=telegraf&precision=s`, { method: 'POST', body: lines.slice(i, i + 5000).join('\n') });
    if (res.status !== 204) throw new Error(`influxd write: HTTP ${res.status} ${await res.text()}`);
  }
  return { url, daemon: d, points: lines.length };
}

/** Glances 3 number `i` as the tests run it (test/helpers/glances.ts): own HOME and config, no plugin that reaches out. */
async function startGlances(i) {
  const dir = join(work, `glances-${i}`);
  const home = join(dir, 'home');
  mkdirSync(join(home, '.config', 'glances'), { recursive: true });
  mkdirSync(join(home, '.cache'), { recursive: true });
  writeFileSync(join(dir, 'glances.conf'), ['[global]', 'check_update=false', '[ip]', 'disable=True', 'public_ip_disabled=True', '[cloud]', 'disable=True', '[ports]', 'disable=True', ''].join('\n'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const disabled = ['ip', 'cloud', 'ports', 'folders', 'amps', 'sensors', 'smart', 'wifi', 'raid', 'irq', 'gpu', 'processlist'];
  const env = { PATH: process.env.PATH, LANG: 'C.UTF-8', HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_CACHE_HOME: join(home, '.cache'), TMPDIR: dir };
  const d = startDaemon(`glances-${i}`, BINS.glances, ['-C', join(dir, 'glances.conf'), '-w', '--disable-webui', '-B', '127.0.0.1', '-p', String(port),
    '--disable-check-update', '--disable-autodiscover', '--disable-plugin', disabled.join(',')], { group: true, spawn: { cwd: dir, env } });
  await waitFor('Glances answers /api/3/status', d, async () => (await httpStatus(`${url}/api/3/status`)) === 200);
  return { url, daemon: d };
}

/** A server that accepts connections and reads requests, never answering (a hung source). */
async function startSilent() {
  const sockets = new Set();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('data', () => undefined);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close() {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

/** A host's rootfs: os-release, the /proc files the probe reads (copied once: stable values), a 300-line auth.log. */
function makeRootfs(dir, name, seed) {
  for (const d of ['etc', 'proc/sys/kernel', 'var/log']) mkdirSync(join(dir, d), { recursive: true });
  copyFileSync('/etc/os-release', join(dir, 'etc/os-release'));
  copyFileSync('/etc/passwd', join(dir, 'etc/passwd'));
  for (const f of ['loadavg', 'uptime', 'meminfo', 'stat']) writeFileSync(join(dir, 'proc', f), readFileSync(`/proc/${f}`));
  writeFileSync(join(dir, 'proc/sys/kernel/hostname'), `${name}\n`);
  writeFileSync(join(dir, 'proc/sys/kernel/osrelease'), '6.1.0-bench\n');
  writeFileSync(join(dir, 'var/log/auth.log'), [...authLogLines(300, name, seed)].join(''));
}

/** The config of one variant; `urls` holds the servers' URLs (null for A). */
function configText(variant, fleet, urls) {
  const lines = [
    'global:',
    '  reports_dir: reports',
    `  max_concurrent_hosts: ${concurrency}`,
    '  pass_timeout: 600',
    '  transport: local',
    '  logs: [/var/log/auth.log]',
    '  track_changes: false',
    '  report_frequency: never',
    '  send_host_reports: false',
    '  site_report_frequency: never',
  ];
  if (variant !== 'A') {
    lines.push(
      '  allow_insecure_http: true',
      `  prometheus_url: ${variant === 'down' ? urls.closed : urls.prometheus}`,
      `  influxdb_url: ${urls.influxdb}`,
      '  influxdb_database: telegraf',
      ...(variant === 'silent' ? [`  glances_url: ${urls.silent}`] : []),
      '  metrics:',
      '    prometheus: {match: {instance: "$name:9100"}}',
      '    influxdb: {host: "$name"}',
      ...(variant === 'silent' ? ['    glances: {timeout: 2}'] : []),
      '    queries:',
      `      - {name: cpu_count, query: 'count(node_cpu_seconds_total{$match,mode="idle"})', unit: cpus}`,
      `      - {name: root_used, source: influxdb, query: 'SELECT last("used_percent") FROM "disk" WHERE $match AND "path" = ''/''', unit: "%", warn: 90}`,
    );
  }
  lines.push('database:', '  path: dthostmon.db', 'hosts:');
  for (let h = 0; h < hostCount; h++) {
    lines.push(`  - name: ${hostName(h)}`, `    rootfs: "${join(fleet, hostName(h))}"`);
    // Each host on its Glances (the silent variant's one URL is global).
    if (variant === 'B' || variant === 'down') lines.push(`    glances_url: ${urls.glances[h % urls.glances.length]}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Runs the CLI under GNU time without blocking the event loop (the silent server lives in this process). */
function timedRun(cfg, cwd) {
  return new Promise((ok, fail) => {
    const started = process.hrtime.bigint();
    const child = spawn(TIME, ['-f', '@@time %U %S %M', process.execPath, ...nodeArgs, bin, 'run', '-c', cfg, '--json'], {
      cwd,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    running = child;
    const out = [];
    const err = [];
    child.stdout.on('data', (c) => out.push(c));
    child.stderr.on('data', (c) => err.push(c));
    child.once('error', fail);
    child.once('close', (status) => {
      running = null;
      const wall = Number(process.hrtime.bigint() - started) / 1e9;
      const stderr = Buffer.concat(err).toString('utf8');
      const line = stderr.split('\n').filter((l) => l.startsWith('@@time ')).pop();
      if (!line) return fail(new Error(`dthostmon did not finish normally (${status}): ${stderr.slice(-2000)}`));
      const [user, sys, rssKb] = line.slice(7).split(' ').map(Number);
      ok({ wall, cpu: user + sys, rssMiB: rssKb / 1024, status, stdout: Buffer.concat(out).toString('utf8'), stderr });
    });
  });
}

/**
 * What the pass stored: metric_sources rows (source, status, error, duration, data size), the `metrics` row count and
 * each host's duration (host_runs.duration_ms: collection and sources in parallel, analysis, report). Checkpoints
 * the WAL first, so storeBytes() then measures the file.
 */
function readStore(dbPath) {
  const db = new Database(dbPath, { fileMustExist: true });
  try {
    // Into the main file: the WAL holds page images, rewritten pages more than once, so its size is no measure.
    db.pragma('wal_checkpoint(TRUNCATE)');
    return {
      sources: db.prepare('SELECT source, status, error, duration_ms AS ms, length(data) AS bytes FROM metric_sources').all(),
      metricsRows: db.prepare('SELECT count(*) AS n FROM metrics').get().n,
      // The newest run is the measured pass (the template's warm-up pass is older).
      hostMs: db.prepare('SELECT duration_ms AS ms FROM host_runs WHERE run_id = (SELECT max(id) FROM runs)').all().map((r) => r.ms),
    };
  } finally {
    db.close();
  }
}

/** Bytes of the SQLite store in `dir` (the file and its WAL, empty after readStore's checkpoint). */
function storeBytes(dir) {
  return ['dthostmon.db', 'dthostmon.db-wal'].reduce((sum, f) => sum + (existsSync(join(dir, f)) ? statSync(join(dir, f)).size : 0), 0);
}

/** What each variant must have stored per source: ok everywhere, except the one source a variant breaks. */
function expectedStatus(variant, source) {
  if (variant === 'down' && source === 'prometheus') return { status: 'failed', error: /connection refused/ };
  if (variant === 'silent' && source === 'glances') return { status: 'failed', error: /timed out/ };
  return { status: 'ok', error: null };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
/** Nearest-rank percentile. */
const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)];
};

try {
  const setupStart = Date.now();
  const now = Math.floor(Date.now() / 1000);
  const fleet = join(work, 'fleet');
  for (let h = 0; h < hostCount; h++) makeRootfs(join(fleet, hostName(h)), hostName(h), h + 1);
  const needPeers = variants.some((v) => v !== 'A');
  const urls = {};
  const peers = {};
  if (needPeers) {
    const [prom, influx, silent, ...glances] = await Promise.all([startPrometheus(now), startInfluxdb(now), startSilent(),
      ...Array.from({ length: glancesCount }, (_, i) => startGlances(i))]);
    peers.prometheus = [prom.daemon];
    peers.influxdb = [influx.daemon];
    peers.glances = glances.map((g) => g.daemon);
    silentServer = silent;
    Object.assign(urls, { prometheus: prom.url, influxdb: influx.url, glances: glances.map((g) => g.url), silent: silent.url, closed: `http://127.0.0.1:${await freePort()}` });
    console.error(`servers up: Prometheus ${prom.url} (${hostCount} hosts x 17 series, 15 s), influxd ${influx.url} (${influx.points} points), ${glancesCount} Glances`);
  }

  // The template store: one unmeasured A pass reads every auth.log, so every measured pass is a steady-state pass.
  const template = join(work, 'template');
  mkdirSync(template);
  writeFileSync(join(template, 'dthostmon.yaml'), configText('A', fleet, urls));
  const warm = await timedRun(join(template, 'dthostmon.yaml'), template);
  if (warm.status !== 0) throw new Error(`warm-up pass exited ${warm.status}: ${warm.stderr.slice(-2000)}`);
  const templateMetricsRows = readStore(join(template, 'dthostmon.db')).metricsRows;
  const templateBytes = storeBytes(template);
  // One unmeasured B pass on a copy: the servers' first answers (Glances' first stats refresh, Prometheus and
  // InfluxDB opening their blocks and shards) are not what a long-running server costs.
  let warmB = null;
  if (needPeers) {
    const dir = join(work, 'warm-b');
    mkdirSync(dir);
    for (const f of ['dthostmon.db', 'dthostmon.db-wal']) if (existsSync(join(template, f))) copyFileSync(join(template, f), join(dir, f));
    writeFileSync(join(dir, 'dthostmon.yaml'), configText('B', fleet, urls));
    warmB = await timedRun(join(dir, 'dthostmon.yaml'), dir);
    if (warmB.status !== 0) throw new Error(`warm-up B pass exited ${warmB.status}: ${warmB.stderr.slice(-2000)}`);
    rmSync(dir, { recursive: true, force: true });
  }
  console.error(`setup ${((Date.now() - setupStart) / 1000).toFixed(1)} s (warm-up passes: A ${warm.wall.toFixed(2)} s${warmB ? `, B ${warmB.wall.toFixed(2)} s` : ''})`);

  const runs = Object.fromEntries(variants.map((v) => [v, []]));
  const loadBefore = loadavg();
  for (let rep = 1; rep <= reps; rep++) {
    for (const variant of variants) {
      const dir = join(work, `${variant}-${rep}`);
      mkdirSync(dir);
      for (const f of ['dthostmon.db', 'dthostmon.db-wal']) if (existsSync(join(template, f))) copyFileSync(join(template, f), join(dir, f));
      const cfg = join(dir, 'dthostmon.yaml');
      writeFileSync(cfg, configText(variant, fleet, urls));
      const serverCpu = () => Object.fromEntries(Object.entries(peers).map(([s, ds]) => [s, ds.reduce((sum, d) => sum + cpuSeconds(d.child.pid), 0)]));
      const peerCpuBefore = serverCpu();
      const overflowsBefore = listenOverflows();
      const res = await timedRun(cfg, dir);
      const overflows = listenOverflows() - overflowsBefore;
      const peerCpuAfter = serverCpu();
      const peerCpu = Object.fromEntries(Object.keys(peers).map((s) => [s, peerCpuAfter[s] - peerCpuBefore[s]]));
      const label = `${VARIANTS[variant]}, run ${rep}`;
      let pass;
      try {
        pass = JSON.parse(res.stdout);
      } catch {
        throw new Error(`${label}: dthostmon printed no JSON (exit ${res.status}): ${res.stderr.slice(-2000)}`);
      }
      const bad = pass.hosts.filter((h) => h.status !== 'ok');
      if (bad.length > 0 || pass.hosts.length !== hostCount) {
        throw new Error(`${label}: ${bad.length} of ${pass.hosts.length} host(s) not ok, e.g. ${bad[0]?.name}: ${bad[0]?.status} ${bad[0]?.error}`);
      }
      const store = readStore(join(dir, 'dthostmon.db'));
      for (const source of variant === 'A' ? [] : SOURCES) {
        const want = expectedStatus(variant, source);
        const rows = store.sources.filter((r) => r.source === source);
        const good = rows.filter((r) => r.status === want.status && (want.error === null ? r.error === null : want.error.test(r.error ?? '')));
        if (good.length !== hostCount || rows.length !== hostCount) {
          const other = rows.find((r) => !good.includes(r));
          throw new Error(`${label}: ${source}: ${good.length} of ${hostCount} rows ${want.status}${want.error ? ` (${want.error.source})` : ''}, ` +
            `${rows.length} stored; e.g. ${other ? `${other.status}: ${other.error}` : 'no row'}`);
        }
      }
      runs[variant].push({ ...res, peerCpu, overflows, storeBytes: storeBytes(dir) - templateBytes, hostMs: store.hostMs, sources: store.sources, metricsRows: store.metricsRows - templateMetricsRows });
      console.error(`${label}: ${res.wall.toFixed(2)} s, ${res.rssMiB.toFixed(0)} MiB, ${store.sources.length} metric_sources rows, ${overflows} listen overflows`);
      rmSync(dir, { recursive: true, force: true });
    }
  }

  const f = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '-');
  const load = (l) => l.map((x) => x.toFixed(2)).join(' ');
  const base = runs.A?.length ? { wall: median(runs.A.map((r) => r.wall)), rss: median(runs.A.map((r) => r.rssMiB)) } : null;
  console.log(`\ndthostmon metrics sources benchmark (${new Date().toISOString()}; node ${process.version}; ${hostCount} hosts, transport local, ` +
    `${concurrency} at once; ${glancesCount} Glances; median of ${reps} alternated runs per variant; loadavg before ${load(loadBefore)}, after ${load(loadavg())})\n`);
  console.log('| variant | wall s (min-max) | wall / A | host ms median | host ms p95 | CPU s | peak RSS MiB | RSS / A | metric_sources rows/pass | metrics rows/pass | store growth KiB/pass | server CPU s/pass | listen overflows/pass |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const v of variants) {
    const rs = runs[v];
    const wall = median(rs.map((r) => r.wall));
    const rss = median(rs.map((r) => r.rssMiB));
    const serverCpu = v === 'A' ? NaN : median(rs.map((r) => Object.values(r.peerCpu).reduce((a, b) => a + b, 0)));
    console.log(`| ${VARIANTS[v]} | ${f(wall)} (${f(Math.min(...rs.map((r) => r.wall)))}-${f(Math.max(...rs.map((r) => r.wall)))}) | ` +
      `${base ? f(wall / base.wall) : '-'} | ${f(median(rs.flatMap((r) => r.hostMs)), 0)} | ${f(percentile(rs.flatMap((r) => r.hostMs), 95), 0)} | ${f(median(rs.map((r) => r.cpu)))} | ${f(rss, 0)} | ${base ? f(rss / base.rss) : '-'} | ` +
      `${f(median(rs.map((r) => r.sources.length)), 0)} | ${f(median(rs.map((r) => r.metricsRows)), 0)} | ${f(median(rs.map((r) => r.storeBytes)) / 1024, 0)} | ${f(serverCpu)} | ${f(median(rs.map((r) => r.overflows)), 0)} |`);
  }
  const withSources = variants.filter((v) => v !== 'A');
  if (withSources.length > 0) {
    console.log(`\nPer source and host (metric_sources.duration_ms over ${hostCount} hosts x ${reps} runs; server CPU = that server's CPU per host, median of the runs):\n`);
    console.log('| variant | source | status | ms median | ms p95 | ms max | stored bytes/row | server CPU ms/host | error |');
    console.log('|---|---|---|---|---|---|---|---|---|');
    for (const v of withSources) {
      for (const source of SOURCES) {
        const rows = runs[v].flatMap((r) => r.sources.filter((s) => s.source === source));
        const ms = rows.map((r) => r.ms);
        const errors = [...new Set(rows.map((r) => r.error).filter(Boolean))];
        console.log(`| ${VARIANTS[v]} | ${source} | ${expectedStatus(v, source).status} x ${rows.length} | ${f(median(ms), 0)} | ${f(percentile(ms, 95), 0)} | ` +
          `${f(Math.max(...ms), 0)} | ${f(median(rows.map((r) => r.bytes)), 0)} | ${f((median(runs[v].map((r) => r.peerCpu[source])) * 1000) / hostCount, 1)} | ` +
          `${errors.length ? errors[0].replace(/\|/g, '\\|') : ''} |`);
      }
    }
  }
  await storeBenchmarks(
    'bench:metrics',
    variants.flatMap((v) => {
      const wall = median(runs[v].map((r) => r.wall));
      const vsA = base && v !== 'A' ? { baselineVariant: 'A', ratio: wall / base.wall } : {};
      return [
        { benchmark: `metrics-${hostCount}-hosts`, variant: v, metric: 'wall_s', value: wall, ...vsA },
        { benchmark: `metrics-${hostCount}-hosts`, variant: v, metric: 'cpu_s', value: median(runs[v].map((r) => r.cpu)) },
        { benchmark: `metrics-${hostCount}-hosts`, variant: v, metric: 'rss_mib', value: median(runs[v].map((r) => r.rssMiB)) },
      ];
    }),
  );
  await stopDaemons();
} finally {
  cleanup();
}
