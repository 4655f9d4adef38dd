/**
 * serve and the audit trail: a host added by POST /api/v1/hosts/register is a `config.changed` row naming the client
 * (a registration that changes nothing is none), and GET /api/v1/audit lists the trail with the filters of
 * `dthostmon db audit`. On both databases.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/load.js';
import { readRoutes } from '../../../src/serve/routes/api-v1.js';
import { createRegisterRoutes } from '../../../src/serve/routes/register.js';
import type { ApiContext } from '../../../src/serve/types.js';
import { appendAudit } from '../../../src/store/audit-repo.js';
import { syncHosts } from '../../../src/store/hosts-repo.js';
import { callRoute } from '../../helpers/api-seed.js';
import { makeHost } from '../../helpers/host.js';
import { openTestStore, testDialects, type TestStore } from '../../helpers/store.js';

const ENV = { DTHM_T_API_KEY: 'api-key-123', DTHM_T_REG_TOKEN: 'reg-token-456' };
const NOW = new Date('2026-11-20T10:00:00.000Z');
const CONFIG = ['api:', '  api_key: ${DTHM_T_API_KEY}', '  registration_token: ${DTHM_T_REG_TOKEN}', 'hosts:', '  - name: web1', '    hostname: 192.0.2.1', '    user: monitoring', ''].join('\n');

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe.each(await testDialects())('serve and the audit trail on %s', (dialect) => {
  let store: TestStore;
  let dir: string;
  let ctx: ApiContext;
  beforeAll(async () => {
    store = await openTestStore(dialect);
    dir = await mkdtemp(join(tmpdir(), 'dthm-serve-audit-'));
    await writeFile(join(dir, 'dthostmon.yaml'), CONFIG);
    ctx = { db: store.db, config: await loadConfig(join(dir, 'dthostmon.yaml'), { env: ENV }), clock: () => NOW };
  });
  afterAll(async () => {
    await store.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  const register = async (body: unknown, remoteAddress: string): Promise<number> => {
    const route = createRegisterRoutes({ env: ENV, homeDir: '/nonexistent-home' }).find((r) => r.method === 'POST');
    return (await route!.handle({ method: 'POST', params: {}, query: new URLSearchParams(), body, remoteAddress }, ctx)).status;
  };

  it('records a registered host as a config change by serve:<client address>, once', async () => {
    expect(await register({ name: 'new-01', hostname: '192.0.2.9', user: 'monitoring' }, '198.51.100.4')).toBe(201);
    expect(await register({ name: 'new-01', hostname: '192.0.2.9', user: 'monitoring' }, '198.51.100.4')).toBe(200);
    const rows = await store.db.selectFrom('audit_log').selectAll().where('action', '=', 'config.changed').execute();
    expect(rows.map((r) => ({ ...r, detail: JSON.parse(r.detail) as unknown }))).toEqual([
      {
        id: expect.any(Number),
        at: NOW.toISOString(),
        actor: 'serve:198.51.100.4',
        action: 'config.changed',
        host_id: null,
        run_id: null,
        detail: { file: join(dir, 'dthostmon.yaml'), by: 'register', hosts: { added: ['new-01'], updated: [], removed: [] } },
      },
    ]);
  });

  it('lists the trail on GET /api/v1/audit, oldest of the newest first, filtered like db audit', async () => {
    const web = (await syncHosts(store.db, [makeHost({ name: 'web1' })], NOW.toISOString())).get('web1');
    await appendAudit(store.db, [
      { at: '2026-11-19T09:00:00.000Z', actor: 'run', action: 'host.connected', hostId: web, runId: 1, detail: { host: 'web1', attempts: 1 } },
      { at: '2026-11-19T09:00:01.000Z', actor: 'run', action: 'host.analyzed', hostId: web, runId: 1, detail: { host: 'web1', score: 90 } },
      { at: '2026-11-19T09:00:02.000Z', actor: 'run', action: 'message.sent', runId: 1, detail: { outboxId: 3 } },
    ]);
    const get = async (url: string): Promise<{ status: number; json?: Json }> => (await callRoute(readRoutes, ctx, url)) as { status: number; json?: Json };

    const all = await get('/api/v1/audit');
    expect(all.json?.events.map((e: Json) => e.action)).toEqual(['host.connected', 'host.analyzed', 'message.sent', 'config.changed']);
    const host = await get('/api/v1/audit?host=web1&action=host,message&since=2026-11-19');
    expect(host.json?.events).toEqual([
      { id: expect.any(Number), at: '2026-11-19T09:00:00.000Z', actor: 'run', action: 'host.connected', host: 'web1', host_id: web, run_id: 1, detail: { host: 'web1', attempts: 1 } },
      { id: expect.any(Number), at: '2026-11-19T09:00:01.000Z', actor: 'run', action: 'host.analyzed', host: 'web1', host_id: web, run_id: 1, detail: { host: 'web1', score: 90 } },
    ]);
    expect((await get('/api/v1/audit?limit=1')).json?.events.map((e: Json) => e.action)).toEqual(['config.changed']);
    expect(await get('/api/v1/audit?since=soon')).toEqual({ status: 400, json: { error: { code: 'bad_request', message: 'parameter since "soon": expected a duration such as 24h or 7d, or a date such as 2026-03-01' } } });
    expect((await get('/api/v1/audit?host=nobody')).status).toBe(404);
    expect((await get('/api/v1/audit?verbose=1')).status).toBe(400);
  });
});
