/**
 * InfluxQL for InfluxDB 1.x: quoting, the statements that read Telegraf's cpu/mem/disk/system series of one host,
 * and the `/query` JSON answer (`{"results":[{"statement_id":0,"series":[{"name","tags","columns","values"}]}]}`).
 * Pure functions: the HTTP side is influxdb-v1.ts.
 */
import type { InfluxSettings, MetricSeries, QueryResult, StandardMetric } from './types.js';
import { cleanPoints, type InfluxWindow } from './influx-common.js';

/**
 * The body of a quoted InfluxQL token. The scanner knows exactly four escapes (`\n \\ \" \'`) and rejects a raw
 * newline, so these four cover every string: a value can never end its quotes early or start a new statement.
 */
function escapeInfluxql(text: string): string {
  return text.replace(/[\\'"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}

/** An identifier (measurement, field, tag key) in double quotes. */
export function quoteIdent(name: string): string {
  return `"${escapeInfluxql(name)}"`;
}

/** A string literal (tag value) in single quotes. */
export function quoteString(value: string): string {
  return `'${escapeInfluxql(value)}'`;
}

/** Text for `$name`, `$hostname`, `$site` inside a quoted string of a custom query (`WHERE "host" = '$name'`). */
export function influxqlPlaceholderValue(value: string): string {
  return escapeInfluxql(value);
}

/** `"host" = 'web-01'`: the `$match` of custom InfluxQL queries. */
export function influxqlMatch(tag: string, value: string): string {
  return `${quoteIdent(tag)} = ${quoteString(value)}`;
}

export type InfluxMetricKey = 'cpu' | 'memory' | 'disk' | 'load';

export interface InfluxqlStatement {
  key: InfluxMetricKey;
  text: string;
}

/** One `SELECT mean(..)` per standard metric, bucketed by the interval, gaps left out (`fill(none)`). */
export function standardInfluxql(settings: InfluxSettings, window: InfluxWindow): InfluxqlStatement[] {
  const where = (extra: string[]): string =>
    [influxqlMatch(settings.hostTag, settings.hostValue), ...extra, `time >= ${window.start}s`, `time <= ${window.end}s`].join(' AND ');
  const select = (m: { measurement: string; field: string }, extra: string[], groupBy: string[] = []): string =>
    `SELECT mean(${quoteIdent(m.field)}) AS "value" FROM ${quoteIdent(m.measurement)} WHERE ${where(extra)} ` +
    `GROUP BY ${[`time(${window.intervalSeconds}s)`, ...groupBy].join(', ')} fill(none)`;
  const cpuExtra = settings.cpu.cpuTag && settings.cpu.cpuValue !== null ? [influxqlMatch(settings.cpu.cpuTag, settings.cpu.cpuValue)] : [];
  return [
    { key: 'cpu', text: select(settings.cpu, cpuExtra) },
    { key: 'memory', text: select(settings.memory, []) },
    { key: 'disk', text: select(settings.disk, [], [quoteIdent(settings.disk.pathTag)]) },
    { key: 'load', text: select(settings.load, []) },
  ];
}

export interface InfluxqlSeries {
  name: string;
  tags: Record<string, string>;
  columns: string[];
  values: unknown[][];
}

export interface InfluxqlStatementResult {
  statementId: number;
  series: InfluxqlSeries[];
  error: string | null;
}

/** Thrown for an answer that is not InfluxDB's `/query` JSON (a proxy's HTML page, a truncated body). */
export class InfluxqlAnswerError extends Error {}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses and checks the shape of a `/query` answer; throws InfluxqlAnswerError (one line) when it is not one. */
export function parseInfluxqlAnswer(body: string): InfluxqlStatementResult[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new InfluxqlAnswerError('answer is not JSON (is the URL an InfluxDB 1.x server?)');
  }
  if (!isRecord(parsed) || !Array.isArray(parsed.results)) {
    if (isRecord(parsed) && typeof parsed.error === 'string') throw new InfluxqlAnswerError(parsed.error.split('\n')[0] ?? 'error');
    throw new InfluxqlAnswerError('answer has no "results" array (is the URL an InfluxDB 1.x server?)');
  }
  return parsed.results.map((r, index): InfluxqlStatementResult => {
    if (!isRecord(r)) throw new InfluxqlAnswerError(`results[${index}] is not an object`);
    const series = Array.isArray(r.series) ? r.series : [];
    return {
      statementId: typeof r.statement_id === 'number' ? r.statement_id : index,
      error: typeof r.error === 'string' ? (r.error.split('\n')[0] ?? 'error') : null,
      series: series.map((s, j): InfluxqlSeries => {
        if (!isRecord(s) || !Array.isArray(s.columns) || !Array.isArray(s.values)) {
          throw new InfluxqlAnswerError(`results[${index}].series[${j}] has no columns/values`);
        }
        const tags: Record<string, string> = {};
        if (isRecord(s.tags)) for (const [k, v] of Object.entries(s.tags)) tags[k] = String(v);
        return {
          name: typeof s.name === 'string' ? s.name : '',
          tags,
          columns: s.columns.map(String),
          values: s.values.filter((row): row is unknown[] => Array.isArray(row)),
        };
      }),
    };
  });
}

const METRIC_NAMES: Record<InfluxMetricKey, StandardMetric> = {
  cpu: 'cpu.used_percent',
  memory: 'memory.used_percent',
  disk: 'disk.used_percent',
  load: 'load.1',
};

/**
 * The standard series from the answers to `standardInfluxql` (same order). A statement without series (no such
 * measurement, no data for the host) gives no series: absent, not zero.
 */
export function influxqlSeries(results: InfluxqlStatementResult[], statements: InfluxqlStatement[], settings: InfluxSettings): MetricSeries[] {
  const out: MetricSeries[] = [];
  statements.forEach((statement, index) => {
    const result = results.find((r) => r.statementId === index) ?? results[index];
    for (const s of result?.series ?? []) {
      const ti = s.columns.indexOf('time');
      const vi = s.columns.indexOf('value');
      if (ti < 0 || vi < 0) continue;
      const transform = statement.key === 'cpu' && settings.cpu.idle ? (v: number) => 100 - v : undefined;
      const points = cleanPoints(
        s.values.map((row) => ({ t: Number(row[ti]), v: row[vi] })),
        transform,
      );
      if (points.length === 0) continue;
      const label = statement.key === 'disk' ? (s.tags[settings.disk.pathTag] ?? '') : '';
      out.push({ name: METRIC_NAMES[statement.key], label, points });
    }
  });
  return out;
}

/**
 * The values of a custom query: for every series, the last non-null number of each value column (labels: the
 * series tags, plus `column` when a statement selects several). Statement errors become the query error.
 */
export function influxqlQueryValues(results: InfluxqlStatementResult[]): Pick<QueryResult, 'values' | 'error'> {
  const values: QueryResult['values'] = [];
  const errors: string[] = [];
  for (const result of results) {
    if (result.error) errors.push(result.error);
    for (const s of result.series) {
      const valueColumns = s.columns.map((c, i) => ({ c, i })).filter(({ c }) => c !== 'time');
      for (const { c, i } of valueColumns) {
        let last: number | null = null;
        for (const row of s.values) {
          const v = row[i];
          if (typeof v === 'number' && Number.isFinite(v)) last = v;
        }
        if (last === null) continue;
        values.push({ labels: valueColumns.length > 1 ? { ...s.tags, column: c } : { ...s.tags }, value: last });
      }
    }
  }
  return { values, error: errors.length > 0 ? errors.join('; ') : null };
}

/**
 * Statements that only read. GET /query on 1.x still runs `DROP ...` (with a deprecation warning), so a custom
 * query is checked here: every statement (split on `;` outside quotes) starts with SELECT or SHOW and has no INTO.
 */
export function readOnlyProblem(query: string): string | null {
  // Quoted text is blanked first: `WHERE x = 'a; DROP'` is one statement, and `'INTO'` is not a keyword.
  const bare = query.replace(/'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*"/g, '""');
  for (const raw of bare.split(';')) {
    const statement = raw.trim();
    if (statement === '') continue;
    const first = /^[a-z]+/i.exec(statement)?.[0]?.toUpperCase() ?? '';
    if (first !== 'SELECT' && first !== 'SHOW') {
      return `only SELECT and SHOW statements are sent (read-only), not ${first || JSON.stringify(statement.slice(0, 20))}`;
    }
    if (/\bINTO\b/i.test(statement)) return 'SELECT ... INTO writes data: not sent (read-only)';
  }
  return null;
}
