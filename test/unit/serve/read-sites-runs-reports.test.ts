import { readRoutes } from '../../../src/serve/routes/api-v1.js';
import { callRoute, PASS_TIMES, seedApiStore, type Seeded } from '../../helpers/api-seed.js';
import { openTestStore, testDialects, type TestStore } from '../../helpers/store.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe.each(await testDialects())('/api/v1 sites, runs and reports on %s', (dialect) => {
  let store: TestStore;
  let seeded: Seeded;
  beforeAll(async () => {
    store = await openTestStore(dialect);
    seeded = await seedApiStore(store);
  });
  afterAll(async () => {
    await store.cleanup();
  });

  const get = (url: string) => callRoute(readRoutes, seeded.ctx, url) as Promise<{ status: number; json?: Json; text?: string; contentType?: string }>;

  it('shows a site: its hosts with latest status and score, the average and open crit/warn items', async () => {
    const lab = await get('/api/v1/sites/s01-lab');
    expect(lab.status).toBe(200);
    expect(lab.json?.hosts.map((h: Json) => [h.name, h.latest.status, h.latest.score, h.open_findings])).toEqual([
      ['web-01', 'ok', 55, { crit: 1, warn: 1, info: 0 }],
      ['web-02', 'ok', 100, { crit: 0, warn: 0, info: 0 }],
    ]);
    expect(lab.json?.summary).toEqual({ hosts: 2, average_score: 77.5, min_score: 55, status: { ok: 2, partial: 0, failed: 0, never: 0 }, open_findings: { crit: 1, warn: 1 } });
    // The disabled host is listed but not counted; the failed host has no score.
    const austin = (await get('/api/v1/sites/s02-austin')).json;
    expect(austin?.hosts.map((h: Json) => [h.name, h.enabled, h.latest?.status ?? null])).toEqual([
      ['db-01', true, 'failed'],
      ['old-01', false, null],
    ]);
    expect(austin?.summary).toEqual({ hosts: 1, average_score: null, min_score: null, status: { ok: 0, partial: 0, failed: 1, never: 0 }, open_findings: { crit: 0, warn: 0 } });
    expect(await get('/api/v1/sites/nowhere')).toEqual({ status: 404, json: { error: { code: 'not_found', message: 'no host in site "nowhere"' } } });
    expect((await get('/api/v1/sites/s01-lab?limit=1')).status).toBe(400);
  });

  it('shows a run with its host runs', async () => {
    const { status, json } = await get(`/api/v1/runs/${seeded.runIds[2]}`);
    expect(status).toBe(200);
    expect(json).toMatchObject({ id: seeded.runIds[2], started_at: PASS_TIMES[2], status: 'complete', runner: 'monitor1', host_count: 3, hosts_ok: 2, hosts_failed: 1, duration_ms: 90_000 });
    expect(json?.hosts.map((h: Json) => [h.name, h.status, h.score, h.health, h.findings])).toEqual([
      ['db-01', 'failed', null, null, { crit: 0, warn: 0, info: 0 }],
      ['web-01', 'ok', 55, 'critical', { crit: 1, warn: 1, info: 0 }],
      ['web-02', 'ok', 100, 'healthy', { crit: 0, warn: 0, info: 0 }],
    ]);
    expect(json?.hosts[0]).toMatchObject({ host_run_id: seeded.hostRunIds.get('db-01')?.[2], error: 'connect ECONNREFUSED 10.0.2.1:22' });
    expect(await get('/api/v1/runs/999999')).toEqual({ status: 404, json: { error: { code: 'not_found', message: 'no run 999999' } } });
    for (const bad of ['0', 'abc', '-1', '99999999999']) {
      expect(await get(`/api/v1/runs/${bad}`)).toEqual({ status: 400, json: { error: { code: 'bad_request', message: 'parameter id: expected a positive integer id' } } });
    }
  });

  it('renders the host report in every format, like `dthostmon report`', async () => {
    const md = await get('/api/v1/reports/hosts/web-01?since=7d');
    expect(md).toMatchObject({ status: 200, contentType: 'text/markdown; charset=utf-8' });
    expect(md.text).toContain('# Host Status Report: web-01');
    expect(md.text).toContain('(3 passes)');
    expect(md.text).toContain('42 failed SSH logins from 203.0.113.9');
    const html = await get('/api/v1/reports/hosts/web-01?format=html&since=7d');
    expect(html.contentType).toBe('text/html; charset=utf-8');
    expect(html.text).toMatch(/^<!DOCTYPE html>/i);
    expect(html.text).toContain('web-01');
    const text = await get('/api/v1/reports/hosts/web-01?format=text&since=2h');
    expect(text.contentType).toBe('text/plain; charset=utf-8');
    expect(text.text).toContain('web-01');
    const json = await get('/api/v1/reports/hosts/web-01?format=json&since=7d');
    expect(json.json).toMatchObject({ kind: 'host', scope: 'web-01', summary: { score: 55 }, periodStart: '2026-03-03T12:00:00.000Z', periodEnd: '2026-03-10T12:00:00.000Z' });
    expect(json.json?.model).toMatchObject({ score: { value: 55 } });
    // Rendering on demand is not sending: nothing recorded.
    const sent = await store.db.selectFrom('reports_sent').select('id').execute();
    expect(sent).toEqual([]);
  });

  it('renders the site report, and refuses unknown hosts, sites and bad parameters', async () => {
    const md = await get('/api/v1/reports/sites/s01-lab?since=3d');
    expect(md.status).toBe(200);
    expect(md.text).toContain('web-01');
    expect(md.text).toContain('web-02');
    const json = await get('/api/v1/reports/sites/s02-austin?format=json');
    expect(json.json).toMatchObject({ kind: 'site', scope: 's02-austin' });
    expect((await get('/api/v1/reports/hosts/nope')).status).toBe(404);
    expect((await get('/api/v1/reports/sites/nowhere')).status).toBe(404);
    expect((await get('/api/v1/reports/hosts/web-01?format=pdf')).json).toEqual({ error: { code: 'bad_request', message: 'parameter format: expected one of md, html, text, json' } });
    expect((await get('/api/v1/reports/hosts/web-01?since=forever')).json?.error.message).toBe('parameter since: expected a duration such as 24h, 7d or 90m, at most 400d');
    expect((await get('/api/v1/reports/hosts/web-01?since=500d')).status).toBe(400);
  });
});
