import type { AiCostDay } from '../store/ai-repo.js';
import type { AiOutcome } from '../analyze/llm/analyzer.js';
import type {
  BandName,
  Change,
  ContainerInfo,
  FindingCategory,
  HealthStatus,
  HostAnalysis,
  HostSnapshot,
  LogSourceStatus,
  PreviousHostState,
  ResolvedHost,
  ScoreReason,
  Severity,
} from '../types.js';
import { formatUtc } from './format.js';
import type { SourceSummary } from '../analyze/metric-summary.js';
import { buildReportMetrics, type ReportMetrics } from './host-report-metrics.js';
import { passAi } from './host-report-ai.js';
import { groupChanges, passDiskGrowth } from './host-report-changes.js';
import { buildContainers, buildHealth, collectionNotes, hostHeader, logReview, splitFindings, systemOf, toReportFinding, utcOr } from './host-report-sections.js';

export { buildPeriodHostReportModel, type PeriodHostReportOptions } from './period-host-report-model.js';

/** One resource value with the configured band it falls in. */
export interface BandedValue {
  percent: number | null;
  band: BandName | 'unknown';
  /** Over the report period (period reports; null per pass or without samples). */
  stats: PeriodStats | null;
}

/** A percentage over a period: its mean and its highest sample. */
export interface PeriodStats {
  average: number;
  peak: number;
  /** Band of the peak. */
  peakBand: BandName | 'unknown';
  samples: number;
}

export interface ReportEvidence {
  source: string;
  lines: string[];
  values: Array<{ name: string; value: string | number }>;
}

export interface ReportFinding {
  /** Stable identity across passes (category + subject). */
  key: string;
  title: string;
  /** Open since an earlier pass or report (`YYYY-MM-DD HH:MM:SS UTC`); null when it is new. */
  openSince: string | null;
  /** Passes in a row that reported it. */
  passes: number;
  category: FindingCategory;
  severity: Severity;
  subject: string | null;
  /** Events (over the period, for a period report). */
  count: number;
  recommendation: string | null;
  evidence: ReportEvidence[];
  /** Period reports: first and last time a pass of the period reported it; null per pass. */
  firstSeen: string | null;
  lastSeen: string | null;
  /** Passes of the period that reported it (1 per pass; 0 for an item open from before the period). */
  occurrences: number;
  /** Period reports: the condition is gone (a later pass no longer reported it). Always false per pass. */
  isResolved: boolean;
  /**
   * Claimed by the LLM (category `ai.finding`; `subject` is the model's own category, and each evidence line starts
   * with the id it cited). Shown with an AI mark; never part of the score or the counts.
   */
  ai: boolean;
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
  /** When the facts shown were collected (`YYYY-MM-DD HH:MM:SS UTC`). */
  asOf: string;
  cpu: BandedValue & { cores: number; windowSeconds: number | null };
  /** Null when the memory facts could not be collected (shown as unknown). */
  memory: (BandedValue & { totalBytes: number; availableBytes: number; swapTotalBytes: number; swapUsedBytes: number }) | null;
  load: (BandedValue & { one: number; five: number; fifteen: number }) | null;
  disks: ReportDisk[];
}

export interface ReportLogSource {
  path: string;
  pattern: string;
  /** Status at the latest pass. */
  status: LogSourceStatus;
  bytesRead: number;
  linesRead: number;
  skippedBytes: number;
  note: string | null;
  /** Passes that read it (1 per pass). */
  passes: number;
  /** Findings with evidence from this source. */
  findingCount: number;
  /** The most severe, then most frequent, findings from this source (new patterns apart). */
  highlights: Array<{ title: string; severity: Severity; count: number }>;
  moreHighlights: number;
  /** Messages this host never logged before (`log.new_pattern`), with one example line. */
  newPatterns: Array<{ title: string; severity: Severity; count: number; example: string | null }>;
  moreNewPatterns: number;
}

export interface ReportChange {
  kind: Change['kind'];
  action: Change['action'];
  subject: string;
  detail: string;
  reason: string | null;
  expected: boolean;
  /** When the pass that found it ran (period reports), else null. */
  detectedAt: string | null;
}

/** The areas changes are grouped by (disk growth has its own list: ReportChanges.diskGrowth). */
export type ChangeArea = 'users' | 'packages' | 'services' | 'ports' | 'files' | 'docker' | 'system';

