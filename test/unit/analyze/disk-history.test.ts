import {
  diskDeltas,
  HISTORY_MAX_AGE_MS,
  MAX_MOUNTS,
  readDiskHistory,
  updateDiskHistory,
  type DiskHistory,
} from '../../../src/analyze/disk-history.js';
import type { DiskUsage } from '../../../src/types.js';

const GiB = 1024 ** 3;
const HOUR = 3600_000;
const DAY = 24 * HOUR;
const START = Date.parse('2026-11-01T00:17:00Z');

const disk = (mount: string, usedBytes: number, sizeBytes = 100 * GiB, extra: Partial<DiskUsage> = {}): DiskUsage => ({
  mount,
  filesystem: '/dev/sda1',
  sizeBytes,
  usedBytes,
  availBytes: sizeBytes - usedBytes,
  usedPercent: (usedBytes / sizeBytes) * 100,
  ...extra,
});

/** Passes every `everyMs` for `forMs`, usage given per pass time; returns the stored history and the last pass time. */
function simulate(forMs: number, everyMs: number, disksAt: (t: number) => DiskUsage[]): { history: DiskHistory; now: Date } {
  let history: unknown = null;
  let t = START;
  for (; t <= START + forMs; t += everyMs) history = JSON.parse(JSON.stringify(updateDiskHistory(history, disksAt(t), new Date(t))));
  return { history: history as DiskHistory, now: new Date(t - everyMs) };
}

describe('updateDiskHistory', () => {
  it('treats a missing or corrupt baseline as empty and keeps only valid samples', () => {
    const now = new Date(START);
    for (const bad of [null, undefined, 'x', 42, [], { mounts: 5 }, { mounts: [] }]) {
      expect(updateDiskHistory(bad, [disk('/', GiB)], now).mounts['/']).toEqual([{ at: now.toISOString(), usedBytes: GiB, sizeBytes: 100 * GiB }]);
    }
    const earlier = new Date(START - HOUR).toISOString();
    const mixed = {
      mounts: {
        '/': [{ at: 'yesterday', usedBytes: 1, sizeBytes: 1 }, { at: earlier, usedBytes: -5, sizeBytes: 1 }, { at: earlier, usedBytes: 7, sizeBytes: 100 * GiB, extra: 1 }],
        relative: [{ at: earlier, usedBytes: 1, sizeBytes: 1 }],
      },
    };
    const history = updateDiskHistory(mixed, [disk('/', GiB)], now);
    expect(Object.keys(history.mounts)).toEqual(['/']);
    expect(history.mounts['/']).toEqual([
      { at: earlier, usedBytes: 7, sizeBytes: 100 * GiB },
      { at: now.toISOString(), usedBytes: GiB, sizeBytes: 100 * GiB },
    ]);
  });

  it('does not record read-only images and pseudo filesystems', () => {
    const disks = [disk('/', GiB), disk('/snap/core/1', 1, 1, { filesystem: '/dev/loop0' }), disk('/proc', 0, 0)];
    expect(Object.keys(updateDiskHistory(null, disks, new Date(START)).mounts)).toEqual(['/']);
  });

  it('stays bounded at any pass frequency: one sample per bucket, nothing older than 8 days, the two newest kept', () => {
    for (const everyMs of [60_000, 10 * 60_000, HOUR]) {
      const { history, now } = simulate(9 * DAY, everyMs, (t) => [disk('/', ((t - START) / DAY) * GiB)]);
      const samples = history.mounts['/'] ?? [];
      expect(samples.length).toBeLessThanOrEqual(100);
      expect(now.getTime() - Date.parse(samples[0]?.at ?? '')).toBeLessThanOrEqual(HISTORY_MAX_AGE_MS);
      expect(samples.at(-1)?.at).toBe(now.toISOString());
      expect(samples.at(-2)?.at).toBe(new Date(now.getTime() - everyMs).toISOString());
      const times = samples.map((s) => Date.parse(s.at));
      expect([...times].sort((a, b) => a - b)).toEqual(times);
    }
  });

  it('drops samples from the future (a clock that went back) and caps the number of mounts, current ones first', () => {
    const future = { mounts: { '/': [{ at: new Date(START + DAY).toISOString(), usedBytes: 9, sizeBytes: 100 * GiB }] } };
    expect(updateDiskHistory(future, [disk('/', GiB)], new Date(START)).mounts['/']).toHaveLength(1);
    const old = updateDiskHistory(null, Array.from({ length: MAX_MOUNTS }, (_, i) => disk(`/old${i}`, GiB)), new Date(START - HOUR));
    const history = updateDiskHistory(old, [disk('/new', GiB)], new Date(START));
    expect(Object.keys(history.mounts)).toHaveLength(MAX_MOUNTS);
    expect(history.mounts['/new']).toBeDefined();
  });
});

