/**
 * The metrics sources in the host report (per pass) and the site report: each source's status, SSH beside the
 * sources, custom queries, trends, and a source that failed. Values a hostile source controls (errors, labels,
 * mount points, container names) print as text in every format.
 */
import { analyzeHost } from '../../../src/analyze/analyze-host.js';
import { summarizeSources } from '../../../src/analyze/metric-summary.js';
import type { MetricSourceResult } from '../../../src/collect/metrics/types.js';
import { buildHostReportModel } from '../../../src/report/host-report-model.js';
import { createRenderer } from '../../../src/report/render.js';
import { buildSiteReportModel } from '../../../src/report/site-report-model.js';
import { GENERATED_AT as SITE_AT, hostData, SINCE } from './site-report-sample.js';
import { loadSnapshotFixture, makeHost, NO_PREVIOUS } from '../analyze/helpers.js';
import { makeHost as makeSiteHost } from '../../helpers/host.js';

const renderer = createRenderer();
const NOW = Date.parse('2026-11-25T18:00:00Z') / 1000;
const EVIL = 'boom <script>alert(1)</script> | cell\n# heading';

function hourly(hours: number, start: number, perDay: number): Array<{ t: number; v: number }> {
  return Array.from({ length: hours + 1 }, (_, i) => ({ t: NOW - (hours - i) * 3600, v: start + (perDay * i) / 24 }));
}

function results(): MetricSourceResult[] {
  return [
    {
      source: 'prometheus',
      url: 'https://prom.example:9090',
      status: 'ok',
      error: null,
      detail: 'node_exporter instance="web-01:9100", last 1 h every 60 s',
      durationMs: 35,
      windowSeconds: 3600,
      series: [
        { name: 'cpu.used_percent', label: '', points: [{ t: NOW - 60, v: 12 }, { t: NOW, v: 14 }] },
        { name: 'memory.used_percent', label: '', points: [{ t: NOW, v: 90 }] },
        { name: 'disk.used_percent', label: '/', points: [{ t: NOW, v: 45.2 }] },
      ],
      queries: [
        { name: 'http_5xx', query: 'sum(rate(x[5m]))', unit: 'req/s', warn: 1, crit: 5, below: false, values: [{ labels: { vhost: 'shop' }, value: 7.25 }], error: null },
        { name: 'broken', query: 'rate(', unit: null, warn: 1, crit: null, below: false, values: [], error: 'bad_data: parse error' },
      ],
    },
    {
      source: 'influxdb',
      url: 'https://influx.example:8086',
      status: 'ok',
      error: null,
      detail: 'InfluxQL db=telegraf host=web-01, 7 d hourly',
      durationMs: 80,
      windowSeconds: 7 * 86_400,
      series: [{ name: 'disk.used_percent', label: '/var', points: hourly(7 * 24, 60, 4) }],
      queries: [],
    },
    { source: 'glances', url: 'https://web-01.example:61208', status: 'failed', error: EVIL, detail: '', durationMs: 5001, windowSeconds: 0, series: [], queries: [] },
  ];
}

