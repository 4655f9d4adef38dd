/**
 * The `retention` section (docs/retention.md): how long the store keeps history, where expired rows are archived, and
 * how long metrics stay raw, hourly and daily. Applied by src/store/retention.ts after a pass (once a day) and by
 * `dthostmon db prune`.
 */
import { z } from 'zod';
import { boolean, duration, integer, nonEmptyText } from './schema-primitives.js';

const DAY_SECONDS = 86_400;

/** Defaults, also used when a caller has no loaded config (tests, benchmarks). */
export const RETENTION_DEFAULTS = {
  days: 90,
  rawSeconds: 7 * DAY_SECONDS,
  hourlySeconds: 90 * DAY_SECONDS,
  dailySeconds: 730 * DAY_SECONDS,
  batchSize: 1000,
} as const;

const metricsRetentionSchema = z
  .strictObject({
    raw: duration(3600)
      .default(RETENTION_DEFAULTS.rawSeconds)
      .describe('How long each pass\'s metric values are kept as they are ("7d"); older ones are rolled up into hourly min/max/average. Default 7d.'),
    hourly: duration(3600)
      .default(RETENTION_DEFAULTS.hourlySeconds)
      .describe('How long hourly rollups are kept ("90d"); older ones are rolled up into daily ones. At least raw. Default 90d.'),
    daily: duration(DAY_SECONDS)
      .default(RETENTION_DEFAULTS.dailySeconds)
      .describe('How long daily rollups are kept ("730d" = 2 years); older ones are archived and deleted. At least hourly. Default 730d.'),
  })
  .superRefine((m, ctx) => {
    if (m.hourly < m.raw) ctx.addIssue({ code: 'custom', path: ['hourly'], message: 'must be at least as long as metrics.raw' });
    if (m.daily < m.hourly) ctx.addIssue({ code: 'custom', path: ['daily'], message: 'must be at least as long as metrics.hourly' });
  })
  .describe('Metrics downsampling: raw, then hourly, then daily.');

export const retentionSchema = z
  .strictObject({
    enabled: boolean()
      .default(true)
      .describe('Prune automatically after a pass, at most once a day. false: keep everything (`dthostmon db prune` still prunes when asked). Default true.'),
    days: integer(1, 36_500)
      .default(RETENTION_DEFAULTS.days)
      .describe(
        'Days of history kept: passes, host runs and their findings, changes, metrics sources and AI analyses, AI calls, sent and dead-lettered messages, reports sent, resolved finding states, audit rows. The latest run of each host is always kept. Default 90.',
      ),
    archive: boolean()
      .default(true)
      .describe('Write expired rows to archive_dir/YYYY-MM.jsonl.gz before deleting them. false: delete without archive. Default true.'),
    archive_dir: nonEmptyText()
      .optional()
      .describe('Archive directory, relative to the config directory. Default "archive" beside the SQLite file (PostgreSQL: beside the config).'),
    batch_size: integer(100, 50_000)
      .default(RETENTION_DEFAULTS.batchSize)
      .describe('Rows archived and deleted per transaction, so a big prune never holds one long lock. Default 1000.'),
    metrics: metricsRetentionSchema.prefault({}),
  })
  .describe('How long history is kept, and where older rows are archived (docs/retention.md).');
