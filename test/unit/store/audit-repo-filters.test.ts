import { appendAudit, listAudit } from '../../../src/store/audit-repo.js';
import { syncHosts } from '../../../src/store/hosts-repo.js';
import { makeHost } from '../../helpers/host.js';
import { openTestStore, testDialects, type TestStore } from '../../helpers/store.js';

describe.each(await testDialects())('listAudit filters on %s', (dialect) => {
  let store: TestStore;
  let web: number;
  let db: number;
  beforeAll(async () => {
    store = await openTestStore(dialect);
    const ids = await syncHosts(store.db, [makeHost({ name: 'web-01' }), makeHost({ name: 'db-01' })], '2026-03-01T00:00:00.000Z');
    web = ids.get('web-01') as number;
    db = ids.get('db-01') as number;
    await appendAudit(store.db, [
      { at: '2026-03-01T10:00:00.000Z', actor: 'run', action: 'pass.started', runId: 1 },
      { at: '2026-03-01T10:00:01.000Z', actor: 'run', action: 'host.connected', hostId: web, runId: 1, detail: { host: 'web-01' } },
      { at: '2026-03-01T10:00:02.000Z', actor: 'run', action: 'host.connect_failed', hostId: db, runId: 1 },
      { at: '2026-03-01T10:00:03.000Z', actor: 'run', action: 'host.analyzed', hostId: web, runId: 1 },
      // `_` is no wildcard: `hostXconnected` must not match the group `host`.
      { at: '2026-03-01T10:00:04.000Z', actor: 'run', action: 'hostXconnected', hostId: web, runId: 1 },
      { at: '2026-03-02T10:00:00.000Z', actor: 'serve:127.0.0.1', action: 'config.changed', detail: { hosts: { added: ['new-01'] } } },
      { at: '2026-03-02T11:00:00.000Z', actor: 'run', action: 'host.analyzed', hostId: 999, runId: 2 },
    ]);
  });
  afterAll(async () => {
    await store.cleanup();
  });

  const actions = async (query: Parameters<typeof listAudit>[1]): Promise<string[]> => (await listAudit(store.db, query)).map((e) => `${e.action}@${e.at.slice(8, 19)}`);

  it('filters by time, host (by name) and action or action group, newest first', async () => {
    expect(await actions({ limit: 10, since: '2026-03-02T00:00:00.000Z' })).toEqual(['host.analyzed@02T11:00:00', 'config.changed@02T10:00:00']);
    expect(await actions({ limit: 10, host: 'web-01' })).toEqual(['hostXconnected@01T10:00:04', 'host.analyzed@01T10:00:03', 'host.connected@01T10:00:01']);
    expect(await actions({ limit: 10, actions: ['host'] })).toEqual(['host.analyzed@02T11:00:00', 'host.analyzed@01T10:00:03', 'host.connect_failed@01T10:00:02', 'host.connected@01T10:00:01']);
    expect(await actions({ limit: 10, actions: ['host.connected', 'config'], since: '2026-03-01T00:00:00.000Z' })).toEqual(['config.changed@02T10:00:00', 'host.connected@01T10:00:01']);
    expect(await actions({ limit: 1, host: 'db-01', actions: ['host'] })).toEqual(['host.connect_failed@01T10:00:02']);
    expect(await actions({ limit: 10, host: 'nobody' })).toEqual([]);
  });

  it("names the host when the hosts table has it, else only its id", async () => {
    const [gone, , ...rest] = await listAudit(store.db, { limit: 10 });
    expect(gone).toMatchObject({ action: 'host.analyzed', hostId: 999, host: null });
    expect(rest.find((e) => e.action === 'host.connected')).toMatchObject({ hostId: web, host: 'web-01', detail: { host: 'web-01' } });
  });
});
