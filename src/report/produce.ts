/**
 * Host and site reports for a period, from the store: load -> model -> render (Markdown, HTML, text, subject) ->
 * email parts. Used by the pass's report stage (scheduled) and by `dthostmon report` (on demand). Queueing records
 * the report in `reports_sent` in the same transaction as its outbox row, so the schedule and the delivery agree.
 */
import { join } from 'node:path';
import type { LoadedConfig } from '../config/types.js';
import type { Store } from '../store/open-store.js';
import { loadSiteReportData } from '../store/site-report-repo.js';
import { lastReportSent, recordReportSent, type ReportKind, type ReportSummary } from '../store/reports-sent-repo.js';
import { enqueue } from '../store/outbox-repo.js';
import { appendAudit } from '../store/audit-repo.js';
import { DEFAULT_ACTOR, reportSentEvent } from '../pass/audit-events.js';
import type { ResolvedHost } from '../types.js';
import { fileTimestamp } from './format.js';
import type { EmailAttachment } from './mail.js';
import { emailOutboxMessage } from './outbox.js';
import type { Renderer } from './render.js';
import { hostReportOutputs, reportOutputs, type ReportOutputs } from './report-email.js';
import { buildPeriodHostReportModel } from './period-host-report-model.js';
import { loadHostReportData } from '../store/host-report-repo.js';
import { buildSiteReportModel, siteReportSummary } from './site-report-model.js';
import { sanitizeHostDirName } from './write-report.js';
import { writeFileAtomic } from './write-file.js';

export const REPORT_TEMPLATES = [
  'host-report.md',
  'host-report.html',
  'host-report.txt',
  'host-report-subject.txt',
  'site-report.md',
  'site-report.html',
  'site-report.txt',
  'site-report-subject.txt',
] as const;

/** Days of CPU, memory and disk trend the host report charts (FR-REPORT-001). */
export const TREND_DAYS = 30;

/** A rendered report, ready to be written and queued. */
export interface ProducedReport {
  kind: ReportKind;
  scope: string;
  generatedAt: Date;
  periodStart: Date;
  periodEnd: Date;
  markdown: string;
  text: string;
  /** One self-contained HTML file (inline SVG charts). */
  htmlFile: string;
  /** The email: HTML with charts as inline PNG attachments (by Content-ID), the text alternative, the .md attached. */
  email: { subject: string; text: string; html: string; attachments: EmailAttachment[] };
  summary: ReportSummary;
  /** The model the templates got (for `report --format json`). */
  model: object;
}

export interface ReportContext {
  config: LoadedConfig;
  store: Store;
  renderer: Renderer;
  now: Date;
}

function produced(kind: ReportKind, scope: string, now: Date, since: Date, outputs: ReportOutputs, summary: ReportSummary, model: object): ProducedReport {
  return { kind, scope, generatedAt: now, periodStart: since, periodEnd: now, ...outputs, email: { ...outputs.email, attachments: outputs.email.attachments }, summary, model };
}

/** The host report of `host` for the period since `since`, with its trend charts. */
export async function produceHostReport(ctx: ReportContext, host: ResolvedHost, hostId: number, since: Date): Promise<ProducedReport> {
  const { store, renderer, now } = ctx;
  const last = await lastReportSent(store.db, 'host', host.name);
  const data = await loadHostReportData(store.db, { hostId, since, until: now, trendSince: new Date(now.getTime() - TREND_DAYS * 86_400_000) });
  const model = buildPeriodHostReportModel(data, {
    host,
    generatedAt: now,
    since,
    previousReport: last ? { score: last.summary.score ?? null, generatedAt: last.generatedAt } : null,
    media: 'email',
  });
  return produced('host', host.name, now, since, hostReportOutputs(renderer, model), { score: model.score.value }, model);
}

/** The start of a report's period: the last report sent, else `fallbackMs` before now. */
export async function periodStart(store: Store, kind: ReportKind, scope: string, now: Date, fallbackMs: number): Promise<Date> {
  const last = await lastReportSent(store.db, kind, scope);
  return last ? new Date(last.generatedAt) : new Date(now.getTime() - fallbackMs);
}

