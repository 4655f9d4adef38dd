/**
 * Archive-then-delete of expired rows, one table at a time, in pages of `batchSize` rows walked in keyset order (so
 * rows a page keeps are stepped over, never re-read). For each page: read the rows (and the rows that hang off them),
 * append them to the archive and fsync, THEN delete them in one transaction. A page that cannot be archived is not
 * deleted, and the run stops there. A dry run reads the same pages and deletes nothing.
 */
import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import { chunk } from './chunk.js';
import type { ArchiveRecord } from './retention-archive.js';
import type { Database } from './schema.js';

/** The tables are named at run time here; their rows are archived as they are. */
type LooseDb = Kysely<Record<string, Record<string, unknown>>>;
type Row = Record<string, unknown>;

const IDS_PER_STATEMENT = 500;

/** Rows that hang off a purged row: archived with it and deleted first. */
export interface ChildSpec {
  table: string;
  /** The column that points at the parent's id. */
  parent: string;
  /** The row's own time (its archive month). */
  time: string;
}

/** One table to purge: which rows are due, in what order, and what goes with them. */
export interface PurgeSpec {
  table: string;
  /** The row's own time: compared with the cutoff, and its archive month. */
  time: string;
  /** `time`: walk by (time, id) where an index leads with the time column; `id`: by id (small tables). */
  order: 'time' | 'id';
  /** More conditions on the due rows. */
  where?: RawBuilder<unknown>;
  /** Ids never deleted (the latest host run of a host, the latest report of a kind and scope). */
  keep?: ReadonlySet<number>;
  children?: readonly ChildSpec[];
  /** Runs in the delete transaction before anything is deleted (the metrics rollup of host runs). */
  beforeDelete?: (trx: Transaction<Database>, ids: number[]) => Promise<void>;
  /** Deletes through the audit gate (audit_log). */
  gated?: boolean;
}

/** Where a purge sends its pages. */
export interface PurgeContext {
  db: Kysely<Database>;
  cutoff: string;
  batchSize: number;
  /** Read full rows (to archive) or only ids and times (no archive, or a dry run). */
  fullRows: boolean;
  dryRun: boolean;
  /** Archives a page (a dry run only notes the months); throws when it cannot: the page is then not deleted. */
  archive: (records: ArchiveRecord[]) => Promise<void>;
  /** Counts per table. */
  count: (table: string, rows: number) => void;
  afterBatch?: () => Promise<void>;
}

/** A PurgeContext.count that adds to `deleted`, and to `archived` when the rows are archived. */
export function countInto(deleted: Record<string, number>, archived: Record<string, number> | null): PurgeContext['count'] {
  return (table, n) => {
    if (n <= 0) return;
    deleted[table] = (deleted[table] ?? 0) + n;
    if (archived) archived[table] = (archived[table] ?? 0) + n;
  };
}

/** Purges one table (see the module comment). */
export async function purgeTable(ctx: PurgeContext, spec: PurgeSpec): Promise<void> {
  let cursor: { at: unknown; id: number } | null = null;
  for (;;) {
    const page = await readPage(ctx, spec, cursor);
    const last = page[page.length - 1];
    if (!last) return;
    cursor = { at: last[spec.time], id: Number(last.id) };
    const due = spec.keep ? page.filter((row) => !spec.keep?.has(Number(row.id))) : page;
    if (due.length === 0) continue;
    const ids = due.map((row) => Number(row.id));
    const children = await readChildren(ctx, spec.children ?? [], ids);
    const groups = [{ table: spec.table, time: spec.time, rows: due }, ...children];
    await ctx.archive(groups.flatMap((g) => g.rows.map((row) => ({ table: g.table, at: timeOf(row[g.time]), row }))));
    if (!ctx.dryRun) await deletePage(ctx.db, spec, ids, ctx.cutoff);
    for (const g of groups) ctx.count(g.table, g.rows.length);
    await ctx.afterBatch?.();
  }
}

function readPage(ctx: PurgeContext, spec: PurgeSpec, cursor: { at: unknown; id: number } | null): Promise<Row[]> {
  const db = ctx.db as unknown as LooseDb;
  const time = sql.ref(spec.time);
  let query = (ctx.fullRows ? db.selectFrom(spec.table).selectAll() : db.selectFrom(spec.table).select(['id', spec.time]))
    .where(sql<boolean>`${time} < ${ctx.cutoff}`)
    .$if(spec.where !== undefined, (q) => q.where(spec.where as RawBuilder<boolean>));
  if (spec.order === 'time') {
    if (cursor) query = query.where(sql<boolean>`(${time} > ${cursor.at} or (${time} = ${cursor.at} and id > ${cursor.id}))`);
    query = query.orderBy(spec.time).orderBy('id');
  } else {
    if (cursor) query = query.where('id', '>', cursor.id);
    query = query.orderBy('id');
  }
  return query.limit(ctx.batchSize).execute();
}

async function readChildren(ctx: PurgeContext, children: readonly ChildSpec[], ids: number[]): Promise<Array<{ table: string; time: string; rows: Row[] }>> {
  const db = ctx.db as unknown as LooseDb;
  const out: Array<{ table: string; time: string; rows: Row[] }> = [];
  for (const child of children) {
    const rows: Row[] = [];
    for (const batch of chunk(ids, IDS_PER_STATEMENT)) {
      const select = ctx.fullRows ? db.selectFrom(child.table).selectAll() : db.selectFrom(child.table).select(['id', child.time]);
      rows.push(...(await select.where(child.parent, 'in', batch).orderBy('id').execute()));
    }
    out.push({ table: child.table, time: child.time, rows });
  }
  return out;
}

/** Deletes a page and its children in one transaction; audit rows through the gate. */
async function deletePage(db: Kysely<Database>, spec: PurgeSpec, ids: number[], cutoff: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const loose = trx as unknown as LooseDb;
    await spec.beforeDelete?.(trx, ids);
    for (const batch of chunk(ids, IDS_PER_STATEMENT)) {
      for (const child of spec.children ?? []) await loose.deleteFrom(child.table).where(child.parent, 'in', batch).execute();
    }
    const gate = spec.gated ? await trx.insertInto('retention_gate').values({ cutoff }).returning('id').executeTakeFirstOrThrow() : null;
    for (const batch of chunk(ids, IDS_PER_STATEMENT)) await loose.deleteFrom(spec.table).where('id', 'in', batch).execute();
    // Removed before commit: no other connection ever sees a gate row.
    if (gate) await trx.deleteFrom('retention_gate').where('id', '=', gate.id).execute();
  });
}

function timeOf(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}
