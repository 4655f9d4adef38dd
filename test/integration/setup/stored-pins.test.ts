import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { saveHostKeys } from '../../../src/store/host-keys-repo.js';
import { syncHosts } from '../../../src/store/hosts-repo.js';
import { migrateToLatest } from '../../../src/store/migrate.js';
import { openStore } from '../../../src/store/open-store.js';
import { readStoredPins } from '../../../src/setup/stored-pins.js';
import { makeHost } from '../../helpers/host.js';

const KEY = { algorithm: 'ssh-ed25519', key: 'AAAAC3NzaC1lZDI1NTE5AAAAIBQbDXWg5gH0S1GZ6p0ZtP3dIYnuZ8X3ym6n9w1k6dRq', fingerprint: 'SHA256:abc' };

/** Setup reads the pins `run` wrote, and never creates or migrates a store to do so. */
describe('the pins setup reads from the store', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dthm-setup-pins-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads each host\'s pinned keys by name', async () => {
    const path = join(dir, 'dthostmon.db');
    const store = await openStore({ dialect: 'sqlite', path });
    try {
      await migrateToLatest(store.db);
      const ids = await syncHosts(store.db, [makeHost({ name: 'web-01' }), makeHost({ name: 'db-01' })], '2026-01-01T00:00:00Z');
      await saveHostKeys(store.db, ids.get('web-01') as number, [KEY], '2026-01-02T00:00:00Z');
    } finally {
      await store.close();
    }
    const read = await readStoredPins({ dialect: 'sqlite', path }, ['web-01', 'db-01', 'new-01']);
    expect(read.note).toBeNull();
    expect([...read.pins.entries()]).toEqual([['web-01', [{ ...KEY, firstSeen: '2026-01-02T00:00:00Z', lastSeen: '2026-01-02T00:00:00Z' }]]]);
  });

  it('does not create a store that is not there, and finds no pins in one never migrated', async () => {
    const absent = join(dir, 'none/dthostmon.db');
    expect(await readStoredPins({ dialect: 'sqlite', path: absent }, ['web-01'])).toEqual({ pins: new Map(), note: null });
    expect(existsSync(join(dir, 'none'))).toBe(false);

    const empty = join(dir, 'empty.db');
    await (await openStore({ dialect: 'sqlite', path: empty })).close();
    expect(await readStoredPins({ dialect: 'sqlite', path: empty }, ['web-01'])).toEqual({ pins: new Map(), note: null });
  });

  it('a store that cannot be read is a note, not a failure', async () => {
    const broken = join(dir, 'broken.db');
    await writeFile(broken, 'this is not a database, just text long enough to have a header');
    const read = await readStoredPins({ dialect: 'sqlite', path: broken }, ['web-01']);
    expect(read.pins.size).toBe(0);
    expect(read.note).toMatch(/^cannot read the host keys pinned in the store \(.+\): host keys are checked against known_hosts only$/);
  });
});
