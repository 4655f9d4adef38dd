import {
  DISK_GROWTH_DEFAULTS,
  diskGrowthFindings,
  mountsToInspect,
  stepBytesFor,
  type DiskGrowthOptions,
  type DuInspection,
} from '../../../src/analyze/disk-growth.js';
import { diskDeltas, updateDiskHistory, type DiskHistory } from '../../../src/analyze/disk-history.js';
import type { DuResult } from '../../../src/collect/du.js';
import type { DiskUsage } from '../../../src/types.js';

const GiB = 1024 ** 3;
const GiBk = 1024 * 1024;
const HOUR = 3600_000;
const START = Date.parse('2026-11-01T00:17:00Z');

const disk = (mount: string, usedBytes: number, sizeBytes = 100 * GiB): DiskUsage => ({
  mount,
  filesystem: '/dev/sda1',
  sizeBytes,
  usedBytes,
  availBytes: sizeBytes - usedBytes,
  usedPercent: (usedBytes / sizeBytes) * 100,
});

/** The stored history after hourly passes from START for `hours` hours with usage `usedAt(hour)`, and the next pass time. */
function passes(hours: number, usedAt: (hour: number) => DiskUsage[]): { history: DiskHistory; now: Date } {
  let history: unknown = null;
  for (let h = 0; h < hours; h++) history = updateDiskHistory(history, usedAt(h), new Date(START + h * HOUR));
  return { history: history as DiskHistory, now: new Date(START + hours * HOUR) };
}

/** The findings of the pass after `hours` hourly passes. */
function findingsAt(hours: number, usedAt: (hour: number) => DiskUsage[], options: DiskGrowthOptions = DISK_GROWTH_DEFAULTS, du: DuInspection | null = null) {
  const { history, now } = passes(hours, usedAt);
  const disks = usedAt(hours);
  return diskGrowthFindings(diskDeltas(updateDiskHistory(history, disks, now), disks, now), options, du);
}

const duResult = (mount: string, dirs: Array<[string, number]>, extra: Partial<DuResult> = {}): DuResult => ({
  mount,
  depth: 2,
  cap: 200,
  dirs: dirs.map(([path, kb]) => ({ path, kb })),
  complete: true,
  exitCode: 0,
  error: null,
  ...extra,
});

describe('stepBytesFor', () => {
  it('is the size step, the percent of the mount, the larger of both, or never', () => {
    expect(stepBytesFor(100 * GiB, DISK_GROWTH_DEFAULTS)).toBe(GiB);
    expect(stepBytesFor(10 * GiB, { stepBytes: null, stepPercent: 5, fullWithinDays: 7 })).toBe(GiB / 2);
    expect(stepBytesFor(100 * GiB, { stepBytes: GiB, stepPercent: 5, fullWithinDays: 7 })).toBe(5 * GiB);
    expect(stepBytesFor(100 * GiB, { stepBytes: null, stepPercent: null, fullWithinDays: 7 })).toBe(Infinity);
  });
});

