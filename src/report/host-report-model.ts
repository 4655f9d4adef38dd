import { classifyBand, classifyLoad, isAlwaysFullMount, loadPercent } from '../analyze/resources.js';
import type {
  BandName,
  Change,
  Finding,
  FindingCategory,
  HealthStatus,
  HostAnalysis,
  HostFacts,
  HostSnapshot,
  LogSourceStatus,
  PreviousHostState,
  ResolvedHost,
  ResourceThresholds,
  ScoreReason,
  Severity,
} from '../types.js';
import { formatUtc } from './format.js';

/** One resource value with the configured band it falls in. */
export interface BandedValue {
  percent: number | null;
  band: BandName | 'unknown';
}

export interface ReportEvidence {
  source: string;
  lines: string[];
  values: Array<{ name: string; value: string | number }>;
}

export interface ReportFinding {
  title: string;
  /** Open since an earlier pass (`YYYY-MM-DD HH:MM:SS UTC`), null for a finding new in this pass. */
  openSince: string | null;
  /** Passes in a row that reported it. */
  passes: number;
  category: FindingCategory;
  severity: Severity;
  subject: string | null;
  count: number;
  recommendation: string | null;
  evidence: ReportEvidence[];
}

export interface ReportDisk extends BandedValue {
  mount: string;
  /** Bytes used more than at the last pass, ~24 h and ~7 d ago (null: no history that far back). */
  growth: { sinceLastPass: number | null; day: number | null; week: number | null };
  filesystem: string;
  sizeBytes: number;
  usedBytes: number;
  availBytes: number;
}

export interface ReportHealth {
  cpu: BandedValue & { cores: number; windowSeconds: number | null };
  /** Null when the memory facts could not be collected (shown as unknown). */
  memory: (BandedValue & { totalBytes: number; availableBytes: number; swapTotalBytes: number; swapUsedBytes: number }) | null;
  load: (BandedValue & { one: number; five: number; fifteen: number }) | null;
  disks: ReportDisk[];
}

export interface ReportLogSource {
  path: string;
  pattern: string;
  status: LogSourceStatus;
  bytesRead: number;
  linesRead: number;
  skippedBytes: number;
  note: string | null;
  /** Findings with evidence from this source. */
  findingCount: number;
}

export interface ReportChange {
  kind: Change['kind'];
  action: Change['action'];
  subject: string;
  detail: string;
  reason: string | null;
}

/** Changes shown per group at most; the rest are counted. */
const MAX_CHANGES_SHOWN = 40;

export interface ReportChanges {
  unexpected: ReportChange[];
  expected: ReportChange[];
  /** Changes of each group not shown (beyond MAX_CHANGES_SHOWN). */
  moreUnexpected: number;
  moreExpected: number;
  total: number;
}

/** Everything the host report template shows; plain data, no wording (that lives in the template). */
export interface HostReportModel {
  /** `YYYY-MM-DD HH:MM:SS UTC`. */
  generatedAt: string;
  host: { name: string; site: string | null; tags: string[]; address: string; transport: 'ssh' | 'local' };
  /** What the host says about itself; null when facts could not be collected. */
  system: { hostname: string; os: string; kernel: string; uptimeSeconds: number | null } | null;
  reachable: boolean;
  score: {
    value: number | null;
    status: HealthStatus | null;
    previous: number | null;
    /** value - previous, when both exist. */
    change: number | null;
    reasons: ScoreReason[];
  };
  counts: { critical: number; warnings: number; info: number };
  critical: ReportFinding[];
  warnings: ReportFinding[];
  /** Info findings, except collection failures (those are the collection notes). */
  nonCritical: ReportFinding[];
  health: ReportHealth | null;
  /** What changed since the previous pass (null when the host's state was not compared). */
  changes: ReportChanges | null;
  logSources: ReportLogSource[];
  collectionNotes: Array<{ source: string; message: string }>;
}

export interface HostReportInput {
  host: ResolvedHost;
  snapshot: HostSnapshot;
  analysis: HostAnalysis;
  previous: PreviousHostState;
  generatedAt: Date;
}

function toReportFinding(f: Finding, generatedAt: string): ReportFinding {
  const since = f.since ? new Date(f.since) : null;
  const openSince = since && Number.isFinite(since.getTime()) && (f.passes ?? 1) > 1 ? formatUtc(since) : null;
  return {
    title: f.title,
    openSince: openSince === generatedAt ? null : openSince,
    passes: f.passes ?? 1,
    category: f.category,
    severity: f.severity,
    subject: f.subject ?? null,
    count: f.count,
    recommendation: f.recommendation ?? null,
    evidence: f.evidence.map((e) => ({
      source: e.source,
      lines: e.lines ?? [],
      values: Object.entries(e.values ?? {}).map(([name, value]) => ({ name, value })),
    })),
  };
}

