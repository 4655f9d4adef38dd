/**
 * runRetention / runRetentionIfDue on a small store: an archive that cannot be written deletes nothing; the lease
 * keeps two pruners apart (and is taken over from a dead one); archive: false deletes without archiving; rollups merge
 * into the buckets that exist.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultRetentionSettings, type RetentionSettings } from '../../../src/config/retention-settings.js';
import { LockedError, StoreError } from '../../../src/errors.js';
import { runRetention, runRetentionIfDue } from '../../../src/store/retention.js';
import { seedSmallStore } from '../../helpers/retention-seed.js';
import { openTestStore, testDialects, type TestStore } from '../../helpers/store.js';

const NOW = new Date('2026-06-15T12:00:00.000Z');
const ago = (days: number) => new Date(NOW.getTime() - days * 86_400_000).toISOString();

const seed = (store: TestStore) => seedSmallStore(store.db, NOW);

const counts = async (store: TestStore) =>
  Object.fromEntries(
    await Promise.all(
      (['host_runs', 'findings', 'runs', 'audit_log'] as const).map(async (t) => [t, Number((await store.db.selectFrom(t).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n)] as const),
    ),
  );

describe.each(await testDialects())('runRetention on %s', (dialect) => {
  let store: TestStore;
  let dir: string;
  let settings: RetentionSettings;
  beforeEach(async () => {
    store = await openTestStore(dialect);
    dir = mkdtempSync(path.join(tmpdir(), 'dthm-retention-run-'));
    settings = defaultRetentionSettings(dir);
  });
  afterEach(async () => {
    await store.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('deletes nothing when the archive cannot be written, says so in one line, and gives the daily run back', async () => {
    await seed(store);
    const before = await counts(store);
    writeFileSync(path.join(dir, 'blocker'), 'a file where the archive directory should be');
    const broken = { retention: { ...settings, archiveDir: path.join(dir, 'blocker') } };
    const failure = await runRetentionIfDue(store, broken, { now: NOW }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(StoreError);
    expect((failure as Error).message.split('\n')).toEqual([expect.stringMatching(/^cannot write the retention archive .*blocker\/2025-11\.jsonl\.gz: /)]);
    expect(await counts(store)).toEqual(before);
    expect(await store.db.selectFrom('retention_state').selectAll().execute()).toEqual([{ name: 'retention', last_run_at: null, owner: null, heartbeat_at: null }]);
    const summary = await runRetentionIfDue(store, { retention: settings }, { now: NOW });
    expect(summary?.deletedRows).toMatchObject({ host_runs: 2, findings: 2, runs: 2 });
  });

  it('refuses to prune while another process holds the lease, and takes a lease over from a dead holder', async () => {
    await seed(store);
    await store.db.updateTable('retention_state').set({ owner: 'other-host:42:beef', heartbeat_at: ago(0) }).execute();
    const locked = await runRetention(store, { retention: settings }, { now: NOW }).catch((err: unknown) => err);
    expect(locked).toBeInstanceOf(LockedError);
    expect((locked as LockedError).message).toBe(`another retention run is in progress (other-host:42:beef, last active ${ago(0)})`);
    expect(await runRetentionIfDue(store, { retention: settings }, { now: NOW })).toBeNull();
    // 16 minutes without a heartbeat: the holder died.
    const later = new Date(NOW.getTime() + 16 * 60_000);
    expect((await runRetention(store, { retention: settings }, { now: later })).deletedRows).toMatchObject({ host_runs: 2 });
    expect(await store.db.selectFrom('retention_state').select(['owner', 'last_run_at']).execute()).toEqual([{ owner: null, last_run_at: later.toISOString() }]);
  });

  it('deletes without archiving when archive is false, and does nothing automatically when disabled', async () => {
    await seed(store);
    expect(await runRetentionIfDue(store, { retention: { ...settings, enabled: false } }, { now: NOW })).toBeNull();
    const summary = await runRetention(store, { retention: { ...settings, archive: false } }, { now: NOW });
    expect(summary.archivedRows).toEqual({});
    expect(summary.archiveFiles).toEqual([]);
    expect(summary.deletedRows).toMatchObject({ host_runs: 2, findings: 2, runs: 2 });
    expect(existsSync(settings.archiveDir)).toBe(false);
  });

  it('merges raw rows into an hourly bucket that exists and hourly rows into a daily one, once', async () => {
    const hostId = await seed(store);
    const bucket = '2026-06-01T10:00:00.000Z';
    await store.db.insertInto('metrics_hourly').values({ host_id: hostId, name: 'x', label: '', bucket, min_value: 5, max_value: 7, avg_value: 6, samples: 2 }).execute();
    await store.db.insertInto('metrics_daily').values({ host_id: hostId, name: 'x', label: '', bucket: '2026-03-01T00:00:00.000Z', min_value: 1, max_value: 1, avg_value: 1, samples: 1 }).execute();
    await store.db.insertInto('metrics_hourly').values({ host_id: hostId, name: 'x', label: '', bucket: '2026-03-01T05:00:00.000Z', min_value: 3, max_value: 9, avg_value: 4, samples: 3 }).execute();
    const hostRunId = (await store.db.selectFrom('host_runs').select('id').orderBy('id', 'desc').executeTakeFirstOrThrow()).id;
    await store.db
      .insertInto('metrics')
      .values([1, 11].map((value, i) => ({ host_id: hostId, host_run_id: hostRunId, collected_at: `2026-06-01T10:${i}5:00.000Z`, name: 'x', label: '', value })))
      .execute();
    for (let i = 0; i < 2; i++) await runRetention(store, { retention: settings }, { now: NOW });
    const rollup = (table: 'metrics_hourly' | 'metrics_daily') => store.db.selectFrom(table).select(['bucket', 'min_value', 'max_value', 'avg_value', 'samples']).where('name', '=', 'x').execute();
    expect((await rollup('metrics_hourly')).map((r) => [r.bucket, Number(r.min_value), Number(r.max_value), Number(r.avg_value), Number(r.samples)])).toEqual([[bucket, 1, 11, 6, 4]]);
    expect((await rollup('metrics_daily')).map((r) => [r.bucket, Number(r.min_value), Number(r.max_value), Number(r.avg_value), Number(r.samples)])).toEqual([['2026-03-01T00:00:00.000Z', 1, 9, 3.25, 4]]);
  });
});