describe('diskGrowthFindings', () => {
  it('says nothing on a quiet host, on a shrinking mount, or on slow growth far from full', () => {
    expect(findingsAt(48, () => [disk('/', 20 * GiB), disk('/var', 5 * GiB)])).toEqual([]);
    expect(findingsAt(48, (h) => [disk('/', 60 * GiB - h * 0.5 * GiB)])).toEqual([]);
    // 1 GiB a day with 70 GiB free: 70 days to full.
    expect(findingsAt(8 * 24, (h) => [disk('/', 20 * GiB + (h / 24) * GiB)])).toEqual([]);
  });

  it('warns when a mount grew by a step since the last pass, with the numbers as evidence', () => {
    const findings = findingsAt(48, (h) => [disk('/', 20 * GiB), disk('/var', h < 48 ? 10 * GiB : 12 * GiB)]);
    expect(findings).toHaveLength(1);
    const [f] = findings;
    expect(f).toMatchObject({
      category: 'disk.growth',
      severity: 'warn',
      ruleId: 'change.disk_growth',
      key: 'disk.growth:/var',
      subject: '/var',
      count: 1,
    });
    expect(f?.title).toBe('Disk /var grew 2 GiB in 1 h (since the last pass), full in ~44 h at this rate');
    expect(f?.evidence[0]).toEqual({
      source: 'facts:df',
      values: expect.objectContaining({
        mount: '/var',
        usedBytes: 12 * GiB,
        lastPassDeltaBytes: 2 * GiB,
        lastPassSpanSeconds: 3600,
        dayDeltaBytes: 2 * GiB,
        stepBytes: GiB,
        daysToFull: 1.8,
      }),
    });
    expect(f?.recommendation).toContain('/var');
  });

  it('is critical when the rate that raised it fills the mount within a day', () => {
    const [f] = findingsAt(24, (h) => [disk('/srv', h < 24 ? 80 * GiB : 90 * GiB)]);
    expect(f).toMatchObject({ severity: 'crit', subject: '/srv' });
    expect(f?.title).toContain('full in ~1 h');
  });

  it('warns on a 24 h trend that fills the mount within full_within_days, though no pass made a step', () => {
    // 3 GiB a day (0.125 GiB an hour), 88 GiB used of 100 at the last pass: 12 GiB free, 4 days.
    const [f] = findingsAt(30, (h) => [disk('/', 85 * GiB - 6 * 0.125 * GiB + h * 0.125 * GiB)]);
    expect(f).toMatchObject({ severity: 'warn', key: 'disk.growth:/' });
    expect(f?.title).toBe('Disk / grew 3 GiB in 24 h, full in ~4 days at this rate');
    expect(findingsAt(30, (h) => [disk('/', 85 * GiB - 6 * 0.125 * GiB + h * 0.125 * GiB)], { ...DISK_GROWTH_DEFAULTS, fullWithinDays: 3 })).toEqual([]);
  });

  it('does not take a resized or replaced filesystem for growth', () => {
    expect(findingsAt(24, (h) => [disk('/data', h < 24 ? 40 * GiB : 60 * GiB, h < 24 ? 50 * GiB : 200 * GiB)])).toEqual([]);
  });

  describe('with a du of the mount', () => {
    const grow = (h: number): DiskUsage[] => [disk('/var', h < 24 ? 10 * GiB : 13 * GiB)];
    const previous = {
      at: '2026-10-30T10:17:00.000Z',
      usedBytes: 10 * GiB,
      sizeBytes: 100 * GiB,
      result: duResult('/var', [['/var', 10 * GiBk], ['/var/log', 4 * GiBk], ['/var/log/app', 3.2 * GiBk], ['/var/lib', 7 * GiBk]]),
    };
    const current = duResult('/var', [['/var', 13 * GiBk], ['/var/log', 6.1 * GiBk], ['/var/log/app', 5.3 * GiBk], ['/var/lib', 7 * GiBk], ['/var/tmp', 0.9 * GiBk]]);

    it('names the directories that grew most since the last du', () => {
      const [f] = findingsAt(24, grow, DISK_GROWTH_DEFAULTS, { mount: '/var', current, previous });
      expect(f?.evidence[1]).toEqual({
        source: 'du:/var',
        values: { depth: 2, complete: 'yes', since: previous.at },
        lines: ['/var/log/app +2.1 GiB (now 5.3 GiB)', '/var/tmp +921.6 MiB (new, now 921.6 MiB)'],
      });
    });

    it('lists the biggest directories without an earlier du, and says why du gave nothing', () => {
      const [first] = findingsAt(24, grow, DISK_GROWTH_DEFAULTS, { mount: '/var', current, previous: null });
      expect(first?.evidence[1]?.lines).toEqual(['/var/lib 7 GiB', '/var/log 6.1 GiB', '/var/log/app 5.3 GiB', '/var/tmp 921.6 MiB']);
      const failed = { mount: '/var', current: duResult('/var', [], { error: 'names', complete: false }), previous };
      expect(findingsAt(24, grow, DISK_GROWTH_DEFAULTS, failed)[0]?.evidence[1]?.lines).toEqual([
        'du gave no directories (a directory name contains a newline and this du has no -0)',
      ]);
    });

    it('points at deleted-but-open files when no directory grew, and leaves the du off other mounts', () => {
      const same = { mount: '/var', current: previous.result, previous };
      expect(findingsAt(24, grow, DISK_GROWTH_DEFAULTS, same)[0]?.evidence[1]?.lines?.[0]).toContain('lsof +L1');
      const other = { mount: '/srv', current, previous };
      expect(findingsAt(24, grow, DISK_GROWTH_DEFAULTS, other)[0]?.evidence).toHaveLength(1);
    });
  });
});

