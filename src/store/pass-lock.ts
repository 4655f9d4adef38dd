import type { Kysely } from 'kysely';
import { LockedError } from '../errors.js';
import type { Database, PassLockRow } from './schema.js';

/** The lock row every `run` competes for. */
export const PASS_LOCK_NAME = 'pass';

/** A lost race re-reads the row; a few rounds settle it (the winner's row is then seen as held). */
const MAX_ATTEMPTS = 5;

export interface PassLockOptions {
  /** Hostname of this machine. */
  runner: string;
  pid: number;
  now: Date;
  /** After this long a lock counts as abandoned, whoever holds it. */
  ttlMs: number;
  /**
   * Whether a process of this machine is alive. A caller running as a fixed pid (pid 1 in a container) should
   * answer false for its own pid: a lock of this runner with our pid was left by a previous life of this process.
   */
  isPidAlive: (pid: number) => boolean;
}

/**
 * Takes the pass lock so that only one pass runs against a store at a time, across processes and machines.
 * A held lock is taken over when it expired, or when it belongs to this machine and its pid is dead (kill -9).
 * Race-safe without a transaction: the first owner is created by INSERT .. ON CONFLICT DO NOTHING and a takeover is
 * an UPDATE conditioned on the exact row that was judged stale; whoever changes 0 rows lost.
 * @returns the release function (idempotent; only removes the lock while we still own it).
 * @throws LockedError naming the holder.
 */
export async function acquirePassLock(db: Kysely<Database>, opts: PassLockOptions): Promise<() => Promise<void>> {
  const acquiredAt = opts.now.toISOString();
  const mine: PassLockRow = {
    name: PASS_LOCK_NAME,
    owner_host: opts.runner,
    owner_pid: opts.pid,
    acquired_at: acquiredAt,
    expires_at: new Date(opts.now.getTime() + opts.ttlMs).toISOString(),
  };
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
    const inserted = await db
      .insertInto('pass_lock')
      .values(mine)
      .onConflict((oc) => oc.column('name').doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1) return releaser(db, mine);

    const held = await db.selectFrom('pass_lock').selectAll().where('name', '=', PASS_LOCK_NAME).executeTakeFirst();
    if (!held) continue; // released between our two statements: try the insert again
    if (!isStale(held, opts, acquiredAt)) throw lockedError(held);

    const taken = await db
      .updateTable('pass_lock')
      .set({ owner_host: mine.owner_host, owner_pid: mine.owner_pid, acquired_at: mine.acquired_at, expires_at: mine.expires_at })
      .where('name', '=', PASS_LOCK_NAME)
      .where('owner_host', '=', held.owner_host)
      .where('owner_pid', '=', held.owner_pid)
      .where('acquired_at', '=', held.acquired_at)
      .where('expires_at', '=', held.expires_at)
      .executeTakeFirst();
    if (Number(taken.numUpdatedRows) === 1) return releaser(db, mine);
  }
  const holder = await db.selectFrom('pass_lock').selectAll().where('name', '=', PASS_LOCK_NAME).executeTakeFirst();
  throw holder ? lockedError(holder) : new LockedError('another pass is running (the pass lock kept changing hands)');
}

function isStale(held: PassLockRow, opts: PassLockOptions, nowIso: string): boolean {
  // ISO-8601 UTC text compares chronologically.
  if (held.expires_at < nowIso) return true;
  return held.owner_host === opts.runner && !opts.isPidAlive(held.owner_pid);
}

function lockedError(held: PassLockRow): LockedError {
  return new LockedError(
    `another pass is running (pid ${held.owner_pid} on host ${held.owner_host} since ${held.acquired_at})`,
  );
}

function releaser(db: Kysely<Database>, mine: PassLockRow): () => Promise<void> {
  return async () => {
    await db
      .deleteFrom('pass_lock')
      .where('name', '=', PASS_LOCK_NAME)
      .where('owner_host', '=', mine.owner_host)
      .where('owner_pid', '=', mine.owner_pid)
      .where('acquired_at', '=', mine.acquired_at)
      .execute();
  };
}
