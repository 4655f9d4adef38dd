import { LockedError } from '../../../src/errors.js';
import { openStore } from '../../../src/store/open-store.js';
import { acquirePassLock, type PassLockOptions } from '../../../src/store/pass-lock.js';
import { openTestStore, testDialects, type TestStore } from '../../helpers/store.js';

const NOW = new Date('2026-03-01T10:00:00.000Z');
const HOUR_MS = 3600_000;

describe.each(await testDialects())('acquirePassLock on %s', (dialect) => {
  let store: TestStore;
  beforeEach(async () => {
    store = await openTestStore(dialect);
  });
  afterEach(async () => {
    await store.cleanup();
  });

  const options = (overrides: Partial<PassLockOptions> = {}): PassLockOptions => ({
    runner: 'monitor1',
    pid: 1000,
    now: NOW,
    ttlMs: HOUR_MS,
    isPidAlive: () => true,
    ...overrides,
  });
  const lockRows = () => store.db.selectFrom('pass_lock').selectAll().execute();

  it('takes a free lock, refuses a held one with its owner, and can be taken again after release', async () => {
    const release = await acquirePassLock(store.db, options());
    expect(await lockRows()).toEqual([
      { name: 'pass', owner_host: 'monitor1', owner_pid: 1000, acquired_at: NOW.toISOString(), expires_at: '2026-03-01T11:00:00.000Z' },
    ]);

    const refused = await acquirePassLock(store.db, options({ pid: 2000 })).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(LockedError);
    expect((refused as LockedError).exitCode).toBe(4);
    expect((refused as Error).message).toBe('another pass is running (pid 1000 on host monitor1 since 2026-03-01T10:00:00.000Z)');

    await release();
    await release();
    expect(await lockRows()).toEqual([]);
    const again = await acquirePassLock(store.db, options({ pid: 2000 }));
    expect((await lockRows())[0]?.owner_pid).toBe(2000);
    await again();
  });

  it('lets exactly one of two concurrent acquires win, also from two connections', async () => {
    // A second store on the same database stands in for a second process.
    const other =
      dialect === 'sqlite'
        ? await openStore({ dialect: 'sqlite', path: store.describe.replace(/^SQLite /, '') })
        : undefined;
    try {
      const attempts = await Promise.allSettled([
        acquirePassLock(store.db, options({ pid: 1001 })),
        acquirePassLock((other ?? store).db, options({ pid: 1002 })),
        acquirePassLock(store.db, options({ runner: 'monitor2', pid: 1003 })),
      ]);
      const won = attempts.filter((attempt) => attempt.status === 'fulfilled');
      const lost = attempts.filter((attempt) => attempt.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost.map((attempt) => (attempt.reason as Error).name)).toEqual(['LockedError', 'LockedError']);
      expect(await lockRows()).toHaveLength(1);
    } finally {
      await other?.close();
    }
  });

  it('recovers a lock of this machine whose process is dead', async () => {
    await acquirePassLock(store.db, options({ pid: 1000 }));
    const later = new Date(NOW.getTime() + 60_000);

    const release = await acquirePassLock(store.db, options({ pid: 2000, now: later, isPidAlive: (pid) => pid !== 1000 }));

    expect(await lockRows()).toEqual([expect.objectContaining({ owner_pid: 2000, acquired_at: later.toISOString() })]);
    await release();
  });

  it('lets exactly one of two concurrent takeovers of a stale lock win', async () => {
    await acquirePassLock(store.db, options({ pid: 1000 }));
    const takeover = (pid: number) => acquirePassLock(store.db, options({ pid, isPidAlive: (alive) => alive !== 1000 }));

    const attempts = await Promise.allSettled([takeover(2001), takeover(2002)]);

    expect(attempts.filter((attempt) => attempt.status === 'fulfilled')).toHaveLength(1);
    const [row] = await lockRows();
    expect([2001, 2002]).toContain(row?.owner_pid);
  });

  it('keeps a lock of another machine until it expires, then recovers it', async () => {
    await acquirePassLock(store.db, options({ runner: 'monitor2', pid: 1000 }));
    const dead = { isPidAlive: () => false };

    // Another machine's pid means nothing here, even if no such process exists locally.
    const early = new Date(NOW.getTime() + HOUR_MS - 1);
    await expect(acquirePassLock(store.db, options({ ...dead, now: early }))).rejects.toBeInstanceOf(LockedError);

    const late = new Date(NOW.getTime() + HOUR_MS + 1);
    const release = await acquirePassLock(store.db, options({ ...dead, now: late }));
    expect(await lockRows()).toEqual([expect.objectContaining({ owner_host: 'monitor1', owner_pid: 1000 })]);
    await release();
    expect(await lockRows()).toEqual([]);
  });

  it('does not let a released-and-retaken lock be freed by its previous owner', async () => {
    const firstRelease = await acquirePassLock(store.db, options({ pid: 1000 }));
    const later = new Date(NOW.getTime() + 2 * HOUR_MS);
    const secondRelease = await acquirePassLock(store.db, options({ pid: 2000, now: later }));

    await firstRelease();
    expect(await lockRows()).toEqual([expect.objectContaining({ owner_pid: 2000 })]);
    await secondRelease();
    expect(await lockRows()).toEqual([]);
  });
});
