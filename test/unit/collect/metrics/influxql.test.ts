import { describe, expect, it } from '@jest/globals';
import {
  InfluxqlAnswerError,
  influxqlMatch,
  influxqlQueryValues,
  influxqlSeries,
  parseInfluxqlAnswer,
  quoteIdent,
  quoteString,
  readOnlyProblem,
  standardInfluxql,
} from '../../../../src/collect/metrics/influxql.js';
import type { InfluxSettings } from '../../../../src/collect/metrics/types.js';
import { describeInflux } from '../../../../src/collect/metrics/influxdb.js';
import { capLine, formatInterval, oneLineError } from '../../../../src/collect/metrics/influx-common.js';
import { telegrafSettings } from '../../../helpers/influxdb.js';

const WINDOW = { start: 1699394400, end: 1699999200, intervalSeconds: 3600 };

describe('InfluxQL quoting', () => {
  it('escapes backslash, both quotes and newline with the four escapes the scanner knows', () => {
    expect(quoteString(`o'brien"x\\y\nz`)).toBe(`'o\\'brien\\"x\\\\y\\nz'`);
    expect(quoteIdent('my "tag"')).toBe('"my \\"tag\\""');
    expect(influxqlMatch('host', "web-01' OR 'a'='a")).toBe(`"host" = 'web-01\\' OR \\'a\\'=\\'a'`);
  });
});

describe('standardInfluxql', () => {
  it('asks the hourly means of the four metrics for the host, cpu-total only, disk per path', () => {
    const statements = standardInfluxql(telegrafSettings('http://x'), WINDOW);
    expect(statements.map((s) => s.key)).toEqual(['cpu', 'memory', 'disk', 'load']);
    expect(statements[0]?.text).toBe(
      `SELECT mean("usage_idle") AS "value" FROM "cpu" WHERE "host" = 'web-01' AND "cpu" = 'cpu-total' AND time >= 1699394400s AND time <= 1699999200s GROUP BY time(3600s) fill(none)`,
    );
    expect(statements[2]?.text).toContain('GROUP BY time(3600s), "path" fill(none)');
    expect(statements[3]?.text).toContain('FROM "system"');
  });

  it('leaves the cpu tag out when none is configured', () => {
    const settings = telegrafSettings('http://x', { cpu: { measurement: 'cpu', field: 'usage_active', idle: false, cpuTag: null, cpuValue: null } });
    expect(standardInfluxql(settings, WINDOW)[0]?.text).toContain(`WHERE "host" = 'web-01' AND time >= `);
  });

  it('keeps a hostile host value inside its string literal', () => {
    const settings = telegrafSettings('http://x', { hostValue: `x'; DROP DATABASE "telegraf"; --` });
    const text = standardInfluxql(settings, WINDOW)[1]?.text ?? '';
    expect(text).toContain(`"host" = 'x\\'; DROP DATABASE \\"telegraf\\"; --'`);
  });
});

describe('parseInfluxqlAnswer and the series', () => {
  const answer = JSON.stringify({
    results: [
      { statement_id: 0, series: [{ name: 'cpu', columns: ['time', 'value'], values: [[200, 70], [100, 90], [300, null]] }] },
      { statement_id: 1 },
      {
        statement_id: 2,
        series: [
          { name: 'disk', tags: { path: '/' }, columns: ['time', 'value'], values: [[100, 50], [200, 51]] },
          { name: 'disk', tags: { path: '/var' }, columns: ['time', 'value'], values: [[100, 'NaN']] },
        ],
      },
      { statement_id: 3, series: [{ name: 'system', columns: ['time', 'value'], values: [[100, 1.5]] }] },
    ],
  });

  it('maps statements to standard series: idle to used, oldest first, null and NaN dropped, no-data absent', () => {
    const settings = telegrafSettings('http://x');
    const series = influxqlSeries(parseInfluxqlAnswer(answer), standardInfluxql(settings, WINDOW), settings);
    expect(series).toEqual([
      { name: 'cpu.used_percent', label: '', points: [{ t: 100, v: 10 }, { t: 200, v: 30 }] },
      { name: 'disk.used_percent', label: '/', points: [{ t: 100, v: 50 }, { t: 200, v: 51 }] },
      { name: 'load.1', label: '', points: [{ t: 100, v: 1.5 }] },
    ]);
  });

  it.each([
    ['HTML', '<html>proxy error</html>', /not JSON/],
    ['JSON without results', '{"status":"ok"}', /no "results" array/],
    ['an error object', '{"error":"authorization failed"}', /^authorization failed$/],
    ['a series without values', '{"results":[{"series":[{"name":"x"}]}]}', /has no columns\/values/],
  ])('throws InfluxqlAnswerError for %s', (_what, body, message) => {
    expect(() => parseInfluxqlAnswer(body)).toThrow(InfluxqlAnswerError);
    expect(() => parseInfluxqlAnswer(body)).toThrow(message);
  });
});

