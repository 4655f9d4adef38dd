import { syncHosts } from '../../../src/store/hosts-repo.js';
import { sampleHost } from './sample-data.js';
import { openTestStore, testDialects, type TestStore } from '../../helpers/store.js';

const T0 = '2026-03-01T10:00:00.000Z';
const T1 = '2026-03-01T11:00:00.000Z';

describe.each(await testDialects())('syncHosts on %s', (dialect) => {
  let store: TestStore;
  beforeEach(async () => {
    store = await openTestStore(dialect);
  });
  afterEach(async () => {
    await store.cleanup();
  });

  const hostRows = () => store.db.selectFrom('hosts').selectAll().orderBy('name').execute();

  it('inserts new hosts and returns their ids by name', async () => {
    const ids = await syncHosts(store.db, [sampleHost('web1'), sampleHost('db1', { site: null, transport: 'local' })], T0);

    const rows = await hostRows();
    expect(new Map(rows.map((row) => [row.name, row.id]))).toEqual(ids);
    expect(rows.find((row) => row.name === 'web1')).toEqual({
      id: ids.get('web1'),
      name: 'web1',
      hostname: 'web1.example.net',
      port: 22,
      user: 'dtmon',
      site: 's01-lab',
      tags: '["web","prod"]',
      enabled: 1,
      transport: 'ssh',
      created_at: T0,
      updated_at: T0,
      last_seen: null,
      last_report_sent: null,
    });
    expect(rows.find((row) => row.name === 'db1')).toMatchObject({ site: null, transport: 'local' });
  });

  it('updates changed hosts in place, keeping id and created_at', async () => {
    const first = await syncHosts(store.db, [sampleHost('web1'), sampleHost('db1')], T0);
    const second = await syncHosts(
      store.db,
      [sampleHost('web1', { hostname: '10.0.0.5', port: 2222, user: 'mon', site: 's02-austin', tags: [] }), sampleHost('db1')],
      T1,
    );

    expect(second).toEqual(first);
    const web1 = (await hostRows()).find((row) => row.name === 'web1');
    expect(web1).toMatchObject({
      id: first.get('web1'),
      hostname: '10.0.0.5',
      port: 2222,
      user: 'mon',
      site: 's02-austin',
      tags: '[]',
      created_at: T0,
      updated_at: T1,
    });
  });

  it('disables a host disabled in the config and enables it again', async () => {
    await syncHosts(store.db, [sampleHost('web1')], T0);
    await syncHosts(store.db, [sampleHost('web1', { enabled: false })], T1);
    expect((await hostRows())[0]?.enabled).toBe(0);

    await syncHosts(store.db, [sampleHost('web1')], T1);
    expect((await hostRows())[0]?.enabled).toBe(1);
  });

  it('keeps hosts that left the config and accepts an empty list', async () => {
    await syncHosts(store.db, [sampleHost('web1'), sampleHost('old1')], T0);
    const ids = await syncHosts(store.db, [sampleHost('web1')], T1);

    expect([...ids.keys()]).toEqual(['web1']);
    expect((await hostRows()).map((row) => row.name)).toEqual(['old1', 'web1']);
    await expect(syncHosts(store.db, [], T1)).resolves.toEqual(new Map());
  });

  it('syncs a fleet of 450 hosts in batches', async () => {
    const fleet = Array.from({ length: 450 }, (_, index) => sampleHost(`host${String(index).padStart(3, '0')}`));
    const ids = await syncHosts(store.db, fleet, T0);

    expect(ids.size).toBe(450);
    expect(new Set(ids.values()).size).toBe(450);
    expect(await hostRows()).toHaveLength(450);
  });
});