/** The site report of `site` (its enabled hosts) for the period since `since`. */
export async function produceSiteReport(ctx: ReportContext, site: string, hosts: readonly ResolvedHost[], hostIds: ReadonlyMap<string, number>, since: Date): Promise<ProducedReport> {
  const { store, renderer, now } = ctx;
  const ids = new Map<string, number>();
  for (const host of hosts) {
    const id = hostIds.get(host.name);
    if (id !== undefined) ids.set(host.name, id);
  }
  const last = await lastReportSent(store.db, 'site', site);
  const data = await loadSiteReportData(store.db, { hostIds: ids, since, until: now });
  const model = buildSiteReportModel(data, {
    site,
    hosts: [...hosts],
    generatedAt: now,
    since,
    previousReport: last ? { scores: last.summary.scores ?? {}, generatedAt: last.generatedAt } : null,
  });
  const outputs = reportOutputs(renderer, { kind: 'site', template: 'site-report', name: site, generatedAt: model.generatedAt, model, charts: [] });
  return produced('site', site, now, since, outputs, siteReportSummary(model), model);
}

/** Where a report's files go: `<reports_dir>/<host>/` for a host, `<reports_dir>/_sites/<site>/` for a site. */
export function reportFileBase(reportsDir: string, report: Pick<ProducedReport, 'kind' | 'scope' | 'generatedAt'>): string {
  const dir = report.kind === 'host' ? join(reportsDir, sanitizeHostDirName(report.scope)) : join(reportsDir, '_sites', sanitizeHostDirName(report.scope));
  return join(dir, `${fileTimestamp(report.generatedAt)}-${report.kind}-report`);
}

export interface QueueOptions {
  recipients: readonly string[];
  /** Email it (false: only written and recorded, e.g. send_host_reports off). */
  send: boolean;
  trigger: 'schedule' | 'on-demand';
  runId: number | null;
  /** Who the `report.sent` audit row names (`run`, the OS user of `report --send`); default `run`. */
  actor?: string;
}

/**
 * Writes the report's HTML (and Markdown) file, queues its email (when asked and there is somewhere to send it:
 * recipients, or no SMTP at all so it becomes an .eml file), and records it in `reports_sent`, the outbox row, the
 * record and its `report.sent` audit row in one transaction. Returns the HTML path and the outbox id.
 */
export async function writeAndQueueReport(ctx: ReportContext, report: ProducedReport, options: QueueOptions): Promise<{ path: string; outboxId: number | null }> {
  const { config, store } = ctx;
  const base = reportFileBase(config.pass.reportsDir, report);
  const path = await writeFileAtomic(`${base}.html`, report.htmlFile);
  await writeFileAtomic(`${base}.md`, report.markdown);
  const delivery = config.delivery;
  const canSend = options.send && (options.recipients.length > 0 || delivery.smtp === null);
  const dedupeKey = `report:${report.kind}:${report.scope}:${report.generatedAt.toISOString()}`;
  const message = canSend
    ? await emailOutboxMessage(
        { to: [...options.recipients], ...report.email },
        { createdAt: report.generatedAt, runId: options.runId, kind: 'report', dedupeKey },
        { from: delivery.from, replyTo: delivery.replyTo },
      )
    : null;
  let outboxId: number | null = null;
  await store.db.transaction().execute(async (trx) => {
    if (message) outboxId = (await enqueue(trx, [message])).ids.get(dedupeKey) ?? null;
    await recordReportSent(trx, {
      kind: report.kind,
      scope: report.scope,
      generatedAt: report.generatedAt.toISOString(),
      periodStart: report.periodStart.toISOString(),
      periodEnd: report.periodEnd.toISOString(),
      trigger: options.trigger,
      summary: report.summary,
      outboxId,
      path,
    });
    // The original's column, kept current for readers of the hosts table.
    const host =
      report.kind === 'host'
        ? await trx.updateTable('hosts').set({ last_report_sent: report.generatedAt.toISOString() }).where('name', '=', report.scope).returning('id').executeTakeFirst()
        : undefined;
    const record = { kind: report.kind, scope: report.scope, periodStart: report.periodStart.toISOString(), periodEnd: report.periodEnd.toISOString(), trigger: options.trigger, path, outboxId, recipients: message ? options.recipients.length : 0 };
    await appendAudit(trx, [reportSentEvent(record, { actor: options.actor ?? DEFAULT_ACTOR, at: report.generatedAt.toISOString(), runId: options.runId, hostId: host?.id ?? null })]);
  });
  return { path, outboxId };
}
