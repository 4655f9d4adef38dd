#!/usr/bin/env node
// `npm run bench:fleet`: the fleet benchmark of issue #3. One loopback OpenSSH sshd (started here, its own temp keys)
// serves N host entries, each with its own rootfs directory and ~5 MB of new auth.log lines. For each N (1, 10, 50,
// 200; BENCH_FLEET_SIZES=1,10 runs a subset) it measures, in the same run:
//   - the baseline: OpenSSH's ssh client fanned out with `xargs -P 10`, `cat` of each host's auth.log to /dev/null;
//   - a first `dthostmon run --json` (the built CLI, a fresh store), then a second pass with no new data.
// The machine is shared and sshd's key exchange costs real CPU on loopback: compare ratios within one run.
// Other knobs: BENCH_FLEET_TRACK_CHANGES (0: without change detection), BENCH_FLEET_REPORTS (0: no scheduled host and
// site reports; by default the first pass renders every host's daily report with its charts and writes the emails as
// .eml files, as an installation without SMTP does), BENCH_FLEET_LINES (auth.log lines per host, default 48000 = ~5 MB), BENCH_FLEET_CONCURRENCY
// (default 10), BENCH_FLEET_NODE_ARGS (extra node flags for the dthostmon process, e.g. "--cpu-prof
// --cpu-prof-dir=/tmp/prof").
import { spawnSync } from 'node:child_process';
import { cpSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { authLogLines } from './gen-authlog.mjs';
import { startBenchSshd } from './bench-sshd.mjs';
import { storeBenchmarks } from './bench-results.mjs';

const SSHD = '/usr/sbin/sshd';
const TIME = '/usr/bin/time';
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'dthostmon.js');
const sizes = (process.env.BENCH_FLEET_SIZES ?? '1,10,50,200').split(',').map((s) => Number(s.trim()));
const linesPerHost = Number(process.env.BENCH_FLEET_LINES ?? 48_000);
const concurrency = Number(process.env.BENCH_FLEET_CONCURRENCY ?? 10);
const nodeArgs = (process.env.BENCH_FLEET_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
// BENCH_FLEET_TRACK_CHANGES=0: the pass without the state sections (change detection), to measure what they cost.
const trackChanges = process.env.BENCH_FLEET_TRACK_CHANGES !== '0';
// BENCH_FLEET_REPORTS=0: no scheduled reports, to measure what rendering them (charts, PNGs, emails) costs.
const reports = process.env.BENCH_FLEET_REPORTS !== '0';

if (sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`BENCH_FLEET_SIZES must be positive integers, got ${process.env.BENCH_FLEET_SIZES}`);
for (const needed of [SSHD, TIME, bin]) {
  if (!existsSync(needed)) throw new Error(`${needed} not found (openssh-server, GNU time and \`npm run build\` are required)`);
}

const work = mkdtempSync(join(tmpdir(), 'dthm-bench-fleet-'));
let sshd = null;

/** Stops sshd (by its pid) and removes every temp file, whatever happened. Idempotent. */
function cleanup() {
  sshd?.stop();
  sshd = null;
  rmSync(work, { recursive: true, force: true });
}
process.on('exit', cleanup);
for (const signal of ['SIGINT', 'SIGTERM']) {
  // Clean up, then die of the same signal (the handler is gone after `once`, so the default action applies).
  process.once(signal, () => {
    cleanup();
    process.kill(process.pid, signal);
  });
}

function run(cmd, args, options = {}) {
  const res = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 30, ...options });
  if (res.error) throw res.error;
  return res;
}

async function writeLines(path, gen) {
  const out = createWriteStream(path);
  let buf = '';
  for (const line of gen) {
    buf += line;
    if (buf.length >= 1 << 20) {
      if (!out.write(buf)) await new Promise((r) => out.once('drain', r));
      buf = '';
    }
  }
  await new Promise((r) => out.end(buf, r));
}

/**
 * Server-side CPU seconds: cutime + cstime of the sshd listener, i.e. every reaped per-connection sshd together with
 * the remote commands it ran (sh, cat, tail, head, ...).
 */
