/**
 * The `retention_state` row (migration 0011), claimed with conditional UPDATEs so that two processes racing (two
 * passes, a pass and `db prune`, two `serve --schedule`) never prune at once and the daily run happens once:
 * - the lease (`owner`, `heartbeat_at`): taken when free or when its holder stopped beating for HEARTBEAT_STALE_MS
 *   (a killed process), renewed after every batch, released at the end;
 * - `last_run_at`: compare-and-set from the value read, so only one of several racers claims a due run.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

const NAME = 'retention';
/** A holder silent this long has died: its lease may be taken. */
export const HEARTBEAT_STALE_MS = 15 * 60_000;
/** Automatic retention runs at most once per this period. */
export const RETENTION_INTERVAL_MS = 24 * 3_600_000;

/** Who prunes: `host:pid:random`. */
export function retentionOwner(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

async function ensureRow(db: Kysely<Database>): Promise<void> {
  await db.insertInto('retention_state').values({ name: NAME }).onConflict((oc) => oc.column('name').doNothing()).execute();
}

/**
 * Takes the lease for `owner` at `at` (ISO).
 * @returns null when taken, else who holds it and since when it last reported (for the LockedError).
 */
export async function claimLease(db: Kysely<Database>, owner: string, at: string): Promise<{ owner: string; heartbeatAt: string } | null> {
  await ensureRow(db);
  const staleBefore = new Date(Date.parse(at) - HEARTBEAT_STALE_MS).toISOString();
  const result = await db
    .updateTable('retention_state')
    .set({ owner, heartbeat_at: at })
    .where('name', '=', NAME)
    .where((eb) => eb.or([eb('owner', 'is', null), eb('heartbeat_at', 'is', null), eb('heartbeat_at', '<', staleBefore)]))
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 1) return null;
  const row = await db.selectFrom('retention_state').select(['owner', 'heartbeat_at']).where('name', '=', NAME).executeTakeFirst();
  return { owner: row?.owner ?? 'unknown', heartbeatAt: row?.heartbeat_at ?? 'unknown' };
}

/** Renews the lease (only while `owner` holds it). */
export async function renewLease(db: Kysely<Database>, owner: string, at: string): Promise<void> {
  await db.updateTable('retention_state').set({ heartbeat_at: at }).where('name', '=', NAME).where('owner', '=', owner).execute();
}

/** Releases the lease; `completedAt` (a successful run) also becomes `last_run_at`. */
export async function releaseLease(db: Kysely<Database>, owner: string, completedAt: string | null): Promise<void> {
  await db
    .updateTable('retention_state')
    .set({ owner: null, heartbeat_at: null, ...(completedAt === null ? {} : { last_run_at: completedAt }) })
    .where('name', '=', NAME)
    .where('owner', '=', owner)
    .execute();
}

/**
 * Claims the daily run at `at` when the last one is RETENTION_INTERVAL_MS old or more (or never ran).
 * @returns `{ previous }` (the last run before, to restore on failure) when this caller claimed it, else null.
 */
export async function claimDueRun(db: Kysely<Database>, at: string): Promise<{ previous: string | null } | null> {
  await ensureRow(db);
  const row = await db.selectFrom('retention_state').select('last_run_at').where('name', '=', NAME).executeTakeFirst();
  const previous = row?.last_run_at ?? null;
  if (previous !== null && Date.parse(at) - Date.parse(previous) < RETENTION_INTERVAL_MS) return null;
  const result = await db
    .updateTable('retention_state')
    .set({ last_run_at: at })
    .where('name', '=', NAME)
    .where((eb) => (previous === null ? eb('last_run_at', 'is', null) : eb('last_run_at', '=', previous)))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1 ? { previous } : null;
}

/** Gives a claimed run back (it failed), unless someone else has claimed one since. */
export async function unclaimDueRun(db: Kysely<Database>, at: string, previous: string | null): Promise<void> {
  await db.updateTable('retention_state').set({ last_run_at: previous }).where('name', '=', NAME).where('last_run_at', '=', at).execute();
}
