// @ts-check
/**
 * The initial store schema, portable across SQLite and PostgreSQL (column choices: src/store/schema.ts).
 * Plain JavaScript so the built CLI loads it without a compiler. Every statement is IF NOT EXISTS because SQLite
 * DDL is not run in a transaction by the Migrator: a migration interrupted halfway must be able to run again.
 */
import { PostgresAdapter, sql } from 'kysely';

const APPEND_ONLY_MESSAGE = 'audit_log is append-only';

/**
 * @typedef {import('kysely').Kysely<any>} AnyDb
 * @typedef {import('kysely').CreateTableBuilder<string, any>} TableBuilder
 */

/**
 * Column types that differ between the dialects.
 * @param {AnyDb} db
 */
function dialectTypes(db) {
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter;
  return {
    isPostgres,
    /** @param {TableBuilder} table */
    withId: (table) =>
      isPostgres
        ? table.addColumn('id', 'serial', (col) => col.primaryKey())
        : table.addColumn('id', 'integer', (col) => col.primaryKey().autoIncrement()),
    /** @type {'bigint' | 'integer'} */
    bigint: isPostgres ? 'bigint' : 'integer',
    /** @type {'double precision' | 'real'} */
    double: isPostgres ? 'double precision' : 'real',
  };
}

/** @param {AnyDb} db */
export async function up(db) {
  const t = dialectTypes(db);
  const create = (/** @type {string} */ name) => t.withId(db.schema.createTable(name).ifNotExists());

  await create('hosts')
    .addColumn('name', 'text', (col) => col.notNull().unique())
    .addColumn('hostname', 'text', (col) => col.notNull())
    .addColumn('port', 'integer', (col) => col.notNull())
    .addColumn('user', 'text', (col) => col.notNull())
    .addColumn('site', 'text')
    .addColumn('tags', 'text', (col) => col.notNull().defaultTo('[]'))
    .addColumn('enabled', 'integer', (col) => col.notNull().defaultTo(1).check(sql`enabled in (0, 1)`))
    .addColumn('transport', 'text', (col) => col.notNull().check(sql`transport in ('ssh', 'local')`))
    .addColumn('created_at', 'text', (col) => col.notNull())
    .addColumn('updated_at', 'text', (col) => col.notNull())
    .addColumn('last_seen', 'text')
    .addColumn('last_report_sent', 'text')
    .execute();

  await create('runs')
    .addColumn('started_at', 'text', (col) => col.notNull())
    .addColumn('finished_at', 'text')
    .addColumn('status', 'text', (col) =>
      col.notNull().check(sql`status in ('running', 'complete', 'timed_out', 'failed')`),
    )
    .addColumn('runner', 'text', (col) => col.notNull())
    .addColumn('pid', 'integer', (col) => col.notNull())
    .addColumn('host_count', 'integer', (col) => col.notNull())
    .addColumn('hosts_ok', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('hosts_failed', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('duration_ms', t.bigint)
    .execute();

  await create('host_runs')
    .addColumn('run_id', 'integer', (col) => col.notNull().references('runs.id').onDelete('cascade'))
    .addColumn('host_id', 'integer', (col) => col.notNull().references('hosts.id').onDelete('cascade'))
    .addColumn('started_at', 'text', (col) => col.notNull())
    .addColumn('finished_at', 'text', (col) => col.notNull())
    .addColumn('status', 'text', (col) => col.notNull().check(sql`status in ('ok', 'partial', 'failed')`))
    .addColumn('error', 'text')
    .addColumn('score', 'integer')
    .addColumn('previous_score', 'integer')
    .addColumn('health', 'text', (col) => col.check(sql`health in ('healthy', 'minor', 'critical')`))
    .addColumn('reasons', 'text', (col) => col.notNull())
    .addColumn('findings_crit', 'integer', (col) => col.notNull())
    .addColumn('findings_warn', 'integer', (col) => col.notNull())
    .addColumn('findings_info', 'integer', (col) => col.notNull())
    .addColumn('log_bytes_read', t.bigint, (col) => col.notNull())
    .addColumn('log_lines_read', t.bigint, (col) => col.notNull())
    .addColumn('duration_ms', t.bigint, (col) => col.notNull())
    .addColumn('report_path', 'text')
    .addColumn('facts', 'text')
    .addColumn('log_sources', 'text', (col) => col.notNull())
    .addColumn('failures', 'text', (col) => col.notNull())
    .execute();

  await create('findings')
    .addColumn('host_run_id', 'integer', (col) => col.notNull().references('host_runs.id').onDelete('cascade'))
    .addColumn('run_id', 'integer', (col) => col.notNull().references('runs.id').onDelete('cascade'))
    .addColumn('host_id', 'integer', (col) => col.notNull().references('hosts.id').onDelete('cascade'))
    .addColumn('category', 'text', (col) => col.notNull())
    .addColumn('severity', 'text', (col) => col.notNull().check(sql`severity in ('info', 'warn', 'crit')`))
    .addColumn('rule_id', 'text', (col) => col.notNull())
    .addColumn('title', 'text', (col) => col.notNull())
    .addColumn('key', 'text', (col) => col.notNull())
    .addColumn('subject', 'text')
    .addColumn('count', 'integer', (col) => col.notNull())
    .addColumn('evidence', 'text', (col) => col.notNull())
    .addColumn('recommendation', 'text')
    .addColumn('created_at', 'text', (col) => col.notNull())
    .execute();

  await create('metrics')
    .addColumn('host_id', 'integer', (col) => col.notNull().references('hosts.id').onDelete('cascade'))
    .addColumn('host_run_id', 'integer', (col) => col.notNull().references('host_runs.id').onDelete('cascade'))
    .addColumn('collected_at', 'text', (col) => col.notNull())
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('label', 'text', (col) => col.notNull().defaultTo(''))
    .addColumn('value', t.double, (col) => col.notNull())
    .execute();

  // host_run_id is nullable here: baselines and cursors outlive the host run that wrote them (retention).
  await create('baselines')
    .addColumn('host_id', 'integer', (col) => col.notNull().references('hosts.id').onDelete('cascade'))
    .addColumn('kind', 'text', (col) => col.notNull())
    .addColumn('data', 'text', (col) => col.notNull())
    .addColumn('updated_at', 'text', (col) => col.notNull())
    .addColumn('host_run_id', 'integer', (col) => col.references('host_runs.id').onDelete('set null'))
    .addUniqueConstraint('baselines_host_kind_unique', ['host_id', 'kind'])
    .execute();

  await create('cursors')
    .addColumn('host_id', 'integer', (col) => col.notNull().references('hosts.id').onDelete('cascade'))
    .addColumn('path', 'text', (col) => col.notNull())
    .addColumn('inode', t.bigint, (col) => col.notNull())
    .addColumn('offset', t.bigint, (col) => col.notNull())
    .addColumn('fingerprint', 'text', (col) => col.notNull())
    .addColumn('fingerprint_len', 'integer', (col) => col.notNull())
    .addColumn('updated_at', 'text', (col) => col.notNull())
    .addColumn('host_run_id', 'integer', (col) => col.references('host_runs.id').onDelete('set null'))
    .addUniqueConstraint('cursors_host_path_unique', ['host_id', 'path'])
    .execute();

  // No foreign keys: the audit trail must survive the deletion of the hosts and runs it mentions.
  await create('audit_log')
    .addColumn('at', 'text', (col) => col.notNull())
    .addColumn('actor', 'text', (col) => col.notNull())
    .addColumn('action', 'text', (col) => col.notNull())
    .addColumn('host_id', 'integer')
    .addColumn('run_id', 'integer')
    .addColumn('detail', 'text', (col) => col.notNull().defaultTo('{}'))
    .execute();

  await db.schema
    .createTable('pass_lock')
    .ifNotExists()
    .addColumn('name', 'text', (col) => col.primaryKey())
    .addColumn('owner_host', 'text', (col) => col.notNull())
    .addColumn('owner_pid', 'integer', (col) => col.notNull())
    .addColumn('acquired_at', 'text', (col) => col.notNull())
    .addColumn('expires_at', 'text', (col) => col.notNull())
    .execute();

  /** @type {Array<[string, string, string[]]>} */
  const indexes = [
    ['host_runs_host_started_idx', 'host_runs', ['host_id', 'started_at']],
    ['host_runs_run_idx', 'host_runs', ['run_id']],
    ['findings_host_created_idx', 'findings', ['host_id', 'created_at']],
    ['findings_host_run_idx', 'findings', ['host_run_id']],
    ['metrics_host_name_collected_idx', 'metrics', ['host_id', 'name', 'collected_at']],
    ['metrics_host_run_idx', 'metrics', ['host_run_id']],
    ['runs_started_idx', 'runs', ['started_at']],
    ['audit_log_at_idx', 'audit_log', ['at']],
  ];
  for (const [name, table, columns] of indexes) {
    await db.schema.createIndex(name).ifNotExists().on(table).columns(columns).execute();
  }

  await createAuditGuards(db, t.isPostgres);
}

/**
 * Makes audit_log append-only in the database itself, so no code path (ours or a manual UPDATE) can rewrite history.
 * @param {AnyDb} db
 * @param {boolean} isPostgres
 */
async function createAuditGuards(db, isPostgres) {
  if (isPostgres) {
    await sql`
      create or replace function audit_log_append_only() returns trigger language plpgsql as $$
      begin
        raise exception '${sql.raw(APPEND_ONLY_MESSAGE)}';
      end;
      $$`.execute(db);
    await sql`drop trigger if exists audit_log_no_change on audit_log`.execute(db);
    await sql`create trigger audit_log_no_change before update or delete on audit_log
      for each row execute function audit_log_append_only()`.execute(db);
    await sql`drop trigger if exists audit_log_no_truncate on audit_log`.execute(db);
    await sql`create trigger audit_log_no_truncate before truncate on audit_log
      for each statement execute function audit_log_append_only()`.execute(db);
    return;
  }
  for (const event of ['update', 'delete']) {
    await sql`
      create trigger if not exists ${sql.raw(`audit_log_no_${event}`)} before ${sql.raw(event)} on audit_log
      begin
        select raise(abort, '${sql.raw(APPEND_ONLY_MESSAGE)}');
      end`.execute(db);
  }
}

/** @param {AnyDb} db */
export async function down(db) {
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter;
  for (const table of ['pass_lock', 'audit_log', 'cursors', 'baselines', 'metrics', 'findings', 'host_runs', 'runs', 'hosts']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
  if (isPostgres) await sql`drop function if exists audit_log_append_only()`.execute(db);
}
