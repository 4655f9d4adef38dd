#!/usr/bin/env node
// Seeds a store the size issue #9 asks `dthostmon serve` to stay fast on: BENCH_API_HOSTS hosts (default 500) x
// BENCH_API_DAYS days (default 90) of hourly passes = 1.08 M host runs, with the SSH trend metrics of each host run
// (cpu.used_percent, memory.used_percent, load.1, disk.used_percent for / and /var: 5.4 M metric rows), written the
// way passes write them (time order, all hosts of a pass together) but with direct multi-row inserts, not
// saveHostResult: seeding through the repositories would take hours. About 2 % of host runs fail (no score, no
// metrics); some have findings counts. Hosts are bench-0001... in 10 sites (site-00..09), tags by parity.
//
// Usage: node scripts/bench-api-seed.mjs <sqlite file>      (created and migrated; an existing file is refused)
//        node scripts/bench-api-seed.mjs --pg <postgres url>  (migrated there; the tables must be empty)
// As a module: `seedBenchStore(db, options)` on a migrated Kysely<Database> (SQLite or PostgreSQL), and
// `openBenchStore(target)` -> { db, close } (migrated), for `npm run bench:api` to time the API queries on.
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Kysely, Migrator, PostgresAdapter, SqliteDialect, sql } from 'kysely';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const HOUR_MS = 3_600_000;
/** Rows per statement: 22 parameters a host run, 6 a metric; inside SQLite's 32766 and PostgreSQL's 65535. */
const HOST_RUNS_PER_STATEMENT = 500;
const METRICS_PER_STATEMENT = 2000;

/**
 * Seeds `db` (migrated, empty) with hosts, runs, host runs and metrics.
 * @param {import('kysely').Kysely<any>} db
 * @param {{ hosts?: number, days?: number, now?: Date, onProgress?: (done: number, total: number) => void }} [options]
 * @returns {Promise<{ hosts: number, passes: number, hostRuns: number, metrics: number, hostIds: number[], from: string, to: string }>}
 */
export async function seedBenchStore(db, options = {}) {
  const hostCount = options.hosts ?? 500;
  const days = options.days ?? 90;
  const now = options.now ?? new Date();
  const passes = days * 24;
  const first = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS - passes * HOUR_MS;
  const created = new Date(first).toISOString();
  const hostRows = Array.from({ length: hostCount }, (_, i) => ({
    name: `bench-${String(i + 1).padStart(4, '0')}`,
    hostname: `10.${Math.floor(i / 250)}.${i % 250}.1`,
    port: 22,
    user: 'dtmon',
    site: `site-${String(i % 10).padStart(2, '0')}`,
    tags: JSON.stringify(i % 2 === 0 ? ['web', 'prod'] : ['db']),
    enabled: 1,
    transport: 'ssh',
    created_at: created,
    updated_at: created,
    last_seen: null,
  }));
  /** @type {number[]} */
  const hostIds = [];
  for (let i = 0; i < hostRows.length; i += 200) {
    const rows = await db.insertInto('hosts').values(hostRows.slice(i, i + 200)).returning('id').execute();
    hostIds.push(...rows.map((r) => r.id));
  }
  let metricCount = 0;
  for (let pass = 0; pass < passes; pass++) {
    const startedAt = new Date(first + pass * HOUR_MS).toISOString();
    const finishedAt = new Date(first + pass * HOUR_MS + 95_000).toISOString();
    const failedAt = (i) => (i * 7919 + pass * 104729) % 50 === 0;
    const failed = hostIds.filter((_, i) => failedAt(i)).length;
    const { id: runId } = await db
      .insertInto('runs')
      .values({ started_at: startedAt, finished_at: finishedAt, status: 'complete', runner: 'bench', pid: 1, host_count: hostCount, hosts_ok: hostCount - failed, hosts_failed: failed, duration_ms: 95_000 })
      .returning('id')
      .executeTakeFirstOrThrow();
    const hostRuns = hostIds.map((hostId, i) => hostRunRow(runId, hostId, i, pass, startedAt, finishedAt, failedAt(i)));
    /** @type {number[]} */
    const ids = [];
    for (let k = 0; k < hostRuns.length; k += HOST_RUNS_PER_STATEMENT) {
      const rows = await db.insertInto('host_runs').values(hostRuns.slice(k, k + HOST_RUNS_PER_STATEMENT)).returning('id').execute();
      ids.push(...rows.map((r) => r.id));
    }
    const metrics = [];
    hostRuns.forEach((run, k) => {
      if (run.status === 'failed') return;
      const wave = Math.sin((pass + k) / 12);
      const add = (name, label, value) => metrics.push({ host_id: run.host_id, host_run_id: ids[k], collected_at: startedAt, name, label, value });
      add('cpu.used_percent', '', round(30 + 25 * wave));
      add('memory.used_percent', '', round(50 + 10 * wave));
      add('load.1', '', round(1 + wave));
      add('disk.used_percent', '/', round(40 + (pass / passes) * 30 + (k % 10)));
      add('disk.used_percent', '/var', round(20 + (k % 30)));
    });
    for (let k = 0; k < metrics.length; k += METRICS_PER_STATEMENT) await db.insertInto('metrics').values(metrics.slice(k, k + METRICS_PER_STATEMENT)).execute();
    metricCount += metrics.length;
    options.onProgress?.(pass + 1, passes);
  }
  const last = new Date(first + (passes - 1) * HOUR_MS).toISOString();
  await db.updateTable('hosts').set({ last_seen: last }).execute();
  return { hosts: hostCount, passes, hostRuns: hostCount * passes, metrics: metricCount, hostIds, from: created, to: last };
}

