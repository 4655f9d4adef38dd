import type { PreviousHostState, ResolvedHost } from '../../src/types.js';

/** The original dthostmon default bands. */
export const DEFAULT_BANDS: ResolvedHost['resourceThresholds'] = {
  health: { low: 0, high: 30 },
  info: { low: 31, high: 60 },
  warning: { low: 61, high: 89 },
  critical: { low: 90, high: 100 },
};

/** One fully resolved host for tests (every test suite builds its hosts from this); override what the test is about. */
export function makeHost(overrides: Partial<ResolvedHost> & { ssh?: Partial<ResolvedHost['ssh']> } = {}): ResolvedHost {
  const { ssh, ...rest } = overrides;
  return {
    name: 'web-01',
    hostname: '10.0.0.5',
    port: 22,
    user: 'dtmon',
    site: null,
    tags: [],
    enabled: true,
    transport: 'ssh',
    rootfs: '/',
    logs: [],
    ssh: { keyPath: null, connectTimeoutMs: 10_000, ...ssh },
    commandTimeoutMs: 30_000,
    logMaxBytesPerPass: 8 * 1024 * 1024,
    resourceThresholds: DEFAULT_BANDS,
    thresholds: { cpuPercent: 80, memoryPercent: 85, diskPercent: 90, failedLoginAttempts: 5 },
    reportFrequency: 'daily',
    alertRecipients: [],
    origin: {},
    ...rest,
  };
}

export function noPreviousState(): PreviousHostState {
  return { hostId: null, cursors: [], lastScore: null, lastRunAt: null, consecutiveFailures: 0, baselines: {} };
}
