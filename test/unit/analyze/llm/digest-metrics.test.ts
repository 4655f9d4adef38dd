import { buildDigest } from '../../../../src/analyze/llm/digest.js';
import { analyzeMetrics } from '../../../../src/analyze/metric-findings.js';
import { createRedactor } from '../../../../src/analyze/redact.js';
import type { MetricSourceResult } from '../../../../src/collect/metrics/types.js';
import type { HostAnalysis } from '../../../../src/types.js';
import { makeFacts, makeHost } from '../helpers.js';

const PASS_AT = '2026-11-26T10:00:00.000Z';
const NOW = Date.parse(PASS_AT) / 1000;
const redact = createRedactor(['tok-3f9a-secret']);

const RESULTS: MetricSourceResult[] = [
  {
    source: 'prometheus',
    url: 'https://prom.example:9090',
    status: 'ok',
    error: null,
    detail: '',
    durationMs: 1,
    windowSeconds: 3600,
    series: [{ name: 'disk.used_percent', label: '/', points: [{ t: NOW, v: 12 }] }],
    queries: [{ name: 'queue_depth', query: 'q', unit: 'jobs', warn: 100, crit: null, below: false, values: [{ labels: { queue: 'mail' }, value: 12.3456 }], error: null }],
  },
  {
    source: 'influxdb',
    url: 'https://influx.example:8086',
    status: 'ok',
    error: null,
    detail: '',
    durationMs: 1,
    windowSeconds: 7 * 86_400,
    series: [{ name: 'disk.used_percent', label: '/data', points: Array.from({ length: 169 }, (_, i) => ({ t: NOW - (168 - i) * 3600, v: 60 + (2 * i) / 24 })) }],
    queries: [],
  },
  { source: 'glances', url: 'https://g.example', status: 'failed', error: 'HTTP 401 Unauthorized (token tok-3f9a-secret)', detail: '', durationMs: 1, windowSeconds: 0, series: [], queries: [] },
];

describe('the digest carries the metrics sources as context', () => {
  it('query values, trends with days until full, disagreements with SSH, failed sources; redacted', () => {
    const host = makeHost();
    const facts = makeFacts();
    const metrics = analyzeMetrics(host, RESULTS, facts, new Set(), redact);
    const analysis: HostAnalysis = { findings: metrics.findings, score: 90, status: 'healthy', reasons: [], metrics: { trends: metrics.trends, comparisons: metrics.comparisons, queries: metrics.queries, failed: metrics.failed } };
    const d = buildDigest(host, facts, analysis, { maxTokens: 4000, redact, passAt: PASS_AT });
    expect(d.data.metrics).toEqual({
      queries: [{ source: 'prometheus', name: 'queue_depth', unit: 'jobs', values: [{ labels: 'queue=mail', value: 12.346 }] }],
      trends: [{ source: 'influxdb', metric: 'disk.used_percent', label: '/data', latest: 74, per_day: 2, span_hours: 168, days_until_full: 13 }],
      disagreements: expect.any(Array),
      failed_sources: [{ source: 'glances', error: 'HTTP 401 Unauthorized (token ********)' }],
    });
    expect(JSON.stringify(d.data)).not.toContain('tok-3f9a-secret');
    // The failed source is an info finding (context), not news that would trigger a call on its own.
    expect(d.data.findings.map((f) => f.category)).toContain('collect.source_failed');
  });

  it('is null for a host without sources', () => {
    const d = buildDigest(makeHost(), makeFacts(), { findings: [], score: 100, status: 'healthy', reasons: [] }, { maxTokens: 4000, redact, passAt: PASS_AT });
    expect(d.data.metrics).toBeNull();
  });
});
