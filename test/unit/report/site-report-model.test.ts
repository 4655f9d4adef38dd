import { loadConfigText } from '../../../src/config/load.js';
import { availFromPercent, projectDiskFull } from '../../../src/report/disk-projection.js';
import { buildSiteReportModel, MAX_CHANGE_HOSTS, type SiteReportOptions } from '../../../src/report/site-report-model.js';
import type { SiteHostData, SiteReportData } from '../../../src/store/site-report-repo.js';
import type { ResolvedHost } from '../../../src/types.js';
import { makeHost } from '../../helpers/host.js';
import { dailyTrend, GENERATED_AT, GIB, hostData, run, SINCE } from './site-report-sample.js';

function data(hosts: SiteHostData[]): SiteReportData {
  return { since: SINCE.toISOString(), until: GENERATED_AT.toISOString(), trendSince: '2026-11-18T18:00:00.000Z', hosts };
}

function build(hosts: SiteHostData[], options: Partial<SiteReportOptions> = {}) {
  return buildSiteReportModel(data(hosts), {
    site: 's01-home',
    hosts: hosts.map((h) => makeHost({ name: h.name, site: 's01-home' })),
    generatedAt: GENERATED_AT,
    since: SINCE,
    previousReport: null,
    ...options,
  });
}

describe('projectDiskFull', () => {
  it('fits the least-squares slope and projects the free space', () => {
    const projection = projectDiskFull(dailyTrend(7, 40 * GIB, 50 * GIB, GIB), 10 * GIB);
    expect(projection?.bytesPerDay).toBeCloseTo(GIB, 0);
    expect(projection?.trendDays).toBe(7);
    expect(projection?.daysToFull).toBeCloseTo(10, 6);
  });

  it('is robust to noise: the slope of all samples, not of the first and last', () => {
    const samples = dailyTrend(6, 30 * GIB, 50 * GIB, GIB).map((s, i) => ({ ...s, usedBytes: s.usedBytes + (i % 2 === 0 ? 0.2 : -0.2) * GIB }));
    // An outlier as the last sample moves a first/last slope (1.47 GiB/day here) far more than the fitted one.
    samples[samples.length - 1] = { ...(samples[samples.length - 1] as (typeof samples)[number]), usedBytes: 33 * GIB };
    const projection = projectDiskFull(samples, 17 * GIB);
    expect(projection?.bytesPerDay).toBeGreaterThan(GIB);
    expect(projection?.bytesPerDay).toBeLessThan((33 - 24.2) / 6 * GIB);
  });

  it('projects nothing for a shrinking, flat or churning mount, or without enough history', () => {
    expect(projectDiskFull(dailyTrend(7, 30 * GIB, 50 * GIB, -GIB), 20 * GIB)).toMatchObject({ daysToFull: null });
    expect(projectDiskFull(dailyTrend(7, 30 * GIB, 50 * GIB, 0), 20 * GIB)).toMatchObject({ bytesPerDay: 0, daysToFull: null });
    // 1 MiB a day is churn on a 50 GiB mount, not a trend.
    expect(projectDiskFull(dailyTrend(7, 30 * GIB, 50 * GIB, 1024 ** 2), 20 * GIB)).toMatchObject({ daysToFull: null });
    expect(projectDiskFull(dailyTrend(0, 30 * GIB, 50 * GIB, GIB), 20 * GIB)).toBeNull();
    expect(projectDiskFull([], 20 * GIB)).toBeNull();
    const minutesApart = [
      { at: '2026-11-25T17:00:00.000Z', usedBytes: 10 * GIB, sizeBytes: 50 * GIB },
      { at: '2026-11-25T17:10:00.000Z', usedBytes: 11 * GIB, sizeBytes: 50 * GIB },
    ];
    expect(projectDiskFull(minutesApart, 39 * GIB)).toBeNull();
  });

  it('ignores the samples from before the mount was resized', () => {
    const before = dailyTrend(3, 45 * GIB, 50 * GIB, 5 * GIB, '2026-11-21T17:00:00.000Z');
    const after = dailyTrend(3, 48 * GIB, 100 * GIB, GIB, '2026-11-25T17:00:00.000Z');
    const projection = projectDiskFull([...before, ...after], 52 * GIB);
    expect(projection?.trendDays).toBe(3);
    expect(projection?.bytesPerDay).toBeCloseTo(GIB, 0);
    expect(projection?.daysToFull).toBeCloseTo(52, 6);
  });

  it('takes the free space df counts (reserved blocks excluded) from used bytes and percent', () => {
    expect(availFromPercent(45 * GIB, 50 * GIB, 90)).toBeCloseTo(5 * GIB, 0);
    // ext4 reserves 5%: 90% used of what users can use leaves 4.75 GiB, not size - used = 5 GiB.
    expect(availFromPercent(42.75 * GIB, 50 * GIB, 90)).toBeCloseTo(4.75 * GIB, 0);
    expect(availFromPercent(50 * GIB, 50 * GIB, 100)).toBe(0);
    expect(availFromPercent(0, 50 * GIB, 0)).toBe(50 * GIB);
  });
});

