import type { KyselyPlugin } from 'kysely';
import type { HostRunStatus } from '../../../src/types.js';
import { saveHostResult } from '../../../src/store/host-result-repo.js';
import { syncHosts } from '../../../src/store/hosts-repo.js';
import { createRun } from '../../../src/store/runs-repo.js';
import { loadPreviousState } from '../../../src/store/state-repo.js';
import { sampleAnalysis, sampleFacts, sampleHost, sampleSnapshot, unreachableSnapshot } from './sample-data.js';
import { openTestStore, testDialects, type TestStore } from '../../helpers/store.js';

/** Pass n starts at 10:00 + n hours. */
const at = (pass: number) => new Date(Date.UTC(2026, 2, 1, 10 + pass)).toISOString();

describe.each(await testDialects())('loadPreviousState on %s', (dialect) => {
  let store: TestStore;
  beforeEach(async () => {
    store = await openTestStore(dialect);
  });
  afterEach(async () => {
    await store.cleanup();
  });

  /** Records one pass of one host: reachable with a score, or failed without analysis. */
  async function pass(hostId: number, passNo: number, status: HostRunStatus, score: number | null = null) {
    const runId = await createRun(store.db, { startedAt: at(passNo), runner: 'monitor1', pid: 1, hostCount: 1 });
    await saveHostResult(store.db, {
      runId,
      hostId,
      snapshot: status === 'failed' ? unreachableSnapshot() : sampleSnapshot(),
      analysis: score === null ? null : { ...sampleAnalysis([]), score },
      status,
      error: status === 'failed' ? 'connection refused' : null,
      previousScore: null,
      reportPath: null,
      startedAt: at(passNo),
      finishedAt: at(passNo).replace(':00.000Z', ':30.000Z'),
    });
  }

  it('returns cursors, baselines, last score and run time, and consecutive failures per host', async () => {
    const ids = await syncHosts(store.db, ['web1', 'web2', 'db1', 'new1'].map((name) => sampleHost(name)), at(0));
    const id = (name: string) => ids.get(name) ?? -1;
    await pass(id('web1'), 1, 'ok', 80);
    await pass(id('web1'), 2, 'failed');
    await pass(id('web1'), 3, 'failed');
    await pass(id('web2'), 1, 'failed');
    await pass(id('web2'), 2, 'failed');
    await pass(id('db1'), 1, 'failed');
    await pass(id('db1'), 2, 'partial', 95);

    const states = await loadPreviousState(store.db, ids);

    const { users, ...facts } = sampleFacts();
    expect(states.get('web1')).toEqual({
      hostId: id('web1'),
      cursors: [
        { path: '/var/log/auth.log', inode: 2 ** 33 + 7, offset: 2 ** 32 + 2048, fingerprint: '3054159393', fingerprintLen: 512 },
        { path: '/var/log/syslog', inode: 1234, offset: 4096, fingerprint: '42', fingerprintLen: 512 },
      ],
      lastScore: 80,
      lastRunAt: at(3),
      consecutiveFailures: 2,
      failingSince: at(2),
      baselines: { facts, users },
    });
    expect(states.get('web2')).toEqual({
      hostId: id('web2'),
      cursors: [],
      lastScore: null,
      lastRunAt: at(2),
      consecutiveFailures: 2,
      failingSince: at(1),
      baselines: {},
    });
    expect(states.get('db1')).toMatchObject({ lastScore: 95, lastRunAt: at(2), consecutiveFailures: 0 });
    expect(states.get('new1')).toEqual({
      hostId: id('new1'),
      cursors: [],
      lastScore: null,
      lastRunAt: null,
      consecutiveFailures: 0,
      baselines: {},
    });
  });

  it('counts only the failures after the latest success', async () => {
    const ids = await syncHosts(store.db, [sampleHost('web1')], at(0));
    const web1 = ids.get('web1') ?? -1;
    await pass(web1, 1, 'failed');
    await pass(web1, 2, 'ok', 70);
    await pass(web1, 3, 'failed');
    await pass(web1, 4, 'ok', 75);
    await pass(web1, 5, 'failed');

    const state = (await loadPreviousState(store.db, ids)).get('web1');
    expect(state).toMatchObject({ consecutiveFailures: 1, failingSince: at(5), lastScore: 75, lastRunAt: at(5) });
  });

  it('reads many hosts with the same few queries as one', async () => {
    const fleet = Array.from({ length: 60 }, (_, index) => sampleHost(`host${index}`));
    const ids = await syncHosts(store.db, fleet, at(0));
    for (const hostId of [...ids.values()].slice(0, 3)) await pass(hostId, 1, 'ok', 90);

    const queries = { count: 0 };
    const counting: KyselyPlugin = {
      transformQuery: (args) => {
        queries.count += 1;
        return args.node;
      },
      transformResult: async (args) => args.result,
    };
    const one = new Map([...ids].slice(0, 1));
    await loadPreviousState(store.db.withPlugin(counting), one);
    const forOne = queries.count;
    queries.count = 0;
    const states = await loadPreviousState(store.db.withPlugin(counting), ids);

    // cursors, baselines, last runs, last scores, failures, source positions, open items.
    expect(forOne).toBeLessThanOrEqual(7);
    expect(queries.count).toBe(forOne);
    expect(states.size).toBe(60);
    expect([...states.values()].filter((state) => state.lastScore === 90)).toHaveLength(3);
  });

  it('returns an empty map for no hosts', async () => {
    await expect(loadPreviousState(store.db, new Map())).resolves.toEqual(new Map());
  });
});
