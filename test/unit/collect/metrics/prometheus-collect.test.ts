/**
 * collectPrometheus's decisions (no matchers, no series, partial query errors, caps, request parameters) against an
 * in-memory HttpClient passed in the context. The real server is in test/integration/metrics/prometheus.test.ts.
 */
import type { SourceContext } from '../../../../src/collect/metrics/context.js';
import type { HttpClient, HttpRequest, HttpResponse } from '../../../../src/collect/metrics/http.js';
import { collectPrometheus } from '../../../../src/collect/metrics/prometheus.js';
import type { CustomQuery, PrometheusSettings } from '../../../../src/collect/metrics/types.js';

const NOW = new Date('2026-01-15T12:00:00Z');
const END = NOW.getTime() / 1000;

function settings(over: Partial<PrometheusSettings> = {}): PrometheusSettings {
  return {
    url: 'https://user:pw@mon.example/prom/',
    match: { instance: 'web-01:9100' },
    rangeSeconds: 3600,
    stepSeconds: 60,
    timeoutMs: 5000,
    tokenEnv: 'PROM_TOKEN',
    username: null,
    passwordEnv: null,
    ...over,
  };
}

function customQuery(name: string, query: string): CustomQuery {
  return { name, query, source: 'prometheus', unit: null, warn: 90, crit: 95, below: false };
}

type Answer = { status: number; body: unknown };
const json = (status: number, body: unknown): Answer => ({ status, body });
const matrix = (result: unknown[]): Answer => json(200, { status: 'success', data: { resultType: 'matrix', result } });
const vector = (result: unknown[]): Answer => json(200, { status: 'success', data: { resultType: 'vector', result } });

/** An HttpClient that answers from `route(path, params)` and records what was asked. */
function stubHttp(route: (path: string, params: URLSearchParams) => Answer): { http: HttpClient; seen: HttpRequest[] } {
  const seen: HttpRequest[] = [];
  return {
    seen,
    http: {
      request(req: HttpRequest): Promise<HttpResponse> {
        seen.push(req);
        const url = new URL(req.url);
        const a = route(url.pathname, url.searchParams);
        return Promise.resolve({ status: a.status, statusText: a.status === 200 ? 'OK' : 'Error', headers: { 'content-type': 'application/json' }, body: JSON.stringify(a.body) });
      },
    },
  };
}

function ctx(http: HttpClient, env: Record<string, string> = {}): SourceContext {
  return { http, host: { name: 'web-01', hostname: 'web-01.example', site: 'paris' }, env, clock: () => NOW, signal: new AbortController().signal };
}

const point = (v: string): [number, string] => [END, v];

