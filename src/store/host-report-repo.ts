import type { Kysely } from 'kysely';
import type { SourceSummary } from '../analyze/metric-summary.js';
import { loadLatestMetricSources } from './metric-sources-repo.js';
import { readDuBaseline, type DuBaseline } from '../collect/du.js';
import type {
  Change,
  Evidence,
  FindingCategory,
  HealthStatus,
  HostFacts,
  HostRunStatus,
  LogSourceResult,
  ScoreReason,
  Severity,
} from '../types.js';
import { aiCostByDay, latestAiAnalysis, type AiAnalysisRow, type AiCostDay } from './ai-repo.js';
import { chunk } from './chunk.js';
import { metricHistory } from './metric-history.js';
import type { Database } from './schema.js';

/** What a period report covers: the host, the period (after `since`, up to and including `until`), the trend start. */
export interface HostReportQuery {
  hostId: number;
  since: Date;
  until: Date;
  /** Start of the trend charts (trendStart(until, trendDays): 30 days by default); may lie before or after `since`. */
  trendSince: Date;
}

/** One host run of the period, as the report needs it. */
export interface PeriodRun {
  id: number;
  startedAt: string;
  status: HostRunStatus;
  error: string | null;
  score: number | null;
  health: HealthStatus | null;
  logSources: LogSourceResult[];
}

/** The latest host run of the period, with the reasons of its score. */
export interface LatestRun extends PeriodRun {
  reasons: ScoreReason[];
}

/** One finding key of the period: the latest row's fields, with counts and times over every row of the period. */
export interface PeriodFinding {
  key: string;
  category: FindingCategory;
  severity: Severity;
  ruleId: string;
  title: string;
  subject: string | null;
  /** Events over the period (the rows' counts summed). */
  count: number;
  /** Host runs that reported it in the period. */
  occurrences: number;
  firstSeen: string;
  lastSeen: string;
  /** The latest row's evidence (already redacted by analysis). */
  evidence: Evidence[];
  recommendation: string | null;
}

/** A stored change with the time the pass that found it collected the host. */
export interface PeriodChange extends Change {
  detectedAt: string;
}

/** One metric (`cpu.used_percent`; per mount for the disk metrics) over the trend window, oldest first. */
export interface MetricSeries {
  name: string;
  label: string;
  points: Array<{ at: string; value: number }>;
}

/** A finding_state row: an item open during the period (see HostReportData.items). */
export interface ReportItemState {
  key: string;
  category: FindingCategory;
  severity: Severity;
  title: string;
  firstSeen: string;
  lastSeen: string;
  passes: number;
  resolvedAt: string | null;
}

/** What the AI stage did for the host in the period (see loadHostReportData). */
export interface HostReportAiData {
  /** The latest analysis of the period (any status); null when the LLM never looked at the host in it. */
  latest: AiAnalysisRow | null;
  /**
   * The latest analysis with an answer (`ok`/`cached`) up to the end of the period, looking back as far as the trend
   * window: the summary a report still shows, with its time, when the latest analysis got none.
   */
  answered: AiAnalysisRow | null;
  /** The AI calls of the period per UTC day, oldest first. */
  cost: AiCostDay[];
}

/** Everything a period host report shows, read from the store. Plain data; the report model is built from it. */
export interface HostReportData {
  hostId: number;
  since: string;
  until: string;
  trendSince: string;
  /** Host runs of the period, oldest first. */
  runs: PeriodRun[];
  latest: LatestRun | null;
  /** The latest facts stored up to `until` (possibly from before the period, when the host was down all along). */
  facts: { at: string; facts: HostFacts } | null;
  /** One entry per finding key of the period, most severe first, then latest first. */
  findings: PeriodFinding[];
  /** Changes of the period, oldest first, at most MAX_CHANGES_LOADED; `changesTotal` counts them all. */
  changes: PeriodChange[];
  changesTotal: number;
  /** cpu.used_percent, memory.used_percent, disk.used_percent/used_bytes/size_bytes from min(since, trendSince). */
  metrics: MetricSeries[];
  /**
   * Items that were open at some time of the period: open now, or resolved after `since` (a `resolvedAt` after
   * `until` means it was still open at the end of the period). Items first seen after `until` are left out.
   */
  items: ReportItemState[];
  /** The last du of each mount (`du:<mount>` baselines), for the directories behind disk growth. */
  du: Record<string, DuBaseline>;
  ai: HostReportAiData;
  /** The metrics sources of the latest pass up to `until` that had any ([] without sources). */
  metricSources: SourceSummary[];
}

/** Days of trend the report charts show by default (the "default 30 days"). */
export const DEFAULT_TREND_DAYS = 30;

/** The start of the trend charts of a report ending at `until`: `trendDays` days before it. */
export function trendStart(until: Date, trendDays: number = DEFAULT_TREND_DAYS): Date {
  return new Date(until.getTime() - trendDays * 86_400_000);
}

