import type { DiskUsage } from '../types.js';
import { isAlwaysFullMount } from './resources.js';

/** One mount's usage at one pass. */
export interface DiskSample {
  at: string;
  usedBytes: number;
  sizeBytes: number;
}

/** The `disk_history` baseline: per mount, thinned samples of the last 8 days, oldest first. */
export interface DiskHistory {
  mounts: Record<string, DiskSample[]>;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** Samples older than this are dropped: the longest window asked about is 7 days, plus room to find its start. */
export const HISTORY_MAX_AGE_MS = 8 * DAY_MS;
/** Hard bounds on the stored JSON, whatever the pass frequency or the number of mounts. */
export const MAX_SAMPLES_PER_MOUNT = 200;
export const MAX_MOUNTS = 64;

/**
 * Thinning tiers by age: one sample per 5 minutes in the last hour, per hour in the last two days, per 6 hours
 * after that. Buckets are aligned to the clock and keep their oldest sample, so a kept sample stays kept as it ages.
 */
const TIERS: ReadonlyArray<{ maxAgeMs: number; bucketMs: number }> = [
  { maxAgeMs: HOUR_MS, bucketMs: 5 * MINUTE_MS },
  { maxAgeMs: 2 * DAY_MS, bucketMs: HOUR_MS },
  { maxAgeMs: Infinity, bucketMs: 6 * HOUR_MS },
];

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/**
 * The stored history read back defensively: anything that is not the shape we write (an old version, a hand edit, a
 * truncated row) is dropped sample by sample, and a baseline that is not an object at all counts as empty, so a bad
 * row costs at most some history and never the pass.
 */
export function readDiskHistory(value: unknown): DiskHistory {
  const mounts: Record<string, DiskSample[]> = {};
  const raw = typeof value === 'object' && value !== null ? (value as { mounts?: unknown }).mounts : undefined;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { mounts };
  for (const [mount, samples] of Object.entries(raw)) {
    if (!mount.startsWith('/') || !Array.isArray(samples)) continue;
    const valid = samples.filter(
      (s): s is DiskSample =>
        typeof s === 'object' &&
        s !== null &&
        typeof s.at === 'string' &&
        !Number.isNaN(Date.parse(s.at)) &&
        isCount(s.usedBytes) &&
        isCount(s.sizeBytes),
    );
    if (valid.length > 0) mounts[mount] = valid.map((s) => ({ at: s.at, usedBytes: s.usedBytes, sizeBytes: s.sizeBytes }));
  }
  return { mounts };
}

/**
 * The history after this pass: the stored one (validated, see readDiskHistory) plus one sample per mount of `disks`,
 * thinned and aged out. Read-only images and pseudo filesystems are not recorded (an Ubuntu host has dozens of snap
 * mounts). Mounts that are gone keep their samples until they age out, unless the mount cap needs the room.
 */
export function updateDiskHistory(previous: unknown, disks: readonly DiskUsage[], now: Date): DiskHistory {
  const nowMs = now.getTime();
  const at = now.toISOString();
  const mounts = readDiskHistory(previous).mounts;
  const current = new Set<string>();
  for (const disk of disks) {
    if (isAlwaysFullMount(disk) || current.has(disk.mount)) continue;
    current.add(disk.mount);
    const samples = (mounts[disk.mount] ?? []).filter((s) => s.at !== at);
    samples.push({ at, usedBytes: disk.usedBytes, sizeBytes: disk.sizeBytes });
    mounts[disk.mount] = samples;
  }
  const kept: Array<[string, DiskSample[]]> = [];
  for (const [mount, samples] of Object.entries(mounts)) {
    const thinned = thin(samples, nowMs);
    if (thinned.length > 0) kept.push([mount, thinned]);
  }
  // Over the cap, mounts seen in this pass go first, then the most recently seen.
  const newest = (samples: DiskSample[]): number => Date.parse((samples[samples.length - 1] as DiskSample).at);
  kept.sort(([a, sa], [b, sb]) => Number(current.has(b)) - Number(current.has(a)) || newest(sb) - newest(sa));
  return { mounts: Object.fromEntries(kept.slice(0, MAX_MOUNTS)) };
}

/** Sorted, without samples from the future (a clock that went back) or past the maximum age, one per bucket. */
function thin(samples: readonly DiskSample[], nowMs: number): DiskSample[] {
  const inRange = samples
    .map((s) => ({ s, t: Date.parse(s.at) }))
    .filter(({ t }) => t <= nowMs && nowMs - t <= HISTORY_MAX_AGE_MS)
    .sort((a, b) => a.t - b.t);
  // The two newest stay whatever their bucket: this pass, and the last pass that the next deltas compare with.
  const newest = new Set(inRange.slice(-2));
  const buckets = new Set<string>();
  const kept: DiskSample[] = [];
  for (const entry of inRange) {
    const tier = TIERS.find((t) => nowMs - entry.t < t.maxAgeMs) as (typeof TIERS)[number];
    const bucket = `${tier.bucketMs}:${Math.floor(entry.t / tier.bucketMs)}`;
    if (buckets.has(bucket) && !newest.has(entry)) continue;
    buckets.add(bucket);
    kept.push(entry.s);
  }
  return kept.slice(-MAX_SAMPLES_PER_MOUNT);
}

/** Usage change of one mount over one window. */
export interface WindowDelta {
  /** When the sample compared with was taken. */
  from: string;
  /** The actual span (a window is never exactly 24 h or 7 d: passes run when they run). */
  spanSeconds: number;
  /** Negative when the mount shrank. */
  deltaBytes: number;
  bytesPerDay: number;
  /** Days until the available space is used up at `bytesPerDay`; null when not growing. */
  daysToFull: number | null;
}

/** Where a mount stands against its history. */
export interface MountDelta {
  mount: string;
  sizeBytes: number;
  usedBytes: number;
  availBytes: number;
  usedPercent: number;
  /** The size changed by more than RESIZE_SHARE since the last pass: a resized or replaced filesystem. */
  isResized: boolean;
  sinceLastPass: WindowDelta | null;
  day: WindowDelta | null;
  week: WindowDelta | null;
}

/** A size change beyond this share is a different filesystem, not growth (ZFS/btrfs sizes drift a little). */
export const RESIZE_SHARE = 0.1;
/** A window starts at the sample closest to the window's age, at least this share of it and at most twice it. */
const WINDOW_SLACK = 0.9;

/**
 * Per mount of `disks`: the change since the last pass, over about 24 h and over about 7 d (null when the history
 * does not reach back that far), each with its actual span, rate and days-to-full. Only samples taken before `now`
 * count, so the history may be given before or after updateDiskHistory added this pass. Samples from before a
 * resize are never compared with: a mount that was grown or replaced did not "grow".
 */
export function diskDeltas(history: DiskHistory, disks: readonly DiskUsage[], now: Date): MountDelta[] {
  const nowMs = now.getTime();
  const deltas: MountDelta[] = [];
  for (const disk of disks) {
    if (isAlwaysFullMount(disk)) continue;
    const earlier = (history.mounts[disk.mount] ?? []).filter((s) => Date.parse(s.at) < nowMs);
    const comparable: DiskSample[] = [];
    for (let i = earlier.length - 1; i >= 0 && isSameSize(earlier[i] as DiskSample, disk); i--) comparable.unshift(earlier[i] as DiskSample);
    const window = (ms: number): WindowDelta | null => {
      const ageOff = (s: DiskSample): number => Math.abs(nowMs - Date.parse(s.at) - ms);
      const starts = comparable.filter((s) => nowMs - Date.parse(s.at) >= WINDOW_SLACK * ms && nowMs - Date.parse(s.at) <= 2 * ms);
      const start = starts.sort((a, b) => ageOff(a) - ageOff(b))[0];
      return start ? windowDelta(start, disk, nowMs) : null;
    };
    const last = comparable[comparable.length - 1];
    deltas.push({
      mount: disk.mount,
      sizeBytes: disk.sizeBytes,
      usedBytes: disk.usedBytes,
      availBytes: disk.availBytes,
      usedPercent: disk.usedPercent,
      isResized: earlier.length > 0 && comparable.length === 0,
      sinceLastPass: last ? windowDelta(last, disk, nowMs) : null,
      day: window(DAY_MS),
      week: window(7 * DAY_MS),
    });
  }
  return deltas;
}

function isSameSize(sample: DiskSample, disk: DiskUsage): boolean {
  return Math.abs(sample.sizeBytes - disk.sizeBytes) <= RESIZE_SHARE * Math.max(sample.sizeBytes, disk.sizeBytes);
}

function windowDelta(start: DiskSample, disk: DiskUsage, nowMs: number): WindowDelta {
  const spanSeconds = Math.max(1, Math.round((nowMs - Date.parse(start.at)) / 1000));
  const deltaBytes = disk.usedBytes - start.usedBytes;
  const bytesPerDay = (deltaBytes / spanSeconds) * 86400;
  return {
    from: start.at,
    spanSeconds,
    deltaBytes,
    bytesPerDay,
    daysToFull: bytesPerDay > 0 ? Math.max(0, disk.availBytes) / bytesPerDay : null,
  };
}
