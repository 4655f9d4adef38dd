import { HostKeyChangedError } from '../collect/host-key-policy.js';
import type { CollectFailure, Finding, HostPassResult, HostSnapshot, PreviousHostState, ResolvedHost } from '../types.js';

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

/** The HostKeyChangedError behind a connection failure, if that is what it was (wrappers keep it as `cause`). */
export function findHostKeyChange(err: unknown): HostKeyChangedError | null {
  let current: unknown = err;
  // Bounded: a cause cycle must not hang the pass.
  for (let depth = 0; depth < 8 && typeof current === 'object' && current !== null; depth++) {
    if (current instanceof HostKeyChangedError) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return null;
}

/**
 * The `crit` finding of a host whose key changed: nothing was collected from it, and the evidence names the key type
 * and the expected and presented SHA256 fingerprints, never the keys themselves.
 */
export function hostKeyChangedFinding(host: ResolvedHost, change: HostKeyChangedError): Finding {
  return {
    category: 'ssh.host_key_changed',
    severity: 'crit',
    ruleId: 'ssh.host_key_changed',
    title: `Host key of ${host.name} changed: possible man in the middle, nothing collected`,
    key: `ssh.host_key_changed:${host.name}`,
    subject: `${host.hostname}:${host.port}`,
    count: 1,
    evidence: [
      {
        source: 'ssh',
        values: {
          algorithm: change.algorithm,
          presented: change.presented,
          expected: change.expected.map((e) => `${e.fingerprint} (${e.algorithm})`).join(', '),
          knownFrom: change.expected.map((e) => e.knownFrom).join(', '),
        },
      },
    ],
    recommendation:
      'Check the new key out of band (on the console: ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub). If the change is expected, ' +
      "update known_hosts, or delete the host's rows in the host_keys table so the next pass pins the new key.",
  };
}
