import type { Finding, PreviousHostState } from '../types.js';
import { createRedactor } from './redact.js';

/** Consecutive failed passes, this one included, after which a host is `host.unreachable` (issue #3, FR-SSH-002). */
export const UNREACHABLE_AFTER_FAILED_PASSES = 3;

/** This pass's outcome for one host. */
export interface PassOutcome {
  /** True when the host run is `failed` (no connection, authentication refused, stopped by the deadline). */
  isFailed: boolean;
  /** The one-line reason of a failure (the host run's `error`). */
  error: string | null;
  /** ISO start time of this host's pass. */
  at: string;
}

export interface UnreachableOptions {
  /** Config secrets, masked in the evidence. */
  secrets: string[];
  /** Failed passes in a row that make a host unreachable; {@link UNREACHABLE_AFTER_FAILED_PASSES} by default. */
  afterFailedPasses?: number;
}

/**
 * Decides the `host.unreachable` finding of one host for this pass (pure):
 * - the pass failed and it is at least the 3rd failed pass in a row: a `crit` finding whose evidence is the number of
 *   failed passes, since when, and the last error;
 * - the pass reached the host after a streak that had raised it: an `info` finding with the same key, titled as
 *   recovered. The alert stage reads an `info` `host.unreachable` as the resolution of the open `crit` one;
 * - otherwise null (a host that failed once or twice, then came back, never had the finding).
 * @param previous the stored state before this pass: `consecutiveFailures` and `failingSince`.
 */
export function unreachableFinding(
  host: string,
  previous: Pick<PreviousHostState, 'consecutiveFailures' | 'failingSince'>,
  outcome: PassOutcome,
  options: UnreachableOptions,
): Finding | null {
  const threshold = options.afterFailedPasses ?? UNREACHABLE_AFTER_FAILED_PASSES;
  const redact = createRedactor(options.secrets);
  const since = previous.consecutiveFailures > 0 && previous.failingSince ? previous.failingSince : outcome.at;
  if (outcome.isFailed) {
    const failedPasses = previous.consecutiveFailures + 1;
    if (failedPasses < threshold) return null;
    const lastError = redact(outcome.error ?? 'failed');
    return {
      category: 'host.unreachable',
      severity: 'crit',
      ruleId: 'host.unreachable',
      title: `${host} unreachable for ${failedPasses} consecutive passes (since ${since})`,
      key: 'host.unreachable',
      subject: host,
      count: failedPasses,
      evidence: [{ source: 'connect', lines: [lastError], values: { failedPasses, since, lastError } }],
      recommendation: 'Check that the host is up, that sshd listens on the configured port, and that the monitor can reach it.',
    };
  }
  if (previous.consecutiveFailures < threshold) return null;
  return {
    category: 'host.unreachable',
    severity: 'info',
    ruleId: 'host.unreachable',
    title: `${host} reachable again after ${previous.consecutiveFailures} failed passes`,
    key: 'host.unreachable',
    subject: host,
    count: previous.consecutiveFailures,
    evidence: [{ source: 'connect', values: { failedPasses: previous.consecutiveFailures, since, recoveredAt: outcome.at } }],
  };
}
