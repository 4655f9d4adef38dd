/**
 * The Prometheus source against a real Prometheus 2.x scraping a real node_exporter every second, with a planted
 * history (promtool backfill) for exact values, and against loopback servers that fail in the ways real ones do.
 */
import { globalAgent } from 'node:http';
import { createHttpClient } from '../../../src/collect/metrics/http.js';
import type { SourceContext } from '../../../src/collect/metrics/context.js';
import { collectPrometheus } from '../../../src/collect/metrics/prometheus.js';
import type { CustomQuery, MetricSeries, MetricSourceResult, PrometheusSettings } from '../../../src/collect/metrics/types.js';
import {
  openMetrics,
  prometheusDescribe,
  startPrometheus,
  startRecordingProxy,
  startScriptedServer,
  startSilentServer,
  type PlantedSeries,
  type PrometheusPeer,
  type TestServer,
} from '../../helpers/prometheus.js';
import { waitUntil } from '../../helpers/wait.js';

const http = createHttpClient({ allowInsecureHttp: true, caFile: null });

function context(over: Partial<SourceContext> = {}): SourceContext {
  return { http, host: { name: 'web-01', hostname: 'web-01.example', site: 'lab' }, env: {}, clock: () => new Date(), signal: new AbortController().signal, ...over };
}

function settings(url: string, over: Partial<PrometheusSettings> = {}): PrometheusSettings {
  return { url, match: {}, rangeSeconds: 300, stepSeconds: 5, timeoutMs: 10_000, tokenEnv: null, username: null, passwordEnv: null, ...over };
}

function customQuery(name: string, query: string): CustomQuery {
  return { name, query, source: 'prometheus', unit: null, warn: null, crit: null, below: false };
}

function find(r: MetricSourceResult, name: MetricSeries['name'], label = ''): MetricSeries | undefined {
  return r.series.find((s) => s.name === name && s.label === label);
}

/** A failed result as the contract says: one line, nothing collected. */
function expectFailed(r: MetricSourceResult, error: RegExp): void {
  expect(r.status).toBe('failed');
  expect(r.error).toMatch(error);
  expect(r.error).not.toMatch(/[\r\n]/);
  expect(r.series).toEqual([]);
  expect(r.queries).toEqual([]);
}

// ---- The planted host web-02: 3 h of history every minute, ending at T0 (a whole minute, before the start). ----
const T0 = Math.floor(Date.now() / 60_000) * 60 - 60;
const T_START = T0 - 3 * 3600;
const PLANTED = { job: 'node', instance: 'web-02:9100', host: 'web-02' };
const rootFree = (t: number): number => 60e9 - 1e6 * (t - T_START);

function planted(): PlantedSeries[] {
  const times = Array.from({ length: (T0 - T_START) / 60 + 1 }, (_, i) => T_START + i * 60);
  const s = (name: string, labels: Record<string, string>, v: (t: number, i: number) => number): PlantedSeries => ({
    name,
    labels: { ...PLANTED, ...labels },
    points: times.map((t, i) => [t, v(t, i)]),
  });
  const fs = (mountpoint: string, fstype: string, size: number, free: (t: number) => number, reserved: number): PlantedSeries[] => [
    s('node_filesystem_size_bytes', { mountpoint, fstype, device: 'dev' }, () => size),
    s('node_filesystem_free_bytes', { mountpoint, fstype, device: 'dev' }, free),
    s('node_filesystem_avail_bytes', { mountpoint, fstype, device: 'dev' }, (t) => free(t) - reserved),
  ];
  return [
    s('node_load1', {}, (_t, i) => 1 + (i % 5) * 0.25),
    // Two CPUs idle 0.75 s per second each: 25 % used.
    s('node_cpu_seconds_total', { cpu: '0', mode: 'idle' }, (t) => 1000 + 0.75 * (t - T_START)),
    s('node_cpu_seconds_total', { cpu: '1', mode: 'idle' }, (t) => 5000 + 0.75 * (t - T_START)),
    s('node_cpu_seconds_total', { cpu: '0', mode: 'user' }, (t) => 0.25 * (t - T_START)),
    s('node_memory_MemTotal_bytes', {}, () => 8e9),
    s('node_memory_MemAvailable_bytes', {}, () => 2e9),
    s('node_memory_SwapTotal_bytes', {}, () => 0),
    s('node_memory_SwapFree_bytes', {}, () => 0),
    // `/` fills at 1 MB/s with 5 GB reserved for root; /data is static; /run and a container layer are not disks.
    ...fs('/', 'ext4', 100e9, rootFree, 5e9),
    ...fs('/data', 'xfs', 1e12, () => 4e11, 0),
    ...fs('/run', 'tmpfs', 1e9, () => 9e8, 0),
    ...fs('/var/lib/docker/overlay2/abc/merged', 'overlay', 100e9, () => 5e10, 0),
    s('node_network_receive_bytes_total', { device: 'eth0' }, (t) => 1e6 + 1000 * (t - T_START)),
    s('node_network_receive_bytes_total', { device: 'lo' }, (t) => 1e6 * (t - T_START)),
    s('node_network_receive_bytes_total', { device: 'veth1a2b' }, (t) => 7777 * (t - T_START)),
    s('node_network_transmit_bytes_total', { device: 'eth0' }, (t) => 500 * (t - T_START)),
    s('node_network_transmit_bytes_total', { device: 'lo' }, (t) => 1e6 * (t - T_START)),
  ];
}

