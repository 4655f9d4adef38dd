/** Site report data as loadSiteReportData returns it, for the model and template tests. */
import type { SiteDiskSample, SiteHostData, SiteHostRun } from '../../../src/store/site-report-repo.js';
import { buildSiteReportModel, type SiteReportModel } from '../../../src/report/site-report-model.js';
import { makeHost } from '../../helpers/host.js';

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
    aiCost: null,
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

export const EVIL_HOST = 'evil|host <script>alert(1)</script>';
export const EVIL_TITLE = 'SSH brute force from `x` # not a heading\n## Injected heading [click](http://evil.example) <img src=x onerror=alert(1)> | cell';
export const EVIL_MOUNT = '/mnt/a|b\n# mount <b>bold</b>';
export const EVIL_DETAIL = 'user added\r\n- injected item <iframe src="http://evil.example">';
export const EVIL_ERROR = 'connect failed\n# Injected <script>x</script>';

/** A site report model full of hostile text (host names, titles, mounts, change details, errors), with AI calls. */
export function hostileModel(): SiteReportModel {
  const evil = hostData(EVIL_HOST, {
    disks: [{ mount: EVIL_MOUNT, usedPercent: 95, usedBytes: 95 * GIB, sizeBytes: 100 * GIB, at: '2026-11-25T17:00:00.000Z' }],
    diskTrend: { [EVIL_MOUNT]: dailyTrend(7, 95 * GIB, 100 * GIB, GIB) },
    criticalFindings: [
      {
        key: 'auth.bruteforce:x',
        category: 'auth.bruteforce',
        title: EVIL_TITLE,
        subject: '``` `x`',
        recommendation: 'Block it.\n\n# Also this <a href="http://evil.example">link</a>',
        passes: 2,
        firstSeen: '2026-11-25T01:00:00.000Z',
        lastSeen: '2026-11-25T02:00:00.000Z',
        isInLatestRun: true,
      },
      {
        key: 'ai.finding:security:0a1b2c3d4e5f',
        category: 'ai.finding',
        title: `The LLM says: ${EVIL_TITLE}`,
        subject: 'security',
        recommendation: null,
        passes: 1,
        firstSeen: '2026-11-25T02:00:00.000Z',
        lastSeen: '2026-11-25T02:00:00.000Z',
        isInLatestRun: false,
      },
    ],
    aiCost: { calls: 30, costUsd: 0.01234, unpricedCalls: 2 },
    changes: {
      total: 1,
      unexpected: 1,
      byKind: { user: { total: 1, unexpected: 1 } },
      recent: [{ kind: 'user', action: 'added', subject: 'x', detail: EVIL_DETAIL, expected: false, reason: null, detectedAt: '2026-11-25T02:00:00.000Z' }],
    },
  });
  const down = hostData('down-01', { latestRun: run({ status: 'failed', error: EVIL_ERROR, score: null, health: null }) });
  return buildSiteReportModel(
    { since: SINCE.toISOString(), until: GENERATED_AT.toISOString(), trendSince: '2026-11-18T18:00:00.000Z', hosts: [evil, down] },
    {
      site: 's01-home',
      hosts: [makeHost({ name: EVIL_HOST }), makeHost({ name: 'down-01' })],
      generatedAt: GENERATED_AT,
      since: SINCE,
      previousReport: { generatedAt: '2026-11-24T18:00:00.000Z', scores: { [EVIL_HOST]: 80 } },
    },
  );
}
