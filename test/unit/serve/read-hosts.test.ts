import { readRoutes } from '../../../src/serve/routes/api-v1.js';
import { callRoute, PASS_TIMES, seedApiStore, type Seeded } from '../../helpers/api-seed.js';
import { openTestStore, testDialects, type TestStore } from '../../helpers/store.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe.each(await testDialects())('/api/v1 hosts on %s', (dialect) => {
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
    const res = await callRoute(readRoutes, seeded.ctx, url);
    return { status: res.status, json: res.json as Json };
  };
  const runIdOf = (name: string, pass: number) => seeded.hostRunIds.get(name)?.[pass];

  it('lists hosts sorted by name with their latest result, in the envelope', async () => {
    const { status, json } = await get('/api/v1/hosts');
    expect(status).toBe(200);
    expect(json).toMatchObject({ total: 4, limit: 100, offset: 0 });
    expect(json.items.map((h: Json) => h.name)).toEqual(['db-01', 'old-01', 'web-01', 'web-02']);
    expect(json.items[2]).toEqual({
      name: 'web-01',
      hostname: '10.0.1.1',
      site: 's01-lab',
      tags: ['web', 'prod'],
      enabled: true,
      last_seen: PASS_TIMES[2],
      latest: { run_id: seeded.runIds[2], host_run_id: runIdOf('web-01', 2), status: 'ok', score: 55, health: 'critical', started_at: PASS_TIMES[2] },
    });
    // The failed host: its latest pass failed, last seen at the pass before.
    expect(json.items[0]).toMatchObject({ name: 'db-01', last_seen: PASS_TIMES[1], latest: { status: 'failed', score: null, host_run_id: runIdOf('db-01', 2) } });
    expect(json.items[1]).toMatchObject({ name: 'old-01', enabled: false, latest: null, last_seen: null });
  });

  it('filters by site, tag and enabled, and pages with limit and offset', async () => {
    const names = async (q: string) => ((await get(`/api/v1/hosts?${q}`)).json.items as Json[]).map((h) => h.name);
    expect(await names('site=s01-lab')).toEqual(['web-01', 'web-02']);
    expect(await names('tag=prod')).toEqual(['db-01', 'web-01']);
    expect(await names('tag=db&enabled=false')).toEqual(['old-01']);
    expect(await names('site=s02-austin&enabled=true')).toEqual(['db-01']);
    expect(await names('tag=nope')).toEqual([]);
    const page = (await get('/api/v1/hosts?limit=2&offset=1')).json;
    expect(page).toMatchObject({ total: 4, limit: 2, offset: 1 });
    expect(page.items.map((h: Json) => h.name)).toEqual(['old-01', 'web-01']);
    expect((await get('/api/v1/hosts?limit=500&offset=10')).json).toEqual({ items: [], total: 4, limit: 500, offset: 10 });
  });

  it.each([
    ['limit=0', 'parameter limit: expected an integer from 1 to 500'],
    ['limit=501', 'parameter limit: expected an integer from 1 to 500'],
    ['limit=abc', 'parameter limit: expected an integer from 1 to 500'],
    ['offset=-1', 'parameter offset: expected an integer from 0 to 100000'],
    ['enabled=yes', 'parameter enabled: expected true or false'],
    ['site=', 'parameter site: must not be empty'],
    ['sort=name', 'unknown parameter "sort" (allowed: site, tag, enabled, limit, offset)'],
    ['limit=1&limit=2', 'parameter limit given more than once'],
  ])('refuses ?%s with 400 naming the parameter', async (query, message) => {
    expect(await get(`/api/v1/hosts?${query}`)).toEqual({ status: 400, json: { error: { code: 'bad_request', message } } });
  });

  it('shows one host with its latest result and open findings by severity', async () => {
    const { status, json } = await get('/api/v1/hosts/web-01');
    expect(status).toBe(200);
    expect(json.latest_result).toEqual({
      run_id: seeded.runIds[2],
      host_run_id: runIdOf('web-01', 2),
      started_at: PASS_TIMES[2],
      finished_at: new Date(Date.parse(PASS_TIMES[2] as string) + 90_000).toISOString(),
      status: 'ok',
      error: null,
      score: 55,
      previous_score: 72,
      health: 'critical',
      findings: { crit: 1, warn: 1, info: 0 },
      duration_ms: 90_000,
      log_bytes_read: 6144,
    });
    expect(json.open_findings).toEqual({ crit: 1, warn: 1, info: 0 });
    expect((await get('/api/v1/hosts/web-02')).json.open_findings).toEqual({ crit: 0, warn: 0, info: 0 });
    expect((await get('/api/v1/hosts/old-01')).json).toMatchObject({ latest: null, latest_result: null });
  });

  it('answers 404 for an unknown host and 400 for a name with control characters', async () => {
    expect(await get('/api/v1/hosts/nope')).toEqual({ status: 404, json: { error: { code: 'not_found', message: 'no host named "nope"' } } });
    expect(await get('/api/v1/hosts/nope/results')).toMatchObject({ status: 404 });
    expect(await get('/api/v1/hosts/nope/history')).toMatchObject({ status: 404 });
    expect((await get('/api/v1/hosts/a%0Ab')).status).toBe(400);
    expect((await get('/api/v1/hosts/web-01?x=1')).status).toBe(400);
  });

  it('lists results newest first and pages them with the next cursor', async () => {
    const first = (await get('/api/v1/hosts/db-01/results?limit=2')).json;
    expect(first.items.map((r: Json) => [r.host_run_id, r.status, r.score, r.error])).toEqual([
      [runIdOf('db-01', 2), 'failed', null, 'connect ECONNREFUSED 10.0.2.1:22'],
      [runIdOf('db-01', 1), 'ok', 94, null],
    ]);
    expect(first.items[1]).toMatchObject({ previous_score: 95, findings: { crit: 0, warn: 0, info: 0 }, run_id: seeded.runIds[1] });
    expect(typeof first.next).toBe('string');
    const second = (await get(`/api/v1/hosts/db-01/results?limit=2&before=${first.next}`)).json;
    expect(second.items.map((r: Json) => r.host_run_id)).toEqual([runIdOf('db-01', 0)]);
    expect(second.next).toBeNull();
    expect((await get('/api/v1/hosts/db-01/results')).json.items).toHaveLength(3);
    expect(await get('/api/v1/hosts/db-01/results?before=garbage')).toEqual({ status: 400, json: { error: { code: 'bad_request', message: 'parameter before: expected the next cursor of a previous page' } } });
    expect((await get('/api/v1/hosts/db-01/results?limit=501')).status).toBe(400);
  });

  it('lists the findings of the latest run with evidence, filtered and paged; or of a given run', async () => {
    const latest = (await get('/api/v1/hosts/web-01/findings')).json;
    expect(latest).toMatchObject({ host: 'web-01', host_run_id: runIdOf('web-01', 2), total: 2 });
    expect(latest.items.map((f: Json) => [f.severity, f.key])).toEqual([['crit', 'auth.bruteforce:203.0.113.9'], ['warn', 'disk.usage:/']]);
    expect(latest.items[0]).toMatchObject({
      rule_id: 'sshd.failed_password',
      count: 42,
      evidence: [{ source: '/var/log/auth.log', lines: ['Failed password for root from 203.0.113.9 port 4242 ssh2'] }],
      recommendation: 'Block 203.0.113.9 at the firewall.',
    });
    const warn = (await get('/api/v1/hosts/web-01/findings?severity=warn')).json;
    expect(warn.items.map((f: Json) => f.key)).toEqual(['disk.usage:/']);
    expect((await get('/api/v1/hosts/web-01/findings?category=auth.bruteforce&limit=1&offset=0')).json).toMatchObject({ total: 1, limit: 1 });
    const older = (await get(`/api/v1/hosts/web-01/findings?run=${runIdOf('web-01', 0)}`)).json;
    expect(older).toMatchObject({ host_run_id: runIdOf('web-01', 0), total: 1 });
    // Another host's run is not this host's.
    expect((await get(`/api/v1/hosts/web-01/findings?run=${runIdOf('web-02', 0)}`)).status).toBe(404);
    expect((await get('/api/v1/hosts/old-01/findings')).json).toMatchObject({ host_run_id: null, items: [], total: 0 });
    expect((await get('/api/v1/hosts/web-01/findings?severity=high')).json.error.message).toBe('parameter severity: expected one of crit, warn, info');
  });

  it('lists open and resolved items from finding_state with open=true|false', async () => {
    const open = (await get('/api/v1/hosts/web-01/findings?open=true')).json;
    expect(open.items.map((i: Json) => [i.key, i.severity, i.passes, i.resolved_at])).toEqual([
      ['disk.usage:/', 'warn', 1, null],
      ['auth.bruteforce:203.0.113.9', 'crit', 1, null],
    ]);
    expect(open.items[1]).toMatchObject({ first_seen: PASS_TIMES[2], last_seen: PASS_TIMES[2] });
    expect((await get('/api/v1/hosts/web-01/findings?open=false')).json).toMatchObject({ items: [], total: 0 });
    expect((await get('/api/v1/hosts/web-01/findings?open=true&run=1')).json.error.message).toBe('parameter open: not with run (open items span runs)');
  });

  it('shows log evidence lines and templates, never whole files', async () => {
    const { json } = await get('/api/v1/hosts/web-01/logs');
    expect(json.evidence).toEqual([
      { finding_id: expect.any(Number), key: 'auth.bruteforce:203.0.113.9', severity: 'crit', source: '/var/log/auth.log', lines: ['Failed password for root from 203.0.113.9 port 4242 ssh2'] },
    ]);
    const finished = (pass: number) => new Date(Date.parse(PASS_TIMES[pass] as string) + 90_000).toISOString();
    expect(json.templates).toEqual([
      { template: 'Accepted publickey for <*> from <ip>', is_error: false, line_count: 9, first_seen: finished(0), last_seen: finished(2) },
      { template: 'Failed password for <*> from <ip> port <num> ssh2', is_error: true, line_count: 40 + 41 + 42, first_seen: finished(0), last_seen: finished(2) },
    ]);
    expect((await get('/api/v1/hosts/web-01/logs?limit=1')).json.templates).toHaveLength(1);
    expect((await get('/api/v1/hosts/web-02/logs')).json).toMatchObject({ evidence: [], templates: [] });
  });

  it('gives the history of scores and resources, oldest first, within the days asked', async () => {
    const { json } = await get('/api/v1/hosts/web-01/history?days=3');
    expect(json).toMatchObject({ host: 'web-01', days: 3, since: '2026-03-07T12:00:00.000Z' });
    expect(json.runs).toEqual([0, 1, 2].map((p) => ({ host_run_id: runIdOf('web-01', p), started_at: PASS_TIMES[p], status: 'ok', score: p === 2 ? 55 : 72 })));
    expect(json.resources).toEqual([0, 1, 2].map((p) => ({ collected_at: PASS_TIMES[p], cpu_percent: 10 + p, memory_percent: 20 + p, disk: { '/': 80 + p * 5, '/srv': 12.5 } })));
    // Default 7 days; 1 day holds only the last pass (1 h ago); the failed pass has no resources.
    expect((await get('/api/v1/hosts/web-01/history')).json.days).toBe(7);
    expect((await get('/api/v1/hosts/web-01/history?days=1')).json.runs.map((r: Json) => r.started_at)).toEqual([PASS_TIMES[2]]);
    const db = (await get('/api/v1/hosts/db-01/history?days=1')).json;
    expect(db).toMatchObject({ runs: [{ status: 'failed', score: null }], resources: [] });
    for (const days of ['0', '401', '1.5']) {
      expect((await get(`/api/v1/hosts/web-01/history?days=${days}`)).json).toEqual({ error: { code: 'bad_request', message: 'parameter days: expected an integer from 1 to 400' } });
    }
  });
});
