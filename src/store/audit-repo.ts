import type { Kysely } from 'kysely';
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
  runId: number | null;
  detail: unknown;
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

/** The most recent audit events, newest first. */
export async function listAudit(db: Kysely<Database>, options: { limit: number }): Promise<AuditEntry[]> {
  const rows = await db
    .selectFrom('audit_log')
    .selectAll()
    .orderBy('at', 'desc')
    .orderBy('id', 'desc')
    .limit(options.limit)
    .execute();
  return rows.map((row) => ({
    id: row.id,
    at: row.at,
    actor: row.actor,
    action: row.action,
    hostId: row.host_id,
    runId: row.run_id,
    detail: JSON.parse(row.detail) as unknown,
  }));
}
