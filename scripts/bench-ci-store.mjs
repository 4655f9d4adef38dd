#!/usr/bin/env node
// The `store-writes` case of the CI benchmark (scripts/bench-ci.mjs): host results saved through the store
// (saveHostResult over openStore's SQLite: Kysely, our row building, finding_state, ...) against the same statements
// run through better-sqlite3 directly, each prepared once: same rows, no data layer.
//   node scripts/bench-ci-store.mjs DIR PASSES
// Each of WARMUP_PASSES + PASSES passes writes a run row and HOSTS host results. Kysely's query log captures every
// statement of every host result first (begin and commit included), from the same starting state as the measured
// stores (a migrated template with the hosts synced; openStore's pragmas, but synchronous = OFF on both sides: fsync
// time is the disk's, not ours). Then the host results alternate: one through the store, the same statements
// replayed into COPIES databases (so the two halves take about as long). Prints `{"ours":[..],"baseline":[..]}`:
// CPU seconds per host result, the baseline's per replay (bench-ci-measure.mjs).
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { resolveHosts } from '../dist/config/resolve.js';
import { configSchema } from '../dist/config/schema.js';
import { saveHostResult } from '../dist/store/host-result-repo.js';
import { syncHosts } from '../dist/store/hosts-repo.js';
import { migrateToLatest } from '../dist/store/migrate.js';
import { openStore } from '../dist/store/open-store.js';
import { createRun } from '../dist/store/runs-repo.js';
import { alternate } from './bench-ci-measure.mjs';

const HOSTS = 20;
const FINDINGS = 12;
const WARMUP_PASSES = 2;
/** Replays per pair: the baseline's half then takes about as long as ours (measured: ~10x less CPU per replay). */
const COPIES = 10;
const AT = Date.UTC(2026, 10, 1);

const [dir, passesArg] = process.argv.slice(2);
const passes = Number(passesArg);
if (!dir || !Number.isInteger(passes) || passes < 1) throw new Error('usage: bench-ci-store.mjs DIR PASSES');
mkdirSync(dir, { recursive: true });

const iso = (pass, seconds = 0) => new Date(AT + pass * 900_000 + seconds * 1000).toISOString();
const hosts = resolveHosts(
  configSchema.parse({ hosts: Array.from({ length: HOSTS }, (_, h) => ({ name: `h${h}`, hostname: `10.0.0.${h + 1}`, logs: ['/var/log/auth.log'] })) }),
  dir,
  dir,
);

/** A host's result in one pass: facts (metrics, baselines), two cursors, findings that come and go with the pass. */
function hostResult(h, pass) {
  const facts = {
    hostname: `h${h}`,
    os: { id: 'debian', name: 'Debian GNU/Linux', version: '12', prettyName: 'Debian GNU/Linux 12 (bookworm)' },
    kernel: '6.1.0-18-amd64',
    uptimeSeconds: 86400 + pass * 900,
    load: { one: 0.5 + h / 10, five: 0.25, fifteen: 0.125 },
    cpu: { cores: 4, usedPercent: 10 + ((h * 7 + pass) % 50), windowSeconds: 900, counters: { totalJiffies: 1000 * pass, idleJiffies: 800 * pass, at: iso(pass) } },
    memory: { totalBytes: 8 * 2 ** 30, availableBytes: 6 * 2 ** 30, usedPercent: 25, swapTotalBytes: 0, swapUsedBytes: 0 },
    disks: ['/', '/srv', '/var'].map((mount, i) => ({
      mount,
      filesystem: `/dev/sd${'abc'[i]}1`,
      sizeBytes: 64 * 2 ** 30,
      usedBytes: (20 + i + pass) * 2 ** 30,
      availBytes: (44 - i - pass) * 2 ** 30,
      usedPercent: ((20 + i + pass) / 64) * 100,
    })),
    users: ['root', 'alice', 'bob', 'deploy'].map((name, uid) => ({ name, uid, gid: uid, home: `/home/${name}`, shell: '/bin/bash' })),
  };
  const findings = Array.from({ length: FINDINGS }, (_, f) => {
    const ip = `198.51.100.${(f + pass + h) % 40}`;
    return {
      category: f % 3 === 0 ? 'auth.bruteforce' : 'auth.failed_login',
      severity: f % 3 === 0 ? 'crit' : 'warn',
      ruleId: 'sshd.failed_password',
      title: `SSH brute force from ${ip}`,
      key: `auth.bruteforce:${ip}:${f % 3}`,
      subject: ip,
      count: 10 + f,
      evidence: [{ source: '/var/log/auth.log', lines: [1, 2, 3].map((n) => `Nov  1 10:0${n}:00 h${h} sshd[${100 + n}]: Failed password for invalid user admin from ${ip} port ${40000 + n} ssh2`) }],
    };
  });
  const offset = 200_000 * (pass + 1);
  return {
    snapshot: {
      host: `h${h}`,
      collectedAt: iso(pass, 5),
      durationMs: 1200,
      reachable: true,
      facts,
      logs: [],
      logSources: [
        { pattern: '/var/log/auth.log', path: '/var/log/auth.log', status: 'read', bytesRead: 200_000, linesRead: 2000, skippedBytes: 0 },
        { pattern: '/var/log/syslog', path: '/var/log/syslog', status: 'read', bytesRead: 100_000, linesRead: 1000, skippedBytes: 0 },
      ],
      cursors: [
        { path: '/var/log/auth.log', inode: 1000 + h, offset, fingerprint: '3054159393', fingerprintLen: 1024 },
        { path: '/var/log/syslog', inode: 2000 + h, offset: offset / 2, fingerprint: '42', fingerprintLen: 1024 },
      ],
      failures: [],
    },
    analysis: {
      findings,
      score: 70,
      status: 'minor',
      reasons: [{ kind: 'finding', label: 'SSH brute force', points: 20 }, { kind: 'resource', label: 'disk /srv', points: 10 }],
    },
    logRates: { passes: pass + 1, errorsPerHour: 3 },
  };
}

