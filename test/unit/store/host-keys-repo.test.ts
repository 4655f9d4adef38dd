import { syncHosts } from '../../../src/store/hosts-repo.js';
import { loadHostKeys, saveHostKeys } from '../../../src/store/host-keys-repo.js';
import { sampleHost } from './sample-data.js';
import { openTestStore, testDialects, type TestStore } from '../../helpers/store.js';

const T0 = '2026-03-01T10:00:00.000Z';
const T1 = '2026-03-01T11:00:00.000Z';
const T2 = '2026-03-01T12:00:00.000Z';
const ED_A = { algorithm: 'ssh-ed25519', key: 'AAAAC3NzaC1lZDI1NTE5AAAAIA==', fingerprint: 'SHA256:aaa' };
const ED_B = { algorithm: 'ssh-ed25519', key: 'AAAAC3NzaC1lZDI1NTE5AAAAIB==', fingerprint: 'SHA256:bbb' };
const RSA = { algorithm: 'ssh-rsa', key: 'AAAAB3NzaC1yc2EAAAADAQAB', fingerprint: 'SHA256:rrr' };

describe.each(await testDialects())('host keys repository on %s', (dialect) => {
  let store: TestStore;
  let web: number;
  let db: number;
  beforeEach(async () => {
    store = await openTestStore(dialect);
    const ids = await syncHosts(store.db, [sampleHost('web1'), sampleHost('db1')], T0);
    web = ids.get('web1') as number;
    db = ids.get('db1') as number;
  });
  afterEach(async () => {
    await store.cleanup();
  });

  it('pins keys per host and type, and loads them for several hosts in one call', async () => {
    await saveHostKeys(store.db, web, [ED_A, RSA], T0);
    await saveHostKeys(store.db, db, [ED_B], T0);
    const pins = await loadHostKeys(store.db, [web, db, 9999]);
    expect(pins.get(web)).toEqual([
      { ...ED_A, firstSeen: T0, lastSeen: T0 },
      { ...RSA, firstSeen: T0, lastSeen: T0 },
    ]);
    expect(pins.get(db)).toEqual([{ ...ED_B, firstSeen: T0, lastSeen: T0 }]);
    expect(pins.has(9999)).toBe(false);
    expect((await loadHostKeys(store.db, [])).size).toBe(0);
  });

  it('refreshes last_seen for the same key and restarts first_seen when known_hosts replaced it', async () => {
    await saveHostKeys(store.db, web, [ED_A], T0);
    await saveHostKeys(store.db, web, [ED_A], T1);
    expect((await loadHostKeys(store.db, [web])).get(web)).toEqual([{ ...ED_A, firstSeen: T0, lastSeen: T1 }]);
    await saveHostKeys(store.db, web, [ED_B], T2);
    expect((await loadHostKeys(store.db, [web])).get(web)).toEqual([{ ...ED_B, firstSeen: T2, lastSeen: T2 }]);
  });

  it('writes inside the caller transaction: a rollback leaves no pin', async () => {
    await expect(
      store.db.transaction().execute(async (trx) => {
        await saveHostKeys(trx, web, [ED_A], T0);
        throw new Error('later write failed');
      }),
    ).rejects.toThrow('later write failed');
    expect((await loadHostKeys(store.db, [web])).size).toBe(0);
  });

  it('deletes the pins with their host', async () => {
    await saveHostKeys(store.db, web, [ED_A], T0);
    await store.db.deleteFrom('hosts').where('id', '=', web).execute();
    expect(await store.db.selectFrom('host_keys').selectAll().execute()).toEqual([]);
  });
});
