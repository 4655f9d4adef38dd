// @ts-check
/**
 * Retention (issue #10, docs/retention.md):
 * - `metrics_hourly` and `metrics_daily`: the per-pass `metrics` rows rolled up per host, name, label and UTC hour (or
 *   day): min, max, average and the number of samples. Keyed by (host_id, name, bucket, label), the order the history
 *   readers ask in; `bucket` is the ISO start of the hour or day. A rollup merges rows into a bucket and deletes them in
 *   one transaction, so every sample is counted exactly once. On SQLite WITHOUT ROWID: the table is its key's B-tree.
 *   An index on `bucket` lets retention find the buckets to roll up or expire.
 * - `retention_state`: one row (`retention`): when retention last ran (at most once a day from the pass) and who runs
 *   it now (`owner`, `heartbeat_at`), claimed with conditional UPDATEs so two processes never prune at once.
 * - `retention_gate`: audit_log stays append-only, except that a row older than a gate row's `cutoff` may be deleted.
 *   Retention inserts the gate row and removes it in the same transaction as its DELETE, so no other connection ever
 *   sees one; UPDATE (and TRUNCATE on PostgreSQL) stays refused always.
 * - Indexes for the deletes: `metrics (collected_at)` (the rows due for rollup), `ai_analyses (host_run_id)`, and
 *   every column that references `runs` or `host_runs` without one: deleting a parent row makes the database look up
 *   the rows that reference it (ON DELETE CASCADE / SET NULL), a full scan of the child table per deleted row
 *   without an index.
 * IF NOT EXISTS everywhere: SQLite runs DDL outside a transaction, so an interrupted run must be able to run again.
 */
import { PostgresAdapter, sql } from 'kysely';

const APPEND_ONLY_MESSAGE = 'audit_log is append-only';

/** @type {Array<[string, string, string[]]>} */
const INDEXES = [
  ['metrics_collected', 'metrics', ['collected_at']],
  ['ai_analyses_host_run', 'ai_analyses', ['host_run_id']],
  ['ai_analyses_run', 'ai_analyses', ['run_id']],
  ['findings_run', 'findings', ['run_id']],
  ['changes_run', 'changes', ['run_id']],
  ['outbox_run', 'outbox', ['run_id']],
  ['ai_calls_run', 'ai_calls', ['run_id']],
  ['reports_sent_outbox', 'reports_sent', ['outbox_id']],
  ['baselines_host_run', 'baselines', ['host_run_id']],
  ['cursors_host_run', 'cursors', ['host_run_id']],
  ['source_cursors_host_run', 'source_cursors', ['host_run_id']],
  ['log_templates_first_host_run', 'log_templates', ['first_host_run_id']],
];

/** @param {import('kysely').Kysely<any>} db */
export async function up(db) {
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter;
  for (const table of ['metrics_hourly', 'metrics_daily']) {
    await db.schema
      .createTable(table)
      .ifNotExists()
      .addColumn('host_id', 'integer', (col) => col.notNull().references('hosts.id').onDelete('cascade'))
      .addColumn('name', 'text', (col) => col.notNull())
      .addColumn('bucket', 'text', (col) => col.notNull())
      .addColumn('label', 'text', (col) => col.notNull())
      .addColumn('min_value', isPostgres ? 'double precision' : 'real', (col) => col.notNull())
      .addColumn('max_value', isPostgres ? 'double precision' : 'real', (col) => col.notNull())
      .addColumn('avg_value', isPostgres ? 'double precision' : 'real', (col) => col.notNull())
      .addColumn('samples', isPostgres ? 'bigint' : 'integer', (col) => col.notNull())
      .addPrimaryKeyConstraint(`${table}_pk`, ['host_id', 'name', 'bucket', 'label'])
      .$call((builder) => (isPostgres ? builder : builder.modifyEnd(sql`without rowid`)))
      .execute();
    await db.schema.createIndex(`${table}_bucket`).ifNotExists().on(table).column('bucket').execute();
  }

  await db.schema
    .createTable('retention_state')
    .ifNotExists()
    .addColumn('name', 'text', (col) => col.primaryKey())
    .addColumn('last_run_at', 'text')
    .addColumn('owner', 'text')
    .addColumn('heartbeat_at', 'text')
    .execute();
  await db.insertInto('retention_state').values({ name: 'retention' }).onConflict((oc) => oc.column('name').doNothing()).execute();

  const gate = db.schema.createTable('retention_gate').ifNotExists();
  await (isPostgres ? gate.addColumn('id', 'serial', (col) => col.primaryKey()) : gate.addColumn('id', 'integer', (col) => col.primaryKey().autoIncrement()))
    .addColumn('cutoff', 'text', (col) => col.notNull())
    .execute();

  for (const [name, table, columns] of INDEXES) {
    await db.schema.createIndex(name).ifNotExists().on(table).columns(columns).execute();
  }
  await (isPostgres ? gateAuditPostgres(db) : gateAuditSqlite(db));
}

/**
 * PostgreSQL: the row trigger of 0001 (`audit_log_no_change`, before UPDATE or DELETE) now calls a function that lets
 * a DELETE through when the row is older than a gate row's cutoff. The TRUNCATE trigger keeps refusing.
 * The migration runs in one transaction here: the table is never unguarded.
 * @param {import('kysely').Kysely<any>} db
 */
async function gateAuditPostgres(db) {
  await sql`
    create or replace function audit_log_guard() returns trigger language plpgsql as $$
    begin
      if tg_op = 'DELETE' and exists (select 1 from retention_gate g where old.at < g.cutoff) then
        return old;
      end if;
      raise exception '${sql.raw(APPEND_ONLY_MESSAGE)}';
    end;
    $$`.execute(db);
  await sql`drop trigger if exists audit_log_no_change on audit_log`.execute(db);
  await sql`create trigger audit_log_no_change before update or delete on audit_log
    for each row execute function audit_log_guard()`.execute(db);
}

/**
 * SQLite: a gated DELETE trigger is created before 0001's unconditional one is dropped, so no moment leaves the table
 * unguarded even though SQLite runs this DDL outside a transaction. `audit_log_no_update` stays.
 * @param {import('kysely').Kysely<any>} db
 */
async function gateAuditSqlite(db) {
  await sql`
    create trigger if not exists audit_log_delete_guard before delete on audit_log
    when not exists (select 1 from retention_gate g where old.at < g.cutoff)
    begin
      select raise(abort, '${sql.raw(APPEND_ONLY_MESSAGE)}');
    end`.execute(db);
  await sql`drop trigger if exists audit_log_no_delete`.execute(db);
}

/** @param {import('kysely').Kysely<any>} db */
export async function down(db) {
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter;
  if (isPostgres) {
    await sql`drop trigger if exists audit_log_no_change on audit_log`.execute(db);
    await sql`create trigger audit_log_no_change before update or delete on audit_log
      for each row execute function audit_log_append_only()`.execute(db);
    await sql`drop function if exists audit_log_guard()`.execute(db);
  } else {
    await sql`
      create trigger if not exists audit_log_no_delete before delete on audit_log
      begin
        select raise(abort, '${sql.raw(APPEND_ONLY_MESSAGE)}');
      end`.execute(db);
    await sql`drop trigger if exists audit_log_delete_guard`.execute(db);
  }
  for (const [name] of INDEXES) await db.schema.dropIndex(name).ifExists().execute();
  for (const table of ['retention_gate', 'retention_state', 'metrics_daily', 'metrics_hourly']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
