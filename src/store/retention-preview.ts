/**
 * `dthostmon db prune --dry-run`: what a retention run would archive, delete and roll up, read with the same page
 * queries as the real run, writing nothing. Rollups are counted: the raw rows before the raw cutoff, and the hourly
 * rows (existing, or about to be made from raw rows) before the hourly cutoff.
 */
import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import type { RetentionSettings } from '../config/retention-settings.js';
import { archiveMonth } from './retention-plan.js';
import { countInto, purgeTable, type PurgeContext } from './retention-purge.js';
import { hostRunsSpec, keptHostRuns, keptReports, otherSpecs, runsSpec } from './retention-specs.js';
import type { RetentionSummary } from './retention.js';
import type { Database } from './schema.js';

/** Fills `summary` with what a run at its cutoffs would do. */
export async function previewRetention(db: Kysely<Database>, settings: RetentionSettings, summary: RetentionSummary): Promise<void> {
  const { cutoffs } = summary;
  const months = new Set<string>();
  const ctx: PurgeContext = {
    db,
    cutoff: cutoffs.history,
    batchSize: settings.batchSize,
    fullRows: false,
    dryRun: true,
    archive: async (records) => {
      if (settings.archive) for (const record of records) months.add(archiveMonth(record.at));
    },
    count: countInto(summary.deletedRows, settings.archive ? summary.archivedRows : null),
  };
  const count = (query: { executeTakeFirst(): Promise<{ n: number | string } | undefined> }) => query.executeTakeFirst().then((r) => Number(r?.n ?? 0));
  const [raw, hourly, rawHours] = await Promise.all([
    count(db.selectFrom('metrics').select((eb) => eb.fn.countAll<number>().as('n')).where('collected_at', '<', cutoffs.raw)),
    count(db.selectFrom('metrics_hourly').select((eb) => eb.fn.countAll<number>().as('n')).where('bucket', '<', cutoffs.hourly)),
    count(
      db
        .selectFrom((eb) =>
          eb
            .selectFrom('metrics')
            .select(['host_id', 'name', 'label', sql<string>`substr(collected_at, 1, 13)`.as('hour')])
            .where('collected_at', '<', cutoffs.hourly)
            .groupBy(['host_id', 'name', 'label', sql`substr(collected_at, 1, 13)`])
            .as('hours'),
        )
        .select((eb) => eb.fn.countAll<number>().as('n')),
    ),
  ]);
  summary.rolledUp = { hourly: raw, daily: hourly + rawHours };

  const keep = await keptHostRuns(db);
  for (const { id } of await db.selectFrom('hosts').select('id').orderBy('id').execute()) {
    await purgeTable(ctx, hostRunsSpec(id, keep));
  }
  await purgeTable(ctx, runsSpec(cutoffs.history, keep));
  const daily = await db
    .selectFrom('metrics_daily')
    .select([sql<string>`substr(bucket, 1, 7)`.as('month'), (eb) => eb.fn.countAll<number>().as('n')])
    .where('bucket', '<', cutoffs.daily)
    .groupBy(sql`substr(bucket, 1, 7)`)
    .execute();
  for (const row of daily) {
    await ctx.archive([{ table: 'metrics_daily', at: row.month, row: {} }]);
    ctx.count('metrics_daily', Number(row.n));
  }
  for (const spec of otherSpecs(await keptReports(db))) await purgeTable(ctx, spec);
  summary.archiveFiles = [...months].sort().map((month) => path.join(settings.archiveDir, `${month}.jsonl.gz`));
}