/** Changes read at most: a report lists a few dozen per group; the rest are only counted. */
export const MAX_CHANGES_LOADED = 2000;
/** The metrics the report draws and summarises. */
export const REPORT_METRICS = ['cpu.used_percent', 'memory.used_percent', 'disk.used_percent', 'disk.used_bytes', 'disk.size_bytes'] as const;
const IDS_PER_STATEMENT = 500;
const SEVERITY_RANK: Record<Severity, number> = { crit: 0, warn: 1, info: 2 };

/**
 * Reads what a host report covering a period needs, in twelve indexed queries whatever the period's length: the host
 * runs of the period (host_runs host_id+started_at), the latest facts, findings grouped by key in the database
 * (findings host_id+created_at) and then only the latest row of each key with its evidence, the changes
 * (changes host_id+detected_at), the trend metrics (metrics host_id+name+collected_at, and its hourly and daily rollups), the open and just resolved
 * items (finding_state), the du baselines, and the AI stage's latest and latest answered analyses and calls
 * (ai_analyses and ai_calls host_id+created_at). The period is `(since, until]`: a report generated at `since`
 * showed what came before. Works the same on SQLite and PostgreSQL.
 */
export async function loadHostReportData(db: Kysely<Database>, query: HostReportQuery): Promise<HostReportData> {
  const since = query.since.toISOString();
  const until = query.until.toISOString();
  const trendSince = query.trendSince.toISOString();
  const metricsFrom = since < trendSince ? since : trendSince;
  const { hostId } = query;
  const [runRows, factsRow, findings, changes, metrics, items, du, ai, sources] = await Promise.all([
    db
      .selectFrom('host_runs')
      .select(['id', 'started_at', 'status', 'error', 'score', 'health', 'reasons', 'log_sources'])
      .where('host_id', '=', hostId)
      .where('started_at', '>', since)
      .where('started_at', '<=', until)
      .orderBy('started_at')
      .orderBy('id')
      .execute(),
    db
      .selectFrom('host_runs')
      .select(['started_at', 'facts'])
      .where('host_id', '=', hostId)
      .where('started_at', '<=', until)
      .where('facts', 'is not', null)
      .orderBy('started_at', 'desc')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst(),
    loadPeriodFindings(db, hostId, since, until),
    loadPeriodChanges(db, hostId, since, until),
    loadMetrics(db, hostId, metricsFrom, until),
    db
      .selectFrom('finding_state')
      .select(['key', 'category', 'severity', 'title', 'first_seen', 'last_seen', 'passes', 'resolved_at'])
      .where('host_id', '=', hostId)
      .where('first_seen', '<=', until)
      .where((eb) => eb.or([eb('resolved_at', 'is', null), eb('resolved_at', '>', since)]))
      .orderBy('first_seen')
      .orderBy('key')
      .execute(),
    db.selectFrom('baselines').select(['kind', 'data']).where('host_id', '=', hostId).where('kind', 'like', 'du:%').execute(),
    loadPeriodAi(db, hostId, { since: query.since, until: query.until, answeredFrom: metricsFrom }),
    loadLatestMetricSources(db, [hostId], until),
  ]);
  const runs = runRows.map((row) => ({
    id: row.id,
    startedAt: row.started_at,
    status: row.status,
    error: row.error,
    score: row.score === null ? null : Number(row.score),
    health: row.health,
    logSources: parseArray<LogSourceResult>(row.log_sources),
  }));
  const last = runRows[runRows.length - 1];
  const facts = factsRow?.facts ? parseJson(factsRow.facts) : undefined;
  return {
    hostId,
    since,
    until,
    trendSince,
    runs,
    latest: last ? { ...(runs[runs.length - 1] as PeriodRun), reasons: parseArray<ScoreReason>(last.reasons) } : null,
    facts: factsRow && isObject(facts) ? { at: factsRow.started_at, facts: facts as unknown as HostFacts } : null,
    findings,
    ...changes,
    metrics,
    items: items.map((row) => ({
      key: row.key,
      category: row.category as FindingCategory,
      severity: row.severity,
      title: row.title,
      firstSeen: row.first_seen,
      lastSeen: row.last_seen,
      passes: Number(row.passes),
      resolvedAt: row.resolved_at,
    })),
    du: Object.fromEntries(
      du.flatMap((row) => {
        const baseline = readDuBaseline(parseJson(row.data));
        return baseline ? [[row.kind.slice('du:'.length), baseline] as const] : [];
      }),
    ),
    ai,
    metricSources: sources.get(hostId)?.sources ?? [],
  };
}

/**
 * The AI stage's part of the period. The AI queries take `[from, to)`; one millisecond later on both ends makes that
 * the report's `(since, until]` (every stored time is an ISO string with milliseconds).
 */
