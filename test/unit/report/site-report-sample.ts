/** Site report data as loadSiteReportData returns it, for the model and template tests. */
import type { SiteDiskSample, SiteHostData, SiteHostRun } from '../../../src/store/site-report-repo.js';

export const GIB = 1024 ** 3;
export const GENERATED_AT = new Date('2026-11-25T18:00:00.000Z');
export const SINCE = new Date('2026-11-24T18:00:00.000Z');

export function run(overrides: Partial<SiteHostRun> = {}): SiteHostRun {
  return {
    id: 1,
    startedAt: '2026-11-25T17:00:00.000Z',
    status: 'ok',
    error: null,
    score: 90,
    health: 'healthy',
    findings: { crit: 0, warn: 0, info: 0 },
    ...overrides,
  };
}

/** A reachable host measured every hour of the period, with one mount at 20%. */
export function hostData(name: string, overrides: Partial<SiteHostData> = {}): SiteHostData {
  return {
    name,
    hostId: 1,
    lastSeen: '2026-11-25T17:00:00.000Z',
    runs: 24,
    failedRuns: 0,
    latestRun: run(),
    latestScore: { score: 90, at: '2026-11-25T17:00:00.000Z' },
    cpu: { averagePercent: 10, samples: 24 },
    memory: { averagePercent: 20, samples: 24 },
    disks: [{ mount: '/', usedPercent: 20, usedBytes: 10 * GIB, sizeBytes: 50 * GIB, at: '2026-11-25T17:00:00.000Z' }],
    diskTrend: {},
    criticalFindings: [],
    changes: { total: 0, unexpected: 0, byKind: {}, recent: [] },
    ...overrides,
  };
}

/** Daily samples of a mount ending at `end`, growing by `bytesPerDay`. */
export function dailyTrend(days: number, endUsedBytes: number, sizeBytes: number, bytesPerDay: number, end = '2026-11-25T17:00:00.000Z'): SiteDiskSample[] {
  const endMs = Date.parse(end);
  return Array.from({ length: days + 1 }, (_, i) => {
    const back = days - i;
    return { at: new Date(endMs - back * 86_400_000).toISOString(), usedBytes: endUsedBytes - back * bytesPerDay, sizeBytes };
  });
}