describe('diskDeltas', () => {
  it('gives the change since the last pass, over about 24 h and 7 d, with the actual spans and a projection', () => {
    // Hourly passes for 8 days, 1 GiB a day on a 100 GiB disk.
    const { history, now } = simulate(8 * DAY, HOUR, (t) => [disk('/', 10 * GiB + ((t - START) / DAY) * GiB)]);
    const [delta] = diskDeltas(history, [disk('/', 10 * GiB + 8 * GiB)], now);
    expect(delta?.isResized).toBe(false);
    expect(delta?.sinceLastPass).toMatchObject({ spanSeconds: 3600 });
    expect(delta?.sinceLastPass?.deltaBytes).toBeCloseTo(GiB / 24, -3);
    expect(delta?.day?.spanSeconds).toBeGreaterThanOrEqual(0.9 * 86400);
    expect(delta?.day?.spanSeconds).toBeLessThanOrEqual(25 * 3600);
    expect(delta?.day?.bytesPerDay).toBeCloseTo(GiB, -3);
    expect(delta?.week?.spanSeconds).toBeGreaterThanOrEqual(0.9 * 7 * 86400);
    expect(delta?.week?.spanSeconds).toBeLessThanOrEqual(7 * 86400 + 6 * 3600);
    expect(delta?.week?.bytesPerDay).toBeCloseTo(GiB, -3);
    // 82 GiB free at 1 GiB a day.
    expect(delta?.day?.daysToFull).toBeCloseTo(82, 1);
  });

  it('is the same before and after this pass is added to the history', () => {
    const { history, now } = simulate(2 * DAY, HOUR, (t) => [disk('/', 10 * GiB + ((t - START) / DAY) * GiB)]);
    const next = new Date(now.getTime() + HOUR);
    const disks = [disk('/', 12 * GiB + GiB / 24)];
    expect(diskDeltas(updateDiskHistory(history, disks, next), disks, next)).toEqual(diskDeltas(history, disks, next));
  });

  it('has no 7 d value for a short history, no 24 h value across a long gap, and no projection when not growing', () => {
    const { history, now } = simulate(2 * DAY, HOUR, () => [disk('/', 10 * GiB)]);
    const [flat] = diskDeltas(history, [disk('/', 10 * GiB)], now);
    expect(flat?.week).toBeNull();
    expect(flat?.day).toMatchObject({ deltaBytes: 0, daysToFull: null });
    const later = new Date(now.getTime() + 3 * DAY);
    const [gap] = diskDeltas(history, [disk('/', 9 * GiB)], later);
    expect(gap?.day).toBeNull();
    expect(gap?.sinceLastPass).toMatchObject({ spanSeconds: 3 * 86400, deltaBytes: -GiB, daysToFull: null });
    expect(diskDeltas(readDiskHistory(null), [disk('/', GiB)], now)[0]).toMatchObject({ sinceLastPass: null, day: null, week: null, isResized: false });
  });

  it('never compares across a resize, but tolerates the small size drift of ZFS and btrfs', () => {
    const { history, now } = simulate(2 * DAY, HOUR, () => [disk('/data', 40 * GiB, 50 * GiB)]);
    const [resized] = diskDeltas(history, [disk('/data', 45 * GiB, 100 * GiB)], now);
    expect(resized).toMatchObject({ isResized: true, sinceLastPass: null, day: null, week: null });
    const [drift] = diskDeltas(history, [disk('/data', 41 * GiB, 51 * GiB)], now);
    expect(drift?.isResized).toBe(false);
    expect(drift?.sinceLastPass?.deltaBytes).toBe(GiB);
  });
});
