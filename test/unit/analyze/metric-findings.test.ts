import { analyzeMetrics, formatMetricValue } from '../../../src/analyze/metric-findings.js';
import { metricTrends, slopePerDay } from '../../../src/analyze/metric-trends.js';
import { summarizeSources } from '../../../src/analyze/metric-summary.js';
import type { MetricSourceResult, QueryResult } from '../../../src/collect/metrics/types.js';
import type { HostFacts, ResolvedHost } from '../../../src/types.js';

const NOW = Date.parse('2026-11-20T12:00:00Z') / 1000;
const HOUR = 3600;

/** Hourly points over `hours`, ending now, from `start` rising by `perDay`. */
function hourly(hours: number, start: number, perDay: number): Array<{ t: number; v: number }> {
  return Array.from({ length: hours + 1 }, (_, i) => ({ t: NOW - (hours - i) * HOUR, v: start + (perDay * i) / 24 }));
}

function source(overrides: Partial<MetricSourceResult> = {}): MetricSourceResult {
  return {
    source: 'influxdb',
    url: 'https://influx.example:8086',
    status: 'ok',
    error: null,
    detail: 'InfluxQL db=telegraf host=web-01, 7 d hourly',
    durationMs: 42,
    windowSeconds: 7 * 86_400,
    series: [],
    queries: [],
    ...overrides,
  };
}

function query(overrides: Partial<QueryResult>): QueryResult {
  return { name: 'q', query: 'up', unit: null, warn: null, crit: null, below: false, values: [], error: null, ...overrides };
}

const HOST = { name: 'web-01', diskGrowth: { fullWithinDays: 7 } } as unknown as ResolvedHost;
const identity = (s: string): string => s;

describe('trends', () => {
  test('least squares gives the planted slope per day; too few points or too short a span is no trend', () => {
    expect(slopePerDay(hourly(48, 50, 2))).toBeCloseTo(2, 10);
    expect(slopePerDay([{ t: 1, v: 1 }])).toBeNull();
    expect(slopePerDay([{ t: 1, v: 1 }, { t: 1, v: 2 }])).toBeNull();
    const trends = metricTrends([
      source({
        series: [
          { name: 'disk.used_percent', label: '/', points: hourly(7 * 24, 60, 5) },
          { name: 'disk.used_percent', label: '/srv', points: hourly(7 * 24, 80, -1) },
          { name: 'cpu.used_percent', label: '', points: Array.from({ length: 7 }, (_, i) => ({ t: NOW - 3600 + i * 600, v: 10 + i / 144 })) },
          { name: 'memory.used_percent', label: '', points: [{ t: NOW - 10, v: 1 }, { t: NOW, v: 2 }] },
          { name: 'disk.avail_bytes', label: '/', points: hourly(48, 1e9, -1e8) },
        ],
      }),
    ]);
    // Soonest full first; /srv shrinks (no projection); cpu over 1 h is a trend, two points are not; bytes series are not trended.
    expect(trends.map((t) => [t.metric, t.label, Math.round(t.slopePerDay * 100) / 100, t.daysUntilFull === null ? null : Math.round(t.daysUntilFull * 100) / 100])).toEqual([
      ['disk.used_percent', '/', 5, 1],
      ['cpu.used_percent', '', 1, null],
      ['disk.used_percent', '/srv', -1, null],
    ]);
    expect(trends[0]).toMatchObject({ source: 'influxdb', latest: 95, spanHours: 168, points: 169 });
  });

  test('a failed source has no trends', () => {
    expect(metricTrends([source({ status: 'failed', error: 'x', series: [{ name: 'disk.used_percent', label: '/', points: hourly(24, 1, 1) }] })])).toEqual([]);
  });
});

