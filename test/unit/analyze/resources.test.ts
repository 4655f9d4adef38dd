import { classifyBand, classifyLoad, isAlwaysFullMount, loadPercent, resourceFindings } from '../../../src/analyze/resources.js';
import type { DiskUsage, ResourceThresholds } from '../../../src/types.js';
import { DEFAULT_BANDS, makeFacts } from './helpers.js';

const GiB = 1024 ** 3;
const disk = (mount: string, usedPercent: number, extra: Partial<DiskUsage> = {}): DiskUsage => ({
  mount,
  filesystem: '/dev/sda1',
  sizeBytes: 100 * GiB,
  usedBytes: usedPercent * GiB,
  availBytes: (100 - usedPercent) * GiB,
  usedPercent,
  ...extra,
});

describe('classifyBand (original section 2.3 rule, gap bug fixed)', () => {
  it.each([
    [0, 'health'],
    [30, 'health'],
    [30.5, 'info'], // in the gap: the higher band, not Unknown
    [31, 'info'],
    [60, 'info'],
    [60.01, 'warning'],
    [61, 'warning'],
    [89, 'warning'],
    [89.5, 'critical'],
    [90, 'critical'],
    [100, 'critical'],
    [-1, 'unknown'],
    [100.5, 'unknown'],
    [Number.NaN, 'unknown'],
  ])('%d -> %s', (value, band) => {
    expect(classifyBand(value, DEFAULT_BANDS)).toBe(band);
  });

  it('uses the most severe band when bands overlap, and the next band up across a wide gap', () => {
    const odd: ResourceThresholds = {
      health: { low: 0, high: 50 },
      info: { low: 40, high: 60 },
      warning: { low: 70, high: 80 },
      critical: { low: 95, high: 100 },
    };
    expect(classifyBand(45, odd)).toBe('info');
    expect(classifyBand(35, odd)).toBe('health');
    expect(classifyBand(65, odd)).toBe('warning');
    expect(classifyBand(85, odd)).toBe('critical');
    // A site that sets only critical: 80-100 means 85 % is critical, although the default warning band reaches 89.
    expect(classifyBand(85, { ...odd, warning: { low: 61, high: 89 }, critical: { low: 80, high: 100 } })).toBe('critical');
  });
});

describe('load', () => {
  it('is the 1-minute load per core in percent, and beyond the top band counts as the top band', () => {
    expect(loadPercent(makeFacts({ load: { one: 2, five: 1, fifteen: 1 } }))).toBe(50);
    expect(loadPercent(makeFacts({ cpu: { cores: 0, usedPercent: null, windowSeconds: null, counters: null } }))).toBeNull();
    expect(classifyLoad(250, DEFAULT_BANDS)).toBe('critical');
    expect(classifyLoad(50, DEFAULT_BANDS)).toBe('info');
  });
});

describe('resourceFindings', () => {
  it('reports nothing for health and info bands', () => {
    const facts = makeFacts({ disks: [disk('/', 30), disk('/var', 60)] });
    expect(resourceFindings(facts, DEFAULT_BANDS)).toEqual([]);
  });

  it('reports disk per mount: warn in the warning band, crit in the critical band, with values', () => {
    const facts = makeFacts({ disks: [disk('/', 61), disk('/var', 93.14), disk('/srv', 10)] });
    const findings = resourceFindings(facts, DEFAULT_BANDS);
    expect(findings.map((f) => [f.key, f.severity, f.title])).toEqual([
      ['disk.usage:/', 'warn', 'Disk / is 61% full'],
      ['disk.usage:/var', 'crit', 'Disk /var is 93.1% full'],
    ]);
    expect(findings[1]).toMatchObject({ category: 'disk.usage', ruleId: 'resource.disk', subject: '/var', count: 1 });
    expect(findings[1]?.evidence).toEqual([
      { source: 'facts:df', values: { mount: '/var', usedPercent: 93.1, availBytes: 100 * GiB - 93.14 * GiB, band: 'critical' } },
    ]);
  });

  it('skips images that are full by design (snaps, squashfs, loop devices, size 0)', () => {
    const full = [
      disk('/snap/core22/1663', 100, { filesystem: '/dev/loop3' }),
      disk('/media/cdrom', 100, { filesystem: 'squashfs' }),
      disk('/proc', 100, { sizeBytes: 0 }),
    ];
    expect(full.every(isAlwaysFullMount)).toBe(true);
    expect(resourceFindings(makeFacts({ disks: full }), DEFAULT_BANDS)).toEqual([]);
  });

  it('reports memory in the warning and critical bands', () => {
    const memory = { ...makeFacts().memory!, usedPercent: 95 };
    const [finding] = resourceFindings(makeFacts({ memory, disks: [] }), DEFAULT_BANDS);
    expect(finding).toMatchObject({ category: 'memory.usage', severity: 'crit', key: 'memory.usage', title: 'Memory 95% used' });
    expect(finding?.evidence[0]?.values).toMatchObject({ usedPercent: 95, band: 'critical' });
    const warn = resourceFindings(makeFacts({ memory: { ...memory, usedPercent: 70 }, disks: [] }), DEFAULT_BANDS);
    expect(warn.map((f) => f.severity)).toEqual(['warn']);
  });

  it('reports load only in the critical band, as a warning', () => {
    const busy = makeFacts({ load: { one: 3.8, five: 3, fifteen: 2 }, cpu: { cores: 4, usedPercent: 90, windowSeconds: 900, counters: null }, disks: [] });
    const [finding, ...rest] = resourceFindings(busy, DEFAULT_BANDS);
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ category: 'cpu.load', severity: 'warn', key: 'cpu.load', title: 'Load 3.8 on 4 cores (95% of capacity)' });
    const warmish = makeFacts({ load: { one: 3, five: 3, fifteen: 2 }, disks: [] });
    expect(resourceFindings(warmish, DEFAULT_BANDS)).toEqual([]); // 75%: warning band, no finding
  });
});
