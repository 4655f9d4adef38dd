/**
 * The InfluxDB metrics source (issue #8): Telegraf's cpu, mem, disk and system series of one host over
 * `historySeconds`, averaged per `intervalSeconds`, plus the custom `influxdb` queries. Version 1 speaks InfluxQL
 * (influxdb-v1.ts), version 2 Flux (influxdb-v2.ts). A source that is down, slow or answers garbage is a result
 * with `status: 'failed'` and a one-line error; a custom query that fails only sets its own `error`.
 */
import { displayUrl } from './http.js';
import { elapsedMs, type SourceContext } from './context.js';
import type { CustomQuery, InfluxSettings, MetricSourceResult } from './types.js';
import { capLine, formatDuration, formatInterval, influxWindow, oneLineError, printable, type InfluxOutcome } from './influx-common.js';
import { collectInfluxqlV1 } from './influxdb-v1.js';
import { collectFluxV2 } from './influxdb-v2.js';

/** `InfluxQL db=telegraf host=web-01, 7 d hourly` or `Flux org=acme bucket=telegraf host=web-01, 7 d hourly`. */
export function describeInflux(settings: InfluxSettings): string {
  const host = `${settings.hostTag}=${settings.hostValue}`;
  const span = `${formatDuration(Math.max(1, Math.round(settings.historySeconds)))} ${formatInterval(Math.max(1, Math.round(settings.intervalSeconds)))}`;
  const what =
    settings.version === 1
      ? `InfluxQL db=${settings.database ?? ''}${settings.retentionPolicy ? ` rp=${settings.retentionPolicy}` : ''} ${host}`
      : `Flux org=${settings.org ?? ''} bucket=${settings.bucket ?? ''} ${host}`;
  return printable(`${what}, ${span}`);
}

/**
 * Reads one host's series and custom queries from InfluxDB. Only queries with `source: 'influxdb'` are run.
 * Never throws: every failure is in the result.
 */
export async function collectInfluxdb(settings: InfluxSettings, queries: CustomQuery[], ctx: SourceContext): Promise<MetricSourceResult> {
  const started = ctx.clock();
  const mine = queries.filter((q) => q.source === 'influxdb');
  let outcome: InfluxOutcome;
  try {
    const window = influxWindow(settings, ctx.clock);
    outcome = settings.version === 2 ? await collectFluxV2(settings, mine, ctx, window) : await collectInfluxqlV1(settings, mine, ctx, window);
  } catch (err) {
    // Not expected (the clients catch their own failures), but a source client must never throw.
    outcome = { error: oneLineError(err), series: [], queries: [] };
  }
  return {
    source: 'influxdb',
    url: displayUrl(settings.url),
    status: outcome.error ? 'failed' : 'ok',
    error: outcome.error === null ? null : capLine(outcome.error),
    detail: describeInflux(settings),
    durationMs: elapsedMs(ctx.clock, started),
    windowSeconds: Math.max(1, Math.round(settings.historySeconds)),
    series: outcome.series,
    queries: outcome.queries.map((q) => (q.error === null ? q : { ...q, error: capLine(q.error) })),
  };
}