describe('findings from the metrics sources', () => {
  test('a custom query over crit is one crit metric.threshold with the worst series first; under warn is none', () => {
    const results = [
      source({
        source: 'prometheus',
        queries: [
          query({
            name: 'http_5xx',
            query: 'sum by (vhost) (rate(x{instance="web-01:9100"}[5m]))',
            unit: 'req/s',
            warn: 1,
            crit: 5,
            values: [
              { labels: { vhost: 'a' }, value: 0.2 },
              { labels: { vhost: 'b' }, value: 7.5 },
              { labels: { vhost: 'c' }, value: 2 },
            ],
          }),
          query({ name: 'quiet', warn: 10, values: [{ labels: {}, value: 3 }] }),
          query({ name: 'inodes', below: true, warn: 1000, crit: 100, unit: 'inodes', values: [{ labels: {}, value: 500 }] }),
        ],
      }),
    ];
    const { findings } = analyzeMetrics(HOST, results, null, new Set(), identity);
    expect(findings).toEqual([
      {
        category: 'metric.threshold',
        severity: 'crit',
        ruleId: 'metrics.query.http_5xx',
        title: 'http_5xx{vhost="b"} is 7.5 req/s (crit ≥ 5 req/s) (2 series)',
        key: 'metric.threshold:http_5xx',
        subject: 'http_5xx',
        count: 2,
        evidence: [
          {
            source: 'prometheus:http_5xx',
            lines: ['http_5xx{vhost="b"} = 7.5 req/s (crit)', 'http_5xx{vhost="c"} = 2 req/s (warn)'],
            values: { query: 'sum by (vhost) (rate(x{instance="web-01:9100"}[5m]))', value: 7.5, warn: 1, crit: 5, unit: 'req/s' },
          },
        ],
        recommendation: 'Check what drives http_5xx on this host; the query and its limits are in metrics.queries.',
      },
      expect.objectContaining({ category: 'metric.threshold', severity: 'warn', key: 'metric.threshold:inodes', title: 'inodes is 500 inodes (warn ≤ 1000 inodes)' }),
    ]);
  });

  test('a failed source and a failed query are info collect.source_failed, redacted', () => {
    const redact = (s: string): string => s.replaceAll('s3cret', '********');
    const results = [
      source({ source: 'glances', url: 'https://g.example:61208', status: 'failed', error: 'GET https://g.example:61208/api/4/status: timed out after 5 s (token s3cret)' }),
      source({ source: 'prometheus', queries: [query({ name: 'bad', query: 'rate(', error: 'parse error: unexpected end of input' })] }),
    ];
    const { findings, failed } = analyzeMetrics(HOST, results, null, new Set(), redact);
    expect(findings).toEqual([
      {
        category: 'collect.source_failed',
        severity: 'info',
        ruleId: 'collect.source_failed',
        title: 'Metrics source glances failed: GET https://g.example:61208/api/4/status: timed out after 5 s (token ********)',
        key: 'collect.source_failed:metrics:glances',
        subject: 'metrics:glances',
        count: 1,
        evidence: [{ source: 'glances:https://g.example:61208', lines: ['https://g.example:61208: GET https://g.example:61208/api/4/status: timed out after 5 s (token ********); this pass used the other sources'] }],
      },
      expect.objectContaining({ key: 'collect.source_failed:query:bad', title: 'Query bad failed: parse error: unexpected end of input' }),
    ]);
    expect(failed).toEqual([{ source: 'glances', error: expect.stringContaining('********') }]);
  });

  test('a disk the history fills within full_within_days is disk.growth, unless SSH history already said so', () => {
    const results = [
      source({
        series: [
          { name: 'disk.used_percent', label: '/var', points: hourly(7 * 24, 60, 4) },
          { name: 'disk.used_percent', label: '/', points: hourly(7 * 24, 50, 20) },
          { name: 'disk.used_percent', label: '/slow', points: hourly(7 * 24, 10, 1) },
        ],
      }),
      // An hour of Prometheus data is not a projection, however steep.
      source({ source: 'prometheus', windowSeconds: 3600, series: [{ name: 'disk.used_percent', label: '/tmp', points: hourly(1, 90, 200) }] }),
    ];
    const { findings } = analyzeMetrics(HOST, results, null, new Set(['disk.growth:/']), identity);
    expect(findings).toEqual([
      {
        category: 'disk.growth',
        severity: 'warn',
        ruleId: 'metrics.disk_trend',
        title: 'Disk /var grows 4 points/day (influxdb, 168 h), full in ~3 days',
        key: 'disk.growth:/var',
        subject: '/var',
        count: 1,
        evidence: [{ source: 'influxdb:disk.used_percent', values: { mount: '/var', usedPercent: 88, percentPerDay: 4, daysToFull: 3, spanHours: 168 } }],
        recommendation: 'Find what grows on /var (du -x -d 2 /var | sort -n); rotate or clean it up, or grow the filesystem before it fills.',
      },
    ]);
  });

  test('SSH and the sources are compared, never merged: a disagreement names who said what', () => {
    const facts = { memory: { usedPercent: 40 }, disks: [{ mount: '/', usedPercent: 50 }, { mount: '/data', usedPercent: 70 }] } as unknown as HostFacts;
    const results = [
      source({ source: 'prometheus', series: [{ name: 'disk.used_percent', label: '/', points: [{ t: NOW, v: 51 }] }, { name: 'memory.used_percent', label: '', points: [{ t: NOW, v: 80 }] }] }),
      source({ source: 'glances', series: [{ name: 'disk.used_percent', label: '/data', points: [{ t: NOW, v: 90 }] }] }),
    ];
    const { comparisons } = analyzeMetrics(HOST, results, facts, new Set(), identity);
    expect(comparisons).toEqual([
      { metric: 'disk.used_percent', label: '/', ssh: 50, sources: [{ source: 'prometheus', value: 51 }], disagrees: false },
      { metric: 'disk.used_percent', label: '/data', ssh: 70, sources: [{ source: 'glances', value: 90 }], disagrees: true },
      { metric: 'memory.used_percent', label: '', ssh: 40, sources: [{ source: 'prometheus', value: 80 }], disagrees: true },
    ]);
  });

  test('summaries keep latest/min/max/mean, cap query values, and redact', () => {
    const results = [
      source({
        url: 'https://influx.example:8086',
        detail: 'host=tok123',
        series: [{ name: 'memory.used_percent', label: '', points: [{ t: NOW - 60, v: 10 }, { t: NOW, v: 30 }, { t: NOW - 30, v: Number.NaN }] }],
        queries: [query({ name: 'many', values: Array.from({ length: 80 }, (_, i) => ({ labels: { i: String(i) }, value: i })) })],
      }),
    ];
    const [summary] = summarizeSources(results, [], (s) => s.replaceAll('tok123', '********'));
    expect(summary?.detail).toBe('host=********');
    expect(summary?.series).toEqual([
      { name: 'memory.used_percent', label: '', latest: 30, min: 10, max: 30, mean: 20, points: 2, from: new Date((NOW - 60) * 1000).toISOString(), to: new Date(NOW * 1000).toISOString() },
    ]);
    expect(summary?.queries[0]?.values).toHaveLength(50);
  });

  test('values are formatted for people', () => {
    expect(formatMetricValue(97.25, '%')).toBe('97.25%');
    expect(formatMetricValue(1234.5, 'req/s')).toBe('1234.5 req/s');
    expect(formatMetricValue(0.00123, null)).toBe('0.00123');
    expect(formatMetricValue(3, 'x')).toBe('3 x');
  });
});
