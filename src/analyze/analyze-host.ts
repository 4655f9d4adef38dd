import type { Finding, HostAnalysis, HostSnapshot, LogRecord, PreviousHostState, ResolvedHost } from '../types.js';
import { applyLogRules } from './log-rules.js';
import { compareFindings } from './order.js';
import { createRedactor } from './redact.js';
import { resourceFindings } from './resources.js';
import { defaultIndex, type HostLogStream } from './log-stream.js';
import type { RuleIndex } from './rules/index.js';
import { scoreHost } from './score.js';
import { containerFindings } from './containers.js';
import { packageFindings } from './packages.js';
import { newPatternFindings, type KnownTemplates, type NewPatternResult } from './new-patterns.js';
import { excludeMonitorSessions } from './self-noise.js';
import { analyzeChanges, previousContainers } from './changes/index.js';
import { analyzeDisks } from './changes/disk.js';
import { isPackageLog } from './packages.js';
import { analyzeMetrics } from './metric-findings.js';

export interface AnalyzeOptions {
  /** Config secrets, masked wherever they appear in evidence. */
  secrets: string[];
  /** Rule set to apply; the host's (`host.logRules`) by default, else the built-in registry. */
  rules?: RuleIndex;
  /**
   * The host's logs as they were analyzed while being read (the pass's way: no log held in memory). When given,
   * its findings are used and `snapshot.logs` is not looked at.
   */
  logStream?: HostLogStream;
  /** What the store knows of the host's log templates; with a logStream, new templates become findings. */
  templates?: { known: KnownTemplates; learningPasses: number; windowHours: number | null };
}

const FAILED_SOURCE_STATUSES = new Set(['missing', 'unreadable', 'error']);

/** One `collect.source_failed` (info) per collection failure and per log source that could not be read. */
function sourceFailures(snapshot: HostSnapshot, redact: (line: string) => string): Finding[] {
  const findings: Finding[] = [];
  const seen = new Set<string>();
  const add = (source: string, title: string, note: string): void => {
    const subject = redact(source);
    // A log source that failed is also in `failures`: one finding per source, so the key stays unique.
    if (seen.has(subject)) return;
    seen.add(subject);
    findings.push({
      category: 'collect.source_failed',
      severity: 'info',
      ruleId: 'collect.source_failed',
      title: redact(title),
      key: `collect.source_failed:${subject}`,
      subject,
      count: 1,
      evidence: [{ source: subject, lines: [redact(note)] }],
    });
  };
  // Log sources first: their title says what happened to the file ("is unreadable"), better than the generic one.
  for (const result of snapshot.logSources) {
    if (!FAILED_SOURCE_STATUSES.has(result.status)) continue;
    add(result.path, `Log ${result.path} is ${result.status}`, result.note ?? result.status);
  }
  for (const failure of snapshot.failures) {
    add(failure.source, `Could not collect ${failure.source}`, failure.message);
  }
  return findings;
}

function ownSessionsExcluded(snapshot: HostSnapshot): LogRecord[] {
  return snapshot.monitorIdentity ? excludeMonitorSessions(snapshot.logs, [snapshot.monitorIdentity]) : snapshot.logs;
}

/**
 * Analyzes one host's snapshot: the host's log rules over the new lines (minus ignored lines and those of our own
 * SSH session, self-noise.ts), resource bands over the facts, one `collect.source_failed` per failure, then the
 * health score. Pure: everything comes in as arguments.
 *
 * Findings are ordered by severity (crit first), category, then subject. `previous` is the stored state of the
 * host; the v1 rules are stateless and do not read it (change detection will). For an unreachable host the score
 * is still computed here, but the caller must report null for it.
 */