describe('host report: metrics sources', () => {
  const host = makeHost();
  const snapshot = { ...loadSnapshotFixture('host-report', 'web-01'), metrics: results() };
  const analysis = analyzeHost(host, snapshot, NO_PREVIOUS, { secrets: [] });
  const metricSources = summarizeSources(results(), analysis.metrics?.trends ?? [], (s) => s);
  const model = buildHostReportModel({ host, snapshot, analysis, previous: NO_PREVIOUS, generatedAt: new Date(NOW * 1000), metricSources });

  it('the analysis has the threshold, the projection and the failed source as findings', () => {
    const keys = analysis.findings.map((f) => `${f.severity} ${f.key}`);
    expect(keys).toEqual(expect.arrayContaining(['crit metric.threshold:http_5xx', 'warn disk.growth:/var', 'info collect.source_failed:metrics:glances', 'info collect.source_failed:query:broken']));
    // The threshold counts in the score like any finding.
    expect(analysis.reasons.map((r) => r.reason)).toEqual(expect.arrayContaining([expect.stringContaining('metric.threshold: http_5xx{vhost="shop"} is 7.25 req/s (crit ≥ 5 req/s)')]));
  });

  it('Markdown: status per source, SSH beside the sources, queries, trends, and what is missing', () => {
    const markdown = renderer.render('host-report.md', model);
    const section = markdown.slice(markdown.indexOf('## 📈 Metrics Sources'), markdown.indexOf('## 🧾 Collection Notes'));
    const lines = section.split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        '- ✅ **prometheus** (https://prom.example:9090): node_exporter instance="web-01:9100", last 1 h every 60 s · 3 series in 35 ms',
        '- ✅ **influxdb** (https://influx.example:8086): InfluxQL db=telegraf host=web-01, 7 d hourly · 1 series in 80 ms',
        '| Metric | SSH (pass time) | prometheus | influxdb |',
        '| CPU used | 45.2% | 14% (12%–14%, mean 13%) | – |',
        '| Memory used | 85% | 90% | – |',
        // The fixture's SSH df says 94 %: Prometheus' 45.2 % is shown beside it, flagged, never merged.
        '| Disk / used ⚠️ | 94% | 45.2% | – |',
        '| Disk /var used | – | – | 88% (60%–88%, mean 74%) |',
        '⚠️ *1 value disagrees between SSH and the sources (each column says who measured what; SSH is a pass-time sample, the sources show their latest point and the window\'s range).*',
        '| http_5xx | prometheus | vhost=shop = 7.25 req/s | warn ≥ 1 req/s, crit ≥ 5 req/s | 🚨 Critical |',
        '| broken | prometheus | – | warn ≥ 1 | ⚠️ Failed: bad_data: parse error |',
        '| influxdb | Disk /var | 88% | +4 points/day | 7 d | ⚠️ \\~3 days |',
      ]),
    );
    // The failed source: one line, its error as text.
    const failed = lines.find((l) => l.includes('**glances**'));
    expect(failed).toContain('**not available** — boom \\<script\\>alert(1)\\</script\\> \\| cell');
    expect(failed).toContain('This pass used the other sources.');
    expect(section).not.toMatch(/^# heading/m);
    expect(markdown).toContain('## 🧾 Collection Notes');
    expect(markdown).toMatch(/\*\*metrics:glances:\*\* https:\/\/web-01\.example:61208: boom/);
  });

  it('HTML and text carry the same section, hostile text escaped', () => {
    const html = renderer.render('host-report.html', model);
    expect(html).toContain('📈 Metrics Sources');
    expect(html).toContain('boom &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<script>alert(1)');
    expect(html).toContain('⚠️ ~3 days');
    const text = renderer.render('host-report.txt', model);
    expect(text).toContain('METRICS SOURCES');
    expect(text).toContain('  glances (https://web-01.example:61208): NOT AVAILABLE: boom <script>alert(1)</script> | cell # heading; this pass used the other sources');
    expect(text).toContain('  influxdb Disk /var: now 88%, +4 points/day over 7 d, full in ~3 days (SOON)');
    expect(text).toContain('  Disk / used (sources disagree): SSH 94%, prometheus 45.2%');
    expect(text).toContain('  http_5xx (prometheus): vhost=shop = 7.25 req/s [warn ≥ 1 req/s, crit ≥ 5 req/s] CRITICAL');
  });

  it('a host without sources has no section', () => {
    const plain = loadSnapshotFixture('host-report', 'web-01');
    const a = analyzeHost(host, plain, NO_PREVIOUS, { secrets: [] });
    const m = buildHostReportModel({ host, snapshot: plain, analysis: a, previous: NO_PREVIOUS, generatedAt: new Date(NOW * 1000) });
    expect(m.metrics).toBeNull();
    expect(renderer.render('host-report.md', m)).not.toContain('Metrics Sources');
  });
});

