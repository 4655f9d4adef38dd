/**
 * Flux for InfluxDB 2: quoting, the script that reads Telegraf's cpu/mem/disk/system series of one host (one
 * request, one `yield` per metric), and the mapping of the answer's tables to series and custom query values.
 * Pure functions: the HTTP side is influxdb-v2.ts, the CSV parser flux-csv.ts.
 */
import type { InfluxSettings, MetricSeries, QueryResult, StandardMetric } from './types.js';
import { cleanPoints, type InfluxWindow } from './influx-common.js';
import { cellOf, rfc3339Seconds, type FluxTable } from './flux-csv.js';

/**
 * The body of a Flux string literal. Besides `\"` and `\\`, `${` must be escaped: Flux strings interpolate
 * `${expr}`, so a host name holding it would otherwise run Flux code.
 */
function escapeFlux(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\$\{/g, '\\${').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t');
}

/** A Flux string literal. */
export function fluxString(value: string): string {
  return `"${escapeFlux(value)}"`;
}

/** Text for `$name`, `$hostname`, `$site` inside a quoted string of a custom Flux query. */
export function fluxPlaceholderValue(value: string): string {
  return escapeFlux(value);
}

/** `r["host"] == "web-01"`: the `$match` of custom Flux queries. */
export function fluxMatch(tag: string, value: string): string {
  return `r[${fluxString(tag)}] == ${fluxString(value)}`;
}

/** `2024-05-01T10:00:00Z`: a Flux time literal (no fraction: the window is in whole seconds). */
export function fluxTime(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace('.000Z', 'Z');
}

export const FLUX_RESULTS = { cpu: 'cpu', memory: 'mem', disk: 'disk', load: 'load' } as const;

/**
 * One script, four results: every metric filtered to the host (and cpu-total), merged into one table (disk: one
 * per path), averaged per interval with the window START as `_time` (as InfluxQL's GROUP BY time does).
 */
export function standardFlux(settings: InfluxSettings, window: InfluxWindow): string {
  const bucket = settings.bucket ?? '';
  const part = (name: string, m: { measurement: string; field: string }, extra: string[], groupBy: string[]): string =>
    [
      `from(bucket: ${fluxString(bucket)})`,
      `  |> range(start: ${fluxTime(window.start)}, stop: ${fluxTime(window.end + 1)})`,
      `  |> filter(fn: (r) => ${[`r._measurement == ${fluxString(m.measurement)}`, `r._field == ${fluxString(m.field)}`, fluxMatch(settings.hostTag, settings.hostValue), ...extra].join(' and ')})`,
      `  |> group(columns: [${groupBy.map(fluxString).join(', ')}])`,
      `  |> aggregateWindow(every: ${window.intervalSeconds}s, fn: mean, createEmpty: false, timeSrc: "_start")`,
      `  |> yield(name: ${fluxString(name)})`,
    ].join('\n');
  const cpuExtra = settings.cpu.cpuTag && settings.cpu.cpuValue !== null ? [fluxMatch(settings.cpu.cpuTag, settings.cpu.cpuValue)] : [];
  return [
    part(FLUX_RESULTS.cpu, settings.cpu, cpuExtra, []),
    part(FLUX_RESULTS.memory, settings.memory, [], []),
    part(FLUX_RESULTS.disk, settings.disk, [], [settings.disk.pathTag]),
    part(FLUX_RESULTS.load, settings.load, [], []),
  ].join('\n\n');
}

const BY_RESULT: Record<string, { name: StandardMetric; key: keyof typeof FLUX_RESULTS }> = {
  [FLUX_RESULTS.cpu]: { name: 'cpu.used_percent', key: 'cpu' },
  [FLUX_RESULTS.memory]: { name: 'memory.used_percent', key: 'memory' },
  [FLUX_RESULTS.disk]: { name: 'disk.used_percent', key: 'disk' },
  [FLUX_RESULTS.load]: { name: 'load.1', key: 'load' },
};

/** The standard series from the tables of `standardFlux`'s answer. A metric without tables is absent. */
export function fluxSeries(tables: FluxTable[], settings: InfluxSettings): MetricSeries[] {
  const merged = new Map<string, MetricSeries>();
  for (const table of tables) {
    const metric = BY_RESULT[table.result];
    if (!metric || !table.columns.includes('_time') || !table.columns.includes('_value')) continue;
    const label = metric.key === 'disk' ? (cellOf(table, table.rows[0] ?? [], settings.disk.pathTag) ?? '') : '';
    const transform = metric.key === 'cpu' && settings.cpu.idle ? (v: number) => 100 - v : undefined;
    const raw = table.rows.map((row) => ({ t: rfc3339Seconds(cellOf(table, row, '_time')), v: cellOf(table, row, '_value') }));
    const points = cleanPoints(raw, transform);
    if (points.length === 0) continue;
    // One table per series is the rule; should a server split one anyway, its parts are joined.
    const key = `${metric.name}\u0000${label}`;
    const existing = merged.get(key);
    if (existing) existing.points = cleanPoints([...existing.points, ...points]);
    else merged.set(key, { name: metric.name, label, points });
  }
  return [...merged.values()];
}

/** Columns that never label a value: bookkeeping of the CSV and of range(). */
const NOT_LABELS = new Set(['result', 'table', '_start', '_stop', '_time', '_value']);

/**
 * The labels of a table: its group key. With `#group` annotations that is exact; without (the vnd.flux default),
 * the key is what it must be by definition: the columns whose value is the same on every row.
 */
function tableLabels(table: FluxTable): Record<string, string> {
  const labels: Record<string, string> = {};
  table.columns.forEach((column, i) => {
    if (NOT_LABELS.has(column)) return;
    if (table.group && !table.group[i]) return;
    const first = table.rows[0]?.[i] ?? null;
    if (first === null) return;
    if (!table.group && !table.rows.every((row) => row[i] === first)) return;
    labels[column] = first;
  });
  return labels;
}

/** A custom query's values: the last non-null `_value` (by `_time` when present) of every table. */
export function fluxQueryValues(tables: FluxTable[]): QueryResult['values'] {
  const results = new Set(tables.map((t) => t.result));
  const values: QueryResult['values'] = [];
  for (const table of tables) {
    if (!table.columns.includes('_value')) continue;
    const hasTime = table.columns.includes('_time');
    let best: { t: number; v: number } | null = null;
    table.rows.forEach((row, index) => {
      const v = Number(cellOf(table, row, '_value') ?? NaN);
      if (!Number.isFinite(v)) return;
      const t = hasTime ? rfc3339Seconds(cellOf(table, row, '_time')) : index;
      if (!best || !Number.isFinite(best.t) || t >= best.t) best = { t, v };
    });
    if (!best) continue;
    const labels = tableLabels(table);
    if (results.size > 1) labels.result = table.result;
    values.push({ labels, value: (best as { v: number }).v });
  }
  return values;
}
