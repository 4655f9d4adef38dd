/**
 * The InfluxDB source against a real InfluxDB 1.x (Debian influxd) holding 7 days of Telegraf-shaped points for
 * web-01 (three points per hour, so the hourly means are known exactly) and other series that must NOT be read:
 * another host, a per-core cpu series, and a host whose name holds quotes.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { collectInfluxdb } from '../../../src/collect/metrics/influxdb.js';
import type { CustomQuery, MetricSeries, MetricSourceResult } from '../../../src/collect/metrics/types.js';
import { influxContext, influxdbDescribe, startInfluxdb, telegrafSettings, type InfluxdbPeer } from '../../helpers/influxdb.js';

/** End of the data and of the pass window: an exact hour (1699999200 / 3600 = 472222). */
const END = 1_699_999_200;
const START = END - 7 * 86400;
const HOURS = 7 * 24;
const OFFSETS = [0, 1200, 2400];
const SPREAD = [-5, 0, 5];

/** Line protocol of web-01 (and the noise around it): hour i has points at +0, +20, +40 min around a known mean. */
function telegrafLines(): string {
  const lines: string[] = [];
  for (let i = 0; i < HOURS; i++) {
    OFFSETS.forEach((offset, k) => {
      const t = START + i * 3600 + offset;
      const d = SPREAD[k] as number;
      lines.push(`cpu,cpu=cpu-total,host=web-01 usage_idle=${80 - (i % 5) + d} ${t}`);
      lines.push(`cpu,cpu=cpu0,host=web-01 usage_idle=1 ${t}`);
      lines.push(`mem,host=web-01 used_percent=${40 + (i % 3) + d / 5} ${t}`);
      lines.push(`disk,host=web-01,path=/ used_percent=${50 + (t - START) / 86400} ${t}`);
      lines.push(`disk,host=web-01,path=/var used_percent=${30 + d / 5} ${t}`);
      lines.push(`system,host=web-01 load1=${1 + (i % 4) * 0.5 + d / 10} ${t}`);
      lines.push(`cpu,cpu=cpu-total,host=web-02 usage_idle=0 ${t}`, `mem,host=web-02 used_percent=99 ${t}`);
      lines.push(`disk,host=web-02,path=/ used_percent=99 ${t}`, `system,host=web-02 load1=50 ${t}`);
    });
  }
  lines.push(`mem,host=o'brien"x used_percent=77 ${START + 3600}`);
  return `${lines.join('\n')}\n`;
}

const query = (name: string, text: string, source: CustomQuery['source'] = 'influxdb'): CustomQuery => ({
  name,
  query: text,
  source,
  unit: '%',
  warn: 80,
  crit: 90,
  below: false,
});

const seriesOf = (result: MetricSourceResult, name: MetricSeries['name'], label = ''): MetricSeries | undefined =>
  result.series.find((s) => s.name === name && s.label === label);

