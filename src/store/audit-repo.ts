import { sql, type Kysely } from 'kysely';
import { chunk } from './chunk.js';
import type { Database } from './schema.js';

/** One audit event to append. `detail` is stored as JSON and must never carry a secret. */
export interface AuditInput {
  at: string;
  /** `run`, `serve`, `setup`, a user name, ... */
  actor: string;
  /** Dotted verb, e.g. `host.collected`. */
  action: string;
  hostId?: number | null;
  runId?: number | null;
  detail?: Record<string, unknown>;
}

/** One stored audit event, detail parsed. */
export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  action: string;
  hostId: number | null;
  /** The host's name when the hosts table still has it. */
  host: string | null;
  runId: number | null;
  detail: unknown;
}

/** Which events to list. */
export interface AuditQuery {
  limit: number;
  /** Only events at or after this time (ISO 8601, UTC). */
  since?: string;
  /** Only events of this host (by name). */
  host?: string;
  /** Only these actions: a name matches itself and the actions under it (`host` matches `host.connected`). */
  actions?: readonly string[];
}

const AUDIT_ROWS_PER_STATEMENT = 500;

/** Appends audit events. The table is append-only: the database rejects UPDATE and DELETE. */
export async function appendAudit(db: Kysely<Database>, rows: readonly AuditInput[]): Promise<void> {
  for (const batch of chunk(rows, AUDIT_ROWS_PER_STATEMENT)) {
    await db
      .insertInto('audit_log')
      .values(
        batch.map((row) => ({
          at: row.at,
          actor: row.actor,
          action: row.action,
          host_id: row.hostId ?? null,
          run_id: row.runId ?? null,
          detail: JSON.stringify(row.detail ?? {}),
        })),
      )
      .execute();
  }
}

/** The most recent audit events that match `query`, newest first. */
export async function listAudit(db: Kysely<Database>, query: AuditQuery): Promise<AuditEntry[]> {
  let select = db
    .selectFrom('audit_log')
    .leftJoin('hosts', 'hosts.id', 'audit_log.host_id')
    .select(['audit_log.id', 'audit_log.at', 'audit_log.actor', 'audit_log.action', 'audit_log.host_id', 'audit_log.run_id', 'audit_log.detail', 'hosts.name as host']);
  if (query.since !== undefined) select = select.where('audit_log.at', '>=', query.since);
  if (query.host !== undefined) select = select.where('audit_log.host_id', 'in', db.selectFrom('hosts').select('id').where('name', '=', query.host));
  const actions = query.actions ?? [];
  if (actions.length > 0) {
    // A prefix test without LIKE: `_` in an action name would be a wildcard there.
    select = select.where((eb) =>
      eb.or(actions.flatMap((a) => [eb('audit_log.action', '=', a), eb(sql<string>`substr(audit_log.action, 1, ${a.length + 1})`, '=', `${a}.`)])),
    );
  }
  const rows = await select.orderBy('audit_log.at', 'desc').orderBy('audit_log.id', 'desc').limit(query.limit).execute();
  return rows.map((row) => ({
    id: row.id,
    at: row.at,
    actor: row.actor,
    action: row.action,
    hostId: row.host_id,
    host: row.host,
    runId: row.run_id,
    detail: JSON.parse(row.detail) as unknown,
  }));
}