async function loadPeriodAi(db: Kysely<Database>, hostId: number, period: { since: Date; until: Date; answeredFrom: string }): Promise<HostReportAiData> {
  const after = (iso: string | Date): string => new Date(new Date(iso).getTime() + 1).toISOString();
  const from = after(period.since);
  const to = after(period.until);
  const [latest, answered, cost] = await Promise.all([
    latestAiAnalysis(db, hostId, from, to),
    latestAiAnalysis(db, hostId, after(period.answeredFrom), to, { answeredOnly: true }),
    aiCostByDay(db, hostId, from, to),
  ]);
  return { latest, answered, cost };
}

/** Findings grouped by key in the database, then the latest row of each key fetched by id (with its evidence). */
async function loadPeriodFindings(db: Kysely<Database>, hostId: number, since: string, until: string): Promise<PeriodFinding[]> {
  const groups = await db
    .selectFrom('findings')
    .select((eb) => [
      'key',
      eb.fn.max('id').as('latest_id'),
      eb.fn.sum<number | string>('count').as('events'),
      eb.fn.countAll<number | string>().as('occurrences'),
      eb.fn.min('created_at').as('first_seen'),
      eb.fn.max('created_at').as('last_seen'),
    ])
    .where('host_id', '=', hostId)
    .where('created_at', '>', since)
    .where('created_at', '<=', until)
    .groupBy('key')
    .execute();
  const byId = new Map(groups.map((g) => [Number(g.latest_id), g]));
  const findings: PeriodFinding[] = [];
  for (const ids of chunk([...byId.keys()], IDS_PER_STATEMENT)) {
    const rows = await db
      .selectFrom('findings')
      .select(['id', 'key', 'category', 'severity', 'rule_id', 'title', 'subject', 'evidence', 'recommendation'])
      .where('id', 'in', ids)
      .execute();
    for (const row of rows) {
      const group = byId.get(row.id);
      if (!group) continue;
      findings.push({
        key: row.key,
        category: row.category as FindingCategory,
        severity: row.severity,
        ruleId: row.rule_id,
        title: row.title,
        subject: row.subject,
        count: Number(group.events),
        occurrences: Number(group.occurrences),
        firstSeen: group.first_seen,
        lastSeen: group.last_seen,
        evidence: parseArray<Evidence>(row.evidence),
        recommendation: row.recommendation,
      });
    }
  }
  return findings.sort(
    (a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || (a.lastSeen < b.lastSeen ? 1 : a.lastSeen > b.lastSeen ? -1 : 0) || (a.key < b.key ? -1 : 1),
  );
}

async function loadPeriodChanges(db: Kysely<Database>, hostId: number, since: string, until: string): Promise<{ changes: PeriodChange[]; changesTotal: number }> {
  const inPeriod = db.selectFrom('changes').where('host_id', '=', hostId).where('detected_at', '>', since).where('detected_at', '<=', until);
  const [rows, total] = await Promise.all([
    inPeriod
      .select(['kind', 'action', 'subject', 'category', 'detail', 'before', 'after', 'expected', 'reason', 'changed_at', 'detected_at'])
      .orderBy('detected_at')
      .orderBy('id')
      .limit(MAX_CHANGES_LOADED)
      .execute(),
    inPeriod.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirst(),
  ]);
  return {
    changes: rows.map((row) => ({
      kind: row.kind as Change['kind'],
      action: row.action,
      subject: row.subject,
      category: row.category as FindingCategory,
      detail: row.detail,
      before: row.before,
      after: row.after,
      expected: Number(row.expected) === 1,
      reason: row.reason,
      at: row.changed_at,
      detectedAt: row.detected_at,
    })),
    changesTotal: Number(total?.n ?? rows.length),
  };
}

/** The trend series: raw samples, and hourly or daily averages where retention rolled them up (metric-history.ts). */
async function loadMetrics(db: Kysely<Database>, hostId: number, from: string, until: string): Promise<MetricSeries[]> {
  const rows = await metricHistory(db, { hostIds: [hostId], names: REPORT_METRICS, from, fromInclusive: false, until }).execute();
  // ISO-8601 UTC text of fixed width: string order is time order.
  const order = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  rows.sort((a, b) => order(a.name, b.name) || order(a.label, b.label) || order(a.collected_at, b.collected_at));
  const series = new Map<string, MetricSeries>();
  for (const row of rows) {
    const id = `${row.name}\u0000${row.label}`;
    let s = series.get(id);
    if (!s) {
      s = { name: row.name, label: row.label, points: [] };
      series.set(id, s);
    }
    s.points.push({ at: row.collected_at, value: Number(row.value) });
  }
  return [...series.values()];
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A JSON array column; anything else (a hand-edited row) reads as empty rather than failing the report. */
function parseArray<T>(text: string): T[] {
  const value = parseJson(text);
  return Array.isArray(value) ? (value as T[]) : [];
}
