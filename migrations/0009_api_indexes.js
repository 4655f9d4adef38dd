// @ts-check
/**
 * Indexes for `dthostmon serve` (issue #9), measured on 500 hosts x 90 days of hourly passes (1.08 M host runs,
 * 5.3 M metric rows; scripts/bench-api-seed.mjs):
 * - `changes (host_run_id)`: the changes of one host run (`/changes/:run_id`, the change counts of `/results/:id`
 *   and `/history/:id`) had no index and scanned the whole table.
 * - `metrics (host_id, name, collected_at, label, value)` replaces `metrics (host_id, name, collected_at)` of 0001:
 *   same leading columns, so every query that used the old one uses this one, and a host's history reads its
 *   values from the index alone. A pass writes all hosts' rows together, so one host's rows are spread over the
 *   whole table: without the value in the index, 90 days of history cost one table page read per row
 *   (p99 of `/history?days=90` 43 ms -> 30 ms on SQLite).
 * - `host_runs (host_id, started_at, id, status, score, findings_crit, findings_warn, findings_info)` replaces
 *   `host_runs (host_id, started_at)` of 0001, for the same reason: the history's runs come from the index alone
 *   (npm run bench:api measured the host-runs half of `/history?days=90` at 7.4 ms p50 without it, 2.4 ms with it).
 *   Results and keyset pages use its leading columns as before.
 * The other read queries use indexes that exist: host_runs (run_id), findings (host_run_id), finding_state and
 * log_templates by host.
 * IF NOT EXISTS: SQLite runs DDL outside a transaction, so an interrupted run must be able to run again.
 */

/** @param {import('kysely').Kysely<any>} db */
export async function up(db) {
  await db.schema.createIndex('changes_host_run').ifNotExists().on('changes').columns(['host_run_id']).execute();
  await db.schema.createIndex('metrics_host_name_collected_value').ifNotExists().on('metrics').columns(['host_id', 'name', 'collected_at', 'label', 'value']).execute();
  await db.schema.dropIndex('metrics_host_name_collected_idx').ifExists().execute();
  await db.schema
    .createIndex('host_runs_host_started_summary')
    .ifNotExists()
    .on('host_runs')
    .columns(['host_id', 'started_at', 'id', 'status', 'score', 'findings_crit', 'findings_warn', 'findings_info'])
    .execute();
  await db.schema.dropIndex('host_runs_host_started_idx').ifExists().execute();
}

/** @param {import('kysely').Kysely<any>} db */
export async function down(db) {
  await db.schema.createIndex('host_runs_host_started_idx').ifNotExists().on('host_runs').columns(['host_id', 'started_at']).execute();
  await db.schema.dropIndex('host_runs_host_started_summary').ifExists().execute();
  await db.schema.createIndex('metrics_host_name_collected_idx').ifNotExists().on('metrics').columns(['host_id', 'name', 'collected_at']).execute();
  await db.schema.dropIndex('metrics_host_name_collected_value').ifExists().execute();
  await db.schema.dropIndex('changes_host_run').ifExists().execute();
}
