import path from 'node:path';
import { findConfigPath } from '../../config/find-config.js';
import { loadConfig } from '../../config/load.js';
import { StoreError } from '../../errors.js';
import { migrateToLatest, migrationStatus } from '../../store/migrate.js';
import { openStore } from '../../store/open-store.js';
import { runRetention, type RetentionSummary } from '../../store/retention.js';
import { createOutput } from '../output.js';
import type { GlobalOptions } from '../program.js';

export interface DbPruneOptions extends GlobalOptions {
  dryRun: boolean;
}

/**
 * `dthostmon db prune [--dry-run]`: applies retention now (docs/retention.md) and says what it archived, deleted and
 * rolled up; with --dry-run, what it would, changing nothing (not even the schema: a store with pending migrations
 * is refused). Exit 0, 3 when the store or the archive cannot be written, 4 when another process is pruning.
 */
export async function dbPrune(options: DbPruneOptions): Promise<number> {
  const out = createOutput(options);
  const config = await loadConfig(findConfigPath(options.config, options.io.env, options.io.cwd), { env: options.io.env });
  const store = await openStore(config.store);
  try {
    if (options.dryRun) {
      const { pending } = await migrationStatus(store.db);
      if (pending.length > 0) throw new StoreError(`${store.describe}: ${pending.length} pending migrations; run \`dthostmon db migrate\` before a dry run`);
    } else {
      await migrateToLatest(store.db);
    }
    const summary = await runRetention(store, config, { now: new Date(), dryRun: options.dryRun, onWarning: (message) => out.err(message) });
    if (options.json) out.out(JSON.stringify({ store: store.describe, ...summary }));
    else if (!options.quiet) out.out(describe(store.describe, config.retention.days, summary));
    return 0;
  } finally {
    await store.close();
  }
}

const count = (n: number) => n.toLocaleString('en-US');

function byTable(counts: Record<string, number>): string {
  return Object.entries(counts)
    .map(([table, n]) => `${table} ${count(n)}`)
    .join(', ');
}

/** The text report: one line per kind of work, `would` on a dry run. */
function describe(store: string, days: number, s: RetentionSummary): string {
  const would = s.dryRun ? 'would ' : '';
  const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
  const lines = [`${store}: history before ${s.cutoffs.history} (retention.days ${days})${s.dryRun ? ', dry run: nothing changed' : ''}`];
  if (s.archiveFiles.length > 0) {
    const dir = path.dirname(s.archiveFiles[0] as string);
    const names = s.archiveFiles.map((f) => path.basename(f));
    const files = names.length > 3 ? `${names[0]} .. ${names[names.length - 1]} (${names.length} files)` : names.join(', ');
    lines.push(`  ${would}archive ${count(total(s.archivedRows))} rows to ${dir}: ${files}`);
  }
  if (total(s.deletedRows) > 0) lines.push(`  ${would}delete ${count(total(s.deletedRows))} rows: ${byTable(s.deletedRows)}`);
  if (s.rolledUp.hourly + s.rolledUp.daily > 0) {
    lines.push(`  ${would}roll up ${count(s.rolledUp.hourly)} raw metric rows into hourly rows, ${count(s.rolledUp.daily)} hourly rows into daily rows`);
  }
  if (lines.length === 1) lines.push('  nothing to prune');
  lines.push(`  took ${(s.durationMs / 1000).toFixed(1)} s`);
  return lines.join('\n');
}
