#!/usr/bin/env node
// `npm run bench:store`: store growth per host, measured on SQLite and PostgreSQL (docs/store.md, "Store growth").
//   1. Real passes (runPass, local transport) over BENCH_STORE_HOSTS simulated hosts (this machine's facts, each host
//      its own auth.log growing by BENCH_STORE_LINES lines per pass, as in scripts/bench.mjs), BENCH_STORE_PASSES passes
//      15 simulated minutes apart, into a fresh store: SQLite file (VACUUM, then dbstat per table with its indexes)
//      and a fresh PostgreSQL schema (VACUUM FULL of its tables, then pg_total_relation_size per table, minus the
//      empty table).
//   2. Bytes per row of the hourly and daily rollups: 20,000 rows of the real series inserted into each.
//   3. Retention at last pass + 91 days: archive bytes per archived host run.
//   4. From these: the steady state per host with 15-minute passes and the default retention (90 days of history,
//      raw metrics 7 days, hourly 90 days, daily 2 years), and the archive written per host-year.
//   5. A year of one host's CPU, memory and disk history (35,040 passes): history query time on raw rows vs after
//      retention (raw 7 days + hourly + daily).
// PostgreSQL: DTHOSTMON_BENCH_PG_URL, else DTHOSTMON_TEST_PG_URL, else postgres://postgres@127.0.0.1:5432/test
// (skipped with a note when unreachable). Uses dist/ (npm run bench:store builds first).
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import postgres from 'postgres';
import { storeBenchmarks } from './bench-results.mjs';
import { authLogLines } from './gen-authlog.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => import(join(root, 'dist', p));
const [{ loadConfig }, { openStore }, { migrateToLatest }, { runPass }, { createTransportFactory }, { runRetention }, { defaultRetentionSettings }, { historyResources }] = await Promise.all([
  dist('config/load.js'),
  dist('store/open-store.js'),
  dist('store/migrate.js'),
  dist('run-pass.js'),
  dist('collect/create-transport.js'),
  dist('store/retention.js'),
  dist('config/retention-settings.js'),
  dist('store/api-history-repo.js'),
]);

const HOSTS = Number(process.env.BENCH_STORE_HOSTS ?? 10);
const PASSES = Number(process.env.BENCH_STORE_PASSES ?? 96);
const LINES = Number(process.env.BENCH_STORE_LINES ?? 20);
const PG_URL = process.env.DTHOSTMON_BENCH_PG_URL ?? process.env.DTHOSTMON_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const PASS_MS = 15 * 60_000;
const DAY_MS = 86_400_000;
const PASSES_PER_DAY = DAY_MS / PASS_MS;
const START = Date.parse('2026-01-05T00:00:00.000Z');
const ROLLUP_ROWS = 20_000;
const HISTORY = new Set(['runs', 'host_runs', 'findings', 'changes', 'metric_sources', 'ai_analyses', 'ai_calls', 'outbox', 'reports_sent', 'audit_log', 'pass_leases']);
const work = mkdtempSync(join(tmpdir(), 'dthm-bench-store-'));

/**
 * Simulated hosts: `transport: local` (this machine's facts: CPU, memory, load, its disks) and each its own auth.log.
 * (Copying /proc into a rootfs as scripts/bench.mjs does copies empty files: the hosts would have no metrics.)
 */