export function analyzeHost(
  host: ResolvedHost,
  snapshot: HostSnapshot,
  previous: PreviousHostState,
  options: AnalyzeOptions,
): HostAnalysis {
  const redact = createRedactor(options.secrets);
  const patterns: NewPatternResult | null =
    options.logStream && options.templates
      ? newPatternFindings(options.logStream.templates, options.templates.known, { ...options.templates, redact })
      : null;
  const containers = snapshot.facts?.containers;
  const logFindings = options.logStream
    ? options.logStream.findings(host.thresholds, options.secrets)
    : // Our own logins (`Accepted publickey for root` every pass) are not news: their lines never reach the rules.
      applyLogRules(ownSessionsExcluded(snapshot), options.rules ?? host.logRules ?? defaultIndex(), host.thresholds, options.secrets);
  const transactions = options.logStream ? [...options.logStream.packages.apt, ...options.logStream.packages.dpkg] : [];
  const changed = analyzeChanges(host, snapshot, previous, {
    transactions,
    packageLogsRead: snapshot.logSources.some((s) => (s.status === 'read' || s.status === 'unchanged') && isPackageLog(s.path)),
    existingKeys: new Set(logFindings.map((f) => f.key)),
    redact,
  });
  const disks = analyzeDisks(host, snapshot, previous);
  const unsorted = [
    ...disks.findings,
    // A log line about a change that a package transaction or the config explains (the useradd of a package's
    // install script) is explained with it.
    ...logFindings.filter((f) => !changed.explainedKeys.has(f.key)),
    ...(patterns?.findings ?? []),
    ...(options.logStream ? packageFindings(options.logStream.packages, redact, { firstPassAt: previous.lastRunAt === null ? new Date(snapshot.collectedAt) : null }) : []),
    ...(containers ? containerFindings(containers, previousContainers(previous)) : []),
    ...changed.findings,
    ...(snapshot.facts ? resourceFindings(snapshot.facts, host.resourceThresholds) : []),
    ...sourceFailures(snapshot, redact),
  ];
  const metrics = snapshot.metrics && snapshot.metrics.length > 0
    ? analyzeMetrics(host, snapshot.metrics, snapshot.facts, new Set(unsorted.map((f) => f.key)), redact)
    : null;
  const findings = [...unsorted, ...(metrics?.findings ?? [])]
    .filter(notSubsumed)
    .sort(compareFindings);
  markOpenSince(findings, previous, snapshot.collectedAt);
  const { score, status, reasons } = scoreHost(findings, snapshot.facts, host.resourceThresholds);
  const changes = [...changed.changes, ...disks.changes];
  const baselines = { ...disks.baselines, ...(changed.baseline ? { state: changed.baseline } : {}) };
  const extra = {
    ...(changed.baseline || changes.length > 0 ? { changes } : {}),
    ...(disks.deltas.length > 0
      ? { diskDeltas: disks.deltas.map((d) => ({ mount: d.mount, sinceLastPass: d.sinceLastPass?.deltaBytes ?? null, day: d.day?.deltaBytes ?? null, week: d.week?.deltaBytes ?? null })) }
      : {}),
    ...(Object.keys(baselines).length > 0 ? { baselines } : {}),
    ...(metrics ? { metrics: { trends: metrics.trends, comparisons: metrics.comparisons, queries: metrics.queries, failed: metrics.failed } } : {}),
  };
  if (!patterns) return { findings, score, status, reasons, ...extra };
  const logTemplates = patterns.seen.map((s) => ({ hash: s.hash, template: s.template, isError: s.isError, count: s.count }));
  return { findings, score, status, reasons, logTemplates, logRates: patterns.rates, ...extra };
}

/**
 * A finding that a stronger one about the same subject already says: a unit in a crash loop has failed, many times
 * (its `service.failed` lines are the crash loop's evidence, not a second item).
 */
function notSubsumed(this: void, finding: Finding, _index: number, all: readonly Finding[]): boolean {
  if (finding.category !== 'service.failed' || finding.subject === undefined) return true;
  return !all.some((f) => f.category === 'service.crash_loop' && f.subject === finding.subject);
}

/**
 * A finding still open from the previous pass keeps its first time and counts one more pass: a persisting condition
 * is one open item, not a new one each pass.
 */
export function markOpenSince(findings: Finding[], previous: PreviousHostState, now: string): void {
  for (const finding of findings) {
    const open = previous.openFindings?.[finding.key];
    finding.since = open?.since ?? now;
    finding.passes = (open?.passes ?? 0) + 1;
  }
}
