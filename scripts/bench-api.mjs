#!/usr/bin/env node
// `npm run bench:api`: the speed target of issue #9. `dthostmon serve` must answer a host's history and results in
// < 50 ms at the 99th percentile over 90 days of hourly passes for 500 hosts (1.08 M host runs, 5.3 M metric rows),
// on SQLite and on PostgreSQL. Per dialect (BENCH_API_DIALECTS, default sqlite,postgres) one run:
//   - seeds that volume (scripts/bench-api-seed.mjs: direct multi-row inserts) into a store migrated by the built
//     dist/store/migrate.js with migrations/, so the indexes are the ones that ship (0009_api_indexes included).
//     SQLite: a file under a temp dir, or under BENCH_API_CACHE (a dir) where it is kept and reused by later runs
//     while its newest pass is younger than BENCH_API_CACHE_MAX_HOURS (default 24: older data would shorten the
//     ?days= windows); the file name holds the seed parameters and a hash of the seed script and migrations.
//     PostgreSQL: a fresh database dthostmon_bench_<pid> on BENCH_API_PG_URL, else DTHOSTMON_TEST_PG_URL, else
//     postgres://postgres@127.0.0.1:5432/postgres (trust auth), dropped at the end (or, without CREATE DATABASE
//     rights, a schema of that name); then VACUUM (ANALYZE), what autovacuum does within minutes of such a load
//     (the visibility map lets the metrics index answer alone). SQLite gets no ANALYZE: dthostmon never runs it.
//   - spawns the real server, `bin/dthostmon.js serve` (access log on, to a file), and sends it requests over one
//     keep-alive connection, one at a time: what a script or dashboard sees, real HTTP and JSON included. Each
//     request picks a random host (seeded PRNG, BENCH_API_SEED); the endpoints are interleaved in a shuffled order so
//     machine noise hits them alike:
//       /api/v1/hosts/:name/history?days=7 and ?days=90, /api/v1/hosts/:name/results?limit=100, a deep results page
//       (`next` followed BENCH_API_DEEP_PAGES times, default 10, beforehand), the original's /history/:id?days=90
//       and /results/:id;
//     BENCH_API_WARMUP rounds (default 30) unmeasured, then BENCH_API_REQUESTS rounds (default 300) measured.
//   - the baseline, in the same loop: the SQL the history and results routes run (captured once from the built route
//     handler through a logging Kysely, replayed with each host's name, id and `since`), prepared once and run through
//     the driver (better-sqlite3 / postgres.js) in this process, no HTTP, no Kysely, no JSON. The "x SQL" column is
//     the API's p50 over that p50: the overhead of Kysely, the server and HTTP, in a ratio that survives a noisy box.
// Times are client-side wall times from sending the request to the last byte. Every answer must be a 200 with rows
// (the history must hold ~24 runs a day): a benchmark of errors measures nothing, so anything else stops it.
// Exit status 1 when an API row misses the target (p99 >= 50 ms), 0 otherwise. PostgreSQL unreachable: skipped
// with a note, a failure when CI=true. Needs `npm run build` (bench:api runs it). Runtime on 2 vCPUs: ~7 min, most
// of it seeding (SQLite ~190 s, PostgreSQL ~170 s); ~25 s for SQLite with a fresh BENCH_API_CACHE.
// Other knobs: BENCH_API_HOSTS (500), BENCH_API_DAYS (90), BENCH_API_SHOW_SQL=1 (print the captured statements).
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { Agent, get as httpGet } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { URLSearchParams, fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { PostgresJSDialect } from 'kysely-postgres-js';
import postgres from 'postgres';
import { seedBenchStore } from './bench-api-seed.mjs';
import { storeBenchmarks } from './bench-results.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'dthostmon.js');
const distMigrate = join(root, 'dist', 'store', 'migrate.js');
const distRoutes = join(root, 'dist', 'serve', 'routes', 'index.js');
const TARGET_P99_MS = 50;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const API_KEY = `bench-api-key-${process.pid}-${Date.now().toString(36)}`;
const PG_INT8 = { to: 20, from: [20], serialize: String, parse: Number };

const knob = (name, fallback, min = 0) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer >= ${min}, got ${process.env[name]}`);
  return value;
};
const hostCount = knob('BENCH_API_HOSTS', 500, 1);
const days = knob('BENCH_API_DAYS', 90, 1);
const requests = knob('BENCH_API_REQUESTS', 300, 1);
const warmup = knob('BENCH_API_WARMUP', 30);
const deepPages = knob('BENCH_API_DEEP_PAGES', 10, 1);
const seed = knob('BENCH_API_SEED', 42);
const cacheMaxHours = knob('BENCH_API_CACHE_MAX_HOURS', 24, 1);
const cacheDir = process.env.BENCH_API_CACHE ? resolve(process.env.BENCH_API_CACHE) : null;
const pgAdminUrl = process.env.BENCH_API_PG_URL ?? process.env.DTHOSTMON_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const dialects = (process.env.BENCH_API_DIALECTS ?? 'sqlite,postgres').split(',').map((d) => d.trim()).filter(Boolean);
for (const d of dialects) if (d !== 'sqlite' && d !== 'postgres') throw new Error(`BENCH_API_DIALECTS: unknown dialect ${d} (sqlite, postgres)`);
for (const needed of [bin, distMigrate, distRoutes]) if (!existsSync(needed)) throw new Error(`${needed} not found: run \`npm run build\` first`);