/** Every host result of every pass, built before anything is timed. */
const workload = Array.from({ length: WARMUP_PASSES + passes }, (_, pass) => Array.from({ length: HOSTS }, (_, h) => hostResult(h, pass)));
/** The units that alternate: one host's result in one pass (the first host of a pass also writes the run row). */
const units = workload.flatMap((results, pass) => results.map((result, h) => ({ pass, h, result })));

/** Writes one unit through the store, as a pass does; `runs` keeps each pass's run id. */
async function writeUnit(db, ids, runs, { pass, h, result }) {
  if (h === 0) runs.set(pass, await createRun(db, { startedAt: iso(pass), runner: 'bench', pid: 1, hostCount: HOSTS }));
  await saveHostResult(db, {
    runId: runs.get(pass),
    hostId: ids.get(`h${h}`),
    ...result,
    status: 'ok',
    error: null,
    previousScore: pass === 0 ? null : 70,
    reportPath: null,
    startedAt: iso(pass),
    finishedAt: iso(pass, 5),
  });
}

/** Migrated, hosts synced: every store of the run starts as a copy of it. */
const template = join(dir, 'template.db');
{
  const sqlite = new BetterSqlite3(template);
  const db = new Kysely({ dialect: new SqliteDialect({ database: sqlite }) });
  await migrateToLatest(db);
  await syncHosts(db, hosts, iso(0));
  await db.destroy();
}

/** A copy of the template with openStore's pragmas; `log` receives Kysely's query events. */
async function freshStore(name, log) {
  const path = join(dir, `${name}.db`);
  copyFileSync(template, path);
  const sqlite = new BetterSqlite3(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('synchronous = OFF');
  const db = new Kysely({ dialect: new SqliteDialect({ database: sqlite }), ...(log ? { log } : {}) });
  const ids = new Map((await db.selectFrom('hosts').select(['id', 'name']).execute()).map((row) => [row.name, row.id]));
  return { sqlite, db, ids };
}

/** Every unit's statements with their parameters, as Kysely ran them from the same starting state. */
async function captureStatements() {
  const byUnit = units.map(() => []);
  let current = -1;
  const store = await freshStore('capture', (event) => {
    if (current >= 0 && event.level === 'query') byUnit[current].push({ sql: event.query.sql, parameters: event.query.parameters });
  });
  const runs = new Map();
  for (current = 0; current < units.length; current++) await writeUnit(store.db, store.ids, runs, units[current]);
  await store.db.destroy();
  return byUnit;
}

/** The baseline: statements through better-sqlite3, each distinct SQL text prepared once per database. */
function replayer(sqlite) {
  const prepared = new Map();
  return (statements) => {
    for (const { sql, parameters } of statements) {
      let statement = prepared.get(sql);
      if (statement === undefined) prepared.set(sql, (statement = sqlite.prepare(sql)));
      if (statement.reader) statement.all(parameters);
      else statement.run(parameters);
    }
  };
}

const statements = await captureStatements();
// Our side goes through openStore, as a pass's writes do.
copyFileSync(template, join(dir, 'ours.db'));
const ours = await openStore({ dialect: 'sqlite', path: join(dir, 'ours.db') });
await sql`pragma synchronous = off`.execute(ours.db);
const ids = new Map((await ours.db.selectFrom('hosts').select(['id', 'name']).execute()).map((row) => [row.name, row.id]));
const runs = new Map();
const copies = [];
for (let c = 0; c < COPIES; c++) copies.push(await freshStore(`raw-${c}`));
const replays = copies.map((copy) => replayer(copy.sqlite));
const replayUnit = async (i) => {
  for (const replay of replays) replay(statements[i]);
};
const warmupUnits = WARMUP_PASSES * HOSTS;
for (let i = 0; i < warmupUnits; i++) {
  await writeUnit(ours.db, ids, runs, units[i]);
  await replayUnit(i);
}
const result = await alternate(
  units.length - warmupUnits,
  (i) => writeUnit(ours.db, ids, runs, units[warmupUnits + i]),
  (i) => replayUnit(warmupUnits + i),
);
result.baseline = result.baseline.map((seconds) => seconds / COPIES);
await ours.close();
for (const copy of copies) await copy.db.destroy();
console.log(JSON.stringify(result));
