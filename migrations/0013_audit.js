// @ts-check
/**
 * Indexes for reading the audit trail (`dthostmon db audit`, GET /api/v1/audit; issue #10): a pass now writes a few
 * rows per host (connection, analysis) besides its alerts, messages and reports, so the table grows by about three
 * rows per host and pass (500 hosts hourly: 36 000 rows a day). The listing is newest first with a limit: `at` alone
 * (0001) serves the unfiltered listing, these serve one host's events and one action's events without a scan.
 * IF NOT EXISTS: SQLite runs DDL outside a transaction, so an interrupted run must be able to run again.
 */

/** @param {import('kysely').Kysely<any>} db */
export async function up(db) {
  await db.schema.createIndex('audit_log_host_at_idx').ifNotExists().on('audit_log').columns(['host_id', 'at']).execute();
  await db.schema.createIndex('audit_log_action_at_idx').ifNotExists().on('audit_log').columns(['action', 'at']).execute();
}

/** @param {import('kysely').Kysely<any>} db */
export async function down(db) {
  await db.schema.dropIndex('audit_log_action_at_idx').ifExists().execute();
  await db.schema.dropIndex('audit_log_host_at_idx').ifExists().execute();
}