const work = mkdtempSync(join(tmpdir(), 'dthm-bench-api-'));
/** The serve process running now, or null. */
let serveChild = null;
/** The PostgreSQL database (or schema) created here and not dropped yet: { kind, name }, or null. */
let pgCreated = null;

/** SQL that removes what preparePostgres created (WITH (FORCE): serve or this process may still hold connections). */
function pgDropSql(created) {
  return created.kind === 'database' ? `drop database if exists "${created.name}" with (force)` : `drop schema if exists "${created.name}" cascade`;
}

/** Kills serve (by pid), drops the PostgreSQL database from a child node (exit handlers cannot await), removes the temp dir. */
function cleanup() {
  if (serveChild && serveChild.exitCode === null && serveChild.signalCode === null) {
    try {
      process.kill(serveChild.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  serveChild = null;
  if (pgCreated) {
    const script = `import postgres from 'postgres'; const s = postgres(process.env.URL, { max: 1, onnotice: () => {} }); await s.unsafe(process.env.SQL); await s.end();`;
    spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, env: { ...process.env, URL: pgAdminUrl, SQL: pgDropSql(pgCreated) }, stdio: 'ignore', timeout: 30_000 });
    pgCreated = null;
  }
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

const note = (line) => process.stderr.write(`${line}\n`);

/** mulberry32: a small seeded PRNG, so two runs ask for the same hosts in the same order. */
function prng(state) {
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What a cached store depends on: the seed script and the migrations (a changed index must not reuse an old file). */
function fingerprint() {
  const hash = createHash('sha256').update(readFileSync(join(root, 'scripts', 'bench-api-seed.mjs')));
  const dir = join(root, 'migrations');
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.js')).sort()) hash.update(file).update(readFileSync(join(dir, file)));
  return hash.digest('hex').slice(0, 10);
}

const { migrateToLatest } = await import(pathToFileURL(distMigrate).href);

/** Seeds a migrated store with progress on stderr; returns the seed summary and its duration. */
async function seedWithProgress(db, label) {
  const started = Date.now();
  const summary = await seedBenchStore(db, {
    hosts: hostCount,
    days,
    onProgress: (done, total) => {
      if (done % 240 === 0 || done === total) note(`  ${label}: ${done}/${total} passes seeded (${Math.round((Date.now() - started) / 1000)} s)`);
    },
  });
  const { hostIds: _ids, ...rest } = summary;
  return { ...rest, seedSeconds: (Date.now() - started) / 1000 };
}

/**
 * The SQLite store: the cached file when fresh enough, else a new one seeded now.
 * @returns {Promise<{ name: string, storeYaml: string[], info: object, sizeBytes: () => Promise<number>, driver: object }>}
 */
async function prepareSqlite() {
  const dir = cacheDir ?? work;
  mkdirSync(dir, { recursive: true });
  const base = join(dir, `bench-api-h${hostCount}-d${days}-${fingerprint()}`);
  const file = `${base}.db`;
  let info = null;
  if (existsSync(file) && existsSync(`${base}.json`)) {
    const cached = JSON.parse(readFileSync(`${base}.json`, 'utf8'));
    const ageHours = (Date.now() - Date.parse(cached.to)) / HOUR_MS;
    if (ageHours < cacheMaxHours) info = { ...cached, cached: true };
    else note(`SQLite: cached ${file} is ${ageHours.toFixed(1)} h old (BENCH_API_CACHE_MAX_HOURS ${cacheMaxHours}): seeding again`);
  }
  if (!info) {
    for (const f of [file, `${file}-wal`, `${file}-shm`, `${base}.json`]) rmSync(f, { force: true });
    const sqlite = new Database(file);
    sqlite.pragma('journal_mode = WAL');
    // Seeding only: a crash means seeding again. serve opens the file with the store's own settings.
    sqlite.pragma('synchronous = NORMAL');
    const db = new Kysely({ dialect: new SqliteDialect({ database: sqlite }) });
    try {
      await migrateToLatest(db);
      info = await seedWithProgress(db, 'SQLite');
      sqlite.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      await db.destroy();
    }
    writeFileSync(`${base}.json`, `${JSON.stringify(info)}\n`);
    info = { ...info, cached: false };
  }
  const sqlite = new Database(file, { fileMustExist: true });
  sqlite.pragma('journal_mode = WAL');
  const statements = new Map();
  const prepared = (text) => statements.get(text) ?? statements.set(text, sqlite.prepare(text)).get(text);
  return {
    name: 'SQLite',
    version: `SQLite ${sqlite.prepare('select sqlite_version() as v').get().v}`,
    storeYaml: ['database:', `  path: ${JSON.stringify(file)}`],
    info,
    sizeBytes: async () => [file, `${file}-wal`].reduce((sum, f) => sum + (existsSync(f) ? statSync(f).size : 0), 0),
    driver: {
      // Shares the baseline's connection: nothing of its own to close.
      kysely: (log) => ({ db: new Kysely({ dialect: new SqliteDialect({ database: sqlite }), log }), close: async () => undefined }),
      // better-sqlite3 is synchronous: the statements run one after the other whatever the route does.
      replay: async (queries) => {
        for (const q of queries) prepared(q.sql).all(q.parameters);
      },
      close: async () => sqlite.close(),
    },
  };
}

/** The admin URL with another database (or a search_path for a schema). */
function pgUrl(created) {
  const url = new URL(pgAdminUrl);
  if (created.kind === 'database') url.pathname = `/${created.name}`;
  else url.searchParams.set('search_path', created.name);
  return url.toString();
}

/** A fresh PostgreSQL database, seeded and vacuumed; null when no server answers (outside CI). */
async function preparePostgres() {
  const admin = postgres(pgAdminUrl, { max: 1, connect_timeout: 5, onnotice: () => undefined });
  const name = `dthostmon_bench_${process.pid}`;
  let version;
  try {
    version = (await admin`select version() as v`)[0].v.split(' on ')[0];
  } catch (err) {
    await admin.end({ timeout: 1 }).catch(() => undefined);
    const message = `PostgreSQL at ${pgAdminUrl.replace(/:[^:@/]*@/, '@')} is not reachable: ${String(err.message).split('\n')[0]}`;
    if (process.env.CI === 'true') throw new Error(`${message} (CI=true: a missing peer is a failure)`);
    note(`SKIPPED PostgreSQL: ${message}`);
    return null;
  }
  try {
    await admin.unsafe(`create database "${name}"`);
    pgCreated = { kind: 'database', name };
  } catch (err) {
    note(`PostgreSQL: cannot create a database (${String(err.message).split('\n')[0]}): using schema ${name} instead`);
    await admin.unsafe(`create schema "${name}"`);
    pgCreated = { kind: 'schema', name };
  }
  const created = pgCreated;
  const url = pgUrl(created);
  const client = postgres(url, { max: 4, onnotice: () => undefined, types: { int8: PG_INT8 } });
  const db = new Kysely({ dialect: new PostgresJSDialect({ postgres: client }) });
  await migrateToLatest(db);
  const info = { ...(await seedWithProgress(db, 'PostgreSQL')), cached: false };
  const vacuumStarted = Date.now();
  await client.unsafe('vacuum (analyze)');
  info.vacuumSeconds = (Date.now() - vacuumStarted) / 1000;
  await db.destroy();
  // The baseline's own client, with the store's int8 parsing; queries run the way kysely-postgres-js runs them.
  const sql = postgres(url, { max: 4, onnotice: () => undefined, types: { int8: PG_INT8 } });
  return {
    name: 'PostgreSQL',
    version,
    storeYaml: ['database:', `  url: ${JSON.stringify(url)}`],
    info,
    sizeBytes: async () => {
      if (created.kind === 'database') return Number((await sql`select pg_database_size(current_database()) as n`)[0].n);
      const rows = await sql`select coalesce(sum(pg_total_relation_size(c.oid)), 0) as n from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = ${created.name} and c.relkind = 'r'`;
      return Number(rows[0].n);
    },
    driver: {
      kysely: (log) => {
        const db = new Kysely({ dialect: new PostgresJSDialect({ postgres: postgres(url, { max: 4, onnotice: () => undefined, types: { int8: PG_INT8 } }) }), log });
        return { db, close: () => db.destroy() };
      },
      // Like the routes: the host lookup first, then the other statements at once (they share no result).
      replay: async (queries) => {
        const [first, ...rest] = queries;
        await sql.unsafe(first.sql, first.parameters);
        await Promise.all(rest.map((q) => sql.unsafe(q.sql, q.parameters)));
      },
      close: async () => {
        await sql.end({ timeout: 5 });
        await admin.unsafe(pgDropSql(created));
        pgCreated = null;
        await admin.end({ timeout: 5 });
      },
    },
  };
}

/** Spawns `dthostmon serve` on a free loopback port; resolves with its URL once it prints it. */
async function startServe(store, label) {
  const config = join(work, `serve-${label}.yaml`);
  writeFileSync(config, [...store.storeYaml, 'api:', '  api_key: ${DTHOSTMON_API_KEY}', '  rate_limit: 1000000', 'hosts: []', ''].join('\n'));
  const logFile = join(work, `serve-${label}.log`);
  const logFd = openSync(logFile, 'w');
  const child = spawn(process.execPath, [bin, 'serve', '-c', config, '--port', '0', '--bind', '127.0.0.1'], {
    cwd: work,
    env: { ...process.env, DTHOSTMON_API_KEY: API_KEY },
    stdio: ['ignore', 'pipe', logFd],
  });
  closeSync(logFd);
  serveChild = child;
  const exited = new Promise((ok) => child.once('exit', ok));
  const url = await new Promise((ok, fail) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error(`serve did not start within 30 s: ${tail(logFile)}`)), 30_000);
    child.stdout.on('data', (d) => {
      out += d.toString();
      const match = /serving on (http:\/\/\S+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        ok(match[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`serve exited with ${code}: ${tail(logFile)}`));
    });
  });
  return {
    url,
    stop: async () => {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
      serveChild = null;
    },
  };
}

function tail(file) {
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').slice(-3).join(' | ') : '(no log)';
}

/** GET over the keep-alive agent: status, milliseconds to the last byte, body. */
function request(agent, url) {
  return new Promise((ok, fail) => {
    const started = performance.now();
    const req = httpGet(url, { agent, headers: { 'x-api-key': API_KEY } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('error', fail);
      res.on('end', () => ok({ status: res.statusCode, ms: performance.now() - started, body: Buffer.concat(chunks) }));
    });
    req.on('error', fail);
  });
}

/** A 200 with JSON, or the benchmark stops with the answer. */
async function getJson(agent, url) {
  const res = await request(agent, url);
  if (res.status !== 200) throw new Error(`GET ${url.replace(/\?.*/, '')}: ${res.status} ${res.body.toString('utf8').slice(0, 200)}`);
  return { ...res, json: JSON.parse(res.body.toString('utf8')) };
}

/** The API requests measured; `rows` counts what came back, `min` is the least a healthy answer holds. */
function endpoints(cursors) {
  const perDay = 24;
  return [
    { id: 'h7', label: 'GET /api/v1/hosts/:name/history?days=7', path: (h) => `/api/v1/hosts/${encodeURIComponent(h.name)}/history?days=7`, rows: (j) => j.runs.length, min: Math.min(days, 7) * perDay - 2, sql: 'h7' },
    { id: 'h90', label: 'GET /api/v1/hosts/:name/history?days=90', path: (h) => `/api/v1/hosts/${encodeURIComponent(h.name)}/history?days=90`, rows: (j) => j.runs.length, min: (Math.min(days, 90) - 1) * perDay, sql: 'h90' },
    { id: 'r100', label: 'GET /api/v1/hosts/:name/results?limit=100', path: (h) => `/api/v1/hosts/${encodeURIComponent(h.name)}/results?limit=100`, rows: (j) => j.items.length, min: 100, sql: 'r100' },
    { id: 'deep', label: `GET .../results?limit=100&before= (page ${deepPages + 1})`, path: (h) => `/api/v1/hosts/${encodeURIComponent(h.name)}/results?limit=100&before=${cursors.get(h.name)}`, rows: (j) => j.items.length, min: Math.min(100, days * perDay - deepPages * 100) },
    { id: 'lh90', label: 'GET /history/:id?days=90 (original path)', path: (h) => `/history/${h.id}?days=90`, rows: (j) => j.runs.length, min: (Math.min(days, 90) - 1) * perDay },
    { id: 'lres', label: 'GET /results/:id (original path, 10)', path: (h) => `/results/${h.id}`, rows: (j) => j.length, min: 10 },
  ];
}

/** The baselines: the route whose SQL is replayed, and its query string. */
const BASELINES = [
  { id: 'h7', label: 'SQL of history?days=7 (driver, no HTTP)', path: '/api/v1/hosts/:name/history', query: 'days=7', days: 7 },
  { id: 'h90', label: 'SQL of history?days=90 (driver, no HTTP)', path: '/api/v1/hosts/:name/history', query: 'days=90', days: 90 },
  { id: 'r100', label: 'SQL of results?limit=100 (driver, no HTTP)', path: '/api/v1/hosts/:name/results', query: 'limit=100', days: null },
];

/**
 * Runs the built route handler once over a logging Kysely and keeps its statements, with a function that gives the
 * same statements for another host (the template's name, id and `since` replaced by that host's).
 */
async function captureBaseline(driver, routes, baseline, template) {
  const captured = [];
  const { db, close } = driver.kysely((event) => {
    if (event.level === 'query') captured.push({ sql: event.query.sql, parameters: [...event.query.parameters] });
  });
  const now = new Date();
  const route = routes.find((r) => r.method === 'GET' && r.path === baseline.path);
  if (!route) throw new Error(`no route GET ${baseline.path} in dist/serve/routes`);
  try {
    await route.handle({ method: 'GET', params: { name: template.name }, query: new URLSearchParams(baseline.query), body: undefined, remoteAddress: '127.0.0.1' }, { db, config: {}, clock: () => now });
  } finally {
    await close();
  }
  if (captured.length === 0) throw new Error(`GET ${baseline.path}?${baseline.query}: no SQL captured`);
  if (process.env.BENCH_API_SHOW_SQL === '1') for (const q of captured) note(`  ${baseline.id}: ${q.sql} -- ${JSON.stringify(q.parameters)}`);
  const since = baseline.days === null ? null : new Date(now.getTime() - baseline.days * DAY_MS).toISOString();
  return (host) => {
    const hostSince = baseline.days === null ? null : new Date(Date.now() - baseline.days * DAY_MS).toISOString();
    return captured.map((q) => ({
      sql: q.sql,
      parameters: q.parameters.map((p) => (p === template.name ? host.name : p === template.id ? host.id : since !== null && p === since ? hostSince : p)),
    }));
  };
}

function percentile(sorted, q) {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)];
}

