/**
 * Read queries of `dthostmon serve` about results: a host's runs newest first (keyset pagination), one pass with
 * its host runs, the findings of a host run or the host's open items, log templates, changes. Every query is a range
 * or point lookup on an index (host_runs (host_id, started_at), host_runs (run_id), findings (host_run_id),
 * changes (host_run_id) from migration 0009), selecting only the columns the API shows.
 */
import type { Kysely, Selectable } from 'kysely';
import { chunk } from './chunk.js';
import { HOST_RUN_COLUMNS, type ApiHostRun } from './api-hosts-repo.js';
import type { ChangeRow, Database, FindingStateTable, RunRow } from './schema.js';
import type { Evidence, Severity } from '../types.js';

export type FindingStateRow = Selectable<FindingStateTable>;

/** A position in a host's results, newest first: rows strictly older than (startedAt, id) come next. */
export interface ResultsCursor {
  startedAt: string;
  id: number;
}

/**
 * A host's runs, newest first, `limit` of them, after `before` when given. Ordered by (started_at, id) so runs that
 * started in the same millisecond still page without gaps or repeats.
 */
export async function hostResults(db: Kysely<Database>, hostId: number, options: { limit: number; before: ResultsCursor | null }): Promise<ApiHostRun[]> {
  let query = db.selectFrom('host_runs').select(HOST_RUN_COLUMNS).where('host_id', '=', hostId);
  const before = options.before;
  if (before) {
    query = query.where((eb) => eb.or([eb('started_at', '<', before.startedAt), eb.and([eb('started_at', '=', before.startedAt), eb('id', '<', before.id)])]));
  }
  return query.orderBy('started_at', 'desc').orderBy('id', 'desc').limit(options.limit).execute();
}

/** One host run, or null. */
export async function hostRunById(db: Kysely<Database>, id: number): Promise<ApiHostRun | null> {
  return (await db.selectFrom('host_runs').select(HOST_RUN_COLUMNS).where('id', '=', id).executeTakeFirst()) ?? null;
}

/** The log sources a host run read (host_runs.log_sources, JSON), with its time; null when the host run is unknown. */
export async function hostRunLogSources(db: Kysely<Database>, id: number): Promise<{ hostId: number; finishedAt: string; logSources: unknown } | null> {
  const row = await db.selectFrom('host_runs').select(['host_id', 'finished_at', 'log_sources']).where('id', '=', id).executeTakeFirst();
  return row ? { hostId: row.host_id, finishedAt: row.finished_at, logSources: parseJson(row.log_sources, []) } : null;
}

/** One pass and its host runs with host names, by host name. */
export async function runWithHostRuns(db: Kysely<Database>, runId: number): Promise<{ run: RunRow; hostRuns: Array<ApiHostRun & { name: string }> } | null> {
  const run = await db.selectFrom('runs').selectAll().where('id', '=', runId).executeTakeFirst();
  if (!run) return null;
  const hostRuns = await db
    .selectFrom('host_runs')
    .innerJoin('hosts', 'hosts.id', 'host_runs.host_id')
    .select([...HOST_RUN_COLUMNS.map((c) => `host_runs.${c}` as const), 'hosts.name'])
    .where('host_runs.run_id', '=', runId)
    .orderBy('hosts.name')
    .execute();
  return { run, hostRuns };
}

/** A finding as the API shows it. */
export interface ApiFinding {
  id: number;
  hostRunId: number;
  category: string;
  severity: Severity;
  ruleId: string;
  title: string;
  key: string;
  subject: string | null;
  count: number;
  evidence: Evidence[];
  recommendation: string | null;
  createdAt: string;
}

export interface FindingFilter {
  severity?: Severity | undefined;
  category?: string | undefined;
}