describe('mountsToInspect', () => {
  const history = passes(3, () => [disk('/', 20 * GiB), disk('/var', 10 * GiB), disk('/srv', 50 * GiB)]).history;

  it('picks the one mount that grew most past the step since the last pass, and none on a quiet host', () => {
    const now = [disk('/', 22 * GiB), disk('/var', 13 * GiB), disk('/srv', 50.5 * GiB)];
    expect(mountsToInspect(now, { history }, DISK_GROWTH_DEFAULTS)).toEqual(['/var']);
    expect(mountsToInspect([disk('/', 20.5 * GiB), disk('/var', 10 * GiB)], { history }, DISK_GROWTH_DEFAULTS)).toEqual([]);
    expect(mountsToInspect(now, {}, DISK_GROWTH_DEFAULTS)).toEqual([]);
  });

  it('also counts growth since the last du, and uses the previous facts without a history', () => {
    const lastDu = { '/srv': { usedBytes: 46 * GiB, sizeBytes: 100 * GiB } };
    const now = [disk('/', 20 * GiB), disk('/var', 10 * GiB), disk('/srv', 50.5 * GiB)];
    expect(mountsToInspect(now, { history, lastDu }, DISK_GROWTH_DEFAULTS)).toEqual(['/srv']);
    const previousDisks = [disk('/', 20 * GiB), disk('/var', 8 * GiB)];
    expect(mountsToInspect([disk('/', 20 * GiB), disk('/var', 10 * GiB)], { previousDisks }, DISK_GROWTH_DEFAULTS)).toEqual(['/var']);
  });

  it('skips resized mounts, and can seed the fullest mount that never had a du', () => {
    expect(mountsToInspect([disk('/srv', 80 * GiB, 200 * GiB)], { history }, DISK_GROWTH_DEFAULTS)).toEqual([]);
    const quiet = [disk('/', 20 * GiB), disk('/var', 10 * GiB), disk('/srv', 50 * GiB)];
    const lastDu = { '/srv': { usedBytes: 50 * GiB, sizeBytes: 100 * GiB } };
    expect(mountsToInspect(quiet, { history, lastDu, seedMissing: true }, DISK_GROWTH_DEFAULTS)).toEqual(['/']);
    expect(mountsToInspect(quiet, { history, lastDu }, DISK_GROWTH_DEFAULTS)).toEqual([]);
  });
});

describe('diskGrowthFindings: a step between close passes', () => {
  it('is warn, not crit, even when its few minutes would project the mount full within a day', () => {
    const before = new Date('2026-11-26T10:00:00Z');
    const now = new Date('2026-11-26T10:10:00Z');
    const history = updateDiskHistory(null, [disk('/data', 80 * GiB)], before);
    const disks = [disk('/data', 83 * GiB)];
    const findings = diskGrowthFindings(diskDeltas(updateDiskHistory(history, disks, now), disks, now), DISK_GROWTH_DEFAULTS);
    expect(findings.map((f) => [f.subject, f.severity])).toEqual([['/data', 'warn']]);
    expect(findings[0]?.title).toMatch(/^Disk \/data grew 3(\.0)? GiB in 10 min \(since the last pass\), full in ~/);
  });
});