function stats(samples) {
  const ms = samples.map((s) => s.ms).sort((a, b) => a - b);
  const rows = samples.reduce((n, s) => n + s.rows, 0) / samples.length;
  const bytes = samples.reduce((n, s) => n + s.bytes, 0) / samples.length;
  return { n: ms.length, p50: percentile(ms, 0.5), p95: percentile(ms, 0.95), p99: percentile(ms, 0.99), max: ms[ms.length - 1], rows, bytes };
}

/** Measures one dialect: serve over the store, the endpoints and the baselines interleaved. */
async function measure(store) {
  const { ROUTES } = await import(pathToFileURL(distRoutes).href);
  const hosts = await hostList(store);
  const random = prng(seed);
  const pick = () => hosts[Math.floor(random() * hosts.length)];
  const rounds = warmup + requests;
  const cursors = new Map();
  const eps = endpoints(cursors);
  // One host per request, drawn up front, so the deep pages' cursors can be walked to before the clock runs.
  const plan = Array.from({ length: rounds }, () => ({ api: eps.map((e) => ({ e, host: pick() })), sql: BASELINES.map((b) => ({ b, host: pick() })) }));
  // The host whose name, id and since are replaced per request: its id must not equal another parameter (limit 101).
  const template = [...hosts].reverse().find((h) => h.id !== 101) ?? hosts[0];
  const replays = new Map();
  for (const b of BASELINES) replays.set(b.id, await captureBaseline(store.driver, ROUTES, b, template));

  const server = await startServe(store, store.name.toLowerCase());
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const deepHosts = [...new Set(plan.flatMap((r) => r.api.filter((a) => a.e.id === 'deep').map((a) => a.host)))];
    const walkStarted = Date.now();
    for (const host of deepHosts) {
      let next = null;
      for (let page = 0; page < deepPages; page++) {
        const { json } = await getJson(agent, `${server.url}/api/v1/hosts/${encodeURIComponent(host.name)}/results?limit=100${next ? `&before=${next}` : ''}`);
        if (!json.next) throw new Error(`${host.name}: no next page after page ${page + 1} (BENCH_API_DEEP_PAGES ${deepPages} is too deep for ${days} days)`);
        next = json.next;
      }
      cursors.set(host.name, next);
    }
    note(`  ${store.name}: walked ${deepPages} pages of results for ${deepHosts.length} hosts (${((Date.now() - walkStarted) / 1000).toFixed(1)} s)`);

    const samples = new Map([...eps.map((e) => [e.id, []]), ...BASELINES.map((b) => [`sql-${b.id}`, []])]);
    const shuffle = prng(seed + 1);
    const measureStarted = Date.now();
    for (let round = 0; round < rounds; round++) {
      const steps = [...plan[round].api.map((a) => ({ api: a })), ...plan[round].sql.map((s) => ({ sql: s }))];
      for (let i = steps.length - 1; i > 0; i--) {
        const j = Math.floor(shuffle() * (i + 1));
        [steps[i], steps[j]] = [steps[j], steps[i]];
      }
      for (const step of steps) {
        if (step.api) {
          const { e, host } = step.api;
          const res = await getJson(agent, `${server.url}${e.path(host)}`);
          const rows = e.rows(res.json);
          if (rows < e.min) throw new Error(`${e.label} for ${host.name}: ${rows} rows, expected at least ${e.min} (is the seeded data older than the window?)`);
          if (round >= warmup) samples.get(e.id).push({ ms: res.ms, rows, bytes: res.body.length });
        } else {
          const { b, host } = step.sql;
          const queries = replays.get(b.id)(host);
          const started = performance.now();
          await store.driver.replay(queries);
          const ms = performance.now() - started;
          if (round >= warmup) samples.get(`sql-${b.id}`).push({ ms, rows: 0, bytes: 0 });
        }
      }
    }
    note(`  ${store.name}: ${rounds} rounds of ${eps.length + BASELINES.length} requests (${warmup} warm-up) in ${((Date.now() - measureStarted) / 1000).toFixed(1)} s`);
    const sqlStats = new Map(BASELINES.map((b) => [b.id, stats(samples.get(`sql-${b.id}`))]));
    const api = eps.map((e) => {
      const s = stats(samples.get(e.id));
      return { label: e.label, ...s, pass: s.p99 < TARGET_P99_MS, ratio: e.sql ? s.p50 / sqlStats.get(e.sql).p50 : null };
    });
    const base = BASELINES.map((b) => ({ label: b.label, ...sqlStats.get(b.id), pass: null, ratio: null }));
    return [...api, ...base];
  } finally {
    agent.destroy();
    await server.stop();
  }
}

