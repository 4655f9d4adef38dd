import type { SourceSummary } from '../../../src/analyze/metric-summary.js';
import { saveHostResult } from '../../../src/store/host-result-repo.js';
import { syncHosts } from '../../../src/store/hosts-repo.js';
import { createRun } from '../../../src/store/runs-repo.js';
import { loadLatestMetricSources, loadMetricSourcesOfHostRun } from '../../../src/store/metric-sources-repo.js';
import { sampleHost, sampleSnapshot } from './sample-data.js';
import { openTestStore, testDialects, type TestStore } from '../../helpers/store.js';

const at = (pass: number) => new Date(Date.UTC(2026, 10, 20, 10 + pass)).toISOString();

function summary(source: SourceSummary['source'], latest: number, overrides: Partial<SourceSummary> = {}): SourceSummary {
  return {
    source,
    url: `https://${source}.example`,
    status: 'ok',
    error: null,
    detail: `${source} detail`,
    durationMs: 12,
    windowSeconds: 3600,
    series: [
      { name: 'disk.used_percent', label: '/', latest, min: latest - 1, max: latest, mean: latest - 0.5, points: 60, from: at(0), to: at(1) },
      { name: 'cpu.used_percent', label: '', latest: 5, min: 1, max: 9, mean: 4, points: 60, from: at(0), to: at(1) },
    ],
    queries: [{ name: 'q', query: 'up', unit: null, warn: 1, crit: null, below: false, values: [{ labels: { job: 'node' }, value: 3 }], error: null }],
    containers: [],
    trends: [{ source, metric: 'disk.used_percent', label: '/', latest, slopePerDay: 2, spanHours: 24, points: 25, daysUntilFull: (100 - latest) / 2 }],
    ...overrides,
  };
}

describe.each(await testDialects())('metric_sources on %s', (dialect) => {
  let store: TestStore;
  let ids: Map<string, number>;
  beforeEach(async () => {
    store = await openTestStore(dialect);
    ids = await syncHosts(store.db, [sampleHost('web1'), sampleHost('web2'), sampleHost('web3')], at(0));
  });
  afterEach(async () => {
    await store.cleanup();
  });

  async function save(host: string, pass: number, metricSources: SourceSummary[] | undefined): Promise<number> {
    const runId = await createRun(store.db, { startedAt: at(pass), runner: 'monitor1', pid: 1, hostCount: 1 });
    return saveHostResult(store.db, {
      runId,
      hostId: ids.get(host) ?? -1,
      snapshot: { ...sampleSnapshot(), collectedAt: at(pass) },
      analysis: null,
      status: 'ok',
      error: null,
      previousScore: null,
      reportPath: null,
      startedAt: at(pass),
      finishedAt: at(pass),
      ...(metricSources ? { metricSources } : {}),
    });
  }

  it('stores one row per source with the host result, and the latest values as metrics beside SSH', async () => {
    const first = await save('web1', 1, [summary('prometheus', 40), summary('glances', 41, { status: 'failed', error: 'connection refused', series: [], queries: [], trends: [] })]);
    expect(await loadMetricSourcesOfHostRun(store.db, first)).toEqual([
      summary('prometheus', 40),
      summary('glances', 41, { status: 'failed', error: 'connection refused', series: [], queries: [], trends: [] }),
    ]);
    const rows = await store.db
      .selectFrom('metrics')
      .select(['name', 'label', 'value'])
      .where('host_run_id', '=', first)
      .where((eb) => eb.or([eb('name', 'like', 'prometheus:%'), eb('name', 'like', 'query:%'), eb('name', 'like', 'glances:%')]))
      .orderBy('name')
      .execute();
    expect(rows.map((r) => [r.name, r.label, Number(r.value)])).toEqual([
      ['prometheus:cpu.used_percent', '', 5],
      ['prometheus:disk.used_percent', '/', 40],
      ['query:q', 'job=node', 3],
    ]);
    const source = await store.db.selectFrom('metric_sources').select(['source', 'status', 'error', 'url', 'duration_ms', 'window_seconds']).where('host_run_id', '=', first).orderBy('id').execute();
    expect(source).toEqual([
      { source: 'prometheus', status: 'ok', error: null, url: 'https://prometheus.example', duration_ms: 12, window_seconds: 3600 },
      { source: 'glances', status: 'failed', error: 'connection refused', url: 'https://glances.example', duration_ms: 12, window_seconds: 3600 },
    ]);
  });

  it('loads each host\'s latest pass with sources, at or before a time; hosts without sources are absent', async () => {
    await save('web1', 1, [summary('prometheus', 40)]);
    await save('web1', 2, [summary('prometheus', 42), summary('influxdb', 43)]);
    await save('web1', 3, undefined);
    await save('web2', 1, [summary('influxdb', 70)]);
    await save('web3', 2, undefined);
    const latest = await loadLatestMetricSources(store.db, [...ids.values()], at(5));
    expect([...latest.keys()].sort()).toEqual([ids.get('web1'), ids.get('web2')].sort());
    expect(latest.get(ids.get('web1') as number)).toEqual({ collectedAt: at(2), sources: [summary('prometheus', 42), summary('influxdb', 43)] });
    expect(latest.get(ids.get('web2') as number)?.sources.map((s) => s.series[0]?.latest)).toEqual([70]);
    // As of pass 1: the earlier row.
    const earlier = await loadLatestMetricSources(store.db, [ids.get('web1') as number], at(1));
    expect(earlier.get(ids.get('web1') as number)?.sources.map((s) => s.series[0]?.latest)).toEqual([40]);
    expect(await loadLatestMetricSources(store.db, [], at(5))).toEqual(new Map());
  });

  it('a row whose data is not a summary is skipped, not a crash', async () => {
    const id = await save('web1', 1, [summary('prometheus', 40)]);
    await store.db.updateTable('metric_sources').set({ data: '{not json' }).where('host_run_id', '=', id).execute();
    expect(await loadMetricSourcesOfHostRun(store.db, id)).toEqual([]);
    expect((await loadLatestMetricSources(store.db, [ids.get('web1') as number], at(5))).size).toBe(0);
  });
});
