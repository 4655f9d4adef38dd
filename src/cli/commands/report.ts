import { resolve } from 'node:path';
import { findConfigPath } from '../../config/find-config.js';
import { loadConfig } from '../../config/load.js';
import { redactText } from '../../config/mask.js';
import { parseDurationSeconds } from '../../config/schema-primitives.js';
import { ConfigError, UsageError, errorMessage } from '../../errors.js';
import { runDeliveryStage } from '../../pass/delivery-stage.js';
import { FLEET_SCOPE } from '../../pass/report-stage.js';
import { periodStart, produceHostReport, produceSiteReport, REPORT_TEMPLATES, writeAndQueueReport, type ProducedReport, type ReportContext } from '../../report/produce.js';
import { createRenderer } from '../../report/render.js';
import { writeFileAtomic } from '../../report/write-file.js';
import { syncHosts } from '../../store/hosts-repo.js';
import { migrateToLatest } from '../../store/migrate.js';
import { openStore } from '../../store/open-store.js';
import { acquirePassLock } from '../../store/pass-lock.js';
import { createOutput } from '../output.js';
import type { GlobalOptions } from '../program.js';
import { isPidAlive, runnerIdentity } from './run.js';
import { osUserActor } from '../os-user.js';

export const REPORT_FORMATS = ['md', 'html', 'text', 'json'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface ReportOptions extends GlobalOptions {
  host?: string;
  site?: string;
  format: string;
  send: boolean;
  since?: string;
  out?: string;
}

const DAY_MS = 86_400_000;

/** `--since 24h` -> milliseconds (the same durations as the config: 90, 15m, 24h, 7d, 2w). */
export function parseSince(value: string): number {
  const seconds = parseDurationSeconds(value);
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) {
    throw new UsageError(`--since ${JSON.stringify(value)}: expected a duration such as 24h, 7d or 90m`);
  }
  return Math.round(seconds * 1000);
}

function output(report: ProducedReport, format: ReportFormat): string {
  if (format === 'html') return report.htmlFile;
  if (format === 'text') return report.text;
  if (format === 'json') {
    const { kind, scope, generatedAt, periodStart: start, periodEnd, summary, model } = report;
    return `${JSON.stringify({ kind, scope, generatedAt, periodStart: start, periodEnd, summary, model }, null, 2)}\n`;
  }
  return report.markdown;
}

/**
 * `dthostmon report --host H | --site S`: renders one host or site report from the store now (period: `--since`,
 * else since the last report sent, else 24 h), prints it or writes it to `--out`, and with `--send` queues and
 * delivers it to the report recipients (under the pass lock, so a running pass and this never deliver at once).
 */
export async function report(options: ReportOptions): Promise<number> {
  const out = createOutput(options);
  if ((options.host === undefined) === (options.site === undefined)) throw new UsageError('give exactly one of --host NAME or --site ID');
  if (!(REPORT_FORMATS as readonly string[]).includes(options.format)) {
    throw new UsageError(`--format ${JSON.stringify(options.format)}: expected one of ${REPORT_FORMATS.join(', ')}`);
  }
  // The global --json means the JSON report unless a format was asked for.
  const format = (options.json && options.format === 'md' ? 'json' : options.format) as ReportFormat;
  const sinceMs = options.since !== undefined ? parseSince(options.since) : null;
  const configPath = findConfigPath(options.config, options.io.env, options.io.cwd);
  const config = await loadConfig(configPath, { env: options.io.env });

  const host = options.host !== undefined ? config.hosts.find((h) => h.name === options.host) : undefined;
  if (options.host !== undefined && !host) {
    throw new UsageError(`--host ${options.host}: no such host in ${configPath} (known: ${config.hosts.map((h) => h.name).join(', ') || 'none'})`);
  }
  const siteHosts = options.site !== undefined ? config.hosts.filter((h) => h.enabled && (h.site ?? FLEET_SCOPE) === options.site) : [];
  if (options.site !== undefined && siteHosts.length === 0) {
    const sites = [...new Set(config.hosts.filter((h) => h.enabled).map((h) => h.site ?? FLEET_SCOPE))];
    throw new UsageError(`--site ${options.site}: no enabled host has this site in ${configPath} (sites: ${sites.join(', ') || 'none'}; hosts without a site are "${FLEET_SCOPE}")`);
  }

  const renderer = createRenderer({ overrideDir: config.pass.templatesDir });
  try {
    renderer.prepare(REPORT_TEMPLATES);
  } catch (err) {
    throw new ConfigError(errorMessage(err));
  }
  const store = await openStore(config.store);
  try {
    await migrateToLatest(store.db);
    const now = new Date();
    const ids = await syncHosts(store.db, config.hosts, now.toISOString());
    const ctx: ReportContext = { config, store, renderer, now };
    const kind = host ? 'host' : 'site';
    const scope = host ? host.name : (options.site as string);
    const since = sinceMs !== null ? new Date(now.getTime() - sinceMs) : await periodStart(store, kind, scope, now, DAY_MS);
    const produced = host ? await produceHostReport(ctx, host, ids.get(host.name) as number, since) : await produceSiteReport(ctx, scope, siteHosts, ids, since);

    const text = redactText(output(produced, format), config.secrets);
    if (options.out !== undefined) {
      const path = resolve(options.io.cwd, options.out);
      await writeFileAtomic(path, text).catch((err: unknown) => {
        throw new UsageError(`--out ${options.out}: cannot write: ${errorMessage(err)}`);
      });
      if (!options.quiet) out.err(`wrote ${path}`);
    } else if (!options.send) {
      out.out(text.endsWith('\n') ? text : `${text}\n`);
    }
    if (!options.send) return 0;

    const recipients = host ? (host.reportRecipients ?? []) : (config.delivery.sites[scope]?.reportRecipients ?? [...new Set(siteHosts.flatMap((h) => h.reportRecipients ?? []))]);
    if (recipients.length === 0 && config.delivery.smtp !== null) {
      throw new UsageError(`--send: nobody to send the ${kind} report of ${scope} to; set email.report_recipients (or report_recipients of the ${kind})`);
    }
    const release = await acquirePassLock(store.db, { runner: runnerIdentity(), pid: process.pid, now, ttlMs: 10 * 60_000, isPidAlive });
    try {
      const actor = osUserActor(options.io.env);
      const queued = await writeAndQueueReport(ctx, produced, { recipients, send: true, trigger: 'on-demand', runId: null, actor });
      const delivered = await runDeliveryStage(config, store, () => new Date(), {}, actor);
      const mine = delivered.dead.find((d) => d.id === queued.outboxId);
      if (mine) throw new UsageError(`--send: gave up delivering the report: ${mine.error}`);
      if (!options.quiet) {
        const where = delivered.written.length > 0 ? `written to ${delivered.written.join(', ')}` : delivered.failed > 0 ? 'queued; delivery failed and will be retried by the next pass' : `sent to ${recipients.join(', ')}`;
        out.err(`${kind} report of ${scope}: ${where} (HTML: ${queued.path})`);
      }
    } finally {
      await release().catch(() => undefined);
    }
    return 0;
  } finally {
    await store.close();
  }
}

