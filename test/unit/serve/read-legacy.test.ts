import { legacyRoutes } from '../../../src/serve/routes/legacy.js';
import { callRoute, PASS_TIMES, seedApiStore, type Seeded } from '../../helpers/api-seed.js';
import { openTestStore, testDialects, type TestStore } from '../../helpers/store.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const naive = (iso: string | undefined) => iso?.replace(/Z$/, '');

describe.each(await testDialects())("the original's paths on %s", (dialect) => {
  let store: TestStore;
  let seeded: Seeded;
  beforeAll(async () => {
    store = await openTestStore(dialect);
    seeded = await seedApiStore(store);
  });
  afterAll(async () => {
    await store.cleanup();
  });

  const get = async (url: string) => {
    const res = await callRoute(legacyRoutes, seeded.ctx, url);
    return { status: res.status, json: res.json as Json };
  };
  const hostId = (name: string) => seeded.hostIds.get(name) as number;
  const hostRun = (name: string, pass: number) => seeded.hostRunIds.get(name)?.[pass] as number;

  it('/hosts lists enabled hosts like the original; ?all=true adds disabled ones', async () => {
    const { status, json } = await get('/hosts');
    expect(status).toBe(200);
    expect((json as unknown as Json[]).map((h) => h.name)).toEqual(['db-01', 'web-01', 'web-02']);
    expect((json as unknown as Json[])[1]).toEqual({ id: hostId('web-01'), name: 'web-01', hostname: '10.0.1.1', site: 's01-lab', enabled: true, last_seen: naive(PASS_TIMES[2]), tags: ['web', 'prod'] });
    expect(((await get('/hosts?all=true')).json as unknown as Json[]).map((h) => h.name)).toEqual(['db-01', 'old-01', 'web-01', 'web-02']);
    // Unknown parameters are ignored, as the original ignored them.
    expect((await get('/hosts?foo=bar')).status).toBe(200);
  });

  it('/hosts/:id gives one host, 404 with the original detail and our error body', async () => {
    expect((await get(`/hosts/${hostId('old-01')}`)).json).toMatchObject({ name: 'old-01', enabled: false, last_seen: null });
    expect(await get('/hosts/999999')).toEqual({ status: 404, json: { error: { code: 'not_found', message: 'Host not found' }, detail: 'Host not found' } });
    expect(await get('/hosts/web-01')).toEqual({ status: 400, json: { error: { code: 'bad_request', message: 'parameter id: expected a positive integer id' }, detail: 'parameter id: expected a positive integer id' } });
  });

  it('/results/:id lists host runs newest first in the original shape, bounded by limit', async () => {
    const { json } = await get(`/results/${hostId('web-01')}`);
    const items = json as unknown as Json[];
    expect(items.map((r) => r.id)).toEqual([2, 1, 0].map((p) => hostRun('web-01', p)));
    expect(items[0]).toEqual({ id: hostRun('web-01', 2), host_name: 'web-01', run_date: naive(PASS_TIMES[2]), status: 'success', health_score: 55, anomalies_detected: 2, changes_detected: 0, alert_level: 'CRITICAL', execution_time: 90 });
    expect(items[1]).toMatchObject({ changes_detected: 2, anomalies_detected: 1 });
    expect(((await get(`/results/${hostId('web-01')}?limit=1`)).json as unknown as Json[]).length).toBe(1);
    expect(((await get(`/results/${hostId('db-01')}?limit=1`)).json as unknown as Json[])[0]).toMatchObject({ status: 'failed', health_score: null, alert_level: 'INFO' });
    expect((await get(`/results/${hostId('web-01')}?limit=501`)).json).toMatchObject({ detail: 'parameter limit: expected an integer from 1 to 500' });
    expect((await get(`/results/${hostId('web-01')}?limit=0`)).status).toBe(400);
    expect((await get('/results/999999')).json.detail).toBe('Host not found');
  });

  it('/results/:id/latest gives the latest, or 404 No monitoring results found', async () => {
    expect((await get(`/results/${hostId('web-02')}/latest`)).json).toMatchObject({ id: hostRun('web-02', 2), health_score: 100, alert_level: 'INFO', status: 'success' });
    expect(await get(`/results/${hostId('old-01')}/latest`)).toEqual({ status: 404, json: { error: { code: 'not_found', message: 'No monitoring results found' }, detail: 'No monitoring results found' } });
  });

  it('/changes/:run_id lists the changes of a host run (host_runs.id) with a severity, newest (then last written) first', async () => {
    const items = (await get(`/changes/${hostRun('web-01', 1)}`)).json as unknown as Json[];
    expect(items.map((c) => [c.change_type, c.action, c.subject, c.severity, c.expected])).toEqual([
      ['package', 'changed', 'openssl', 'info', true],
      ['user', 'added', 'mallory', 'warn', false],
    ]);
    expect(items[0]).toMatchObject({ description: 'openssl: 3.0.1 -> 3.0.2', detected_at: naive(PASS_TIMES[1]) });
    expect((await get(`/changes/${hostRun('web-01', 2)}`)).json).toEqual([]);
    expect((await get('/changes/999999')).json.detail).toBe('Monitoring run not found');
  });

  it('/logs/:run_id lists the log sources a host run read, without content', async () => {
    const items = (await get(`/logs/${hostRun('web-01', 0)}`)).json as unknown as Json[];
    expect(items).toEqual([
      { id: 1, path: '/var/log/auth.log', status: 'read', line_count: 20, file_size: 2048, bytes_read: 2048, hash: null, retrieved_at: naive(new Date(Date.parse(PASS_TIMES[0] as string) + 90_000).toISOString()) },
      { id: 2, path: '/var/log/syslog', status: 'read', line_count: 30, file_size: 4096, bytes_read: 4096, hash: null, retrieved_at: naive(new Date(Date.parse(PASS_TIMES[0] as string) + 90_000).toISOString()) },
    ]);
    expect((await get(`/logs/${hostRun('db-01', 2)}`)).json).toEqual([]);
    expect((await get('/logs/999999')).status).toBe(404);
  });

  it('/history/:id gives the original history shape, oldest first, days bounded', async () => {
    const { json } = await get(`/history/${hostId('web-01')}?days=3`);
    expect(json).toEqual({
      host_id: hostId('web-01'),
      host_name: 'web-01',
      period_days: 3,
      total_runs: 3,
      runs: [
        { run_date: naive(PASS_TIMES[0]), health_score: 72, status: 'success', anomalies: 1, changes: 0 },
        { run_date: naive(PASS_TIMES[1]), health_score: 72, status: 'success', anomalies: 1, changes: 2 },
        { run_date: naive(PASS_TIMES[2]), health_score: 55, status: 'success', anomalies: 2, changes: 0 },
      ],
    });
    expect((await get(`/history/${hostId('web-01')}`)).json.period_days).toBe(7);
    expect((await get(`/history/${hostId('web-01')}?days=1`)).json.total_runs).toBe(1);
    expect((await get(`/history/${hostId('web-01')}?days=401`)).json.detail).toBe('parameter days: expected an integer from 1 to 400');
  });
});
