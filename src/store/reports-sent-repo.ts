import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

export type ReportKind = 'host' | 'site';

/** What a delivered report showed, so the next one can say what moved (`summary` of `reports_sent`). */
export interface ReportSummary {
  /** Host report: the host's score (null when unreachable). */
  score?: number | null;
  /** Site report: each host's score. */
  scores?: Record<string, number | null>;
}

export interface ReportSent {
  id: number;
  kind: ReportKind;
  scope: string;
  generatedAt: string;
  periodStart: string;
  periodEnd: string;
  trigger: 'schedule' | 'on-demand';
  summary: ReportSummary;
  outboxId: number | null;
  path: string | null;
}

function parseSummary(text: string): ReportSummary {
  try {
    const value = JSON.parse(text) as unknown;
    return value && typeof value === 'object' ? (value as ReportSummary) : {};
  } catch {
    return {};
  }
}

/**
 * The last report of this kind and scope that was sent by schedule or on demand with --send (null: never). A report
 * only rendered (`report --out`) is not recorded, so it neither delays the schedule nor becomes the "last report".
 */
export async function lastReportSent(db: Kysely<Database>, kind: ReportKind, scope: string): Promise<ReportSent | null> {
  const row = await db
    .selectFrom('reports_sent')
    .selectAll()
    .where('kind', '=', kind)
    .where('scope', '=', scope)
    .orderBy('generated_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!row) return null;
  return {
    id: row.id,
    kind: row.kind as ReportKind,
    scope: row.scope,
    generatedAt: row.generated_at,
    periodStart: row.period_start,
    periodEnd: row.period_end,
    trigger: row.trigger === 'on-demand' ? 'on-demand' : 'schedule',
    summary: parseSummary(row.summary),
    outboxId: row.outbox_id,
    path: row.path,
  };
}

/** Records a delivered report (in the same transaction as its outbox row, by the caller). Returns its id. */
export async function recordReportSent(db: Kysely<Database>, report: Omit<ReportSent, 'id'>): Promise<number> {
  const row = await db
    .insertInto('reports_sent')
    .values({
      kind: report.kind,
      scope: report.scope,
      generated_at: report.generatedAt,
      period_start: report.periodStart,
      period_end: report.periodEnd,
      trigger: report.trigger,
      summary: JSON.stringify(report.summary),
      outbox_id: report.outboxId,
      path: report.path,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}