prometheusDescribe('collectPrometheus with a real Prometheus and node_exporter', () => {
  let prom: PrometheusPeer;
  let target: string;

  beforeAll(async () => {
    prom = await startPrometheus({ backfill: openMetrics(planted()), labels: { host: 'web-01' } });
    target = prom.nodeExporterTarget ?? '';
  }, 60_000);

  afterAll(async () => {
    await prom?.stop();
  });

  it('reads the live node_exporter series of the instance, values in range', async () => {
    const before = Math.floor(Date.now() / 1000);
    const r = await collectPrometheus(settings(prom.url, { match: { instance: target } }), [], context());
    expect(r.error).toBeNull();
    expect(r.status).toBe('ok');
    expect(r.detail).toBe(`node_exporter instance="${target}", last 5 min every 5 s`);
    expect(r.windowSeconds).toBe(300);
    expect(r.url).toBe(prom.url);
    for (const name of ['cpu.used_percent', 'memory.used_percent', 'load.1', 'net.rx_bytes_per_second', 'net.tx_bytes_per_second'] as const) {
      const s = find(r, name);
      expect(s?.points.length).toBeGreaterThan(0);
      for (const p of s?.points ?? []) {
        expect(p.t).toBeGreaterThanOrEqual(before - 300);
        expect(p.t).toBeLessThanOrEqual(before + 60);
        expect(p.v).toBeGreaterThanOrEqual(0);
      }
    }
    const last = (s: MetricSeries | undefined): number => s?.points.at(-1)?.v ?? NaN;
    expect(last(find(r, 'cpu.used_percent'))).toBeLessThanOrEqual(100);
    expect(last(find(r, 'memory.used_percent'))).toBeGreaterThan(0);
    expect(last(find(r, 'memory.used_percent'))).toBeLessThan(100);
    const size = last(find(r, 'disk.size_bytes', '/'));
    const avail = last(find(r, 'disk.avail_bytes', '/'));
    const used = last(find(r, 'disk.used_percent', '/'));
    expect(size).toBeGreaterThan(0);
    expect(avail).toBeGreaterThan(0);
    expect(avail).toBeLessThanOrEqual(size);
    expect(used).toBeGreaterThan(0);
    expect(used).toBeLessThanOrEqual(100);
    // Pseudo file systems never show up as disks.
    expect(r.series.filter((s) => s.name === 'disk.size_bytes').map((s) => s.label)).not.toEqual(expect.arrayContaining(['/dev', '/dev/shm', '/sys/fs/cgroup']));
    // Points oldest first, one series per name and label.
    for (const s of r.series) expect(s.points.map((p) => p.t)).toEqual([...s.points.map((p) => p.t)].sort((a, b) => a - b));
    expect(new Set(r.series.map((s) => `${s.name}|${s.label}`)).size).toBe(r.series.length);
    expect(r.queries).toEqual([]);
  });

  it('gives the planted history exactly (values, mount points, exclusions, no swap)', async () => {
    const clock = (): Date => new Date(T0 * 1000);
    const r = await collectPrometheus(settings(prom.url, { match: { instance: 'web-02:9100' }, rangeSeconds: 3600, stepSeconds: 60 }), [], context({ clock }));
    expect(r.status).toBe('ok');
    expect(r.detail).toBe('node_exporter instance="web-02:9100", last 1 h every 60 s');
    const times = Array.from({ length: 61 }, (_, i) => T0 - 3600 + i * 60);

    const avail = find(r, 'disk.avail_bytes', '/');
    expect(avail?.points).toEqual(times.map((t) => ({ t, v: rootFree(t) - 5e9 })));
    // The trend the analysis computes later: -60 MB per minute.
    const deltas = (avail?.points ?? []).slice(1).map((p, i) => p.v - (avail?.points[i]?.v ?? 0));
    expect(new Set(deltas)).toEqual(new Set([-60e6]));
    expect(find(r, 'disk.size_bytes', '/')?.points.map((p) => p.v)).toEqual(times.map(() => 100e9));
    const used = find(r, 'disk.used_percent', '/')?.points ?? [];
    expect(used.map((p) => p.t)).toEqual(times);
    used.forEach((p) => expect(p.v).toBeCloseTo((100 * (100e9 - rootFree(p.t))) / (100e9 - rootFree(p.t) + rootFree(p.t) - 5e9), 9));
    expect(find(r, 'disk.used_percent', '/data')?.points.every((p) => Math.abs(p.v - 60) < 1e-9)).toBe(true);
    expect(r.series.filter((s) => s.name === 'disk.size_bytes').map((s) => s.label)).toEqual(['/', '/data']);

    expect(find(r, 'load.1')?.points).toEqual(times.map((t) => ({ t, v: 1 + (((t - T_START) / 60) % 5) * 0.25 })));
    const near = (name: MetricSeries['name'], v: number): void => {
      const points = find(r, name)?.points ?? [];
      expect(points.map((p) => p.t)).toEqual(times);
      points.forEach((p) => expect(p.v).toBeCloseTo(v, 6));
    };
    near('cpu.used_percent', 25);
    near('memory.used_percent', 75);
    // lo and the veth are left out of the sum.
    near('net.rx_bytes_per_second', 1000);
    near('net.tx_bytes_per_second', 500);
    expect(find(r, 'swap.used_percent')).toBeUndefined();
    expect(r.series).toHaveLength(3 + 2 * 3 + 2);
  });

  it('selects by another label (a static label of the scrape target)', async () => {
    const r = await collectPrometheus(settings(prom.url, { match: { host: 'web-01', job: 'node' } }), [], context());
    expect(r.status).toBe('ok');
    expect(r.detail).toMatch(/^node_exporter host="web-01",job="node", last 5 min/);
    expect(find(r, 'load.1')?.points.length).toBeGreaterThan(0);
    expect(find(r, 'disk.size_bytes', '/')?.points.length).toBeGreaterThan(0);
  });

  it('fails with a pointer to the matchers when nothing matches and no custom query has a value', async () => {
    const r = await collectPrometheus(settings(prom.url, { match: { instance: 'nope:9100' } }), [customQuery('empty', 'up{$match}')], context());
    expectFailed(r, /^no series match instance="nope:9100" \(check metrics\.prometheus\.match\)$/);
    // A value needing escapes reaches Prometheus as a valid matcher (no parse error), and matches nothing.
    const odd = await collectPrometheus(settings(prom.url, { match: { host: 'we"b\\01\n' } }), [], context());
    expectFailed(odd, /^no series match host="we\\"b\\\\01\\n" \(check metrics\.prometheus\.match\)$/);
  });

  it('stays ok with a note when nothing matches but a custom query has values', async () => {
    const r = await collectPrometheus(settings(prom.url, { match: { instance: 'nope:9100' } }), [customQuery('targets', 'count(up)')], context());
    expect(r.status).toBe('ok');
    expect(r.series).toEqual([]);
    expect(r.detail).toContain('; no node_exporter series for instance="nope:9100"');
    expect(r.queries[0]?.values).toEqual([{ labels: {}, value: 1 }]);
  });

  it('runs custom queries: vector with labels, scalar, NaN, and query errors that leave the others working', async () => {
    const queries = [
      customQuery('up', 'up{$match}'),
      customQuery('scalar', 'scalar(sum(up{$match})) * 2'),
      customQuery('who', 'label_replace(vector(1), "who", "$name/$hostname/$site", "", "")'),
      customQuery('nan', '0 / 0'),
      customQuery('bad', 'rate(up{$match}'),
      customQuery('range', 'up{$match}[1m]'),
      customQuery('str', '"text"'),
    ];
    const r = await collectPrometheus(settings(prom.url, { match: { instance: target } }), queries, context());
    expect(r.status).toBe('ok');
    expect(r.detail).toContain('; 7 custom queries');
    const q = new Map(r.queries.map((x) => [x.name, x]));
    expect(q.get('up')).toEqual({
      name: 'up',
      query: `up{instance="${target}"}`,
      unit: null,
      warn: null,
      crit: null,
      below: false,
      values: [{ labels: { instance: target, job: 'node', host: 'web-01' }, value: 1 }],
      error: null,
    });
    expect(q.get('scalar')).toMatchObject({ values: [{ labels: {}, value: 2 }], error: null });
    expect(q.get('who')?.values).toEqual([{ labels: { who: 'web-01/web-01.example/lab' }, value: 1 }]);
    expect(q.get('nan')).toMatchObject({ values: [], error: null });
    expect(q.get('bad')?.values).toEqual([]);
    expect(q.get('bad')?.error).toMatch(/parse error/);
    expect(q.get('bad')?.error).not.toMatch(/\n/);
    expect(q.get('range')?.error).toMatch(/^query returns a range vector/);
    expect(q.get('str')?.error).toBe('query returns a string, not a number');
    expect(find(r, 'load.1')?.points.length).toBeGreaterThan(0);
  });

  describe('credentials through a proxy in front of Prometheus', () => {
    let proxy: TestServer | null = null;
    afterEach(async () => {
      await proxy?.close();
      proxy = null;
    });

    it('sends the bearer token from token_env on every request', async () => {
      proxy = await startRecordingProxy(prom.url, 'Bearer tok-123');
      const r = await collectPrometheus(
        settings(proxy.url, { match: { instance: target }, tokenEnv: 'PROM_TOKEN', username: 'alice', passwordEnv: 'PROM_PW' }),
        [customQuery('up', 'up{$match}')],
        context({ env: { PROM_TOKEN: 'tok-123', PROM_PW: 'unused' } }),
      );
      expect(r.status).toBe('ok');
      expect(find(r, 'load.1')?.points.length).toBeGreaterThan(0);
      expect(proxy.requests).toHaveLength(10);
      expect(new Set(proxy.requests.map((q) => q.headers.authorization))).toEqual(new Set(['Bearer tok-123']));
      expect(proxy.requests.filter((q) => q.path.startsWith('/api/v1/query_range?'))).toHaveLength(9);
    });

    it('sends basic auth from username and password_env', async () => {
      const expected = `Basic ${Buffer.from('alice:pw-secret').toString('base64')}`;
      proxy = await startRecordingProxy(prom.url, expected);
      const r = await collectPrometheus(settings(proxy.url, { match: { instance: target }, username: 'alice', passwordEnv: 'PROM_PW' }), [], context({ env: { PROM_PW: 'pw-secret' } }));
      expect(r.status).toBe('ok');
      expect(proxy.requests.every((q) => q.headers.authorization === expected)).toBe(true);
    });

    it('fails with the 401 in one line, without the password', async () => {
      proxy = await startRecordingProxy(prom.url, `Basic ${Buffer.from('alice:pw-secret').toString('base64')}`);
      const r = await collectPrometheus(settings(proxy.url, { match: { instance: target }, username: 'alice', passwordEnv: 'PROM_PW' }), [], context({ env: { PROM_PW: 'wrong-pw' } }));
      expectFailed(r, /^GET http:\/\/127\.0\.0\.1:\d+\/api\/v1\/query(_range)?: HTTP 401 Unauthorized: Unauthorized$/);
      expect(r.error).not.toContain('wrong-pw');
    });
  });

  it('times out within the timeout when Prometheus stops answering (SIGSTOP), and works again after', async () => {
    await prom.pause();
    let r: MetricSourceResult;
    const started = Date.now();
    try {
      r = await collectPrometheus(settings(prom.url, { match: { instance: target }, timeoutMs: 1500 }), [], context());
    } finally {
      prom.resume();
    }
    const took = Date.now() - started;
    expectFailed(r, /^GET http:\/\/127\.0\.0\.1:\d+\/api\/v1\/query_range: timed out after 1\.5 s$/);
    expect(took).toBeGreaterThanOrEqual(1400);
    expect(took).toBeLessThan(1500 + 1000);
    expect(r.durationMs).toBeGreaterThanOrEqual(1400);
    const again = await collectPrometheus(settings(prom.url, { match: { instance: target } }), [], context());
    expect(again.status).toBe('ok');
  });

  // Last: it kills the shared Prometheus.
  it('fails with "connection refused" when Prometheus is gone', async () => {
    await prom.kill();
    // Node's global agent keeps idle connections (keepAlive is on by default since Node 19): one reused before its
    // close from the dead server is processed fails as "connection reset". A pass meets a server that is already
    // down, with no idle connection to it, so wait until the agent has dropped them.
    const port = new URL(prom.url).port;
    await waitUntil('idle connections to the killed Prometheus closed', async () => !Object.keys(globalAgent.freeSockets).some((k) => k.includes(`:${port}:`)));
    const r = await collectPrometheus(settings(prom.url, { match: { instance: target } }), [customQuery('up', 'up')], context());
    expectFailed(r, /^GET http:\/\/127\.0\.0\.1:\d+\/api\/v1\/query(_range)?: connection refused$/);
    expect(r.detail).toBe(`node_exporter instance="${target}", last 5 min every 5 s; 1 custom query`);
  });
});

describe('collectPrometheus with servers that are not (working) Prometheus', () => {
  let silent: TestServer;
  let scripted: TestServer;
  const huge = Buffer.alloc(17 * 1024 * 1024, 'x');

  beforeAll(async () => {
    silent = await startSilentServer();
    scripted = await startScriptedServer((path) => {
      const kind = path.split('/')[1] ?? '';
      const jsonType = 'application/json';
      switch (kind) {
        case 'html':
          return { status: 200, contentType: 'text/html', body: '<!DOCTYPE html><html><body>Grafana login</body></html>' };
        case 'wrongjson':
          return { status: 200, contentType: jsonType, body: '{"status":"success","data":{"resultType":"matrix","result":{"a":1}}}' };
        case 'influx':
          return { status: 200, contentType: jsonType, body: '{"results":[{"statement_id":0}]}' };
        case 'huge':
          return { status: 200, contentType: jsonType, body: huge };
        case 'err500':
          return { status: 500, contentType: 'text/plain', body: 'internal\u001b[31m error\nsecond line' };
        case 'proxy400':
          return { status: 400, contentType: 'text/html', body: '<html><body>Bad Request</body></html>' };
        default:
          return { status: 404, contentType: 'text/plain', body: '404 page not found' };
      }
    });
  });

  afterAll(async () => {
    await silent?.close();
    await scripted?.close();
  });

  const cases: Array<[string, RegExp]> = [
    ['html', /\/html\/api\/v1\/query_range: answer is not JSON \(HTML\/XML\): is this the Prometheus URL\?$/],
    ['wrongjson', /\/wrongjson\/api\/v1\/query_range: range query: expected a matrix result, got matrix with an object$/],
    ['influx', /\/influx\/api\/v1\/query_range: answer is JSON but not a Prometheus API answer/],
    ['huge', /\/huge\/api\/v1\/query_range: answer larger than 16 MiB, not read$/],
    ['err500', /\/err500\/api\/v1\/query_range: HTTP 500 Internal Server Error: internal \[31m error second line$/],
    ['proxy400', /\/proxy400\/api\/v1\/query_range: HTTP 400 Bad Request$/],
    ['nothing-here', /\/nothing-here\/api\/v1\/query_range: HTTP 404 Not Found: 404 page not found$/],
  ];
  it.each(cases)('fails in one line on a %s answer', async (kind, error) => {
    const r = await collectPrometheus(settings(`${scripted.url}/${kind}`, { match: { instance: 'web-01:9100' }, tokenEnv: 'T' }), [], context({ env: { T: 'secret-token' } }));
    expectFailed(r, new RegExp(`^GET http://127\\.0\\.0\\.1:\\d+${error.source}`));
    expect(r.error).not.toContain('secret-token');
    expect(r.error).not.toContain('query=');
  });

  it('times out after the source timeout when the server never answers', async () => {
    const started = Date.now();
    const r = await collectPrometheus(settings(silent.url, { match: { instance: 'web-01:9100' }, timeoutMs: 1000 }), [customQuery('up', 'up')], context());
    const took = Date.now() - started;
    expectFailed(r, /^GET http:\/\/127\.0\.0\.1:\d+\/api\/v1\/query(_range)?: timed out after 1 s$/);
    expect(took).toBeGreaterThanOrEqual(950);
    expect(took).toBeLessThan(1000 + 700);
  });

  it('stops at the pass deadline before the source timeout', async () => {
    const started = Date.now();
    const r = await collectPrometheus(settings(silent.url, { match: { instance: 'web-01:9100' }, timeoutMs: 10_000 }), [], context({ signal: AbortSignal.timeout(300) }));
    expectFailed(r, /^GET http:\/\/127\.0\.0\.1:\d+\/api\/v1\/query_range: aborted \(pass deadline\)$/);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('refuses plain http unless allowed, before connecting', async () => {
    const strict = createHttpClient({ allowInsecureHttp: false, caFile: null });
    const before = silent.requests.length;
    const r = await collectPrometheus(settings(silent.url, { match: { instance: 'web-01:9100' } }), [], context({ http: strict }));
    expectFailed(r, /plain http refused; use https or set allow_insecure_http: true$/);
    expect(silent.requests.length).toBe(before);
  });
});
