/**
 * The InfluxDB 2 (Flux) source against the replay server (InfluxDB 2 is not packaged here): every request is
 * checked (POST /api/v2/query, org, Token, vnd.flux, the Flux's range/filter/aggregateWindow) and answered with
 * annotated CSV recorded in the documented shapes (test/fixtures/influxdb/). Same expectations as the v1 test.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { collectInfluxdb } from '../../../src/collect/metrics/influxdb.js';
import type { CustomQuery, InfluxSettings } from '../../../src/collect/metrics/types.js';
import { startFluxReplay, type FluxAnswer, type FluxReplay, type FluxRequest } from '../../helpers/flux-replay.js';
import { influxContext, telegrafSettings } from '../../helpers/influxdb.js';

const END = 1_699_999_200;
const START = END - 2 * 86400;
const TOKEN = 'tok-abc123==';
const ENV = { INFLUXDB_TOKEN: TOKEN };

const query = (name: string, text: string): CustomQuery => ({ name, query: text, source: 'influxdb', unit: null, warn: null, crit: null, below: false });

function v2Settings(url: string, over: Partial<InfluxSettings> = {}): InfluxSettings {
  return telegrafSettings(url, { version: 2, database: null, org: 'acme', bucket: 'telegraf', tokenEnv: 'INFLUXDB_TOKEN', historySeconds: 2 * 86400, ...over });
}

/** The standard script must ask what the fixtures answer: the window, the host filter, hourly means. */
function standardProblems(req: FluxRequest): string[] {
  const expect = [
    'range(start: 2023-11-12T22:00:00Z, stop: 2023-11-14T22:00:01Z)',
    'r._measurement == "cpu" and r._field == "usage_idle" and r["host"] == "web-01" and r["cpu"] == "cpu-total"',
    'r._measurement == "mem" and r._field == "used_percent" and r["host"] == "web-01"',
    'r._measurement == "disk" and r._field == "used_percent" and r["host"] == "web-01"',
    'r._measurement == "system" and r._field == "load1" and r["host"] == "web-01"',
    'group(columns: ["path"])',
    'aggregateWindow(every: 3600s, fn: mean, createEmpty: false, timeSrc: "_start")',
  ];
  return expect.filter((e) => !req.flux.includes(e));
}

const isStandard = (req: FluxRequest): boolean => req.flux.includes('yield(name: "cpu")');