/** The changes of one area; packages come in one set per transaction (`transaction` null: none explains them). */
export interface ReportChangeGroup {
  area: ChangeArea;
  total: number;
  unexpected: number;
  sets: Array<{ transaction: string | null; items: ReportChange[]; more: number }>;
}

/** How much a mount grew, and the directories behind it when a du measured them. */
export interface ReportDiskGrowth {
  mount: string;
  /** Growth over the period (since the last pass, per pass). */
  deltaBytes: number | null;
  usedBytes: number | null;
  sizeBytes: number | null;
  /** `+1.2 GiB ... (now ...)` lines of the du that measured it. */
  directories: string[];
  /** `grew`: the directories that grew since the previous du; `largest`: the biggest ones (no earlier du). */
  directoriesKind: 'grew' | 'largest' | null;
  directoriesAt: string | null;
}

export interface ReportChanges {
  total: number;
  unexpected: number;
  groups: ReportChangeGroup[];
  diskGrowth: ReportDiskGrowth[];
  /** Changes stored but not read (a period with more than the store reads at once). */
  notLoaded: number;
}

/** A container as the report shows it: what `docker ps`/`inspect` said, and the status the report gives it. */
export type ReportContainer = Omit<ContainerInfo, 'id'> & {
  /** ok: running (and healthy); critical: restarting or unhealthy; warning: exited with a failure; info: other. */
  status: 'ok' | 'info' | 'warning' | 'critical';
};

/** A trend chart: the SVG (inline in saved HTML) and how email refers to its PNG (`cid`). */
export interface ReportChart {
  id: string;
  /** Content-ID of the PNG in email (`<id>.<host>@dthostmon`). */
  cid: string;
  title: string;
  /** Text alternative (what the chart shows, in words). */
  alt: string;
  width: number;
  height: number;
  svg: string;
}

/** The AI calls of one UTC day (period reports): as the store sums them (ai-repo.ts `aiCostByDay`). */
export type ReportAiCostDay = AiCostDay;

/** What the AI cost over a period: per UTC day, the total and the average per day. */
export interface ReportAiCost {
  days: ReportAiCostDay[];
  totalUsd: number;
  /** totalUsd over the period's length in days (a period shorter than a day counts as one: no extrapolation). */
  perDayUsd: number;
  calls: number;
  unpricedCalls: number;
}

/**
 * The AI section: what the LLM said (its summary, its own view of the health beside the rules' score, its
 * recommendations), or why it said nothing (`unavailable`: every provider failed; `skipped`: a token budget was
 * spent). The deterministic score stays the one that counts.
 */
export interface ReportAi {
  /** Of the latest analysis (of the pass, or of the period). */
  status: 'ok' | 'cached' | 'unavailable' | 'skipped';
  /** When that latest analysis ran (`YYYY-MM-DD HH:MM:SS UTC`). */
  statusAt: string;
  /** Summary paragraphs (blank lines split them); [] when there is no answer to show. */
  paragraphs: string[];
  /** The model's own health view (0-100); null when it gave none. Shown beside the rules' score, never instead. */
  llmScore: number | null;
  recommendations: string[];
  provider: string | null;
  model: string | null;
  /**
   * When the summary shown was written (`YYYY-MM-DD HH:MM:SS UTC`); in a period report whose latest analysis got no
   * answer, the time of the last one that did. Null when there is no summary.
   */
  analyzedAt: string | null;
  /** Why there is no fresh answer (`unavailable`: the providers' errors; `skipped`: the budget), one line; else null. */
  reason: string | null;
  /** Claims of the answer shown that were dropped for citing evidence that was not in the input. */
  droppedClaims: number;
  /** Period reports: the AI calls of the period (null per pass, or without calls). */
  cost: ReportAiCost | null;
}

