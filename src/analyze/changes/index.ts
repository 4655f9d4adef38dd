import type { Change, ContainerInfo, Finding, HostSnapshot, PreviousHostState, ResolvedHost } from '../../types.js';
import type { PackageTransaction } from '../packages.js';
import { detectChanges } from './detect.js';
import { markExpected } from './expected.js';
import { changeFindings } from './findings.js';
import { readStoredState, toStoredState, type StoredState } from './stored-state.js';

export interface ChangeAnalysis {
  /** Every change, expected or not (empty on the first pass with state, which only sets the baseline). */
  changes: Change[];
  /** Findings for the unexpected changes. */
  findings: Finding[];
  /** Keys (`category:subject`) of expected changes: log findings about the same thing are explained too. */
  explainedKeys: Set<string>;
  /** The `state` baseline to store, or null to keep the stored one (nothing was probed). */
  baseline: StoredState | null;
}

export interface ChangeInput {
  /** The package transactions read this pass (apt stanzas and dpkg runs). */
  transactions: readonly PackageTransaction[];
  /** Whether an apt or dpkg log was read this pass. */
  packageLogsRead: boolean;
  /** Keys of the findings log analysis made this pass. */
  existingKeys: ReadonlySet<string>;
  redact: (line: string) => string;
}

function diffContainers(before: readonly ContainerInfo[], after: readonly ContainerInfo[]): Change[] {
  const b = new Map(before.map((c) => [c.name, c]));
  const a = new Map(after.map((c) => [c.name, c]));
  const out: Change[] = [];
  for (const [name, c] of a) {
    if (!b.has(name)) {
      out.push({ kind: 'container', action: 'added', subject: name, category: 'docker.container_added', detail: `container ${name} created (${c.image}, ${c.state})`, after: c.image, expected: false, reason: null, at: c.startedAt });
    } else if (b.get(name)!.image !== c.image) {
      out.push({ kind: 'container', action: 'changed', subject: name, category: 'docker.container_added', detail: `container ${name} re-created from ${c.image} (was ${b.get(name)!.image})`, before: b.get(name)!.image, after: c.image, expected: false, reason: null, at: c.startedAt });
    }
  }
  for (const [name, c] of b) {
    if (!a.has(name)) out.push({ kind: 'container', action: 'removed', subject: name, category: 'docker.container_removed', detail: `container ${name} removed (${c.image})`, before: c.image, expected: false, reason: null });
  }
  return out;
}

/** The containers the previous pass stored in the facts baseline (null before the first pass with docker). */
export function previousContainers(previous: PreviousHostState): ContainerInfo[] | null {
  const facts = previous.baselines.facts as { containers?: unknown } | undefined;
  return Array.isArray(facts?.containers) ? (facts.containers as ContainerInfo[]) : null;
}

/**
 * Change detection for one host (FR-ANALYSIS-003): this pass's state (snapshot.state, facts) against the stored
 * `state` baseline, each change judged expected or not (expected.ts), findings for the unexpected ones, and the
 * baseline for the next pass. Pure.
 */
export function analyzeChanges(host: ResolvedHost, snapshot: HostSnapshot, previous: PreviousHostState, input: ChangeInput): ChangeAnalysis {
  const empty: ChangeAnalysis = { changes: [], findings: [], explainedKeys: new Set(), baseline: null };
  if (host.trackChanges === false || !snapshot.state || !snapshot.facts) return empty;
  const collectedAt = new Date(snapshot.collectedAt);
  const uptime = snapshot.facts.uptimeSeconds;
  // To the minute: the boot time derived from uptime moves by a second from pass to pass.
  const bootedAt = uptime === null ? null : new Date(Math.round((collectedAt.getTime() - uptime * 1000) / 60_000) * 60_000).toISOString();
  const before = readStoredState(previous.baselines.state);
  const after = toStoredState(snapshot.state, { kernel: snapshot.facts.kernel, bootedAt, watchPatterns: host.watchFiles ?? [] }, before, input.redact);
  if (!before) return { ...empty, baseline: after };

  const changes = detectChanges(before, after);
  const containersBefore = previousContainers(previous);
  if (containersBefore && snapshot.facts.containers) changes.push(...diffContainers(containersBefore, snapshot.facts.containers));
  markExpected(changes, {
    rules: host.expectedChanges ?? [],
    windows: host.maintenanceWindows ?? [],
    transactions: input.transactions,
    owners: snapshot.state.owners,
    packages: after.packages,
    now: collectedAt,
    previousPassAt: previous.lastRunAt ? new Date(previous.lastRunAt) : null,
  });
  for (const c of changes) {
    c.detail = input.redact(c.detail);
    if (c.before) c.before = input.redact(c.before);
    if (c.after) c.after = input.redact(c.after);
  }
  const explainedKeys = new Set(changes.filter((c) => c.expected).map((c) => `${c.category}:${c.subject}`));
  const findings = changeFindings(changes, { existingKeys: input.existingKeys, packageLogsRead: input.packageLogsRead });
  return { changes, findings, explainedKeys, baseline: after };
}