/** The findings of one host run (filtered), most severe first, with a total for pagination. */
export async function findingsOfHostRun(db: Kysely<Database>, hostRunId: number, filter: FindingFilter, page: { limit: number; offset: number }): Promise<{ items: ApiFinding[]; total: number }> {
  let base = db.selectFrom('findings').where('host_run_id', '=', hostRunId);
  if (filter.severity) base = base.where('severity', '=', filter.severity);
  if (filter.category) base = base.where('category', '=', filter.category);
  const { n } = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const rows = await base
    .selectAll()
    .orderBy((eb) => eb.case().when('severity', '=', 'crit').then(0).when('severity', '=', 'warn').then(1).else(2).end())
    .orderBy('id')
    .limit(page.limit)
    .offset(page.offset)
    .execute();
  return {
    total: Number(n),
    items: rows.map((r) => ({
      id: r.id,
      hostRunId: r.host_run_id,
      category: r.category,
      severity: r.severity,
      ruleId: r.rule_id,
      title: r.title,
      key: r.key,
      subject: r.subject,
      count: r.count,
      evidence: parseJson<Evidence[]>(r.evidence, []),
      recommendation: r.recommendation,
      createdAt: r.created_at,
    })),
  };
}

/** The host's open (or, with `open: false`, resolved) items from finding_state, newest first. */
export async function findingStateItems(db: Kysely<Database>, hostId: number, open: boolean, filter: FindingFilter, page: { limit: number; offset: number }): Promise<{ items: FindingStateRow[]; total: number }> {
  let base = db.selectFrom('finding_state').where('host_id', '=', hostId).where('resolved_at', open ? 'is' : 'is not', null);
  if (filter.severity) base = base.where('severity', '=', filter.severity);
  if (filter.category) base = base.where('category', '=', filter.category);
  const { n } = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const items = await base.selectAll().orderBy('last_seen', 'desc').orderBy('id', 'desc').limit(page.limit).offset(page.offset).execute();
  return { items, total: Number(n) };
}

/** The evidence of one host run's findings: source and lines (a few redacted examples each, never whole files). */
export async function evidenceOfHostRun(db: Kysely<Database>, hostRunId: number, limit: number): Promise<Array<{ findingId: number; key: string; severity: Severity; source: string; lines: string[] }>> {
  const rows = await db.selectFrom('findings').select(['id', 'key', 'severity', 'evidence']).where('host_run_id', '=', hostRunId).orderBy('id').execute();
  const out = [];
  for (const row of rows) {
    for (const e of parseJson<Evidence[]>(row.evidence, [])) {
      if (!e.lines || e.lines.length === 0) continue;
      out.push({ findingId: row.id, key: row.key, severity: row.severity, source: e.source, lines: e.lines });
      if (out.length >= limit) return out;
    }
  }
  return out;
}

/** The host's log templates, most recently seen first. */
export async function logTemplatesOfHost(db: Kysely<Database>, hostId: number, limit: number) {
  return db
    .selectFrom('log_templates')
    .select(['template', 'is_error', 'line_count', 'first_seen', 'last_seen'])
    .where('host_id', '=', hostId)
    .orderBy('last_seen', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

/** The changes one host run detected, newest first. */
export async function changesOfHostRun(db: Kysely<Database>, hostRunId: number): Promise<ChangeRow[]> {
  return db.selectFrom('changes').selectAll().where('host_run_id', '=', hostRunId).orderBy('detected_at', 'desc').orderBy('id', 'desc').execute();
}

/** Changes per host run (host run id -> count), for the given host runs; absent means none. */
export async function changeCounts(db: Kysely<Database>, hostRunIds: readonly number[]): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  for (const ids of chunk([...new Set(hostRunIds)], 500)) {
    if (ids.length === 0) continue;
    const rows = await db
      .selectFrom('changes')
      .select(['host_run_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('host_run_id', 'in', ids)
      .groupBy('host_run_id')
      .execute();
    for (const row of rows) out.set(row.host_run_id, Number(row.n));
  }
  return out;
}

/** JSON text written by the pass; a broken value reads as `fallback` rather than failing the request. */
export function parseJson<T>(text: string | null, fallback: T): T {
  if (text === null) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}
