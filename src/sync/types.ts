/** Data shared by the sync-config stages: where values came from and what was noticed on the way. */

/** Where a synced value came from: a file of the sites dir, its line, and the DTHM variable when it was one. */
export interface Origin {
  file: string;
  line?: number;
  variable?: string;
}

/**
 * One source of a site or host entry: a dthm YAML file, the DTHM_* lines of an env file, or the existing entry.
 * `origins` is keyed by the config path of each value inside the entry (`port`, `monitoring.check_disk`).
 */
export interface Layer {
  data: Record<string, unknown>;
  origins: Map<string, Origin>;
}

/** A `${VAR}` that was not set at sync time: written as `${VAR}` and resolved when dthostmon runs. */
export interface UnresolvedVariable {
  file: string;
  line?: number;
  /** The key or variable whose value holds the reference (`logs`, `DTHM_HOST_KEY_PATH`). */
  key: string;
  name: string;
}

/** What sync noticed while reading the sites dir: errors stop the write, the rest is reported. */
export interface SyncLog {
  errors: string[];
  warnings: string[];
  unresolved: UnresolvedVariable[];
  /** `--debug`: which file was read and what it contributed. */
  debug: string[];
}

export function emptyLog(): SyncLog {
  return { errors: [], warnings: [], unresolved: [], debug: [] };
}

/** `file:line` (or just the file) for messages. */
export function where(origin: Origin): string {
  return origin.line !== undefined ? `${origin.file}:${origin.line}` : origin.file;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