function sshdChildCpuSeconds() {
  const stat = readFileSync(`/proc/${sshd.pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(run('getconf', ['CLK_TCK']).stdout.trim()) || 100;
  return (Number(fields[13]) + Number(fields[14])) / ticks;
}

const sshdLog = join(work, 'sshd.log');
/** Connections and exec requests sshd logged since `offset` (LogLevel VERBOSE). */
function sshdCounts(offset) {
  const text = readFileSync(sshdLog, 'utf8').slice(offset);
  return {
    connections: (text.match(/Accepted publickey for /g) ?? []).length,
    execs: (text.match(/Starting session: command /g) ?? []).length,
  };
}
const logSize = () => statSync(sshdLog).size;

/** Runs a command under GNU time: wall seconds, the process tree's user+sys CPU seconds and peak RSS (MiB). */
function timed(cmd, args, options = {}) {
  const started = process.hrtime.bigint();
  const res = run(TIME, ['-f', '@@time %U %S %M', cmd, ...args], options);
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  const line = res.stderr.split('\n').filter((l) => l.startsWith('@@time ')).pop();
  if (!line) throw new Error(`${cmd} did not finish normally (${res.status ?? res.signal}): ${res.stderr.slice(-2000)}`);
  const [user, sys, rssKb] = line.slice(7).split(' ').map(Number);
  return { wall, cpu: user + sys, rssMiB: rssKb / 1024, status: res.status, stdout: res.stdout, stderr: res.stderr };
}

/** One measured step: the command under `timed` plus what sshd saw meanwhile. */
function measured(cmd, args, options) {
  const offset = logSize();
  const sshdCpuBefore = sshdChildCpuSeconds();
  const result = timed(cmd, args, options);
  return { ...result, ...sshdCounts(offset), sshdCpu: sshdChildCpuSeconds() - sshdCpuBefore };
}

try {
  // --- sshd (recipe: shared/test-peers.md section 1, limits raised for 200 hosts) ---
  const sshDir = join(work, 'ssh');
  sshd = await startBenchSshd(sshDir, { log: sshdLog });
  const { port, user, keyPath: userKey } = sshd;
  const knownHosts = join(sshDir, 'known_hosts');
  const [keyType, keyB64] = readFileSync(sshd.hostKeyPub, 'utf8').trim().split(' ');
  writeFileSync(knownHosts, `[127.0.0.1]:${port} ${keyType} ${keyB64}\n`);
  const sshArgs = ['-F', '/dev/null', '-p', String(port), '-i', userKey, '-o', 'IdentitiesOnly=yes', '-o', 'ControlMaster=no',
    '-o', 'BatchMode=yes', '-o', `UserKnownHostsFile=${join(sshDir, 'baseline_known_hosts')}`, '-o', 'StrictHostKeyChecking=no',
    '-o', 'LogLevel=ERROR', `${user}@127.0.0.1`];
  // The baseline's per-file fetch: `sh fetch.sh PATH` cats one host's auth.log through a new ssh connection.
  const fetchScript = join(sshDir, 'fetch.sh');
  const shq = (a) => `'${a.replace(/'/g, `'\\''`)}'`;
  writeFileSync(fetchScript, `exec ssh ${sshArgs.map(shq).join(' ')} "cat '$1'" >/dev/null\n`);

  // --- hosts: rootfs directories, each with its own auth.log ---
  const maxHosts = Math.max(...sizes);
  const fleet = join(work, 'fleet');
  const genStart = Date.now();
  for (let h = 0; h < maxHosts; h++) {
    const r = join(fleet, `h${h}`);
    for (const d of ['etc', 'proc/sys/kernel', 'var/log']) mkdirSync(join(r, d), { recursive: true });
    cpSync('/etc/os-release', join(r, 'etc/os-release'));
    cpSync('/etc/passwd', join(r, 'etc/passwd'));
    for (const f of ['loadavg', 'uptime', 'meminfo', 'stat']) writeFileSync(join(r, 'proc', f), readFileSync(`/proc/${f}`));
    writeFileSync(join(r, 'proc/sys/kernel/hostname'), `h${h}\n`);
    writeFileSync(join(r, 'proc/sys/kernel/osrelease'), '6.1.0-bench\n');
    await writeLines(join(r, 'var/log/auth.log'), authLogLines(linesPerHost, `h${h}`, h + 1));
  }
  const logBytes = statSync(join(fleet, 'h0/var/log/auth.log')).size;
  console.error(`generated ${maxHosts} host(s) x ${linesPerHost} lines (${(logBytes / 2 ** 20).toFixed(1)} MiB each) in ${((Date.now() - genStart) / 1000).toFixed(1)} s`);

  const rows = [];
  const loadBefore = loadavg();
  for (const n of sizes) {
    const caseDir = join(work, `case-${n}`);
    mkdirSync(caseDir);
    let hosts = '';
    const paths = [];
    for (let h = 0; h < n; h++) {
      const r = join(fleet, `h${h}`);
      paths.push(join(r, 'var/log/auth.log'));
      hosts += `  - name: h${h}\n    hostname: 127.0.0.1\n    rootfs: "${r}"\n`;
    }
    const cfg = join(caseDir, 'dthostmon.yaml');
    writeFileSync(cfg, [
      'global:',
      '  reports_dir: reports',
      `  max_concurrent_hosts: ${concurrency}`,
      '  pass_timeout: 1800',
      '  log_max_bytes: 64MiB',
      `  port: ${port}`,
      `  user: ${user}`,
      '  logs: [/var/log/auth.log]',
      `  track_changes: ${trackChanges}`,
      ...(reports ? [] : ['  report_frequency: never', '  site_report_frequency: never']),
      'database:',
      '  path: dthostmon.db',
      'ssh:',
      `  key_path: "${userKey}"`,
      `  known_hosts: "${knownHosts}"`,
      '  host_key_policy: strict',
      'hosts:',
      hosts,
    ].join('\n'));

    // Baseline: the same files through OpenSSH's client, same fan-out.
    const list = join(caseDir, 'paths.txt');
    writeFileSync(list, `${paths.join('\n')}\n`);
    const baseline = measured('sh', ['-c', `xargs -P ${concurrency} -n 1 sh '${fetchScript}' < '${list}'`]);
    if (baseline.status !== 0) throw new Error(`baseline failed (${baseline.status}): ${baseline.stderr.slice(-2000)}`);

    const dthm = (label) => {
      const res = measured(process.execPath, [...nodeArgs, bin, 'run', '-c', cfg, '--json'], { cwd: caseDir, env: { ...process.env, NO_COLOR: '1' } });
      let pass;
      try {
        pass = JSON.parse(res.stdout);
      } catch {
        throw new Error(`${label}: dthostmon printed no JSON (exit ${res.status}): ${res.stderr.slice(-2000)}`);
      }
      const bad = pass.hosts.filter((h) => h.status !== 'ok');
      if (bad.length > 0) throw new Error(`${label}: ${bad.length} host(s) not ok, e.g. ${bad[0].name}: ${bad[0].status} ${bad[0].error}`);
      return { ...res, bytes: pass.hosts.reduce((s, h) => s + h.logBytesRead, 0) };
    };
    const first = dthm(`${n} hosts, first pass`);
    const second = dthm(`${n} hosts, second pass`);
    rows.push({ n, baseline, first, second });
    console.error(`${n} host(s): baseline ${baseline.wall.toFixed(2)} s, first pass ${first.wall.toFixed(2)} s, second pass ${second.wall.toFixed(2)} s`);
  }

  const f = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '-');
  const load = (l) => l.map((x) => x.toFixed(2)).join(' ');
  console.log(`\ndthostmon fleet benchmark (${new Date().toISOString()}; node ${process.version}; ${linesPerHost} auth.log lines = ` +
    `${(logBytes / 2 ** 20).toFixed(1)} MiB per host; ${concurrency} hosts at once; change detection ${trackChanges ? 'on' : 'off'}; scheduled reports ${reports ? 'on' : 'off'}; loadavg before ${load(loadBefore)}, after ${load(loadavg())})\n`);
  console.log('| case | hosts | wall s | hosts/s | baseline wall s | ratio | own CPU ms/host | own CPU ms/extra host | peak RSS MiB | connections/host | execs/host | MB moved | server CPU ms/host | baseline ssh CPU ms/host | baseline server CPU ms/host | 2nd pass % of 1st |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  // Own CPU per extra host: above the 1-host case of the same pass, so Node start-up and store open count once.
  const one = rows.find((r) => r.n === 1);
  const marginal = (n, p, key) => (one && n > 1 ? f(((p.cpu - one[key].cpu) * 1000) / (n - 1), 0) : '-');
  for (const { n, baseline, first, second } of rows) {
    for (const [label, p] of [['first pass', first], ['second pass (no new data)', second]]) {
      const isFirst = p === first;
      console.log(`| ${label} | ${n} | ${f(p.wall)} | ${f(n / p.wall)} | ${isFirst ? f(baseline.wall) : '-'} | ${isFirst ? f(p.wall / baseline.wall) : '-'} | ` +
        `${f((p.cpu * 1000) / n, 0)} | ${marginal(n, p, isFirst ? 'first' : 'second')} | ${f(p.rssMiB, 0)} | ${f(p.connections / n)} | ${f(p.execs / n)} | ${f(p.bytes / 1e6, 1)} | ` +
        `${f((p.sshdCpu * 1000) / n, 0)} | ${isFirst ? f((baseline.cpu * 1000) / n, 0) : '-'} | ${isFirst ? f((baseline.sshdCpu * 1000) / n, 0) : '-'} | ` +
        `${isFirst ? '-' : f((100 * second.wall) / first.wall, 0)} |`);
    }
  }
  await storeBenchmarks(
    'bench:fleet',
    rows.flatMap(({ n, baseline, first, second }) => [
      { benchmark: `fleet-${n}-hosts`, variant: 'dthostmon', metric: 'wall_s', value: first.wall, baselineVariant: 'ssh-cat', ratio: first.wall / baseline.wall },
      { benchmark: `fleet-${n}-hosts`, variant: 'dthostmon', metric: 'cpu_s', value: first.cpu },
      { benchmark: `fleet-${n}-hosts`, variant: 'dthostmon', metric: 'rss_mib', value: first.rssMiB },
      { benchmark: `fleet-${n}-hosts`, variant: 'dthostmon-second-pass', metric: 'wall_s', value: second.wall, baselineVariant: 'dthostmon', ratio: second.wall / first.wall },
      { benchmark: `fleet-${n}-hosts`, variant: 'ssh-cat', metric: 'wall_s', value: baseline.wall },
      { benchmark: `fleet-${n}-hosts`, variant: 'ssh-cat', metric: 'cpu_s', value: baseline.cpu },
    ]),
  );
} finally {
  cleanup();
}
