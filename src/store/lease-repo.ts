/**
 * Host leases of a sharded pass (`run --worker`, PostgreSQL only; migration 0010). Times are the database's clock
 * (clock_timestamp() as ISO-8601 UTC text), so workers on machines whose clocks disagree still agree on expiry.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import { LockedError } from '../errors.js';
import type { Database } from './schema.js';
import { PASS_LOCK_NAME } from './pass-lock.js';

/** pg_advisory locks of dthostmon: this first key ('dthm'), then 1 for joining a pass, or a run id for finishing it. */
export const ADVISORY_NAMESPACE = 0x6474686d;
const JOIN_LOCK = 1;

/** The database's current time as the ISO text every other timestamp of the store uses. */
const dbNow = sql<string>`to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
function dbNowPlus(seconds: number): ReturnType<typeof sql<string>> {
  return sql<string>`to_char((clock_timestamp() + make_interval(secs => ${seconds})) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

/** The owner name a sharded pass writes into the pass lock, so an ordinary `run` reports who holds it. */
export function shardLockOwner(passKey: string): string {
  return `sharded pass ${passKey}`;
}

/** The store changed under us: another worker holds this host's lease now (ours expired). The host's write rolls back. */
export class LeaseLostError extends Error {
  constructor(hostId: number) {
    super(`the lease of host id ${hostId} was taken over by another worker`);
    this.name = 'LeaseLostError';
  }
}

export interface NewShardedPass {
  passKey: string;
  /** `runs.runner`: the worker that created the pass. */
  runner: string;
  pid: number;
  startedAt: string;
  /** The pass lock expires this long after the pass started (the pass deadline plus a margin). */
  lockTtlMs: number;
  /** The hosts of the pass, synced into `hosts` by the caller inside the same transaction. */
  hosts: (trx: Transaction<Database>) => Promise<Array<{ hostId: number; firstLook: boolean }>>;
}

export interface JoinedPass {
  runId: number;
  /** True when this worker created the pass (and its leases). */
  created: boolean;
  /** The run's status: anything but `running` means the pass is over and there is nothing to do. */
  status: string;
  startedAt: string;
}

/**
 * Joins the sharded pass named `passKey`, creating it (run row, one pending lease per host, the pass lock) when no
 * worker has yet. Serialized by a transaction-level advisory lock, so of several workers starting at once exactly one
 * creates it. An ordinary pass (or another sharded pass) holding an unexpired pass lock is a LockedError; an expired
 * one is taken over and its run marked `failed` (its hosts are in this pass).
 */
export async function joinShardedPass(db: Kysely<Database>, pass: NewShardedPass): Promise<JoinedPass> {
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${ADVISORY_NAMESPACE}, ${JOIN_LOCK})`.execute(trx);
    const existing = await trx.selectFrom('runs').select(['id', 'status', 'started_at']).where('pass_key', '=', pass.passKey).executeTakeFirst();
    if (existing) return { runId: existing.id, created: false, status: existing.status, startedAt: existing.started_at };

    const held = await trx.selectFrom('pass_lock').selectAll().where('name', '=', PASS_LOCK_NAME).executeTakeFirst();
    const now = (await sql<{ now: string }>`select ${dbNow} as now`.execute(trx)).rows[0]?.now ?? pass.startedAt;
    if (held && held.expires_at >= now) {
      throw new LockedError(`another pass is running (pid ${held.owner_pid} on host ${held.owner_host} since ${held.acquired_at})`);
    }
    if (held) {
      // Every worker of that pass is gone: its run never finishes on its own.
      await trx.updateTable('runs').set({ status: 'failed', finished_at: pass.startedAt }).where('status', '=', 'running').where('pass_key', 'is not', null).execute();
      await trx.deleteFrom('pass_lock').where('name', '=', PASS_LOCK_NAME).execute();
    }
    const hosts = await pass.hosts(trx);
    const run = await trx
      .insertInto('runs')
      .values({ started_at: pass.startedAt, status: 'running', runner: pass.runner, pid: pass.pid, host_count: hosts.length, hosts_ok: 0, hosts_failed: 0, pass_key: pass.passKey })
      .returning('id')
      .executeTakeFirstOrThrow();
    for (let i = 0; i < hosts.length; i += 1000) {
      await trx
        .insertInto('pass_leases')
        .values(hosts.slice(i, i + 1000).map((h) => ({ run_id: run.id, host_id: h.hostId, status: 'pending' as const, attempts: 0, first_look: h.firstLook ? 1 : 0 })))
        .execute();
    }
    await trx
      .insertInto('pass_lock')
      .values({
        name: PASS_LOCK_NAME,
        owner_host: shardLockOwner(pass.passKey),
        owner_pid: pass.pid,
        acquired_at: pass.startedAt,
        expires_at: new Date(Date.parse(pass.startedAt) + pass.lockTtlMs).toISOString(),
      })
      .execute();
    return { runId: run.id, created: true, status: 'running', startedAt: pass.startedAt };
  });
}

export interface Claim {
  hostId: number;
  /** 1 for the first claim; more when an earlier worker's lease expired. */
  attempts: number;
  firstLook: boolean;
}

/**
 * Claims one host of the pass for this worker: a pending one, or one whose worker's lease expired. Rows another
 * worker is claiming at this instant are skipped (FOR UPDATE SKIP LOCKED), never waited for.
 * @param hostIds the hosts this worker can run (its config's); others stay for workers that can.
 */
export async function claimNextHost(db: Kysely<Database>, runId: number, worker: string, hostIds: readonly number[], leaseSeconds: number): Promise<Claim | null> {
  if (hostIds.length === 0) return null;
  const result = await sql<{ host_id: number; attempts: number; first_look: number }>`
    update pass_leases set status = 'claimed', worker = ${worker}, attempts = attempts + 1,
      claimed_at = ${dbNow}, expires_at = ${dbNowPlus(leaseSeconds)}
    where (run_id, host_id) = (
      select run_id, host_id from pass_leases
      where run_id = ${runId} and host_id in (${sql.join(hostIds)})
        and (status = 'pending' or (status = 'claimed' and expires_at < ${dbNow}))
      order by status desc, host_id
      limit 1
      for update skip locked)
    returning host_id, attempts, first_look`.execute(db);
  const row = result.rows[0];
  return row ? { hostId: row.host_id, attempts: row.attempts, firstLook: row.first_look === 1 } : null;
}

/** Extends every lease this worker holds in the pass. @returns how many it still holds. */
export async function renewLeases(db: Kysely<Database>, runId: number, worker: string, leaseSeconds: number): Promise<number> {
  const result = await sql`
    update pass_leases set expires_at = ${dbNowPlus(leaseSeconds)}
    where run_id = ${runId} and worker = ${worker} and status = 'claimed'`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

/**
 * Marks the host done, inside the transaction that stores its result: the write commits only while this worker still
 * holds the lease, so a host is stored once per pass even when a slow worker's lease was taken over.
 * @throws LeaseLostError when another worker holds it now (the caller's transaction rolls back).
 */
export async function completeLease(trx: Kysely<Database>, runId: number, hostId: number, worker: string): Promise<void> {
  const result = await sql`
    update pass_leases set status = 'done', finished_at = ${dbNow}
    where run_id = ${runId} and host_id = ${hostId} and worker = ${worker} and status = 'claimed'`.execute(trx);
  if (Number(result.numAffectedRows ?? 0) !== 1) throw new LeaseLostError(hostId);
}

/** Gives this worker's unfinished hosts back (a worker stopping early: SIGTERM, its own deadline). */
export async function releaseLeases(db: Kysely<Database>, runId: number, worker: string): Promise<number> {
  const result = await sql`
    update pass_leases set status = 'pending', expires_at = null
    where run_id = ${runId} and worker = ${worker} and status = 'claimed'`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

export interface PassProgress {
  pending: number;
  /** Claimed and not expired: some worker is on them. */
  working: number;
  /** Claimed by a worker whose lease expired: free to take. */
  expired: number;
  done: number;
  /** Milliseconds until the first working lease expires (null when none). */
  nextExpiryMs: number | null;
}

/** Where the pass stands, by the database's clock. */
export async function passProgress(db: Kysely<Database>, runId: number): Promise<PassProgress> {
  const result = await sql<{ pending: number; working: number; expired: number; done: number; next_ms: number | null }>`
    select
      count(*) filter (where status = 'pending')::int as pending,
      count(*) filter (where status = 'claimed' and expires_at >= ${dbNow})::int as working,
      count(*) filter (where status = 'claimed' and expires_at < ${dbNow})::int as expired,
      count(*) filter (where status = 'done')::int as done,
      (extract(epoch from (min(expires_at::timestamptz) filter (where status = 'claimed' and expires_at >= ${dbNow})) - clock_timestamp()) * 1000)::float8 as next_ms
    from pass_leases where run_id = ${runId}`.execute(db);
  const row = result.rows[0];
  return {
    pending: row?.pending ?? 0,
    working: row?.working ?? 0,
    expired: row?.expired ?? 0,
    done: row?.done ?? 0,
    nextExpiryMs: row?.next_ms === null || row?.next_ms === undefined ? null : Math.max(0, Number(row.next_ms)),
  };
}

/** The hosts of the pass with what the finisher needs: who was collected for the first time, and every lease's worker. */
export async function passLeases(db: Kysely<Database>, runId: number): Promise<Array<{ hostId: number; status: string; worker: string | null; attempts: number; firstLook: boolean }>> {
  const rows = await db.selectFrom('pass_leases').select(['host_id', 'status', 'worker', 'attempts', 'first_look']).where('run_id', '=', runId).orderBy('host_id').execute();
  return rows.map((r) => ({ hostId: r.host_id, status: r.status, worker: r.worker, attempts: r.attempts, firstLook: r.first_look === 1 }));
}

/** Removes the pass lock of this sharded pass (the finisher, after the run row is final). */
export async function releaseShardLock(db: Kysely<Database>, passKey: string): Promise<void> {
  await db.deleteFrom('pass_lock').where('name', '=', PASS_LOCK_NAME).where('owner_host', '=', shardLockOwner(passKey)).execute();
}

/**
 * Runs `finish` while holding the session advisory lock of this run, on a connection of its own (the lock goes with
 * the connection if this process dies, so another worker can finish the pass). Waits (polling) while another worker
 * holds it. `finish` is called only while the run is still `running`.
 * @returns true when this worker finished the pass, false when another one did.
 */
export async function finishUnderAdvisoryLock(
  db: Kysely<Database>,
  runId: number,
  finish: () => Promise<void>,
  opts: { pollMs: number; sleep: (ms: number) => Promise<void>; giveUpAt: number; now: () => number },
): Promise<boolean> {
  const isRunning = async (): Promise<boolean> =>
    (await db.selectFrom('runs').select('status').where('id', '=', runId).executeTakeFirst())?.status === 'running';
  for (;;) {
    if (!(await isRunning())) return false;
    const finished = await db.connection().execute(async (conn) => {
      const got = await sql<{ ok: boolean }>`select pg_try_advisory_lock(${ADVISORY_NAMESPACE}, ${runId}) as ok`.execute(conn);
      if (got.rows[0]?.ok !== true) return null;
      try {
        if (!(await isRunning())) return false;
        await finish();
        return true;
      } finally {
        await sql`select pg_advisory_unlock(${ADVISORY_NAMESPACE}, ${runId})`.execute(conn);
      }
    });
    if (finished !== null) return finished;
    if (opts.now() >= opts.giveUpAt) return false;
    await opts.sleep(opts.pollMs);
  }
}
