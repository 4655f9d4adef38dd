/**
 * Read-only queries behind `serve`'s /health and /metrics. Each one is bounded for a large store (~1 M host runs):
 * the last pass is one row by id, the latest host run of each enabled host is one index probe per host
 * (host_runs_host_started_summary, migration 0009), open findings and the outbox are grouped counts of small tables.
 */
import { statSync } from 'node:fs';
import { sql, type Kysely } from 'kysely';
import type { Database, OutboxStatus, RunStatus } from './schema.js';
import type { HostRunStatus, Severity } from '../types.js';

export interface LastPass {
  id: number;
  status: RunStatus;
  startedAt: string;
  /** Null for a pass that died (marked failed later) before it finished. */
  finishedAt: string | null;
  durationMs: number | null;
  hostsOk: number;
  hostsFailed: number;
}

/** The latest pass that is no longer running, or null when none ever ended. */
export async function loadLastPass(db: Kysely<Database>): Promise<LastPass | null> {
  const row = await db
    .selectFrom('runs')
    .select(['id', 'status', 'started_at', 'finished_at', 'duration_ms', 'hosts_ok', 'hosts_failed'])
    .where('status', '!=', 'running')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!row) return null;
  return {
    id: row.id,
    status: row.status,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    durationMs: row.duration_ms,
    hostsOk: row.hosts_ok,
    hostsFailed: row.hosts_failed,
  };
}

/** The newest pass still marked running (this process's or another's), or null. */
export async function loadRunningPass(db: Kysely<Database>): Promise<{ id: number; startedAt: string; runner: string; pid: number } | null> {
  const row = await db
    .selectFrom('runs')
    .select(['id', 'started_at', 'runner', 'pid'])
    .where('status', '=', 'running')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? { id: row.id, startedAt: row.started_at, runner: row.runner, pid: row.pid } : null;
}

export interface HostLatest {
  name: string;
  site: string | null;
  /** Null: the host never ran. */
  status: HostRunStatus | null;
  score: number | null;
}

/** Every enabled host with the status and score of its latest host run. */
export async function loadLatestHostRuns(db: Kysely<Database>): Promise<HostLatest[]> {
  const rows = await db
    .selectFrom('hosts as h')
    .leftJoin('host_runs as hr', (join) =>
      join.onRef('hr.host_id', '=', 'h.id').on('hr.id', '=', (eb) =>
        eb
          .selectFrom('host_runs as latest')
          .select('latest.id')
          .whereRef('latest.host_id', '=', 'h.id')
          .orderBy('latest.started_at', 'desc')
          .orderBy('latest.id', 'desc')
          .limit(1),
      ),
    )
    .select(['h.name', 'h.site', 'hr.status', 'hr.score'])
    .where('h.enabled', '=', 1)
    .orderBy('h.name')
    .execute();
  return rows.map((r) => ({ name: r.name, site: r.site, status: r.status ?? null, score: r.score ?? null }));
}

/** Open findings (finding_state rows not resolved) of enabled hosts, per severity; every severity is present. */
export async function countOpenFindings(db: Kysely<Database>): Promise<Record<Severity, number>> {
  const counts: Record<Severity, number> = { crit: 0, warn: 0, info: 0 };
  const rows = await db
    .selectFrom('finding_state as f')
    .innerJoin('hosts as h', 'h.id', 'f.host_id')
    .select((eb) => ['f.severity', eb.fn.countAll<number>().as('count')])
    .where('f.resolved_at', 'is', null)
    .where('h.enabled', '=', 1)
    .groupBy('f.severity')
    .execute();
  for (const r of rows) if (r.severity in counts) counts[r.severity] = Number(r.count);
  return counts;
}

export interface OutboxBacklog {
  counts: Record<OutboxStatus, number>;
  /** created_at of the oldest message waiting (pending or sending), or null. */
  oldestPendingAt: string | null;
}

/** Messages per status and the age anchor of the backlog. */
export async function loadOutboxBacklog(db: Kysely<Database>): Promise<OutboxBacklog> {
  const counts: Record<OutboxStatus, number> = { pending: 0, sending: 0, sent: 0, dead: 0 };
  const rows = await db
    .selectFrom('outbox')
    .select((eb) => ['status', eb.fn.countAll<number>().as('count')])
    .groupBy('status')
    .execute();
  for (const r of rows) if (r.status in counts) counts[r.status] = Number(r.count);
  const oldest = await db
    .selectFrom('outbox')
    .select((eb) => eb.fn.min('created_at').as('oldest'))
    .where('status', 'in', ['pending', 'sending'])
    .executeTakeFirst();
  return { counts, oldestPendingAt: (oldest?.oldest as string | null | undefined) ?? null };
}

/**
 * Bytes the store takes: PostgreSQL's pg_database_size, or the SQLite file with its -wal and -shm files (a WAL can
 * be larger than the database between checkpoints). Null when it cannot be told (an in-memory database).
 */
export async function storeSizeBytes(db: Kysely<Database>, store: { dialect: 'sqlite'; path: string } | { dialect: 'postgres' }): Promise<number | null> {
  if (store.dialect === 'postgres') {
    const { rows } = await sql<{ size: number | string }>`select pg_database_size(current_database()) as size`.execute(db);
    const size = rows[0]?.size;
    return size === undefined ? null : Number(size);
  }
  if (store.path === ':memory:') return null;
  let total = 0;
  for (const suffix of ['', '-wal', '-shm']) {
    try {
      total += statSync(store.path + suffix).size;
    } catch {
      // -wal and -shm exist only while a connection has the database open in WAL mode.
    }
  }
  return total;
}

/** `select 1`: whether the database answers. */
export async function pingStore(db: Kysely<Database>): Promise<void> {
  await sql`select 1`.execute(db);
}
