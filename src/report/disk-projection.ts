import { MIN_TREND_BYTES } from '../analyze/disk-growth.js';
import { RESIZE_SHARE } from '../analyze/disk-history.js';

/** One point of a mount's usage trend. */
export interface UsageSample {
  at: string;
  usedBytes: number;
  sizeBytes: number;
}

/** Where a mount's trend leads. */
export interface DiskProjection {
  /** Least-squares growth rate over the trend (negative when the mount shrinks). */
  bytesPerDay: number;
  /** How many days the trend covers. */
  trendDays: number;
  /** Days until the free space is used up at `bytesPerDay`; null unless the mount is really growing. */
  daysToFull: number | null;
}

const DAY_MS = 86_400_000;
/** A trend shorter than this projects nothing: two passes minutes apart measure churn, not growth. */
export const MIN_TREND_SPAN_DAYS = 1 / 24;

/**
 * Projects when a mount fills up from its usage samples: the least-squares slope of used bytes over time, over the
 * samples since the mount last changed size (a grown or replaced filesystem did not "grow"). Only a trend that
 * spans an hour and adds at least MIN_TREND_BYTES counts as growing (a nearly full mount's churn is not a trend);
 * otherwise `daysToFull` is null. Null when fewer than two comparable samples exist. Pure.
 * @param availBytes the free space now, as df counts it (reserved blocks excluded).
 */
export function projectDiskFull(samples: readonly UsageSample[], availBytes: number): DiskProjection | null {
  const points = samples
    .map((s) => ({ t: Date.parse(s.at), used: s.usedBytes, size: s.sizeBytes }))
    .filter((p) => Number.isFinite(p.t) && Number.isFinite(p.used) && Number.isFinite(p.size))
    .sort((a, b) => a.t - b.t);
  const last = points[points.length - 1];
  if (!last) return null;
  let first = points.length - 1;
  while (first > 0 && isSameSize((points[first - 1] as (typeof points)[number]).size, last.size)) first -= 1;
  const comparable = points.slice(first);
  const start = comparable[0] as (typeof points)[number];
  const trendDays = (last.t - start.t) / DAY_MS;
  if (comparable.length < 2 || trendDays < MIN_TREND_SPAN_DAYS) return null;
  const xs = comparable.map((p) => (p.t - start.t) / DAY_MS);
  const meanX = xs.reduce((sum, x) => sum + x, 0) / xs.length;
  const meanY = comparable.reduce((sum, p) => sum + p.used, 0) / comparable.length;
  let covariance = 0;
  let variance = 0;
  comparable.forEach((p, i) => {
    const dx = (xs[i] as number) - meanX;
    covariance += dx * (p.used - meanY);
    variance += dx * dx;
  });
  const bytesPerDay = covariance / variance;
  const isGrowing = bytesPerDay > 0 && bytesPerDay * trendDays >= MIN_TREND_BYTES;
  return { bytesPerDay, trendDays, daysToFull: isGrowing ? Math.max(0, availBytes) / bytesPerDay : null };
}

function isSameSize(a: number, b: number): boolean {
  return Math.abs(a - b) <= RESIZE_SHARE * Math.max(a, b);
}

/**
 * The free space of a mount from its stored metrics. df's percent is `used / (used + avail)`, so the free space it
 * counts (without the blocks reserved for root) follows from used bytes and percent; `size - used` would include the
 * reserved blocks and project a later "full" than the one users hit.
 */
export function availFromPercent(usedBytes: number, sizeBytes: number, usedPercent: number): number {
  if (usedPercent > 0 && usedPercent < 100 && usedBytes > 0) return (usedBytes * (100 - usedPercent)) / usedPercent;
  if (usedPercent >= 100) return 0;
  return Math.max(0, sizeBytes - usedBytes);
}