describe('collectPrometheus decisions', () => {
  it('sends range queries over the range with the step, the token as bearer, and maps the answers', async () => {
    const { http, seen } = stubHttp((path, p) => {
      const q = p.get('query') ?? '';
      if (q.includes('node_filesystem')) return matrix([{ metric: { mountpoint: '/var' }, values: [point('2')] }, { metric: { mountpoint: '/' }, values: [point('1')] }]);
      if (q.includes('node_load1')) return matrix([{ metric: {}, values: [[END - 60, '0.5'], point('NaN')] }]);
      return matrix([]);
    });
    const r = await collectPrometheus(settings(), [], ctx(http, { PROM_TOKEN: 'tok' }));
    expect(r.status).toBe('ok');
    expect(r.url).toBe('https://mon.example/prom/');
    expect(r.detail).toBe('node_exporter instance="web-01:9100", last 1 h every 60 s');
    expect(r.windowSeconds).toBe(3600);
    expect(r.durationMs).toBe(0);
    expect(seen).toHaveLength(9);
    for (const req of seen) {
      const u = new URL(req.url);
      expect(u.pathname).toBe('/prom/api/v1/query_range');
      expect(u.searchParams.get('start')).toBe(String(END - 3600));
      expect(u.searchParams.get('end')).toBe(String(END));
      expect(u.searchParams.get('step')).toBe('60');
      expect(req.auth).toEqual({ kind: 'bearer', token: 'tok' });
      expect(req.timeoutMs).toBe(5000);
    }
    expect(r.series.find((s) => s.name === 'load.1')).toEqual({ name: 'load.1', label: '', points: [{ t: END - 60, v: 0.5 }] });
    // Sorted by mount point.
    expect(r.series.filter((s) => s.name === 'disk.size_bytes').map((s) => s.label)).toEqual(['/', '/var']);
    expect(r.series.some((s) => s.name === 'cpu.used_percent')).toBe(false);
  });

  it('runs custom queries at the end time with placeholders expanded', async () => {
    const { http, seen } = stubHttp((path, p) => {
      if (path.endsWith('/query')) return vector([{ metric: { __name__: 'x', q: p.get('query') ?? '' }, value: point('3') }]);
      return matrix([{ metric: {}, values: [point('1')] }]);
    });
    const r = await collectPrometheus(settings(), [customQuery('q1', 'up{$match} * 0 + $none # $name $hostname $site')], ctx(http));
    const sent = 'up{instance="web-01:9100"} * 0 + $none # web-01 web-01.example paris';
    expect(r.queries).toEqual([{ name: 'q1', query: sent, unit: null, warn: 90, crit: 95, below: false, values: [{ labels: { q: sent }, value: 3 }], error: null }]);
    const instant = seen.find((s) => new URL(s.url).pathname.endsWith('/query'));
    expect(new URL(instant?.url ?? '').searchParams.get('time')).toBe(String(END));
    expect(r.detail).toBe('node_exporter instance="web-01:9100", last 1 h every 60 s; 1 custom query');
  });

  it('fails without a request when matchers are empty and there is no custom query', async () => {
    const { http, seen } = stubHttp(() => matrix([]));
    const r = await collectPrometheus(settings({ match: {} }), [], ctx(http));
    expect(r).toMatchObject({ status: 'failed', error: 'metrics.prometheus.match is empty: set the labels of this host\'s node_exporter series (e.g. instance: "web-01:9100")', series: [], queries: [] });
    expect(seen).toHaveLength(0);
  });

  it('runs only the custom queries when matchers are empty', async () => {
    const { http, seen } = stubHttp(() => json(200, { status: 'success', data: { resultType: 'scalar', result: [END, '1'] } }));
    const r = await collectPrometheus(settings({ match: {} }), [customQuery('a', 'vector(1)'), customQuery('b', '$match')], ctx(http));
    expect(r.status).toBe('ok');
    expect(seen).toHaveLength(2);
    expect(r.queries.map((q) => q.query)).toEqual(['vector(1)', '']);
    expect(r.detail).toBe('node_exporter not read (metrics.prometheus.match is empty); 2 custom queries');
  });

  it('fails on an invalid label name without a request', async () => {
    const { http, seen } = stubHttp(() => matrix([]));
    const r = await collectPrometheus(settings({ match: { 'bad-name': 'x' } }), [], ctx(http));
    expect(r.status).toBe('failed');
    expect(r.error).toBe('invalid label name "bad-name" in metrics.prometheus.match (letters, digits and _ only)');
    expect(seen).toHaveLength(0);
  });

  it('keeps a standard query error in detail while the others give series', async () => {
    const { http } = stubHttp((_path, p) =>
      (p.get('query') ?? '').includes('node_load1')
        ? json(422, { status: 'error', errorType: 'execution', error: 'many-to-many matching not allowed' })
        : matrix([{ metric: {}, values: [point('1')] }]),
    );
    const r = await collectPrometheus(settings(), [], ctx(http));
    expect(r.status).toBe('ok');
    expect(r.series.some((s) => s.name === 'load.1')).toBe(false);
    expect(r.series.some((s) => s.name === 'cpu.used_percent')).toBe(true);
    expect(r.detail).toBe('node_exporter instance="web-01:9100", last 1 h every 60 s; load.1: many-to-many matching not allowed');
  });

  it('fails when every standard query is refused and no custom query has a value', async () => {
    const { http } = stubHttp(() => json(503, { status: 'error', errorType: 'timeout', error: 'query timed out in expression evaluation' }));
    const r = await collectPrometheus(settings(), [customQuery('c', 'up')], ctx(http));
    expect(r).toMatchObject({ status: 'failed', error: 'node_exporter queries failed: cpu.used_percent: query timed out in expression evaluation', series: [], queries: [] });
  });

  it('is ok with a note when nothing matches but a custom query has values', async () => {
    const { http } = stubHttp((path) => (path.endsWith('/query') ? vector([{ metric: {}, value: point('1') }]) : matrix([])));
    const r = await collectPrometheus(settings(), [customQuery('c', 'vector(1)')], ctx(http));
    expect(r.status).toBe('ok');
    expect(r.series).toEqual([]);
    expect(r.detail).toBe('node_exporter instance="web-01:9100", last 1 h every 60 s; 1 custom query; no node_exporter series for instance="web-01:9100"');
  });

  it('caps a standard metric at 200 series and says so', async () => {
    const many = Array.from({ length: 250 }, (_, i) => ({ metric: { mountpoint: `/m${String(i).padStart(3, '0')}` }, values: [point('1')] }));
    const { http } = stubHttp((_path, p) => ((p.get('query') ?? '').includes('node_filesystem') ? matrix(many) : matrix([])));
    const r = await collectPrometheus(settings(), [], ctx(http));
    const disks = r.series.filter((s) => s.name === 'disk.avail_bytes');
    expect(disks).toHaveLength(200);
    expect(disks[0]?.label).toBe('/m000');
    expect(disks[199]?.label).toBe('/m199');
    expect(r.detail).toContain('disk.avail_bytes: 200 of 250 series kept');
    expect(r.detail).toContain('disk.used_percent: 200 of 250 series kept');
  });

  it('raises a step that would exceed 11,000 points and says so', async () => {
    const { http, seen } = stubHttp(() => matrix([{ metric: {}, values: [point('1')] }]));
    const r = await collectPrometheus(settings({ rangeSeconds: 30 * 86_400, stepSeconds: 60 }), [], ctx(http));
    expect(new URL(seen[0]?.url ?? '').searchParams.get('step')).toBe('236');
    expect(r.detail).toBe('node_exporter instance="web-01:9100", last 30 d every 236 s (step raised from 60 s: Prometheus allows 11,000 points)');
  });

  it('fails the source on a 200 answer of the wrong shape, naming the endpoint without the query', async () => {
    const { http } = stubHttp(() => json(200, { status: 'success', data: { resultType: 'vector', result: [] } }));
    const r = await collectPrometheus(settings(), [], ctx(http, { PROM_TOKEN: 'sekret' }));
    expect(r.status).toBe('failed');
    expect(r.error).toBe('GET https://mon.example/prom/api/v1/query_range: range query: expected a matrix result, got vector with an array');
    expect(r.series).toEqual([]);
  });

  it('uses basic auth from the username and password variable when no token is set', async () => {
    const { http, seen } = stubHttp(() => matrix([{ metric: {}, values: [point('1')] }]));
    await collectPrometheus(settings({ username: 'alice', passwordEnv: 'PROM_PW' }), [], ctx(http, { PROM_PW: 'pw' }));
    expect(seen[0]?.auth).toEqual({ kind: 'basic', username: 'alice', password: 'pw' });
  });
});