describe('InfluxDB 2 source (Flux, replayed answers)', () => {
  let replay: FluxReplay;
  let answers: Array<(req: FluxRequest) => FluxAnswer | null>;

  beforeAll(async () => {
    replay = await startFluxReplay({ org: 'acme', token: TOKEN, prefix: '/influx' });
    replay.answer = (req) => {
      for (const a of answers) {
        const out = a(req);
        if (out) return out;
      }
      return { fixture: 'empty.csv' };
    };
  });

  afterEach(() => {
    expect(replay.problems).toEqual([]);
    replay.requests.length = 0;
  });

  afterAll(async () => {
    await replay?.close();
  });

  it.each(['standard-plain.csv', 'standard-annotated.csv'])('reads the hourly means of web-01 from %s', async (fixture) => {
    answers = [(req) => (isStandard(req) ? { fixture } : null)];
    const result = await collectInfluxdb(v2Settings(replay.url), [], influxContext(END, ENV));
    expect(replay.requests).toHaveLength(1);
    expect(standardProblems(replay.requests[0]!)).toEqual([]);
    expect(result).toMatchObject({
      source: 'influxdb',
      url: replay.url,
      status: 'ok',
      error: null,
      detail: 'Flux org=acme bucket=telegraf host=web-01, 2 d hourly',
      windowSeconds: 2 * 86400,
    });
    expect(result.series.map((s) => [s.name, s.label, s.points.length])).toEqual([
      ['cpu.used_percent', '', 48],
      ['memory.used_percent', '', 48],
      ['disk.used_percent', '/', 48],
      ['disk.used_percent', '/var', 48],
      ['load.1', '', 48],
    ]);
    const [cpu, mem, disk, , load] = result.series;
    for (let i = 0; i < 48; i++) {
      expect(cpu!.points[i]).toEqual({ t: START + i * 3600, v: 20 + (i % 5) });
      expect(mem!.points[i]?.v).toBe(40 + (i % 3));
      expect(load!.points[i]?.v).toBe(1 + (i % 4) * 0.5);
    }
    const first = disk!.points[0]!;
    const last = disk!.points[47]!;
    expect(first.v).toBeCloseTo(50 + 1200 / 86400, 9);
    expect(((last.v - first.v) / (last.t - first.t)) * 86400).toBeCloseTo(1, 9);
  });

  it('runs custom Flux queries with $match expanded: last values, labels, per-query errors, source ok', async () => {
    answers = [
      (req) => (isStandard(req) ? { fixture: 'standard-plain.csv' } : null),
      (req) => (req.flux.includes('"disk"') ? { fixture: 'custom-last-annotated.csv' } : null),
      (req) => (req.flux.includes('usage_user') ? { fixture: 'custom-plain.csv' } : null),
      (req) => (req.flux.includes('fromm') ? { fixture: 'error-400.json', status: 400 } : null),
      (req) => (req.flux.includes('"map"') ? { fixture: 'error-table.csv' } : null),
    ];
    const queries = [
      query('disk last', 'from(bucket: "telegraf") |> range(start: -1h) |> filter(fn: (r) => r._measurement == "disk" and $match) |> last()'),
      query('cpu user', 'from(bucket: "telegraf") |> range(start: -30m) |> filter(fn: (r) => r._field == "usage_user" and r.host == "$name")'),
      query('typo', 'fromm(bucket: "telegraf")'),
      query('runtime', 'from(bucket: "telegraf") |> range(start: -1h) |> filter(fn: (r) => r._measurement == "map")'),
      query('nothing', 'from(bucket: "telegraf") |> range(start: -1h) |> filter(fn: (r) => r._measurement == "nothere")'),
    ];
    const result = await collectInfluxdb(v2Settings(replay.url), queries, influxContext(END, ENV));
    expect(result.status).toBe('ok');
    expect(result.series).toHaveLength(5);
    const [disk, cpu, typo, runtime, nothing] = result.queries;
    expect(disk?.query).toBe('from(bucket: "telegraf") |> range(start: -1h) |> filter(fn: (r) => r._measurement == "disk" and r["host"] == "web-01") |> last()');
    expect(disk?.values).toEqual([
      { labels: { _field: 'used_percent', _measurement: 'disk', device: 'sda1', host: 'web-01', path: '/' }, value: 56.97 },
      { labels: { _field: 'used_percent', _measurement: 'disk', device: 'sdb1', host: 'web-01', path: '/mnt/a,"b"' }, value: 12.5 },
    ]);
    expect(cpu?.query).toContain('r.host == "web-01"');
    expect(cpu?.values.map((v) => [v.labels.cpu, v.value])).toEqual([
      ['cpu-total', 7.6],
      ['cpu0', 11.5],
    ]);
    expect(typo).toMatchObject({ values: [], error: 'HTTP 400 Bad Request: compilation failed: error @1:1-1:6: undefined identifier fromm' });
    expect(runtime?.error).toBe('runtime error @4:6-4:40: map: type conflict: float != string');
    expect(runtime?.values).toEqual([{ labels: { _field: 'x', _measurement: 'm', host: 'web-01' }, value: 1.5 }]);
    expect(nothing).toMatchObject({ values: [], error: null });
  });

  it('keeps a hostile host value and placeholder inside Flux strings', async () => {
    answers = [];
    const hostile = 'web-01" or r.host == "web-02" or "${r._value}';
    const ctx = influxContext(END, ENV, { name: 'x" or true or "', hostname: 'h', site: null });
    const result = await collectInfluxdb(v2Settings(replay.url, { hostValue: hostile }), [query('n', 'filter(fn: (r) => r.host == "$name" and $match)')], ctx);
    expect(result).toMatchObject({ status: 'ok', series: [] });
    const escaped = 'r["host"] == "web-01\\" or r.host == \\"web-02\\" or \\"\\${r._value}"';
    expect(replay.requests.find(isStandard)?.flux).toContain(escaped);
    expect(result.queries[0]?.query).toBe(`filter(fn: (r) => r.host == "x\\" or true or \\"" and ${escaped})`);
  });

  it('gives an empty answer as absent series, not zeros', async () => {
    answers = [() => ({ fixture: 'empty.csv' })];
    const result = await collectInfluxdb(v2Settings(replay.url), [], influxContext(END, ENV));
    expect(result).toMatchObject({ status: 'ok', error: null, series: [] });
  });

  it.each([
    ['a wrong token (401)', { fixture: 'error-401.json', status: 401 }, 'HTTP 401 Unauthorized: unauthorized access'],
    ['a missing bucket (404)', { fixture: 'bucket-404.json', status: 404 }, 'HTTP 404 Not Found: failed to initialize execute state: could not find bucket "telegraf"'],
    ['an error table', { fixture: 'error-table.csv' }, 'runtime error @4:6-4:40: map: type conflict: float != string'],
  ] as Array<[string, FluxAnswer, string]>)('fails the source on %s', async (_what, answer, error) => {
    answers = [() => answer];
    const result = await collectInfluxdb(v2Settings(replay.url), [], influxContext(END, ENV));
    expect(result).toMatchObject({ status: 'failed', error, series: [] });
    expect(result.error).not.toContain(TOKEN);
  });

  it('fails without a token, naming the variable and sending nothing', async () => {
    const result = await collectInfluxdb(v2Settings(replay.url), [], influxContext(END, {}));
    expect(result).toMatchObject({ status: 'failed', error: 'no token: environment variable INFLUXDB_TOKEN is not set' });
    expect(replay.requests).toHaveLength(0);
  });
});
