// @ts-check
/**
 * Reports and delivery (issue #5):
 * - `alert_state`: the alert state machine's record per host and finding key (src/alert/state-machine.ts): pending,
 *   open (notified), resolved; when it was notified and with which severity.
 * - `outbox`: every message (email, Pushover) is stored here BEFORE it is sent; a pass delivers what is due, marks
 *   what was sent, retries failures with backoff and dead-letters what keeps failing. `dedupe_key` is unique, so a
 *   rerun of the same pass cannot queue the same message twice.
 * - `reports_sent`: one row per scheduled or on-demand report delivered (kind host|site, scope = host or site name),
 *   with the score(s) it showed, so the next report can say what moved and the schedule knows when the last went out.
 * IF NOT EXISTS everywhere: SQLite runs DDL outside a transaction.
 */
import { PostgresAdapter } from 'kysely';

/** @param {import('kysely').Kysely<any>} db */
export async function up(db) {
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter;
  /** @param {string} name */
  const create = (name) => {
    const table = db.schema.createTable(name).ifNotExists();
    return isPostgres
      ? table.addColumn('id', 'serial', (col) => col.primaryKey())
      : table.addColumn('id', 'integer', (col) => col.primaryKey().autoIncrement());
  };

  await create('alert_state')
    .addColumn('host_id', 'integer', (col) => col.notNull().references('hosts.id').onDelete('cascade'))
    .addColumn('key', 'text', (col) => col.notNull())
    .addColumn('category', 'text', (col) => col.notNull())
    .addColumn('severity', 'text', (col) => col.notNull())
    .addColumn('title', 'text', (col) => col.notNull())
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('first_seen', 'text', (col) => col.notNull())
    .addColumn('last_seen', 'text', (col) => col.notNull())
    .addColumn('passes', 'integer', (col) => col.notNull())
    .addColumn('notified_at', 'text')
    .addColumn('notified_severity', 'text')
    .addColumn('resolved_at', 'text')
    .addColumn('muted_by', 'text')
    .addColumn('condition', 'integer', (col) => col.notNull().defaultTo(0))
    .addUniqueConstraint('alert_state_host_key_unique', ['host_id', 'key'])
    .execute();

  await create('outbox')
    .addColumn('created_at', 'text', (col) => col.notNull())
    .addColumn('run_id', 'integer', (col) => col.references('runs.id').onDelete('set null'))
    .addColumn('kind', 'text', (col) => col.notNull())
    .addColumn('channel', 'text', (col) => col.notNull())
    .addColumn('dedupe_key', 'text', (col) => col.notNull().unique())
    .addColumn('recipients', 'text', (col) => col.notNull())
    .addColumn('subject', 'text', (col) => col.notNull())
    .addColumn('payload', 'text', (col) => col.notNull())
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'text', (col) => col.notNull())
    .addColumn('last_error', 'text')
    .addColumn('sent_at', 'text')
    .addColumn('delivered_to', 'text')
    .execute();
  await db.schema.createIndex('outbox_status_next').ifNotExists().on('outbox').columns(['status', 'next_attempt_at']).execute();

  await create('reports_sent')
    .addColumn('kind', 'text', (col) => col.notNull())
    .addColumn('scope', 'text', (col) => col.notNull())
    .addColumn('generated_at', 'text', (col) => col.notNull())
    .addColumn('period_start', 'text', (col) => col.notNull())
    .addColumn('period_end', 'text', (col) => col.notNull())
    .addColumn('trigger', 'text', (col) => col.notNull())
    .addColumn('summary', 'text', (col) => col.notNull())
    .addColumn('outbox_id', 'integer', (col) => col.references('outbox.id').onDelete('set null'))
    .addColumn('path', 'text')
    .execute();
  await db.schema.createIndex('reports_sent_kind_scope').ifNotExists().on('reports_sent').columns(['kind', 'scope', 'generated_at']).execute();
}

/** @param {import('kysely').Kysely<any>} db */
export async function down(db) {
  await db.schema.dropTable('reports_sent').ifExists().execute();
  await db.schema.dropTable('outbox').ifExists().execute();
  await db.schema.dropTable('alert_state').ifExists().execute();
}
