import type { Kysely, Transaction } from 'kysely';
import type { AlertRecord } from '../alert/state-machine.js';
import type { FindingCategory, Severity } from '../types.js';
import { chunk } from './chunk.js';
import type { Database } from './schema.js';

/** A resolved record older than this is forgotten (it can no longer continue an episode as a flap). */
export const RESOLVED_RETENTION_MS = 30 * 86_400_000;

/** The alert records of these hosts, by host id (resolved ones included: they detect flapping). */
export async function loadAlertState(db: Kysely<Database>, hostIds: readonly number[]): Promise<Map<number, AlertRecord[]>> {
  const byHost = new Map<number, AlertRecord[]>();
  for (const ids of chunk([...hostIds], 500)) {
    if (ids.length === 0) continue;
    const rows = await db.selectFrom('alert_state').selectAll().where('host_id', 'in', ids).orderBy('id').execute();
    for (const row of rows) {
      const list = byHost.get(row.host_id) ?? [];
      list.push({
        key: row.key,
        category: row.category as FindingCategory,
        severity: row.severity,
        title: row.title,
        status: row.status,
        firstSeen: row.first_seen,
        lastSeen: row.last_seen,
        passes: row.passes,
        notifiedAt: row.notified_at,
        notifiedSeverity: row.notified_severity,
        resolvedAt: row.resolved_at,
        condition: row.condition === 1,
      });
      byHost.set(row.host_id, list);
    }
  }
  return byHost;
}

/**
 * Replaces one host's records with the machine's output (inside the caller's transaction, with the outbox rows of
 * the same pass, so a notification is queued exactly when its record says it was notified). `mutedBy` is kept per
 * key for the API and reports. Resolved records older than RESOLVED_RETENTION_MS are dropped.
 */
export async function saveAlertState(
  trx: Transaction<Database> | Kysely<Database>,
  hostId: number,
  records: readonly AlertRecord[],
  now: Date,
  mutedBy: ReadonlyMap<string, string> = new Map(),
): Promise<void> {
  await trx.deleteFrom('alert_state').where('host_id', '=', hostId).execute();
  const cutoff = now.getTime() - RESOLVED_RETENTION_MS;
  const keep = records.filter((r) => r.status !== 'resolved' || r.resolvedAt === null || Date.parse(r.resolvedAt) >= cutoff);
  for (const part of chunk(keep, 200)) {
    if (part.length === 0) continue;
    await trx
      .insertInto('alert_state')
      .values(
        part.map((r) => ({
          host_id: hostId,
          key: r.key,
          category: r.category,
          severity: r.severity as Severity,
          title: r.title,
          status: r.status,
          first_seen: r.firstSeen,
          last_seen: r.lastSeen,
          passes: r.passes,
          notified_at: r.notifiedAt,
          notified_severity: r.notifiedSeverity,
          resolved_at: r.resolvedAt,
          muted_by: mutedBy.get(r.key) ?? null,
          condition: r.condition ? 1 : 0,
        })),
      )
      .execute();
  }
}
