/**
 * The parts of the host report model that the per-pass report and the period report build the same way: findings,
 * system health with bands, the log review per source, docker containers (changes: host-report-changes.ts). Pure.
 */
import { classifyBand, classifyLoad, isAlwaysFullMount, loadPercent } from '../analyze/resources.js';
import type {
  BandName,
  ContainerInfo,
  Evidence,
  Finding,
  HostAnalysis,
  HostFacts,
  LogSourceResult,
  ResolvedHost,
  ResourceThresholds,
  Severity,
} from '../types.js';
import { formatUtc } from './format.js';
import type {
  HostReportModel,
  PeriodStats,
  ReportContainer,
  ReportDisk,
  ReportEvidence,
  ReportFinding,
  ReportHealth,
  ReportLogSource,
} from './host-report-model.js';

/** Highlights and new patterns shown per log source at most. */
export const MAX_PER_SOURCE = 5;

export const SEVERITY_RANK: Record<Severity, number> = { crit: 0, warn: 1, info: 2 };

/** `YYYY-MM-DD HH:MM:SS UTC` of an ISO time, or the fallback when it does not parse. */
export function utcOr(iso: string | null | undefined, fallback: string): string {
  const date = iso ? new Date(iso) : null;
  return date && Number.isFinite(date.getTime()) ? formatUtc(date) : fallback;
}

export function hostHeader(host: ResolvedHost): HostReportModel['host'] {
  return { name: host.name, site: host.site, tags: [...host.tags], address: host.hostname, transport: host.transport };
}

export function systemOf(facts: HostFacts | null): HostReportModel['system'] {
  return facts
    ? { hostname: facts.hostname, os: facts.os.prettyName || facts.os.name, kernel: facts.kernel, uptimeSeconds: facts.uptimeSeconds }
    : null;
}

export function toReportEvidence(evidence: readonly Evidence[]): ReportEvidence[] {
  return evidence.map((e) => ({
    source: String(e.source ?? ''),
    lines: Array.isArray(e.lines) ? e.lines.map(String) : [],
    values: Object.entries(e.values ?? {}).map(([name, value]) => ({ name, value })),
  }));
}

/** A finding of one pass. It is open since an earlier pass when more than one pass reported it. */
export function toReportFinding(f: Finding, generatedAt: string): ReportFinding {
  const since = f.since ? new Date(f.since) : null;
  const openSince = since && Number.isFinite(since.getTime()) && (f.passes ?? 1) > 1 ? formatUtc(since) : null;
  return {
    key: f.key,
    title: f.title,
    openSince: openSince === generatedAt ? null : openSince,
    passes: f.passes ?? 1,
    category: f.category,
    severity: f.severity,
    subject: f.subject ?? null,
    count: f.count,
    recommendation: f.recommendation ?? null,
    evidence: toReportEvidence(f.evidence),
    firstSeen: null,
    lastSeen: null,
    occurrences: 1,
    isResolved: false,
    ai: isAiFinding(f),
  };
}

/** A finding the LLM claimed (verify.ts), not a rule's. */
export function isAiFinding(f: { category: string }): boolean {
  return f.category === 'ai.finding';
}

/**
 * Findings by severity; collection failures are the collection notes, not non-critical items. AI findings are listed
 * with the others (marked), but counted apart: the counts beside the score are the rules' (those it is built from).
 */
export function splitFindings(findings: readonly ReportFinding[]): Pick<HostReportModel, 'counts' | 'critical' | 'warnings' | 'nonCritical'> {
  const of = (severity: Severity): ReportFinding[] => findings.filter((f) => f.severity === severity);
  const rules = (severity: Severity): number => of(severity).filter((f) => !f.ai).length;
  const info = of('info');
  return {
    counts: { critical: rules('crit'), warnings: rules('warn'), info: rules('info'), ai: findings.filter((f) => f.ai).length },
    critical: of('crit'),
    warnings: of('warn'),
    nonCritical: info.filter((f) => f.category !== 'collect.source_failed'),
  };
}

export function collectionNotes(findings: readonly ReportFinding[]): HostReportModel['collectionNotes'] {
  return findings
    .filter((f) => f.category === 'collect.source_failed')
    .map((f) => ({ source: f.subject ?? f.key, message: f.evidence[0]?.lines[0] ?? f.title }));
}

/** What buildHealth adds beyond the facts: growth per mount and, for a period, statistics per resource. */
export interface HealthExtras {
  /** Per mount growth (per pass: the analysis' disk deltas). */
  deltas?: NonNullable<HostAnalysis['diskDeltas']>;
  stats?: { cpu: PeriodStats | null; memory: PeriodStats | null; disks: ReadonlyMap<string, PeriodStats> };
}

/** Mean and peak of a series of percentages, with the band of the peak; null without samples. */
export function periodStats(values: readonly number[], thresholds: ResourceThresholds): PeriodStats | null {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return null;
  const peak = Math.max(...finite);
  const average = finite.reduce((sum, v) => sum + v, 0) / finite.length;
  return { average: Math.round(average * 10) / 10, peak, peakBand: classifyBand(peak, thresholds), samples: finite.length };
}