function round(v) {
  return Math.round(v * 10) / 10;
}

function hostRunRow(runId, hostId, i, pass, startedAt, finishedAt, failed) {
  const crit = !failed && (i + pass) % 97 === 0 ? 1 : 0;
  const warn = !failed && (i + pass) % 13 === 0 ? 1 : 0;
  const score = failed ? null : 100 - crit * 30 - warn * 10 - (i % 5);
  return {
    run_id: runId,
    host_id: hostId,
    started_at: startedAt,
    finished_at: finishedAt,
    status: failed ? 'failed' : 'ok',
    error: failed ? 'connect ETIMEDOUT' : null,
    score,
    previous_score: score,
    health: score === null ? null : score >= 90 ? 'healthy' : score >= 60 ? 'minor' : 'critical',
    reasons: '[]',
    findings_crit: crit,
    findings_warn: warn,
    findings_info: 0,
    log_bytes_read: failed ? 0 : 4096 + i,
    log_lines_read: failed ? 0 : 40,
    duration_ms: 1200 + (i % 700),
    report_path: null,
    facts: null,
    log_sources: '[]',
    failures: failed ? '[{"source":"connect","message":"connect ETIMEDOUT"}]' : '[]',
  };
}

/** The project's migrations (migrations/*.js), as src/store/migrate.ts loads them, for a script without the build. */
const provider = {
  async getMigrations() {
    const dir = join(root, 'migrations');
    const migrations = {};
    for (const file of (await readdir(dir)).filter((f) => f.endsWith('.js')).sort()) {
      const module = await import(pathToFileURL(join(dir, file)).href);
      migrations[file.slice(0, -3)] = { up: module.up, down: module.down };
    }
    return migrations;
  },
};

/**
 * Opens and migrates a bench store: a new SQLite file, or `{ pg: url }`.
 * @param {string | { pg: string }} target
 * @returns {Promise<{ db: import('kysely').Kysely<any>, close: () => Promise<void> }>}
 */
export async function openBenchStore(target) {
  let db;
  if (typeof target === 'string') {
    if (existsSync(target)) throw new Error(`${target} exists: give a new file`);
    const { default: Database } = await import('better-sqlite3');
    const sqlite = new Database(target);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    db = new Kysely({ dialect: new SqliteDialect({ database: sqlite }) });
  } else {
    const [{ default: postgres }, { PostgresJSDialect }] = await Promise.all([import('postgres'), import('kysely-postgres-js')]);
    const client = postgres(target.pg, { max: 4, onnotice: () => undefined, types: { int8: { to: 20, from: [20], serialize: String, parse: Number } } });
    db = new Kysely({ dialect: new PostgresJSDialect({ postgres: client }) });
  }
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const schema = isPostgres ? (await sql`select current_schema() as schema`.execute(db)).rows[0]?.schema : undefined;
  const { error } = await new Migrator({ db, provider, ...(schema ? { migrationTableSchema: schema } : {}) }).migrateToLatest();
  if (error) {
    await db.destroy();
    throw error;
  }
  return { db, close: () => db.destroy() };
}

/** The command line: seeds the store named by the arguments and prints what it wrote (JSON). */
async function main(args) {
  const target = args[0] === '--pg' ? { pg: args[1] ?? '' } : args[0];
  if (!target || (typeof target === 'object' && !target.pg)) {
    console.error('usage: node scripts/bench-api-seed.mjs <new sqlite file> | --pg <postgres url>');
    return 2;
  }
  const started = Date.now();
  const { db, close } = await openBenchStore(target);
  try {
    const result = await seedBenchStore(db, {
      hosts: Number(process.env.BENCH_API_HOSTS ?? 500),
      days: Number(process.env.BENCH_API_DAYS ?? 90),
      onProgress: (done, total) => {
        if (done % 240 === 0 || done === total) process.stderr.write(`  ${done}/${total} passes (${Math.round((Date.now() - started) / 1000)} s)\n`);
      },
    });
    const { hostIds: _ids, ...summary } = result;
    console.log(JSON.stringify({ ...summary, seconds: Math.round((Date.now() - started) / 1000) }));
    return 0;
  } finally {
    await close();
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const code = await main(process.argv.slice(2));
  if (code !== 0) throw new Error(`exit ${code}`);
}