/** Everything the host report templates show; plain data, no wording (that lives in the templates). */
export interface HostReportModel {
  /** `pass`: the file written by every pass; `period`: the scheduled or on-demand report from the store. */
  kind: 'pass' | 'period';
  /** How the HTML shows charts: `email` as cid images, `file` as inline SVG. */
  media: 'email' | 'file';
  /** `YYYY-MM-DD HH:MM:SS UTC`. */
  generatedAt: string;
  /** The period covered (period reports). */
  period: { since: string; until: string; passes: number; failedPasses: number; trendDays: number } | null;
  host: { name: string; site: string | null; tags: string[]; address: string; transport: 'ssh' | 'local' };
  /** What the host says about itself; null when facts could not be collected. */
  system: { hostname: string; os: string; kernel: string; uptimeSeconds: number | null } | null;
  reachable: boolean;
  score: {
    value: number | null;
    status: HealthStatus | null;
    /** The score of the last pass (per pass) or the last report (period). */
    previous: number | null;
    /** When the last report was generated (period reports). */
    previousAt: string | null;
    /** value - previous, when both exist. */
    change: number | null;
    reasons: ScoreReason[];
  };
  /** The rules' findings by severity (those the score is built from); `ai`: the LLM's findings, listed apart. */
  counts: { critical: number; warnings: number; info: number; ai: number };
  critical: ReportFinding[];
  warnings: ReportFinding[];
  /** Info findings, except collection failures (those are the collection notes). */
  nonCritical: ReportFinding[];
  health: ReportHealth | null;
  charts: ReportChart[];
  /** What changed since the previous pass or report (null when the host's state was not compared). */
  changes: ReportChanges | null;
  logSources: ReportLogSource[];
  docker: { containers: ReportContainer[]; running: number } | null;
  collectionNotes: Array<{ source: string; message: string }>;
  /** The AI section; null when the LLM was not asked (not configured, or nothing new: a quiet host costs nothing). */
  ai: ReportAi | null;
  /** Prometheus, InfluxDB and Glances (issue #8): status, values beside SSH's, queries, trends; null without sources. */
  metrics: ReportMetrics | null;
}

export interface HostReportInput {
  host: ResolvedHost;
  snapshot: HostSnapshot;
  analysis: HostAnalysis;
  previous: PreviousHostState;
  generatedAt: Date;
  /** What the AI stage did this pass (its findings are already in `analysis.findings`); absent or quiet: no section. */
  ai?: AiOutcome | null;
  /** The metrics sources' answers, summarized (absent: the host has no source). */
  metricSources?: readonly SourceSummary[];
}

/**
 * Builds the data of the per-pass host report (the file every pass writes) from the snapshot and its analysis:
 * header, score and its change since the last pass with reasons, critical issues, system health with bands,
 * changes grouped by area, warnings, log review per source, docker containers, collection notes, non-critical items,
 * and the AI section when the AI stage looked at the host. Period-only parts (trend charts, period statistics, AI
 * cost) stay empty. Pure. Evidence is already redacted by analysis.
 */
export function buildHostReportModel(input: HostReportInput): HostReportModel {
  const { host, snapshot, analysis, previous, generatedAt } = input;
  const facts = snapshot.facts;
  const score = snapshot.reachable ? analysis.score : null;
  const generated = formatUtc(generatedAt);
  const findings = analysis.findings.map((f) => toReportFinding(f, generated));
  const split = splitFindings(findings);
  return {
    kind: 'pass',
    media: 'file',
    generatedAt: generated,
    period: null,
    host: hostHeader(host),
    system: systemOf(facts),
    reachable: snapshot.reachable,
    score: {
      value: score,
      status: snapshot.reachable ? analysis.status : null,
      previous: previous.lastScore,
      previousAt: null,
      change: score !== null && previous.lastScore !== null ? score - previous.lastScore : null,
      reasons: snapshot.reachable ? analysis.reasons : [],
    },
    counts: split.counts,
    critical: split.critical,
    warnings: split.warnings,
    nonCritical: split.nonCritical,
    health: facts ? buildHealth(facts, host.resourceThresholds, utcOr(snapshot.collectedAt, generated), { deltas: analysis.diskDeltas ?? [] }) : null,
    charts: [],
    changes: analysis.changes === undefined ? null : groupChanges(analysis.changes, passDiskGrowth(analysis), 0),
    logSources: logReview(
      snapshot.logSources.map((s) => ({ ...s, passes: s.status === 'read' ? 1 : 0 })),
      findings,
    ),
    docker: buildContainers(facts?.containers),
    collectionNotes: collectionNotes(findings),
    ai: passAi(input.ai, generated),
    metrics: buildReportMetrics(input.metricSources, facts, {
      fullWithinDays: host.diskGrowth?.fullWithinDays ?? 7,
      ...(analysis.metrics ? { comparisons: analysis.metrics.comparisons } : {}),
    }),
  };
}
