import type { HostPassResult, PassResult } from '../../../src/types.js';
import { sampleFinding } from '../store/sample-data.js';

function host(overrides: Partial<HostPassResult>): HostPassResult {
  return { name: 'web-01', site: 's01', status: 'ok', error: null, score: 90, previousScore: null, health: 'healthy', reasons: [], findings: [], logBytesRead: 0, durationMs: 1500, reportPath: null, ...overrides };
}

/** A pass of three hosts: one with an awkward site name (quote, backslash, newline), one failed. */
export function samplePass(): PassResult {
  return {
    runId: 7,
    startedAt: '2026-03-01T10:00:00.000Z',
    finishedAt: '2026-03-01T10:00:42.500Z',
    durationMs: 42_500,
    status: 'complete',
    hosts: [
      host({ findings: [sampleFinding(), sampleFinding({ severity: 'warn' }), sampleFinding({ category: 'ai.finding', severity: 'crit' })] }),
      host({ name: 'db-01', site: 'lab "B"\\2\nx', status: 'partial', score: 55, durationMs: 2250 }),
      host({ name: 'old-01', site: null, status: 'failed', score: null, health: null, durationMs: 10_000 }),
    ],
    delivery: { alertsNotified: 2, alertsMuted: [], alertsUnrouted: 0, queued: 3, sent: 3, failed: 1, dead: [{ id: 9, channel: 'email', subject: 's', error: 'e' }], written: [] },
  };
}
