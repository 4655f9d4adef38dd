/** The read routes through the real HTTP server (helper test/helpers/api-server.ts) on loopback, on both dialects. */
import { legacyRoutes } from '../../../src/serve/routes/legacy.js';
import { readRoutes } from '../../../src/serve/routes/api-v1.js';
import { SEED_HOSTS_YAML, SEED_NOW, seedApiStore, type Seeded } from '../../helpers/api-seed.js';
import { startTestApi, TEST_API_KEY, type TestApi } from '../../helpers/api-server.js';
import { openTestStore, testDialects, type TestStore } from '../../helpers/store.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe.each(await testDialects())('read routes over HTTP on %s', (dialect) => {
  let store: TestStore;
  let api: TestApi;
  let seeded: Seeded;
  beforeAll(async () => {
    store = await openTestStore(dialect);
    api = await startTestApi({ store, yaml: SEED_HOSTS_YAML, routes: [...readRoutes, ...legacyRoutes], clock: () => new Date(SEED_NOW) });
    seeded = await seedApiStore(store, api.config);
  });
  afterAll(async () => {
    await api?.close();
    await store?.cleanup();
  });

  it('answers with the key (X-API-Key or Bearer) and 401 without it', async () => {
    const hosts = await api.json<Json>('/api/v1/hosts?site=s01-lab');
    expect(hosts.status).toBe(200);
    expect(hosts.headers.get('content-type')).toMatch(/^application\/json/);
    expect(hosts.body.items.map((h: Json) => h.name)).toEqual(['web-01', 'web-02']);
    const bearer = await api.json<Json>('/api/v1/hosts/web-01', { key: null, headers: { authorization: `Bearer ${TEST_API_KEY}` } });
    expect(bearer.body).toMatchObject({ name: 'web-01', open_findings: { crit: 1, warn: 1, info: 0 } });
    for (const path of ['/api/v1/hosts', '/results/1', '/api/v1/reports/hosts/web-01']) {
      expect((await api.request(path, { key: null })).status).toBe(401);
      expect((await api.request(path, { key: 'wrong' })).status).toBe(401);
    }
  });

  it('decodes names in the path and returns error bodies for 400 and 404', async () => {
    expect((await api.json<Json>('/api/v1/hosts/web%2D01/history?days=3')).body.runs).toHaveLength(3);
    expect(await api.json('/api/v1/hosts/nope')).toMatchObject({ status: 404, body: { error: { code: 'not_found', message: 'no host named "nope"' } } });
    expect(await api.json('/api/v1/hosts?limit=9999')).toMatchObject({ status: 400, body: { error: { code: 'bad_request', message: 'parameter limit: expected an integer from 1 to 500' } } });
    // The original's paths keep its `detail` beside our error object.
    expect(await api.json('/hosts/999999')).toMatchObject({ status: 404, body: { error: { code: 'not_found' }, detail: 'Host not found' } });
  });

  it('serves the original paths and rendered reports with their content type', async () => {
    const results = await api.json<Json[]>(`/results/${seeded.hostIds.get('web-01')}?limit=2`);
    expect(results.body.map((r) => [r.host_name, r.health_score])).toEqual([['web-01', 55], ['web-01', 72]]);
    const md = await api.request('/api/v1/reports/hosts/web-01?since=7d');
    expect(md.status).toBe(200);
    expect(md.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
    expect(await md.text()).toContain('# Host Status Report: web-01');
    const html = await api.request('/api/v1/reports/sites/s01-lab?format=html&since=7d');
    expect(html.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await html.text()).toContain('web-02');
  });
});