/** CPU, memory, load and the disks of the facts (read-only images left out), each with its configured band. */
export function buildHealth(facts: HostFacts, thresholds: ResourceThresholds, asOf: string, extras: HealthExtras = {}): ReportHealth {
  const load = loadPercent(facts);
  const cpu = facts.cpu.usedPercent;
  const band = (v: number): BandName | 'unknown' => classifyBand(v, thresholds);
  return {
    asOf,
    cpu: {
      percent: cpu,
      band: cpu === null ? 'unknown' : band(cpu),
      stats: extras.stats?.cpu ?? null,
      cores: facts.cpu.cores,
      windowSeconds: facts.cpu.windowSeconds,
    },
    memory: facts.memory && {
      percent: facts.memory.usedPercent,
      band: band(facts.memory.usedPercent),
      stats: extras.stats?.memory ?? null,
      totalBytes: facts.memory.totalBytes,
      availableBytes: facts.memory.availableBytes,
      swapTotalBytes: facts.memory.swapTotalBytes,
      swapUsedBytes: facts.memory.swapUsedBytes,
    },
    load: facts.load && {
      percent: load,
      band: load === null ? 'unknown' : classifyLoad(load, thresholds),
      stats: null,
      one: facts.load.one,
      five: facts.load.five,
      fifteen: facts.load.fifteen,
    },
    disks: (facts.disks ?? [])
      .filter((d) => !isAlwaysFullMount(d))
      .map((d): ReportDisk => {
        const delta = extras.deltas?.find((x) => x.mount === d.mount);
        return {
          mount: d.mount,
          growth: { sinceLastPass: delta?.sinceLastPass ?? null, day: delta?.day ?? null, week: delta?.week ?? null },
          filesystem: d.filesystem,
          sizeBytes: d.sizeBytes,
          usedBytes: d.usedBytes,
          availBytes: d.availBytes,
          percent: d.usedPercent,
          band: band(d.usedPercent),
          stats: extras.stats?.disks.get(d.mount) ?? null,
        };
      }),
  };
}

/**
 * One entry per log source: what was read, how many rule findings cite it, its most severe findings and the messages
 * it never logged before. (The LLM's findings cite lines too; they are listed, marked, with the other findings.)
 */
export function logReview(sources: ReadonlyArray<LogSourceResult & { passes: number }>, findings: readonly ReportFinding[]): ReportLogSource[] {
  const bySource = new Map<string, ReportFinding[]>();
  for (const f of findings) {
    if (f.category === 'collect.source_failed' || f.ai) continue;
    for (const source of new Set(f.evidence.map((e) => e.source))) {
      const list = bySource.get(source) ?? [];
      list.push(f);
      bySource.set(source, list);
    }
  }
  const rank = (a: ReportFinding, b: ReportFinding): number => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || b.count - a.count;
  return sources.map((s) => {
    const cited = bySource.get(s.path) ?? [];
    const highlights = cited.filter((f) => f.category !== 'log.new_pattern').sort(rank);
    const fresh = cited.filter((f) => f.category === 'log.new_pattern').sort(rank);
    return {
      path: s.path,
      pattern: s.pattern,
      status: s.status,
      bytesRead: s.bytesRead,
      linesRead: s.linesRead,
      skippedBytes: s.skippedBytes,
      note: s.note ?? null,
      passes: s.passes,
      findingCount: cited.length,
      highlights: highlights.slice(0, MAX_PER_SOURCE).map((f) => ({ title: f.title, severity: f.severity, count: f.count })),
      moreHighlights: Math.max(0, highlights.length - MAX_PER_SOURCE),
      newPatterns: fresh.slice(0, MAX_PER_SOURCE).map((f) => ({
        title: f.title,
        severity: f.severity,
        count: f.count,
        example: f.evidence.find((e) => e.source === s.path)?.lines[0] ?? null,
      })),
      moreNewPatterns: Math.max(0, fresh.length - MAX_PER_SOURCE),
    };
  });
}

/** Exit codes of a container stopped on purpose (see analyze/containers.ts). */
const CLEAN_EXIT_CODES: ReadonlySet<number> = new Set([0, 143]);

function containerStatus(c: ContainerInfo): ReportContainer['status'] {
  if (c.state === 'restarting' || c.health === 'unhealthy') return 'critical';
  if (c.state === 'running') return 'ok';
  if (c.state === 'exited' && c.exitCode !== null && !CLEAN_EXIT_CODES.has(c.exitCode)) return 'warning';
  return 'info';
}

/** The containers of the facts, problems first; null when docker was not looked at. */
export function buildContainers(containers: readonly ContainerInfo[] | undefined): HostReportModel['docker'] {
  if (!Array.isArray(containers)) return null;
  const rank: Record<ReportContainer['status'], number> = { critical: 0, warning: 1, info: 2, ok: 3 };
  const list = containers
    .map((c): ReportContainer => ({
      name: String(c.name),
      image: String(c.image),
      state: String(c.state),
      health: c.health ?? null,
      restartCount: Number(c.restartCount) || 0,
      exitCode: c.exitCode ?? null,
      startedAt: c.startedAt ?? null,
      status: containerStatus(c),
    }))
    .sort((a, b) => rank[a.status] - rank[b.status] || a.name.localeCompare(b.name));
  return { containers: list, running: list.filter((c) => c.state === 'running').length };
}
