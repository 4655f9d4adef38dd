import { loadTemplateHashes, MAX_STORED_TEMPLATES_PER_HOST, saveTemplates } from '../../../src/store/log-templates-repo.js';
import { saveHostResult } from '../../../src/store/host-result-repo.js';
import { syncHosts } from '../../../src/store/hosts-repo.js';
import { createRun } from '../../../src/store/runs-repo.js';
import { sampleHost, sampleSnapshot } from './sample-data.js';
import { openTestStore, testDialects, type TestStore } from '../../helpers/store.js';

const T1 = '2026-03-01T10:00:00.000Z';
const T2 = '2026-03-01T10:15:00.000Z';

describe.each(await testDialects())('log templates on %s', (dialect) => {
  let store: TestStore;
  let hostId: number;
  afterEach(async () => {
    await store.cleanup();
  });

  const pass = async (at: string, seen: Array<{ hash: string; template: string; isError: boolean; count: number }>, logRates?: unknown) => {
    const runId = await createRun(store.db, { startedAt: at, runner: 'm', pid: 1, hostCount: 1 });
    const known = await loadTemplateHashes(store.db, hostId);
    return saveHostResult(store.db, {
      runId,
      hostId,
      snapshot: sampleSnapshot(),
      analysis: null,
      status: 'ok',
      error: null,
      previousScore: null,
      reportPath: null,
      startedAt: at,
      finishedAt: at,
      logTemplates: { seen, known },
      ...(logRates === undefined ? {} : { logRates }),
    });
  };

  it('inserts new templates, updates known ones, and keeps the log_rates baseline', async () => {
    store = await openTestStore(dialect);
    hostId = (await syncHosts(store.db, [sampleHost('web1')], T1)).get('web1') as number;
    const first = await pass(T1, [
      { hash: 'aaaaaaaaaaaaaaaa', template: 'sshd: Failed password for root from <*> port <*> <*>', isError: true, count: 40 },
      { hash: 'bbbbbbbbbbbbbbbb', template: 'CRON: pam_unix(cron:session): session opened for user root', isError: false, count: 3 },
    ], { passes: 1, errorsPerHour: 160 });
    await pass(T2, [{ hash: 'aaaaaaaaaaaaaaaa', template: 'sshd: Failed password for root from <*> port <*> <*>', isError: true, count: 2 }], { passes: 2, errorsPerHour: 130 });

    expect(await loadTemplateHashes(store.db, hostId)).toEqual(new Set(['aaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbb']));
    const rows = await store.db.selectFrom('log_templates').selectAll().orderBy('hash').execute();
    expect(rows.map((r) => [r.hash, Number(r.line_count), r.first_seen, r.last_seen, r.is_error, r.first_host_run_id])).toEqual([
      ['aaaaaaaaaaaaaaaa', 42, T1, T2, 1, first],
      ['bbbbbbbbbbbbbbbb', 3, T1, T1, 0, first],
    ]);
    const rates = await store.db.selectFrom('baselines').select('data').where('kind', '=', 'log_rates').executeTakeFirstOrThrow();
    expect(JSON.parse(rates.data)).toEqual({ passes: 2, errorsPerHour: 130 });
  });

  it('stops inserting new templates at the per-host cap, still updating known ones', async () => {
    store = await openTestStore(dialect);
    hostId = (await syncHosts(store.db, [sampleHost('web1')], T1)).get('web1') as number;
    const runId = await createRun(store.db, { startedAt: T1, runner: 'm', pid: 1, hostCount: 1 });
    const hostRunId = await saveHostResult(store.db, {
      runId, hostId, snapshot: sampleSnapshot(), analysis: null, status: 'ok', error: null, previousScore: null, reportPath: null, startedAt: T1, finishedAt: T1,
    });
    // Pretend the host is one short of the cap: only one of the two new templates fits.
    const known = new Set(Array.from({ length: MAX_STORED_TEMPLATES_PER_HOST - 1 }, (_, i) => `known${i}`));
    await store.db.transaction().execute((trx) =>
      saveTemplates(trx, {
        hostId,
        hostRunId,
        at: T1,
        known,
        seen: [
          { hash: 'new1', template: 'a', isError: false, count: 1 },
          { hash: 'new2', template: 'b', isError: false, count: 1 },
        ],
      }),
    );
    expect(await loadTemplateHashes(store.db, hostId)).toEqual(new Set(['new1']));
  });
});
