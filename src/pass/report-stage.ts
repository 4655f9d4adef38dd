/**
 * The pass's report stage: the host and site reports that are due by their schedule (`report_frequency`,
 * `site_report_frequency`), rendered from the store for the period since the last one, written to `reports_dir`
 * and queued in the outbox (with their `reports_sent` record). A report that fails to render or write is a warning,
 * not a failed pass; a store failure is a StoreError.
 */
import type { PassStageInput } from './alert-stage.js';
import { StoreError, errorMessage } from '../errors.js';
import { periodStart, produceHostReport, produceSiteReport, writeAndQueueReport, type ReportContext } from '../report/produce.js';
import { parseFrequency, reportDue, type Frequency } from '../report/schedule.js';
import { hostsFirstSeen } from '../store/hosts-repo.js';
import { lastReportSent, type ReportKind } from '../store/reports-sent-repo.js';
import type { ResolvedHost } from '../types.js';

/** The scope of the site report of hosts without a site (when there are at least two of them). */
export const FLEET_SCOPE = 'fleet';

export interface ReportStageInput extends PassStageInput {
  /** True when the pass covered every enabled host (no --host): only then are site reports due. */
  wholeFleet: boolean;
  onWarning?: (message: string) => void;
}

export interface ReportStageResult {
  reports: Array<{ kind: ReportKind; scope: string; path: string | null }>;
}

/** The period a report covers when it is the first one: its interval, or a day for a cron schedule. */
function firstPeriodMs(frequency: Frequency): number {
  return frequency.kind === 'interval' ? frequency.ms : 86_400_000;
}

function frequencyOf(text: string): Frequency {
  try {
    return parseFrequency(text);
  } catch {
    return { kind: 'never' }; // validated at load; never reached
  }
}

function isStoreFailure(err: unknown): boolean {
  return err instanceof StoreError;
}

export async function runReportStage(input: ReportStageInput): Promise<ReportStageResult> {
  const { config, store, now } = input;
  const ctx: ReportContext = { config, store, renderer: input.renderer, now };
  const actor = input.actor !== undefined ? { actor: input.actor } : {};
  const reports: ReportStageResult['reports'] = [];
  const firstSeen = await hostsFirstSeen(store.db, [...input.hostIds.values()]);
  const firstSeenOf = (names: readonly string[]): Date => {
    const times = names.map((n) => Date.parse(firstSeen.get(input.hostIds.get(n) ?? -1) ?? '')).filter(Number.isFinite);
    return new Date(times.length > 0 ? Math.min(...times) : now.getTime());
  };

  const due = async (kind: ReportKind, scope: string, frequency: Frequency, names: readonly string[]): Promise<Date | null> => {
    const last = await lastReportSent(store.db, kind, scope);
    const verdict = reportDue({ frequency, lastSent: last ? new Date(last.generatedAt) : null, firstSeen: firstSeenOf(names), now });
    return verdict.due ? await periodStart(store, kind, scope, now, firstPeriodMs(frequency)) : null;
  };

  const attempt = async (kind: ReportKind, scope: string, work: () => Promise<string | null>): Promise<void> => {
    try {
      reports.push({ kind, scope, path: await work() });
    } catch (err) {
      if (isStoreFailure(err)) throw err;
      input.onWarning?.(`${kind} report of ${scope}: ${errorMessage(err)}`);
    }
  };

  for (const [i, host] of input.hosts.entries()) {
    const result = input.results[i];
    const hostId = input.hostIds.get(host.name);
    if (!host.enabled || !result || hostId === undefined) continue;
    const frequency = frequencyOf(host.reportFrequency);
    const since = await due('host', host.name, frequency, [host.name]);
    if (!since) continue;
    await attempt('host', host.name, async () => {
      const report = await produceHostReport(ctx, host, hostId, since);
      const queued = await writeAndQueueReport(ctx, report, { recipients: host.reportRecipients ?? [], send: host.sendHostReports !== false, trigger: 'schedule', runId: input.runId, ...actor });
      return queued.path;
    });
  }

  if (!input.wholeFleet) return { reports };
  const delivery = config.delivery;
  const bySite = new Map<string, ResolvedHost[]>();
  for (const host of config.hosts) {
    if (!host.enabled) continue;
    const scope = host.site ?? FLEET_SCOPE;
    bySite.set(scope, [...(bySite.get(scope) ?? []), host]);
  }
  for (const [scope, hosts] of bySite) {
    const site = delivery.sites[scope];
    const isFleet = scope === FLEET_SCOPE && site === undefined;
    if (isFleet && hosts.length < 2) continue; // one host without a site: its host report says it all
    if (site && !site.sendSiteReports) continue;
    const frequency = frequencyOf(site?.siteReportFrequency ?? delivery.defaultSiteReportFrequency);
    const since = await due('site', scope, frequency, hosts.map((h) => h.name));
    if (!since) continue;
    const recipients = site?.reportRecipients ?? [...new Set(hosts.flatMap((h) => h.reportRecipients ?? []))];
    await attempt('site', scope, async () => {
      const report = await produceSiteReport(ctx, scope, hosts, input.hostIds, since);
      return (await writeAndQueueReport(ctx, report, { recipients, send: true, trigger: 'schedule', runId: input.runId, ...actor })).path;
    });
  }
  return { reports };
}
