import { createRun, finishRun, markAbandonedRuns } from '../../../src/store/runs-repo.js';
import { openTestStore, testDialects, type TestStore } from '../../helpers/store.js';

const START = '2026-03-01T10:00:00.000Z';

describe.each(await testDialects())('runs repository on %s', (dialect) => {
  let store: TestStore;
  beforeEach(async () => {
    store = await openTestStore(dialect);
  });
  afterEach(async () => {
    await store.cleanup();
  });

  const runRow = (id: number) => store.db.selectFrom('runs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  it('creates a running run and finishes it', async () => {
    const runId = await createRun(store.db, { startedAt: START, runner: 'monitor1', pid: 4242, hostCount: 3 });
    expect(await runRow(runId)).toEqual({
      id: runId,
      started_at: START,
      finished_at: null,
      status: 'running',
      runner: 'monitor1',
      pid: 4242,
      host_count: 3,
      hosts_ok: 0,
      hosts_failed: 0,
      duration_ms: null,
      // Only a sharded pass has a key (migration 0010).
      pass_key: null,
    });

    await finishRun(store.db, runId, {
      finishedAt: '2026-03-01T10:01:30.000Z',
      status: 'timed_out',
      hostsOk: 2,
      hostsFailed: 1,
      durationMs: 90000,
    });
    expect(await runRow(runId)).toMatchObject({
      finished_at: '2026-03-01T10:01:30.000Z',
      status: 'timed_out',
      hosts_ok: 2,
      hosts_failed: 1,
      duration_ms: 90000,
    });
  });

  it('marks runs of this machine left running by a dead process as failed', async () => {
    const dead = await createRun(store.db, { startedAt: START, runner: 'monitor1', pid: 111, hostCount: 1 });
    const alive = await createRun(store.db, { startedAt: START, runner: 'monitor1', pid: 222, hostCount: 1 });
    const elsewhere = await createRun(store.db, { startedAt: START, runner: 'monitor2', pid: 111, hostCount: 1 });
    const done = await createRun(store.db, { startedAt: START, runner: 'monitor1', pid: 333, hostCount: 1 });
    await finishRun(store.db, done, { finishedAt: START, status: 'complete', hostsOk: 1, hostsFailed: 0, durationMs: 5 });

    const marked = await markAbandonedRuns(store.db, 'monitor1', (pid) => pid === 222);

    expect(marked).toEqual([dead]);
    expect((await runRow(dead)).status).toBe('failed');
    expect((await runRow(alive)).status).toBe('running');
    expect((await runRow(elsewhere)).status).toBe('running');
    expect((await runRow(done)).status).toBe('complete');
    await expect(markAbandonedRuns(store.db, 'monitor1', (pid) => pid === 222)).resolves.toEqual([]);
  });

  it('rejects a status outside the known set', async () => {
    const runId = await createRun(store.db, { startedAt: START, runner: 'monitor1', pid: 1, hostCount: 0 });
    const update = store.db.updateTable('runs').set({ status: 'exploded' as 'failed' }).where('id', '=', runId).execute();
    // toHaveProperty, not toThrow: better-sqlite3 errors come from outside jest's realm and fail toThrow's check.
    await expect(update).rejects.toHaveProperty('message', expect.stringMatching(/check/i));
  });
});
