/**
 * The time arithmetic of retention, pure: the cutoffs of one run and the hour, day and month a stored time falls in.
 * Every stored time is ISO-8601 UTC text (`2026-01-02T03:04:05.678Z`), so buckets are prefixes of it.
 */
import type { RetentionSettings } from '../config/retention-settings.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** The boundaries of one retention run, ISO text; rows strictly before a boundary are processed. */
export interface RetentionCutoffs {
  /** Runs, host runs, audit rows, ... older than this are archived and deleted: `now - days`. */
  history: string;
  /** Raw metric rows collected before this hour start are rolled up into hourly rows: `now - raw`, to the hour. */
  raw: string;
  /** Hourly rows of hours before this day start are rolled up into daily rows: `now - hourly`, to the day. */
  hourly: string;
  /** Daily rows of days before this day start are archived and deleted: `now - daily`, to the day. */
  daily: string;
}

/** The cutoffs of a run at `now`. The metric ones are rounded down, so only whole hours and days are rolled up. */
export function retentionCutoffs(now: Date, settings: RetentionSettings): RetentionCutoffs {
  const at = now.getTime();
  const floor = (ms: number, unit: number) => new Date(Math.floor(ms / unit) * unit).toISOString();
  return {
    history: new Date(at - settings.days * DAY_MS).toISOString(),
    raw: floor(at - settings.rawMetricsSeconds * 1000, HOUR_MS),
    hourly: floor(at - settings.hourlyMetricsSeconds * 1000, DAY_MS),
    daily: floor(at - settings.dailyMetricsSeconds * 1000, DAY_MS),
  };
}

/** `2026-01-02T03:04:05.678Z` -> `2026-01-02T03:00:00.000Z`. */
export function hourBucket(iso: string): string {
  return `${iso.slice(0, 13)}:00:00.000Z`;
}

/** `2026-01-02T03:04:05.678Z` -> `2026-01-02T00:00:00.000Z`. */
export function dayBucket(iso: string): string {
  return `${iso.slice(0, 10)}T00:00:00.000Z`;
}

/** The archive file a row of this time goes to: `2026-01`. A time that is not ISO text goes to `undated`. */
export function archiveMonth(iso: string | null): string {
  return iso !== null && /^\d{4}-\d{2}/.test(iso) ? iso.slice(0, 7) : 'undated';
}
