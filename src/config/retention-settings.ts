/** Normalizes the `retention` section into RetentionSettings (absolute archive directory, seconds). */
import path from 'node:path';
import { resolveConfigPath } from './paths.js';
import type { ConfigDocument } from './schema.js';
import { RETENTION_DEFAULTS } from './schema-retention.js';
import type { StoreSettings } from './types.js';

/** What retention keeps, and where it archives (docs/retention.md). */
export interface RetentionSettings {
  /** Prune automatically after passes (at most once a day); `db prune` prunes either way. */
  enabled: boolean;
  /** Days of history (runs, host runs and what hangs off them, audit rows, ...). */
  days: number;
  /** Archive rows before deleting them. */
  archive: boolean;
  /** Absolute directory of the `YYYY-MM.jsonl.gz` files. */
  archiveDir: string;
  /** Rows per batch (one transaction each). */
  batchSize: number;
  rawMetricsSeconds: number;
  hourlyMetricsSeconds: number;
  dailyMetricsSeconds: number;
}

/**
 * The directory the store's data lives in: the SQLite file's directory, or the config's for PostgreSQL (and for an
 * in-memory SQLite store).
 */
export function storeDataDir(store: StoreSettings, configDir: string): string {
  return store.dialect === 'sqlite' && store.path !== ':memory:' ? path.dirname(store.path) : configDir;
}

/** The defaults, archiving into `<dataDir>/archive`. */
export function defaultRetentionSettings(dataDir: string): RetentionSettings {
  return {
    enabled: true,
    days: RETENTION_DEFAULTS.days,
    archive: true,
    archiveDir: path.join(dataDir, 'archive'),
    batchSize: RETENTION_DEFAULTS.batchSize,
    rawMetricsSeconds: RETENTION_DEFAULTS.rawSeconds,
    hourlyMetricsSeconds: RETENTION_DEFAULTS.hourlySeconds,
    dailyMetricsSeconds: RETENTION_DEFAULTS.dailySeconds,
  };
}

/** Resolves the validated section; `archive_dir` is relative to the config directory. */
export function resolveRetentionSettings(doc: ConfigDocument, configDir: string, homeDir: string, store: StoreSettings): RetentionSettings {
  const r = doc.retention;
  return {
    enabled: r.enabled,
    days: r.days,
    archive: r.archive,
    archiveDir: r.archive_dir !== undefined ? resolveConfigPath(configDir, r.archive_dir, homeDir) : path.join(storeDataDir(store, configDir), 'archive'),
    batchSize: r.batch_size,
    rawMetricsSeconds: r.metrics.raw,
    hourlyMetricsSeconds: r.metrics.hourly,
    dailyMetricsSeconds: r.metrics.daily,
  };
}