/** Every host (id and name), from the store, in id order. */
async function hostList(store) {
  const { db, close } = store.driver.kysely(undefined);
  const rows = await db.selectFrom('hosts').select(['id', 'name']).orderBy('id').execute().finally(close);
  if (rows.length !== hostCount) throw new Error(`${store.name}: ${rows.length} hosts in the store, expected ${hostCount}`);
  return rows;
}

const fmt = (ms) => (ms < 10 ? ms.toFixed(2) : ms.toFixed(1));
const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

async function main() {
  const started = Date.now();
  const results = [];
  for (const dialect of dialects) {
    note(`${dialect}: preparing the store (${hostCount} hosts x ${days} days hourly)`);
    const store = dialect === 'sqlite' ? await prepareSqlite() : await preparePostgres();
    if (!store) continue;
    try {
      const rows = await measure(store);
      results.push({ store, rows, size: await store.sizeBytes() });
    } finally {
      await store.driver.close();
    }
  }

  const load = loadavg().map((l) => l.toFixed(2)).join(' ');
  console.log(`## dthostmon serve: history and results over ${hostCount} hosts x ${days} days of hourly passes`);
  console.log('');
  console.log(`Node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'CPU'}, load ${load}. ${requests} requests per row after ${warmup} warm-up rounds, one keep-alive connection, random hosts (seed ${seed}). Target: p99 < ${TARGET_P99_MS} ms.`);
  console.log('');
  for (const { store, size } of results) {
    const i = store.info;
    const seeded = i.cached ? `cached store (seeded in ${Math.round(i.seedSeconds)} s when made)` : `seeded in ${Math.round(i.seedSeconds)} s`;
    const vacuum = i.vacuumSeconds !== undefined ? `, VACUUM (ANALYZE) ${Math.round(i.vacuumSeconds)} s` : '';
    console.log(`- ${store.version}: ${i.hostRuns.toLocaleString('en-US')} host runs, ${i.metrics.toLocaleString('en-US')} metric rows, ${seeded}${vacuum}; store size ${mb(size)}.`);
  }
  console.log('');
  console.log('| store | request | n | rows | KiB | p50 ms | p95 ms | p99 ms | max ms | x SQL (p50) | p99 < 50 ms |');
  console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|');
  let failed = false;
  for (const { store, rows } of results) {
    for (const r of rows) {
      if (r.pass === false) failed = true;
      const verdict = r.pass === null ? '(baseline)' : r.pass ? 'PASS' : '**FAIL**';
      const kib = r.bytes ? (r.bytes / 1024).toFixed(1) : '';
      const count = r.pass === null ? '' : Math.round(r.rows);
      console.log(`| ${store.name} | ${r.label} | ${r.n} | ${count} | ${kib} | ${fmt(r.p50)} | ${fmt(r.p95)} | ${fmt(r.p99)} | ${fmt(r.max)} | ${r.ratio === null ? '' : `${r.ratio.toFixed(1)}x`} | ${verdict} |`);
    }
  }
  console.log('');
  console.log(`Total ${Math.round((Date.now() - started) / 1000)} s. "rows": runs (history) or items (results) per answer; "x SQL": the API's p50 over the p50 of the same SQL through the driver.`);
  if (results.length === 0) throw new Error('no store was measured');
  await storeBenchmarks(
    'bench:api',
    results.flatMap(({ store, rows }) =>
      rows.flatMap((r) => [
        { benchmark: `api-${store.name}`, variant: r.label, metric: 'p50_ms', value: r.p50, ...(r.ratio === null ? {} : { baselineVariant: 'sql', ratio: r.ratio }) },
        { benchmark: `api-${store.name}`, variant: r.label, metric: 'p99_ms', value: r.p99 },
      ]),
    ),
  );
  if (failed) process.exitCode = 1;
}

await main();