describe('site report: metrics trends', () => {
  const trends = summarizeSources(results(), [], (s) => s);
  const withTrend = (mount: string, daysToFull: number | null, slope: number) =>
    trends.map((s) =>
      s.source === 'influxdb'
        ? { ...s, trends: [{ source: 'influxdb' as const, metric: 'disk.used_percent' as const, label: mount, latest: 88, slopePerDay: slope, spanHours: 168, points: 169, daysUntilFull: daysToFull }] }
        : s,
    );
  const model = buildSiteReportModel(
    {
      since: SINCE.toISOString(),
      until: SITE_AT.toISOString(),
      trendSince: '2026-11-18T18:00:00.000Z',
      hosts: [
        hostData('web-01', { metricSources: { collectedAt: SITE_AT.toISOString(), sources: withTrend('/var', 3, 4) } }),
        hostData('web-02', { hostId: 2, metricSources: { collectedAt: SITE_AT.toISOString(), sources: withTrend('/data', 30, 0.4) } }),
        hostData('db-01', { hostId: 3 }),
      ],
    },
    { site: 's01-home', hosts: [makeSiteHost({ name: 'web-01' }), makeSiteHost({ name: 'web-02' }), makeSiteHost({ name: 'db-01' })], since: SINCE, generatedAt: SITE_AT, previousReport: null },
  );

  it('availability per source, growing disks soonest first, queries over their limits', () => {
    expect(model.metrics?.sources).toEqual([
      { source: 'prometheus', ok: 2, failed: [] },
      { source: 'influxdb', ok: 2, failed: [] },
      { source: 'glances', ok: 0, failed: [{ host: 'web-01', error: EVIL }, { host: 'web-02', error: EVIL }] },
    ]);
    expect(model.metrics?.trends.map((t) => [t.host, t.mount, t.full, t.isSoon])).toEqual([
      ['web-01', '/var', '~3 days', true],
      ['web-02', '/data', '~30 days', false],
    ]);
    expect(model.metrics?.queries).toEqual([
      { host: 'web-01', name: 'http_5xx', state: 'crit', value: '7.25 req/s' },
      { host: 'web-02', name: 'http_5xx', state: 'crit', value: '7.25 req/s' },
    ]);
    const markdown = renderer.render('site-report.md', model);
    expect(markdown).toContain('## 📈 Metrics Trends');
    expect(markdown).toContain('| web-01 | /var | influxdb | 88% | +4 points/day | 7 d | 🚨 **\\~3 days** |');
    expect(markdown).toContain('| web-02 | /data | influxdb | 88% | +0.4 points/day | 7 d | \\~30 days |');
    expect(markdown).toContain('- 🚨 **web-01** http_5xx = 7.25 req/s');
    expect(markdown).toContain('- **glances:** answered for 0 hosts; ⚠️ not available for web-01 (boom \\<script\\>');
    expect(markdown).not.toMatch(/^# heading/m);
    const html = renderer.render('site-report.html', model);
    expect(html).toContain('not available for web-01 (boom &lt;script&gt;');
    const text = renderer.render('site-report.txt', model);
    expect(text).toContain('  web-01 /var (influxdb): 88% used, +4 points/day over 7 d, full in ~3 days (SOON)');
  });

  it('a site without sources has no section', () => {
    const plain = buildSiteReportModel(
      { since: SINCE.toISOString(), until: SITE_AT.toISOString(), trendSince: '2026-11-18T18:00:00.000Z', hosts: [hostData('db-01')] },
      { site: 's', hosts: [makeSiteHost({ name: 'db-01' })], since: SINCE, generatedAt: SITE_AT, previousReport: null },
    );
    expect(plain.metrics).toBeNull();
    expect(renderer.render('site-report.md', plain)).not.toContain('Metrics Trends');
  });
});
