import type { CollectFailure, HostPassResult, HostSnapshot, PreviousHostState, ResolvedHost } from '../types.js';

/** What the store knew before a host's first pass. */
export function emptyPreviousState(): PreviousHostState {
  return { hostId: null, cursors: [], lastScore: null, lastRunAt: null, consecutiveFailures: 0, baselines: {} };
}

/** A snapshot of a host nothing could be collected from: no facts, no logs, no cursors to advance. */
export function unreachableSnapshot(host: string, at: Date, durationMs: number, failures: CollectFailure[]): HostSnapshot {
  return {
    host,
    collectedAt: at.toISOString(),
    durationMs,
    reachable: false,
    facts: null,
    logs: [],
    logSources: [],
    cursors: [],
    failures,
  };
}

export function failedResult(host: ResolvedHost, previous: PreviousHostState, error: string, durationMs: number): HostPassResult {
  return {
    name: host.name,
    site: host.site,
    status: 'failed',
    error,
    score: null,
    previousScore: previous.lastScore,
    health: null,
    reasons: [],
    findings: [],
    logBytesRead: 0,
    durationMs,
    reportPath: null,
  };
}

/** Enabled hosts, or exactly the hosts named (a named host runs even when disabled: the user asked for it). */
export function selectHosts(hosts: readonly ResolvedHost[], names?: readonly string[]): ResolvedHost[] {
  if (!names || names.length === 0) return hosts.filter((h) => h.enabled);
  const wanted = new Set(names);
  return hosts.filter((h) => wanted.has(h.name));
}