/** Unexpected changes first (they are the findings' cause), then the expected ones with their reasons. */
function buildChanges(changes: readonly Change[] | undefined): ReportChanges | null {
  if (changes === undefined) return null;
  const view = (c: Change): ReportChange => ({ kind: c.kind, action: c.action, subject: c.subject, detail: c.detail, reason: c.reason });
  const order = (a: Change, b: Change): number => a.kind.localeCompare(b.kind) || a.subject.localeCompare(b.subject);
  const unexpected = changes.filter((c) => !c.expected).sort(order);
  const expected = changes.filter((c) => c.expected).sort(order);
  return {
    unexpected: unexpected.slice(0, MAX_CHANGES_SHOWN).map(view),
    expected: expected.slice(0, MAX_CHANGES_SHOWN).map(view),
    moreUnexpected: Math.max(0, unexpected.length - MAX_CHANGES_SHOWN),
    moreExpected: Math.max(0, expected.length - MAX_CHANGES_SHOWN),
    total: changes.length,
  };
}

function growthOf(deltas: HostAnalysis['diskDeltas'], mount: string): ReportDisk['growth'] {
  const d = deltas?.find((x) => x.mount === mount);
  return { sinceLastPass: d?.sinceLastPass ?? null, day: d?.day ?? null, week: d?.week ?? null };
}

function buildHealth(facts: HostFacts, thresholds: ResourceThresholds, deltas: HostAnalysis['diskDeltas'] = []): ReportHealth {
  const load = loadPercent(facts);
  const cpu = facts.cpu.usedPercent;
  return {
    cpu: {
      percent: cpu,
      band: cpu === null ? 'unknown' : classifyBand(cpu, thresholds),
      cores: facts.cpu.cores,
      windowSeconds: facts.cpu.windowSeconds,
    },
    memory: facts.memory && {
      percent: facts.memory.usedPercent,
      band: classifyBand(facts.memory.usedPercent, thresholds),
      totalBytes: facts.memory.totalBytes,
      availableBytes: facts.memory.availableBytes,
      swapTotalBytes: facts.memory.swapTotalBytes,
      swapUsedBytes: facts.memory.swapUsedBytes,
    },
    load: facts.load && {
      percent: load,
      band: load === null ? 'unknown' : classifyLoad(load, thresholds),
      one: facts.load.one,
      five: facts.load.five,
      fifteen: facts.load.fifteen,
    },
    disks: (facts.disks ?? [])
      .filter((d) => !isAlwaysFullMount(d))
      .map((d) => ({
        mount: d.mount,
        growth: growthOf(deltas, d.mount),
        filesystem: d.filesystem,
        sizeBytes: d.sizeBytes,
        usedBytes: d.usedBytes,
        availBytes: d.availBytes,
        percent: d.usedPercent,
        band: classifyBand(d.usedPercent, thresholds),
      })),
  };
}

function findingsBySource(findings: readonly Finding[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const f of findings) {
    if (f.category === 'collect.source_failed') continue;
    for (const source of new Set(f.evidence.map((e) => e.source))) counts.set(source, (counts.get(source) ?? 0) + 1);
  }
  return counts;
}

/**
 * Builds the data of one host report (layout of the original's host report, section 9.2, filled with real data):
 * header, score and its change with reasons, critical issues, system health with bands, warnings, log review per
 * source, collection notes, non-critical items. Pure. Evidence is already redacted by analysis.
 */
export function buildHostReportModel(input: HostReportInput): HostReportModel {
  const { host, snapshot, analysis, previous, generatedAt } = input;
  const facts = snapshot.facts;
  const score = snapshot.reachable ? analysis.score : null;
  const bySource = findingsBySource(analysis.findings);
  const of = (severity: Severity): Finding[] => analysis.findings.filter((f) => f.severity === severity);
  const info = of('info');
  const generated = formatUtc(generatedAt);
  const toReport = (f: Finding): ReportFinding => toReportFinding(f, generated);
  return {
    generatedAt: generated,
    host: { name: host.name, site: host.site, tags: [...host.tags], address: host.hostname, transport: host.transport },
    system: facts
      ? { hostname: facts.hostname, os: facts.os.prettyName || facts.os.name, kernel: facts.kernel, uptimeSeconds: facts.uptimeSeconds }
      : null,
    reachable: snapshot.reachable,
    score: {
      value: score,
      status: snapshot.reachable ? analysis.status : null,
      previous: previous.lastScore,
      change: score !== null && previous.lastScore !== null ? score - previous.lastScore : null,
      reasons: snapshot.reachable ? analysis.reasons : [],
    },
    counts: { critical: of('crit').length, warnings: of('warn').length, info: info.length },
    critical: of('crit').map(toReport),
    warnings: of('warn').map(toReport),
    nonCritical: info.filter((f) => f.category !== 'collect.source_failed').map(toReport),
    health: facts ? buildHealth(facts, host.resourceThresholds, analysis.diskDeltas) : null,
    changes: buildChanges(analysis.changes),
    logSources: snapshot.logSources.map((s) => ({
      path: s.path,
      pattern: s.pattern,
      status: s.status,
      bytesRead: s.bytesRead,
      linesRead: s.linesRead,
      skippedBytes: s.skippedBytes,
      note: s.note ?? null,
      findingCount: bySource.get(s.path) ?? 0,
    })),
    collectionNotes: info
      .filter((f) => f.category === 'collect.source_failed')
      .map((f) => ({ source: f.subject ?? f.key, message: f.evidence[0]?.lines?.[0] ?? f.title })),
  };
}