influxdbDescribe('InfluxDB 1.x source (real influxd)', () => {
  let peer: InfluxdbPeer;

  beforeAll(async () => {
    peer = await startInfluxdb();
    await peer.write(telegrafLines(), 'telegraf');
  });

  afterAll(async () => {
    await peer?.stop();
  });

  it('reads the hourly means of web-01 over 7 days, and nothing of the other series', async () => {
    const result = await collectInfluxdb(telegrafSettings(peer.url), [], influxContext(END));
    expect(result).toMatchObject({
      source: 'influxdb',
      url: peer.url,
      status: 'ok',
      error: null,
      detail: 'InfluxQL db=telegraf host=web-01, 7 d hourly',
      windowSeconds: 7 * 86400,
      queries: [],
    });
    expect(result.series.map((s) => [s.name, s.label, s.points.length])).toEqual([
      ['cpu.used_percent', '', HOURS],
      ['memory.used_percent', '', HOURS],
      ['disk.used_percent', '/', HOURS],
      ['disk.used_percent', '/var', HOURS],
      ['load.1', '', HOURS],
    ]);
    const cpu = seriesOf(result, 'cpu.used_percent')!.points;
    const mem = seriesOf(result, 'memory.used_percent')!.points;
    const load = seriesOf(result, 'load.1')!.points;
    for (let i = 0; i < HOURS; i++) {
      expect(cpu[i]?.t).toBe(START + i * 3600);
      // 100 - idle: a cpu0 (idle 1) or web-02 (idle 0) point mixed in would pull this far up.
      expect(cpu[i]?.v).toBeCloseTo(20 + (i % 5), 9);
      expect(mem[i]?.v).toBeCloseTo(40 + (i % 3), 9);
      expect(load[i]?.v).toBeCloseTo(1 + (i % 4) * 0.5, 9);
    }
    expect(seriesOf(result, 'disk.used_percent', '/var')!.points.every((p) => Math.abs(p.v - 30) < 1e-9)).toBe(true);
  });

  it('gives the disk series rising 1 %/day as points the trend can be computed from', async () => {
    const result = await collectInfluxdb(telegrafSettings(peer.url), [], influxContext(END));
    const disk = seriesOf(result, 'disk.used_percent', '/')!.points;
    // The mean of the points at +0, +20, +40 min is the value at +20 min.
    expect(disk[0]).toEqual({ t: START, v: expect.closeTo(50 + 1200 / 86400, 9) });
    const first = disk[0]!;
    const last = disk[HOURS - 1]!;
    expect(((last.v - first.v) / (last.t - first.t)) * 86400).toBeCloseTo(1, 9);
  });

  it('runs custom InfluxQL queries: last value per series, errors per query, the source stays ok', async () => {
    const queries = [
      query('disk last', 'SELECT last("used_percent") FROM "disk" WHERE $match GROUP BY "path"'),
      query('mem by name', `SELECT last("used_percent") FROM "mem" WHERE "host" = '$name'`),
      query('typo', 'SELECT last("used_percent" FROM "disk"'),
      query('missing measurement', 'SELECT last("x") FROM "nothere" WHERE $match'),
      query('drop', 'DROP DATABASE "telegraf"'),
      query('prometheus one', 'up', 'prometheus'),
    ];
    const result = await collectInfluxdb(telegrafSettings(peer.url), queries, influxContext(END));
    expect(result.status).toBe('ok');
    expect(result.queries.map((q) => q.name)).toEqual(['disk last', 'mem by name', 'typo', 'missing measurement', 'drop']);
    const [disk, mem, typo, missing, drop] = result.queries;
    expect(disk).toMatchObject({ query: `SELECT last("used_percent") FROM "disk" WHERE "host" = 'web-01' GROUP BY "path"`, unit: '%', warn: 80, crit: 90, error: null });
    expect(disk?.values).toEqual([
      { labels: { path: '/' }, value: expect.closeTo(50 + (7 * 86400 - 1200) / 86400, 9) },
      { labels: { path: '/var' }, value: expect.closeTo(31, 9) },
    ]);
    // Hour 167: 40 + 167 % 3 = 42, last point +1.
    expect(mem?.values).toEqual([{ labels: {}, value: expect.closeTo(43, 9) }]);
    expect(typo?.values).toEqual([]);
    expect(typo?.error).toMatch(/^HTTP 400 Bad Request: error parsing query: found FROM, expected \)/);
    expect(missing).toMatchObject({ values: [], error: null });
    expect(drop?.error).toMatch(/read-only/);
    // The refused DROP was never sent.
    expect(JSON.stringify(await peer.query('SHOW DATABASES'))).toContain('"telegraf"');
  });

  it('keeps a hostile host value inside its quotes (standard and custom queries)', async () => {
    const hostile = `web-01' OR "host" = 'web-02`;
    const ctx = influxContext(END, {}, { name: `x' OR 'a'='a`, hostname: 'h', site: null });
    const queries = [query('match', 'SELECT last("used_percent") FROM "mem" WHERE $match'), query('name', `SELECT last("used_percent") FROM "mem" WHERE "host" = '$name'`)];
    const result = await collectInfluxdb(telegrafSettings(peer.url, { hostValue: hostile }), queries, ctx);
    // Parsed fine and matched nothing: an injection would have read web-01 and web-02, a broken quote a 400.
    expect(result).toMatchObject({ status: 'ok', error: null, series: [] });
    expect(result.queries.map((q) => [q.values, q.error])).toEqual([
      [[], null],
      [[], null],
    ]);

    const quoted = await collectInfluxdb(telegrafSettings(peer.url, { hostValue: `o'brien"x` }), [], influxContext(END));
    expect(quoted.series).toEqual([{ name: 'memory.used_percent', label: '', points: [{ t: START + 3600, v: 77 }] }]);
    expect(quoted.detail).toBe(`InfluxQL db=telegraf host=o'brien"x, 7 d hourly`);
  });

  it('reports a missing database as a failed source, and no data as absent series', async () => {
    const missing = await collectInfluxdb(telegrafSettings(peer.url, { database: 'nope' }), [], influxContext(END));
    expect(missing).toMatchObject({ status: 'failed', error: 'database not found: nope', series: [] });

    const later = await collectInfluxdb(telegrafSettings(peer.url), [], influxContext(END + 30 * 86400));
    expect(later).toMatchObject({ status: 'ok', error: null, series: [] });
  });

  it('uses a retention policy when one is set', async () => {
    await peer.query('CREATE RETENTION POLICY "short" ON "telegraf" DURATION 1000w REPLICATION 1');
    const res = await fetch(`${peer.url}/write?db=telegraf&rp=short&precision=s`, { method: 'POST', body: `system,host=web-01 load1=9 ${END - 600}\n` });
    expect(res.status).toBe(204);
    const result = await collectInfluxdb(telegrafSettings(peer.url, { retentionPolicy: 'short' }), [], influxContext(END));
    expect(result.detail).toBe('InfluxQL db=telegraf rp=short host=web-01, 7 d hourly');
    expect(result.series).toEqual([{ name: 'load.1', label: '', points: [{ t: END - 3600, v: 9 }] }]);
  });
});
