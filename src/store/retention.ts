/**
 * Retention (SR-DB-002, docs/retention.md): rolls metrics up (raw -> hourly -> daily), archives the rows older than
 * the window to `<archive dir>/YYYY-MM.jsonl.gz` and deletes them in batches. `runRetention` is `dthostmon db prune`;
 * `runRetentionIfDue` is what the pass calls at its end (at most once a day, whoever races).
 */
import { performance } from 'node:perf_hooks';
import type { Kysely } from 'kysely';
import type { RetentionSettings } from '../config/retention-settings.js';
import { LockedError } from '../errors.js';
import type { Store } from './open-store.js';
import { RetentionArchive, type ArchiveRecord } from './retention-archive.js';
import { previewRetention } from './retention-preview.js';
import { retentionCutoffs, type RetentionCutoffs } from './retention-plan.js';
import { countInto, purgeTable, type PurgeContext } from './retention-purge.js';
import { bucketPageRows, deleteBucketPage, nextBucketPage, rollUpHourlyMetrics, rollUpRawMetrics } from './retention-rollup.js';
import { claimDueRun, claimLease, releaseLease, renewLease, retentionOwner, unclaimDueRun } from './retention-state.js';
import { hostRunsSpec, keptHostRuns, keptReports, otherSpecs, runsSpec } from './retention-specs.js';
import type { Database } from './schema.js';

/** What a run did (a dry run: would do). Counts by table name. */
export interface RetentionSummary {
  dryRun: boolean;
  cutoffs: RetentionCutoffs;
  /** Rows written to the archive. */
  archivedRows: Record<string, number>;
  /** Rows deleted (archived first unless retention.archive is false). Raw and hourly metrics are in `rolledUp`. */
  deletedRows: Record<string, number>;
  /** Archive files appended to (a dry run: that would be), absolute paths. */
  archiveFiles: string[];
  /** Raw metric rows merged into hourly rows, and hourly rows merged into daily rows (both deleted). */
  rolledUp: { hourly: number; daily: number };
  durationMs: number;
}

export interface RetentionOptions {
  /** The time of the run: the cutoffs are counted back from it. */
  now: Date;
  /** Count what would be archived, deleted and rolled up; change nothing. */
  dryRun?: boolean;
  /** Non-fatal notes (an archive repaired after a crash). */
  onWarning?: (message: string) => void;
}

type RetentionStore = Pick<Store, 'db' | 'dialect'>;

/**
 * Applies retention now.
 * @throws LockedError when another process is pruning; StoreError (one line) when the archive cannot be written: the
 *   rows not archived are then not deleted.
 */
export async function runRetention(store: RetentionStore, config: { retention: RetentionSettings }, options: RetentionOptions): Promise<RetentionSummary> {
  const started = performance.now();
  const settings = config.retention;
  const summary: RetentionSummary = {
    dryRun: options.dryRun ?? false,
    cutoffs: retentionCutoffs(options.now, settings),
    archivedRows: {},
    deletedRows: {},
    archiveFiles: [],
    rolledUp: { hourly: 0, daily: 0 },
    durationMs: 0,
  };
  if (summary.dryRun) {
    await previewRetention(store.db, settings, summary);
  } else {
    const owner = retentionOwner();
    const clock = () => new Date(options.now.getTime() + (performance.now() - started)).toISOString();
    const holder = await claimLease(store.db, owner, clock());
    if (holder) throw new LockedError(`another retention run is in progress (${holder.owner}, last active ${holder.heartbeatAt})`);
    let completed = false;
    try {
      await applyRetention(store, settings, summary, { onWarning: options.onWarning, heartbeat: () => renewLease(store.db, owner, clock()) });
      completed = true;
    } finally {
      await releaseLease(store.db, owner, completed ? options.now.toISOString() : null);
    }
  }
  summary.durationMs = Math.round(performance.now() - started);
  return summary;
}

/**
 * Runs retention when it is enabled and has not run for 24 hours (remembered in the store); null otherwise, and when
 * another process is pruning. A failed run is given back, so the next pass tries again.
 * @throws what runRetention throws, except LockedError.
 */
export async function runRetentionIfDue(
  store: RetentionStore,
  config: { retention: RetentionSettings },
  options: Omit<RetentionOptions, 'dryRun'>,
): Promise<RetentionSummary | null> {
  if (!config.retention.enabled) return null;
  const at = options.now.toISOString();
  const claim = await claimDueRun(store.db, at);
  if (!claim) return null;
  try {
    return await runRetention(store, config, options);
  } catch (err) {
    if (err instanceof LockedError) return null;
    await unclaimDueRun(store.db, at, claim.previous).catch(() => undefined);
    throw err;
  }
}

async function applyRetention(
  store: RetentionStore,
  settings: RetentionSettings,
  summary: RetentionSummary,
  hooks: { onWarning?: (message: string) => void; heartbeat: () => Promise<void> },
): Promise<void> {
  const { db, dialect } = store;
  const { cutoffs } = summary;
  const archive = settings.archive ? new RetentionArchive(settings.archiveDir, { onWarning: hooks.onWarning }) : null;
  const ctx: PurgeContext = {
    db,
    cutoff: cutoffs.history,
    batchSize: settings.batchSize,
    fullRows: archive !== null,
    dryRun: false,
    archive: async (records) => archive?.append(records),
    count: countInto(summary.deletedRows, archive ? summary.archivedRows : null),
    afterBatch: hooks.heartbeat,
  };
  const rollup = { dialect, batchSize: settings.batchSize, afterBatch: hooks.heartbeat };
  try {
    summary.rolledUp.hourly += await rollUpRawMetrics(db, { ...rollup, cutoff: cutoffs.raw });
    const keep = await keptHostRuns(db);
    for (const { id } of await db.selectFrom('hosts').select('id').orderBy('id').execute()) {
      await purgeTable(ctx, hostRunsSpec(id, keep, { dialect, onRolledUp: (n) => (summary.rolledUp.hourly += n) }));
    }
    await purgeTable(ctx, runsSpec(cutoffs.history));
    summary.rolledUp.daily += await rollUpHourlyMetrics(db, { ...rollup, cutoff: cutoffs.hourly });
    await expireDailyMetrics(db, { ...ctx, cutoff: cutoffs.daily });
    for (const spec of otherSpecs(await keptReports(db))) await purgeTable(ctx, spec);
  } finally {
    summary.archiveFiles = archive?.files ?? [];
  }
}

/** Archives and deletes daily rollups of days before the cutoff, whole days at a time. */
async function expireDailyMetrics(db: Kysely<Database>, ctx: PurgeContext): Promise<void> {
  for (;;) {
    const page = await nextBucketPage(db, 'metrics_daily', ctx.cutoff, ctx.batchSize);
    if (!page) return;
    const rows = await bucketPageRows(db, 'metrics_daily', page);
    await ctx.archive(rows.map((row): ArchiveRecord => ({ table: 'metrics_daily', at: row.bucket, row: { ...row } })));
    await db.transaction().execute((trx) => deleteBucketPage(trx, 'metrics_daily', page));
    ctx.count('metrics_daily', rows.length);
    await ctx.afterBatch?.();
  }
}