describe('influxqlQueryValues', () => {
  it('takes the last non-null number of each series, labels = tags (+ column when several)', () => {
    const results = parseInfluxqlAnswer(
      JSON.stringify({
        results: [
          { statement_id: 0, series: [{ name: 'disk', tags: { path: '/' }, columns: ['time', 'last'], values: [[1, 5], [2, 7], [3, null]] }] },
          { statement_id: 1, series: [{ name: 'mem', columns: ['time', 'a', 'b'], values: [[1, 1, 'text'], [2, 2, 'more']] }] },
          { statement_id: 2, error: 'database not found: x' },
        ],
      }),
    );
    expect(influxqlQueryValues(results)).toEqual({
      values: [
        { labels: { path: '/' }, value: 7 },
        { labels: { column: 'a' }, value: 2 },
      ],
      error: 'database not found: x',
    });
  });
});

describe('readOnlyProblem', () => {
  it.each([
    ['SELECT last("x") FROM "m" WHERE "host" = \'a; DROP DATABASE x\'', null],
    ['show databases; SELECT 1', null],
    ["SELECT * FROM m WHERE note = 'INTO'", null],
    ['DROP DATABASE "telegraf"', /not DROP/],
    ['SELECT 1; DELETE FROM m', /not DELETE/],
    ['SELECT mean(x) INTO "other" FROM m', /INTO writes data/],
    ['/* hidden */ DROP MEASUREMENT m', /read-only/],
  ])('%s', (query, expected) => {
    const problem = readOnlyProblem(query);
    if (expected === null) expect(problem).toBeNull();
    else expect(problem).toMatch(expected);
  });
});

describe('describeInflux (the detail line)', () => {
  it.each([
    [{}, 'InfluxQL db=telegraf host=web-01, 7 d hourly'],
    [{ retentionPolicy: 'autogen', historySeconds: 12 * 3600, intervalSeconds: 900 }, 'InfluxQL db=telegraf rp=autogen host=web-01, 12 h per 15 min'],
    [{ version: 2, org: 'acme', bucket: 'tg', historySeconds: 90, intervalSeconds: 60 }, 'Flux org=acme bucket=tg host=web-01, 90 s per minute'],
    [{ hostTag: 'hostname', hostValue: 'evil\nline', historySeconds: 30 * 86400, intervalSeconds: 86400 }, 'InfluxQL db=telegraf hostname=evil?line, 30 d daily'],
  ] as Array<[Partial<InfluxSettings>, string]>)('%j -> %s', (over, detail) => {
    expect(describeInflux(telegrafSettings('http://x', over))).toBe(detail);
  });

  it('formats other intervals and strips the request prefix of errors', () => {
    expect(formatInterval(7200)).toBe('per 2 h');
    expect(formatInterval(45)).toBe('per 45 s');
    expect(oneLineError(new Error('GET http://h:8086/query: HTTP 401 Unauthorized\nmore'))).toBe('HTTP 401 Unauthorized');
    const capped = capLine(`a\r\n\tb ${'x'.repeat(400)}`);
    expect(capped).toHaveLength(300);
    expect(capped.startsWith('a b xxx')).toBe(true);
    expect(capped.endsWith('…')).toBe(true);
  });
});