describe('buildSiteReportModel', () => {
  it('lists storage near its limit and the mounts projected to fill, soonest first, with days-to-full', () => {
    const web = hostData('web-01', {
      disks: [
        { mount: '/', usedPercent: 93, usedBytes: 46.5 * GIB, sizeBytes: 50 * GIB, at: '2026-11-25T17:00:00.000Z' },
        { mount: '/srv', usedPercent: 40, usedBytes: 40 * GIB, sizeBytes: 100 * GIB, at: '2026-11-25T17:00:00.000Z' },
        { mount: '/snap/core/1', usedPercent: 100, usedBytes: GIB, sizeBytes: GIB, at: '2026-11-25T17:00:00.000Z' },
      ],
      diskTrend: { '/': dailyTrend(7, 46.5 * GIB, 50 * GIB, 0), '/srv': dailyTrend(7, 40 * GIB, 100 * GIB, 20 * GIB) },
    });
    const db = hostData('db-01', {
      disks: [{ mount: '/var', usedPercent: 85, usedBytes: 85 * GIB, sizeBytes: 100 * GIB, at: '2026-11-25T17:00:00.000Z' }],
    });
    const model = build([web, db, hostData('idle-01')]);
    expect(model.storage).toEqual([
      { host: 'web-01', mount: '/srv', percent: 40, band: 'info', sizeBytes: 100 * GIB, availBytes: 60 * GIB, bytesPerDay: 20 * GIB, trendDays: 7, daysToFull: 3, isFillingSoon: true },
      { host: 'web-01', mount: '/', percent: 93, band: 'critical', sizeBytes: 50 * GIB, availBytes: 3.5 * GIB, bytesPerDay: 0, trendDays: 7, daysToFull: null, isFillingSoon: false },
      { host: 'db-01', mount: '/var', percent: 85, band: 'warning', sizeBytes: 100 * GIB, availBytes: 15 * GIB, bytesPerDay: null, trendDays: null, daysToFull: null, isFillingSoon: false },
    ]);
    // The snap image is full by design: never the fullest disk.
    expect(model.resources.find((r) => r.host === 'web-01')?.disk).toEqual({ mount: '/', percent: 93, band: 'critical' });
  });

  it('projects within each host\'s own disk_growth.full_within_days', () => {
    const trend = { '/': dailyTrend(7, 20 * GIB, 100 * GIB, 5 * GIB) }; // 80 GiB free at 5 GiB/day: 16 days
    const disks = [{ mount: '/', usedPercent: 20, usedBytes: 20 * GIB, sizeBytes: 100 * GIB, at: '2026-11-25T17:00:00.000Z' }];
    const hosts = [hostData('short', { disks, diskTrend: trend }), hostData('long', { disks, diskTrend: trend })];
    const growth = { stepBytes: GIB, stepPercent: null, du: false, duDepth: 2, duTimeoutSeconds: 30 };
    const model = build(hosts, {
      hosts: [makeHost({ name: 'short', diskGrowth: { ...growth, fullWithinDays: 7 } }), makeHost({ name: 'long', diskGrowth: { ...growth, fullWithinDays: 30 } })],
    });
    expect(model.storage).toEqual([expect.objectContaining({ host: 'long', mount: '/', daysToFull: 16, isFillingSoon: true })]);
  });

  it('rates each host by its own bands, the highest of CPU average, memory average and fullest disk', () => {
    const config = loadConfigText(
      [
        'global:',
        '  user: dtmon',
        'sites:',
        '  s01-home:',
        '    resource_thresholds:',
        '      critical: "80-100"', // only critical: the other bands keep their defaults (the original raised KeyError)
        'hosts:',
        '  - { name: cool, hostname: 10.0.0.1, site: s01-home }',
        '  - { name: busy, hostname: 10.0.0.2, site: s01-home }',
        '  - { name: full, hostname: 10.0.0.3, site: s01-home }',
        '  - { name: strict, hostname: 10.0.0.4, site: s01-home, resource_thresholds: { info: "31-50", warning: "51-79" } }',
        '  - { name: lenient, hostname: 10.0.0.5, site: s01-home }',
      ].join('\n'),
      '/etc/dthostmon/dthostmon.yaml',
      { env: {}, homeDir: '/home/me' },
    );
    const hosts = config.hosts as ResolvedHost[];
    expect(hosts[0]?.resourceThresholds).toEqual({
      health: { low: 0, high: 30 },
      info: { low: 31, high: 60 },
      warning: { low: 61, high: 89 },
      critical: { low: 80, high: 100 },
    });
    const disk = (usedPercent: number) => [{ mount: '/', usedPercent, usedBytes: usedPercent * GIB, sizeBytes: 100 * GIB, at: '2026-11-25T17:00:00.000Z' }];
    const model = buildSiteReportModel(
      data([
        hostData('cool', { cpu: { averagePercent: 5, samples: 24 }, memory: { averagePercent: 12, samples: 24 }, disks: disk(25) }),
        hostData('busy', { cpu: { averagePercent: 96.04, samples: 24 }, memory: { averagePercent: 20, samples: 24 }, disks: disk(25) }),
        hostData('full', { cpu: { averagePercent: 5, samples: 24 }, memory: { averagePercent: 20, samples: 24 }, disks: disk(70) }),
        hostData('strict', { cpu: { averagePercent: 5, samples: 24 }, memory: { averagePercent: 55, samples: 24 }, disks: disk(25) }),
        hostData('lenient', { cpu: { averagePercent: 5, samples: 24 }, memory: { averagePercent: 55, samples: 24 }, disks: disk(25) }),
      ]),
      { site: 's01-home', hosts, generatedAt: GENERATED_AT, since: SINCE, previousReport: null },
    );
    const status = Object.fromEntries(model.resources.map((r) => [r.host, r.status]));
    expect(status).toEqual({ cool: 'health', busy: 'critical', full: 'warning', strict: 'warning', lenient: 'info' });
    expect(model.resources.map((r) => r.host)).toEqual(['busy', 'full', 'strict', 'lenient', 'cool']);
    expect(model.resources[0]).toMatchObject({ cpu: { percent: 96, band: 'critical' }, memory: { percent: 20, band: 'health' } });
    expect(model.overview.byStatus).toEqual({ health: 1, info: 1, warning: 2, critical: 1, unreachable: 0, unknown: 0 });
    expect(model.overview).toMatchObject({ cpuPercent: 23.2, memoryPercent: 32.4, measuredHosts: 5 });
    expect(model.overview.fullestDisk).toEqual({ host: 'full', mount: '/', percent: 70, band: 'warning' });
  });

  it('keeps an unreachable host visible with its last-seen time, never averaged as 0', () => {
    const down = hostData('db-01', {
      lastSeen: '2026-11-24T21:00:00.000Z',
      runs: 24,
      failedRuns: 20,
      latestRun: run({ id: 9, status: 'failed', error: 'connect ECONNREFUSED 10.0.0.7:22', score: null, health: null }),
      latestScore: { score: 88, at: '2026-11-24T21:00:00.000Z' },
      cpu: { averagePercent: 40, samples: 4 },
      memory: null,
    });
    const never = hostData('new-01', { lastSeen: null, runs: 0, latestRun: null, latestScore: null, cpu: null, memory: null, disks: [] });
    const model = build([hostData('web-01', { cpu: { averagePercent: 10, samples: 24 }, memory: { averagePercent: 30, samples: 24 } }), down, never], {
      previousReport: { generatedAt: '2026-11-24T18:00:00.000Z', scores: { 'web-01': 95, 'db-01': 90 } },
    });
    expect(model.resources.map((r) => [r.host, r.status])).toEqual([
      ['db-01', 'unreachable'],
      ['web-01', 'health'],
      ['new-01', 'unknown'],
    ]);
    expect(model.unreachable).toEqual([
      {
        host: 'db-01',
        status: 'unreachable',
        cpu: { percent: 40, band: 'info' },
        memory: null,
        disk: { mount: '/', percent: 20, band: 'health' },
        lastSeen: '2026-11-24 21:00:00 UTC',
        error: 'connect ECONNREFUSED 10.0.0.7:22',
        runs: 24,
        failedRuns: 20,
        ai: null,
      },
    ]);
    // Averages over what was measured: db-01's 4 CPU samples count, its missing memory and new-01 do not.
    expect(model.overview).toMatchObject({ cpuPercent: 25, memoryPercent: 30, measuredHosts: 2 });
    expect(model.overview.byStatus).toMatchObject({ unreachable: 1, unknown: 1, health: 1 });
    expect(model.scores.find((s) => s.host === 'db-01')).toEqual({
      host: 'db-01',
      score: 88,
      previous: 90,
      change: -2,
      health: null,
      isUnreachable: true,
      scoredAt: '2026-11-24 21:00:00 UTC',
      isNew: false,
    });
    expect(model.scores.find((s) => s.host === 'new-01')).toMatchObject({ score: null, change: null, isNew: true, isUnreachable: false });
  });

  it('shows each score with its change since the previous report, and the average change over the same hosts', () => {
    const hosts = [
      hostData('a', { latestScore: { score: 80, at: '2026-11-25T17:00:00.000Z' }, latestRun: run({ score: 80, health: 'minor' }) }),
      hostData('b', { latestScore: { score: 100, at: '2026-11-25T17:00:00.000Z' }, latestRun: run({ score: 100 }) }),
    ];
    const first = build(hosts);
    expect(first.scores.map((s) => [s.host, s.score, s.change, s.isNew])).toEqual([
      ['a', 80, null, false],
      ['b', 100, null, false],
    ]);
    expect(first).toMatchObject({ previousReportAt: null, overview: { averageScore: 90, averageScoreChange: null } });

    const second = build(hosts, { previousReport: { generatedAt: '2026-11-24T18:00:00.000Z', scores: { a: 90, b: 95, gone: 10 } } });
    expect(second.scores).toEqual([
      { host: 'a', score: 80, previous: 90, change: -10, health: 'minor', isUnreachable: false, scoredAt: null, isNew: false },
      { host: 'b', score: 100, previous: 95, change: 5, health: 'healthy', isUnreachable: false, scoredAt: null, isNew: false },
    ]);
    expect(second).toMatchObject({ previousReportAt: '2026-11-24 18:00:00 UTC', overview: { averageScore: 90, averageScoreChange: -2.5 } });

    // A host unscored in the previous report has no change, and the average is not compared across different hosts.
    const third = build(hosts, { previousReport: { generatedAt: '2026-11-24T18:00:00.000Z', scores: { a: 90, b: null } } });
    expect(third.scores.map((s) => [s.host, s.change, s.isNew])).toEqual([
      ['a', -10, false],
      ['b', null, false],
    ]);
    expect(third.overview.averageScoreChange).toBeNull();
  });

  it('groups critical items per host, open or not, and caps the hosts with the most changes at ten', () => {
    const finding = (key: string, isInLatestRun: boolean) => ({
      key,
      category: 'auth.bruteforce',
      title: `brute force ${key}`,
      subject: key,
      recommendation: 'Block it.',
      passes: 3,
      firstSeen: '2026-11-25T01:00:00.000Z',
      lastSeen: '2026-11-25T03:00:00.000Z',
      isInLatestRun,
    });
    const findings = Array.from({ length: 12 }, (_, i) => finding(`k${i}`, i === 0));
    const changed = Array.from({ length: 12 }, (_, i) =>
      hostData(`h${String(i).padStart(2, '0')}`, {
        changes: {
          total: i + 1,
          unexpected: i % 2,
          byKind: { package: { total: i, unexpected: 0 }, service: { total: 1, unexpected: i % 2 } },
          recent: Array.from({ length: 5 }, () => ({ kind: 'package', action: 'changed' as const, subject: 'curl', detail: 'curl 8.1 -> 8.2', expected: true, reason: 'apt upgrade', detectedAt: '2026-11-25T02:00:00.000Z' })),
        },
      }),
    );
    const model = build([hostData('zeta', { criticalFindings: findings }), ...changed]);
    expect(model.critical).toHaveLength(1);
    expect(model.critical[0]?.items).toHaveLength(10);
    expect(model.critical[0]).toMatchObject({ host: 'zeta', more: 2 });
    expect(model.critical[0]?.items[0]).toEqual({
      title: 'brute force k0',
      category: 'auth.bruteforce',
      subject: 'k0',
      recommendation: 'Block it.',
      passes: 3,
      firstSeen: '2026-11-25 01:00:00 UTC',
      lastSeen: '2026-11-25 03:00:00 UTC',
      isOpen: true,
      ai: false,
    });
    expect(model.criticalCount).toBe(12);
    expect(model.changes.hosts).toHaveLength(MAX_CHANGE_HOSTS);
    expect(model.changes.moreHosts).toBe(2);
    expect(model.changes.hosts[0]).toMatchObject({ host: 'h11', total: 12, unexpected: 1, kinds: [{ kind: 'package', total: 11, unexpected: 0 }, { kind: 'service', total: 1, unexpected: 1 }] });
    expect(model.changes.hosts[0]?.recent).toHaveLength(3);
    expect(model.changes.hosts[0]?.recent[0]?.detectedAt).toBe('2026-11-25 02:00:00 UTC');
  });

  it('shows each host\'s AI cost per day of the period, and the site total, only when some host had AI calls', () => {
    expect(build([hostData('quiet')]).aiCost).toBeNull();
    const hosts = [hostData('a', { aiCost: { calls: 24, costUsd: 0.0096, unpricedCalls: 0 } }), hostData('b', { aiCost: { calls: 3, costUsd: 0.1 + 0.2, unpricedCalls: 1 } }), hostData('c')];
    const day = build(hosts);
    expect(day.resources.map((r) => [r.host, r.ai])).toEqual([
      ['a', { calls: 24, totalUsd: 0.0096, perDayUsd: 0.0096, unpricedCalls: 0 }],
      ['b', { calls: 3, totalUsd: 0.3, perDayUsd: 0.3, unpricedCalls: 1 }],
      ['c', null],
    ]);
    expect(day.aiCost).toEqual({ hosts: 2, calls: 27, totalUsd: 0.3096, perDayUsd: 0.3096, unpricedCalls: 1 });
    // Over four days, per day is a quarter; a period shorter than a day is not extrapolated.
    expect(build(hosts, { since: new Date(GENERATED_AT.getTime() - 4 * 86_400_000) }).resources[0]?.ai?.perDayUsd).toBe(0.0024);
    expect(build(hosts, { since: new Date(GENERATED_AT.getTime() - 3_600_000) }).resources[0]?.ai?.perDayUsd).toBe(0.0096);
    // Site data stored before the AI stage existed has no aiCost at all.
    const { aiCost: _old, ...legacy } = hostData('old');
    expect(build([legacy as SiteHostData]).aiCost).toBeNull();
  });

  it('marks the LLM\'s critical items, and counts only the rules\' ones in criticalCount', () => {
    const item = (key: string, category: string) => ({ key, category, title: key, subject: null, recommendation: null, passes: 1, firstSeen: '2026-11-25T01:00:00.000Z', lastSeen: '2026-11-25T01:00:00.000Z', isInLatestRun: true });
    const model = build([hostData('a', { criticalFindings: [item('disk.usage:/', 'disk.usage'), item('ai.finding:security:1', 'ai.finding')] })]);
    expect(model.critical[0]?.items.map((i) => [i.title, i.ai])).toEqual([
      ['disk.usage:/', false],
      ['ai.finding:security:1', true],
    ]);
    expect(model.criticalCount).toBe(1);
  });

  it('reports a configured host without any stored data as unknown, and lists exactly the configured hosts', () => {
    const model = buildSiteReportModel(data([hostData('stray')]), {
      site: 's01-home',
      hosts: [makeHost({ name: 'fresh' })],
      generatedAt: GENERATED_AT,
      since: SINCE,
      previousReport: null,
    });
    expect(model.resources).toEqual([
      { host: 'fresh', status: 'unknown', cpu: null, memory: null, disk: null, lastSeen: null, error: null, runs: 0, failedRuns: 0, ai: null },
    ]);
    expect(model.overview).toMatchObject({ hosts: 1, cpuPercent: null, memoryPercent: null, fullestDisk: null, averageScore: null });
  });
});