function buildFleet() {
  const hosts = [];
  for (let h = 0; h < HOSTS; h++) {
    const dir = join(work, 'fleet', `h${h}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'auth.log'), '');
    hosts.push({ name: `h${h}`, log: join(dir, 'auth.log') });
  }
  return hosts;
}

function growLogs(hosts, pass) {
  for (const [i, h] of hosts.entries()) {
    let text = '';
    for (const line of authLogLines(LINES, h.name, pass * 1000 + i + 1)) text += line;
    appendFileSync(h.log, text);
  }
}

async function tableBytes(store) {
  if (store.dialect === 'sqlite') {
    await sql`vacuum`.execute(store.db);
    const rows = await sql`select s.tbl_name as name, sum(d.pgsize) as bytes from dbstat d join sqlite_schema s on s.name = d.name where s.tbl_name not like 'sqlite_%' group by s.tbl_name`.execute(store.db);
    return new Map(rows.rows.map((r) => [r.name, Number(r.bytes)]));
  }
  const tables = sql`select c.oid, c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = current_schema() and c.relkind = 'r'`;
  // Every pass rewrites alert_state, finding_state and baselines rows: compact the dead versions, as VACUUM does on
  // SQLite, to measure live data (autovacuum keeps a steady state somewhat above it). Only this schema's tables.
  const names = (await tables.execute(store.db)).rows.map((r) => r.name);
  await sql`vacuum full ${sql.join(names.map((n) => sql.table(n)))}`.execute(store.db);
  const rows = await sql`select t.name, pg_total_relation_size(t.oid) as bytes from (${tables}) t`.execute(store.db);
  return new Map(rows.rows.map((r) => [r.name, Number(r.bytes)]));
}

async function rowCounts(store, tables) {
  const counts = new Map();
  for (const t of tables) counts.set(t, Number((await sql`select count(*) as n from ${sql.table(t)}`.execute(store.db)).rows[0].n));
  return counts;
}

/** Bytes per row of a rollup table: ROLLUP_ROWS rows of the real series (host, name, label), successive buckets. */
async function rollupBytesPerRow(store, table, stepMs) {
  const series = (await sql`select distinct host_id, name, label from metrics`.execute(store.db)).rows;
  if (series.length === 0) throw new Error('the passes stored no metrics: nothing to measure the rollups with');
  const before = (await tableBytes(store)).get(table) ?? 0;
  const rows = [];
  for (let i = 0; rows.length < ROLLUP_ROWS; i++) {
    for (const s of series) rows.push({ ...s, bucket: new Date(START - (i + 1) * stepMs).toISOString(), min_value: 12.5, max_value: 87.25, avg_value: 43.1875, samples: stepMs / PASS_MS });
  }
  for (let i = 0; i < ROLLUP_ROWS; i += 500) await store.db.insertInto(table).values(rows.slice(i, Math.min(i + 500, ROLLUP_ROWS))).execute();
  const bytes = ((await tableBytes(store)).get(table) - before) / ROLLUP_ROWS;
  await store.db.deleteFrom(table).execute();
  return { bytes, seriesPerHost: series.length / HOSTS };
}

function dirBytes(dir) {
  try {
    return readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
  } catch {
    return 0;
  }
}

async function measure(label, storeYaml, hosts, onClose) {
  const dir = mkdtempSync(join(work, `${label}-`));
  const hostYaml = hosts.map((h) => `  - name: ${h.name}\n    transport: local\n    logs: ["${h.log}"]\n`).join('');
  writeFileSync(join(dir, 'dthostmon.yaml'), `global:\n  reports_dir: reports\n  max_concurrent_hosts: 10\n${storeYaml}hosts:\n${hostYaml}`);
  const config = await loadConfig(join(dir, 'dthostmon.yaml'), { env: {} });
  const store = await openStore(config.store);
  try {
    await migrateToLatest(store.db);
    const empty = await tableBytes(store);
    const started = Date.now();
    for (let p = 0; p < PASSES; p++) {
      growLogs(hosts, p);
      const t0 = Date.now();
      const at = START + p * PASS_MS;
      await runPass(config, { store, clock: () => new Date(at + (Date.now() - t0)), createTransport: createTransportFactory(), runner: 'bench-store', pid: process.pid, isPidAlive: () => false, compactResults: true });
      if ((p + 1) % 24 === 0) process.stderr.write(`  ${label}: ${p + 1}/${PASSES} passes (${Math.round((Date.now() - started) / 1000)} s)\n`);
    }
    const bytes = await tableBytes(store);
    const counts = await rowCounts(store, [...bytes.keys()]);
    const hourly = await rollupBytesPerRow(store, 'metrics_hourly', 3_600_000);
    const daily = await rollupBytesPerRow(store, 'metrics_daily', DAY_MS);
    const archiveDir = join(dir, 'archive');
    const hostRunsBefore = counts.get('host_runs');
    const summary = await runRetention(store, { retention: { ...defaultRetentionSettings(dir), archiveDir } }, { now: new Date(START + PASSES * PASS_MS + 91 * DAY_MS) });
    const archivedHostRuns = summary.archivedRows.host_runs ?? 0;
    return { label, empty, bytes, counts, hourly, daily, archiveBytesPerHostPass: dirBytes(archiveDir) / archivedHostRuns, hostRunsBefore, archivedHostRuns };
  } finally {
    await store.close();
    await onClose?.();
  }
}

/**
 * Per host (bytes), with `passesPerDay` passes a day (96: every 15 minutes, as measured; 24: hourly, as
 * crontab.example): the steady state under the default retention, the growth in a year without retention
 * (retention.days 0 ... every pass's history and raw metrics kept) and the archive written per year.
 */
function steadyState(m, passesPerDay = PASSES_PER_DAY) {
  const perHostPass = (t) => (m.bytes.get(t) - (m.empty.get(t) ?? 0)) / (HOSTS * PASSES);
  const parts = { history: 0, rawMetrics: 0, hourly: 0, daily: 0, state: 0 };
  let unretainedYear = 0;
  const rows = [];
  for (const [t, b] of m.bytes) {
    const grown = b - (m.empty.get(t) ?? 0);
    const n = m.counts.get(t);
    if (t === 'metrics') {
      parts.rawMetrics = perHostPass(t) * passesPerDay * 7;
      unretainedYear += perHostPass(t) * passesPerDay * 365;
    } else if (HISTORY.has(t)) {
      parts.history += perHostPass(t) * passesPerDay * 90;
      unretainedYear += perHostPass(t) * passesPerDay * 365;
    }
    else if (t !== 'metrics_hourly' && t !== 'metrics_daily') parts.state += grown / HOSTS;
    if (n > 0) rows.push({ table: t, rows: n, bytesPerRow: grown / n, rowsPerHostPass: n / (HOSTS * PASSES) });
  }
  parts.hourly = m.hourly.seriesPerHost * 24 * (90 - 7) * m.hourly.bytes;
  parts.daily = m.daily.seriesPerHost * (730 - 90) * m.daily.bytes;
  const total = Object.values(parts).reduce((a, b) => a + b, 0);
  return { parts, total, rows, unretainedYear: unretainedYear + parts.state, archivePerHostYear: m.archiveBytesPerHostPass * passesPerDay * 365 };
}

/** A year of one host's resources every 15 minutes: /history?days=365 on raw rows, then after retention. */
async function historyQuery(storeSettings) {
  const store = await openStore(storeSettings);
  try {
    await migrateToLatest(store.db);
    const now = new Date(START + 365 * DAY_MS);
    const [{ id: hostId }] = await store.db.insertInto('hosts').values({ name: 'year', hostname: 'year', port: 22, user: 'u', tags: '[]', transport: 'ssh', created_at: new Date(START).toISOString(), updated_at: new Date(START).toISOString() }).returning('id').execute();
    const [{ id: runId }] = await store.db.insertInto('runs').values({ started_at: now.toISOString(), status: 'complete', runner: 'b', pid: 1, host_count: 1 }).returning('id').execute();
    const [{ id: hostRunId }] = await store.db
      .insertInto('host_runs')
      .values({ run_id: runId, host_id: hostId, started_at: now.toISOString(), finished_at: now.toISOString(), status: 'ok', reasons: '[]', findings_crit: 0, findings_warn: 0, findings_info: 0, log_bytes_read: 0, log_lines_read: 0, duration_ms: 1, log_sources: '[]', failures: '[]' })
      .returning('id')
      .execute();
    const rows = [];
    for (let p = 0; p < 365 * PASSES_PER_DAY; p++) {
      const collected_at = new Date(START + p * PASS_MS).toISOString();
      const v = 50 + 40 * Math.sin(p / 50);
      for (const [name, label] of [['cpu.used_percent', ''], ['memory.used_percent', ''], ['disk.used_percent', '/'], ['disk.used_percent', '/var']]) rows.push({ host_id: hostId, host_run_id: hostRunId, collected_at, name, label, value: v });
    }
    for (let i = 0; i < rows.length; i += 1000) await store.db.insertInto('metrics').values(rows.slice(i, i + 1000)).execute();
    const since = new Date(now.getTime() - 365 * DAY_MS).toISOString();
    const time = async () => {
      const samples = [];
      let points = 0;
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now();
        points = (await historyResources(store.db, hostId, since)).length;
        samples.push(performance.now() - t0);
      }
      return { ms: samples.sort((a, b) => a - b)[2], points };
    };
    const raw = await time();
    await runRetention(store, { retention: { ...defaultRetentionSettings(work), archive: false } }, { now });
    const rolled = await time();
    return { rawRows: rows.length, raw, rolled };
  } finally {
    await store.close();
  }
}

async function pgSchema() {
  const admin = postgres(PG_URL, { max: 1, connect_timeout: 5, onnotice: () => undefined });
  const schema = `bench_store_${randomBytes(4).toString('hex')}`;
  try {
    await admin.unsafe(`create schema "${schema}"`);
  } catch (err) {
    await admin.end({ timeout: 1 });
    console.error(`PostgreSQL not reachable at ${PG_URL.replace(/:[^:@/]*@/, ':***@')}: ${err.message}; measuring SQLite only`);
    return null;
  }
  const url = new URL(PG_URL);
  url.searchParams.set('search_path', schema);
  return { url: url.toString(), drop: async () => (await admin.unsafe(`drop schema if exists "${schema}" cascade`), admin.end({ timeout: 1 })) };
}

const mib = (b) => (b / 2 ** 20).toFixed(2);
const kib = (b) => (b / 1024).toFixed(1);
const hosts = buildFleet();
const results = [];
/** What goes to the benchmarks table (bench-results.mjs). */
const stored = [];
try {
  results.push(await measure('sqlite', 'database:\n  path: dthostmon.db\n', hosts));
  const year = [{ dialect: 'sqlite', ...(await historyQuery({ dialect: 'sqlite', path: join(work, 'year.db') })) }];
  const pg = await pgSchema();
  if (pg) {
    results.push(await measure('postgres', `database:\n  url: "${pg.url}"\n`, hosts));
    const pgYear = await pgSchema();
    if (pgYear) {
      try {
        year.push({ dialect: 'postgres', ...(await historyQuery({ dialect: 'postgres', url: pgYear.url, display: 'bench' })) });
      } finally {
        await pgYear.drop();
      }
    }
    await pg.drop();
  }
  console.log(`\nStore growth: ${HOSTS} simulated hosts x ${PASSES} passes 15 min apart, ${LINES} auth.log lines per host and pass (${new Date().toISOString()}, node ${process.version})\n`);
  for (const m of results) {
    const s = steadyState(m);
    console.log(`### ${m.label}\n\n| table | rows | bytes/row | rows per host and pass |\n|---|---|---|---|`);
    for (const r of s.rows.sort((a, b) => b.rowsPerHostPass * b.bytesPerRow - a.rowsPerHostPass * a.bytesPerRow)) console.log(`| ${r.table} | ${r.rows} | ${r.bytesPerRow.toFixed(0)} | ${r.rowsPerHostPass.toFixed(2)} |`);
    console.log(`| metrics_hourly (synthetic) | ${ROLLUP_ROWS} | ${m.hourly.bytes.toFixed(0)} | ${m.hourly.seriesPerHost.toFixed(0)} series per host |`);
    console.log(`| metrics_daily (synthetic) | ${ROLLUP_ROWS} | ${m.daily.bytes.toFixed(0)} | |`);
    const p = s.parts;
    console.log(`\nSteady state per host, 15-min passes, default retention: ${mib(s.total)} MiB = history 90 d ${mib(p.history)} + raw metrics 7 d ${mib(p.rawMetrics)} + hourly 83 d ${mib(p.hourly)} + daily 640 d ${mib(p.daily)} + state ${mib(p.state)}`);
    console.log(`Archive per host-year: ${mib(s.archivePerHostYear)} MiB (${kib(m.archiveBytesPerHostPass)} KiB per host run archived, ${m.archivedHostRuns} of ${m.hostRunsBefore} host runs)\n`);
    console.log('| per host | 15-min passes | hourly passes |\n|---|---|---|');
    const hourly = steadyState(m, 24);
    console.log(`| store, steady state (default retention) | ${mib(s.total)} MiB | ${mib(hourly.total)} MiB |`);
    console.log(`| store growth per year without retention | ${mib(s.unretainedYear)} MiB | ${mib(hourly.unretainedYear)} MiB |`);
    console.log(`| archive written per year | ${mib(s.archivePerHostYear)} MiB | ${mib(hourly.archivePerHostYear)} MiB |\n`);
    for (const [cadence, x] of [['15min', s], ['hourly', hourly]]) {
      stored.push(
        { benchmark: `store-growth-${cadence}`, variant: m.label, metric: 'steady_mib_per_host', value: x.total / 2 ** 20 },
        { benchmark: `store-growth-${cadence}`, variant: m.label, metric: 'year_unretained_mib_per_host', value: x.unretainedYear / 2 ** 20 },
        { benchmark: `store-growth-${cadence}`, variant: m.label, metric: 'archive_mib_per_host_year', value: x.archivePerHostYear / 2 ** 20 },
      );
    }
  }
  console.log('### a year of history, one host (4 series every 15 min), /history?days=365\n\n| store | rows read before retention | ms | rows after | ms |\n|---|---|---|---|---|');
  for (const y of year) {
    console.log(`| ${y.dialect} | ${y.rawRows} raw (${y.raw.points} points) | ${y.raw.ms.toFixed(1)} | ${y.rolled.points} points | ${y.rolled.ms.toFixed(1)} |`);
    stored.push({ benchmark: 'history-365d', variant: `${y.dialect} after retention`, metric: 'p50_ms', value: y.rolled.ms, baselineVariant: `${y.dialect} raw`, ratio: y.rolled.ms / y.raw.ms });
    stored.push({ benchmark: 'history-365d', variant: `${y.dialect} raw`, metric: 'p50_ms', value: y.raw.ms });
  }
  await storeBenchmarks('bench:store', stored);
} finally {
  rmSync(work, { recursive: true, force: true });
}
