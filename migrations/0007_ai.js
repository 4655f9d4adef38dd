// @ts-check
/**
 * LLM analysis (issue #6, docs/ai.md):
 * - `ai_analyses`: one row per host and pass that the AI stage looked at for a reason (it analyzed, answered from the
 *   cache, found every provider down, or ran out of budget); a quiet pass writes none. The summary, the model's own
 *   health view and its recommendations are stored redacted. `pending_input` keeps the prepared (redacted) digest
 *   when no provider answered, for a later pass to analyze (`caught_up_by` then points at that pass's row).
 * - `ai_calls`: every provider call, successful or not: tokens in/out, estimated cost (USD), duration, attempts.
 * - `ai_cache`: verified answers by input hash until `expires_at` (ai.cache_ttl, default 24 h).
 * AI findings themselves are ordinary rows of `findings` (category `ai.finding`).
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

  await create('ai_analyses')
    .addColumn('host_run_id', 'integer', (col) => col.notNull().references('host_runs.id').onDelete('cascade'))
    .addColumn('run_id', 'integer', (col) => col.notNull().references('runs.id').onDelete('cascade'))
    .addColumn('host_id', 'integer', (col) => col.notNull().references('hosts.id').onDelete('cascade'))
    .addColumn('created_at', 'text', (col) => col.notNull())
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('trigger', 'text', (col) => col.notNull())
    .addColumn('reason', 'text')
    .addColumn('provider', 'text')
    .addColumn('model', 'text')
    .addColumn('input_hash', 'text')
    .addColumn('input_tokens', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('summary', 'text')
    .addColumn('llm_score', 'integer')
    .addColumn('recommendations', 'text', (col) => col.notNull().defaultTo('[]'))
    .addColumn('dropped_claims', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('pending_input', 'text')
    .addColumn('caught_up_by', 'integer')
    .execute();
  await db.schema.createIndex('ai_analyses_host_created').ifNotExists().on('ai_analyses').columns(['host_id', 'created_at']).execute();

  await create('ai_calls')
    .addColumn('run_id', 'integer', (col) => col.references('runs.id').onDelete('set null'))
    .addColumn('host_id', 'integer', (col) => col.notNull().references('hosts.id').onDelete('cascade'))
    .addColumn('created_at', 'text', (col) => col.notNull())
    .addColumn('provider', 'text', (col) => col.notNull())
    .addColumn('model', 'text')
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('error', 'text')
    .addColumn('tokens_in', 'integer')
    .addColumn('tokens_out', 'integer')
    .addColumn('cost_usd', 'double precision')
    .addColumn('duration_ms', 'integer', (col) => col.notNull())
    .addColumn('attempts', 'integer', (col) => col.notNull())
    .execute();
  await db.schema.createIndex('ai_calls_host_created').ifNotExists().on('ai_calls').columns(['host_id', 'created_at']).execute();

  await db.schema
    .createTable('ai_cache')
    .ifNotExists()
    .addColumn('input_hash', 'text', (col) => col.primaryKey())
    .addColumn('provider', 'text', (col) => col.notNull())
    .addColumn('model', 'text', (col) => col.notNull())
    .addColumn('answer', 'text', (col) => col.notNull())
    .addColumn('created_at', 'text', (col) => col.notNull())
    .addColumn('expires_at', 'text', (col) => col.notNull())
    .execute();
}

/** @param {import('kysely').Kysely<any>} db */
export async function down(db) {
  await db.schema.dropTable('ai_cache').ifExists().execute();
  await db.schema.dropTable('ai_calls').ifExists().execute();
  await db.schema.dropTable('ai_analyses').ifExists().execute();
}
