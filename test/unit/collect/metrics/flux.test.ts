import { describe, expect, it } from '@jest/globals';
import { fluxMatch, fluxPlaceholderValue, fluxQueryValues, fluxSeries, fluxString, fluxTime, standardFlux } from '../../../../src/collect/metrics/flux.js';
import { parseFluxCsv } from '../../../../src/collect/metrics/flux-csv.js';
import { loadFluxFixture } from '../../../helpers/flux-replay.js';
import { telegrafSettings } from '../../../helpers/influxdb.js';

const END = 1699999200;
const START = END - 2 * 86400;
const v2 = (over = {}) => telegrafSettings('http://x', { version: 2, database: null, org: 'acme', bucket: 'telegraf', tokenEnv: 'INFLUXDB_TOKEN', historySeconds: 2 * 86400, ...over });

describe('Flux quoting', () => {
  it('escapes quote, backslash, line breaks and the ${ of string interpolation', () => {
    expect(fluxString('a"b\\c\nd${x}$y')).toBe('"a\\"b\\\\c\\nd\\${x}$y"');
    expect(fluxMatch('host', 'web-01')).toBe('r["host"] == "web-01"');
    expect(fluxPlaceholderValue('x" or true or "')).toBe('x\\" or true or \\"');
  });

  it('writes whole-second RFC3339 times', () => {
    expect(fluxTime(END)).toBe('2023-11-14T22:00:00Z');
  });
});

describe('standardFlux', () => {
  it('reads the four metrics in one script, one yield each, hourly means with the window start as _time', () => {
    const flux = standardFlux(v2(), { start: START, end: END, intervalSeconds: 3600 });
    expect(flux.match(/from\(bucket: "telegraf"\)/g)).toHaveLength(4);
    expect(flux.match(/range\(start: 2023-11-12T22:00:00Z, stop: 2023-11-14T22:00:01Z\)/g)).toHaveLength(4);
    expect(flux).toContain('filter(fn: (r) => r._measurement == "cpu" and r._field == "usage_idle" and r["host"] == "web-01" and r["cpu"] == "cpu-total")');
    expect(flux).toContain('group(columns: ["path"])');
    expect(flux.match(/aggregateWindow\(every: 3600s, fn: mean, createEmpty: false, timeSrc: "_start"\)/g)).toHaveLength(4);
    expect([...flux.matchAll(/yield\(name: "(\w+)"\)/g)].map((m) => m[1])).toEqual(['cpu', 'mem', 'disk', 'load']);
  });

  it('keeps a hostile host value (quotes, interpolation) inside its string', () => {
    const flux = standardFlux(v2({ hostValue: '" or true or r.x == "${r.secret}' }), { start: START, end: END, intervalSeconds: 3600 });
    expect(flux).toContain('r["host"] == "\\" or true or r.x == \\"\\${r.secret}"');
    expect(flux).not.toContain('or true or r.x == "$');
  });
});

describe('fluxSeries', () => {
  it.each(['standard-plain.csv', 'standard-annotated.csv'])('maps %s to the standard series', (fixture) => {
    const series = fluxSeries(parseFluxCsv(loadFluxFixture(fixture)).tables, v2());
    expect(series.map((s) => [s.name, s.label, s.points.length])).toEqual([
      ['cpu.used_percent', '', 48],
      ['memory.used_percent', '', 48],
      ['disk.used_percent', '/', 48],
      ['disk.used_percent', '/var', 48],
      ['load.1', '', 48],
    ]);
    const cpu = series[0]!.points;
    expect(cpu[0]).toEqual({ t: START, v: 20 });
    expect(cpu[7]).toEqual({ t: START + 7 * 3600, v: 22 });
    const disk = series[2]!.points;
    expect(disk[0]!.v).toBeCloseTo(50 + 1200 / 86400, 9);
    expect(((disk[47]!.v - disk[0]!.v) / (disk[47]!.t - disk[0]!.t)) * 86400).toBeCloseTo(1, 9);
  });

  it('drops null and NaN values, sorts, and leaves a metric without tables absent', () => {
    const text = [',result,table,_time,_value', ',load,0,2023-11-14T21:00:00Z,2', ',load,0,2023-11-14T20:00:00Z,', ',load,0,2023-11-14T19:00:00Z,NaN', ',load,0,2023-11-14T18:00:00Z,1'].join('\r\n');
    expect(fluxSeries(parseFluxCsv(text).tables, v2())).toEqual([
      { name: 'load.1', label: '', points: [{ t: 1699984800, v: 1 }, { t: 1699995600, v: 2 }] },
    ]);
  });
});

describe('fluxQueryValues', () => {
  it('uses the #group key as labels and the last value of each table', () => {
    expect(fluxQueryValues(parseFluxCsv(loadFluxFixture('custom-last-annotated.csv')).tables)).toEqual([
      { labels: { _field: 'used_percent', _measurement: 'disk', device: 'sda1', host: 'web-01', path: '/' }, value: 56.97 },
      { labels: { _field: 'used_percent', _measurement: 'disk', device: 'sdb1', host: 'web-01', path: '/mnt/a,"b"' }, value: 12.5 },
    ]);
  });

  it('without annotations, labels are the columns constant over the table; a null last row is skipped', () => {
    expect(fluxQueryValues(parseFluxCsv(loadFluxFixture('custom-plain.csv')).tables)).toEqual([
      { labels: { _field: 'usage_user', _measurement: 'cpu', cpu: 'cpu-total', host: 'web-01' }, value: 7.6 },
      { labels: { _field: 'usage_user', _measurement: 'cpu', cpu: 'cpu0', host: 'web-01' }, value: 11.5 },
    ]);
  });

  it('labels values with the result name when the query yields several', () => {
    const text = [',result,table,_value', ',a,0,1', ',b,0,2'].join('\r\n');
    expect(fluxQueryValues(parseFluxCsv(text).tables)).toEqual([
      { labels: { result: 'a' }, value: 1 },
      { labels: { result: 'b' }, value: 2 },
    ]);
  });
});
