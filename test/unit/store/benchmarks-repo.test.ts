import { loadBenchmarkTrend, saveBenchmarkRun, type BenchmarkRunInfo } from '../../../src/store/benchmarks-repo.js';
import { openTestStore, testDialects, type TestStore } from '../../helpers/store.js';

function run(n: number, suite = 'bench:ci'): BenchmarkRunInfo {
  return {
    runId: `run-${suite}-${n}`,
    runAt: new Date(Date.UTC(2026, 10, n)).toISOString(),
    suite,
    gitCommit: `c0ffee${n}`,
    machine: 'bench-host',
    cpus: 2,
    nodeVersion: 'v20.20.0',
  };
}

describe.each(await testDialects())('benchmarks on %s', (dialect) => {
  let store: TestStore;
  beforeEach(async () => {
    store = await openTestStore(dialect);
  });
  afterEach(async () => {
    await store.cleanup();
  });

  it('stores every result of a run with who measured it, and reads it back as numbers', async () => {
    const stored = await saveBenchmarkRun(store.db, run(1), [
      { benchmark: 'authlog-pass', variant: 'dthostmon', metric: 'cpu_s', value: 5.25, baselineVariant: 'logwatch', ratio: 4.375 },
      { benchmark: 'authlog-pass', variant: 'logwatch', metric: 'cpu_s', value: 1.2 },
    ]);

    expect(stored).toBe(2);
    const rows = await store.db.selectFrom('benchmarks').selectAll().orderBy('variant').execute();
    expect(rows).toEqual([
      {
        id: expect.any(Number),
        run_id: 'run-bench:ci-1',
        run_at: '2026-11-01T00:00:00.000Z',
        suite: 'bench:ci',
        git_commit: 'c0ffee1',
        machine: 'bench-host',
        cpus: 2,
        node_version: 'v20.20.0',
        benchmark: 'authlog-pass',
        variant: 'dthostmon',
        metric: 'cpu_s',
        value: 5.25,
        baseline_variant: 'logwatch',
        ratio: 4.375,
      },
      expect.objectContaining({ variant: 'logwatch', value: 1.2, baseline_variant: null, ratio: null }),
    ]);
  });

  it('leaves out values that are not numbers and stores a non-finite ratio as null', async () => {
    const stored = await saveBenchmarkRun(store.db, run(1), [
      { benchmark: 'bench', variant: 'logwatch', metric: 'wall_s', value: Number.NaN },
      { benchmark: 'bench', variant: 'dthostmon', metric: 'wall_s', value: 3, baselineVariant: 'logwatch', ratio: Number.POSITIVE_INFINITY },
    ]);

    expect(stored).toBe(1);
    const rows = await store.db.selectFrom('benchmarks').select(['variant', 'ratio']).execute();
    expect(rows).toEqual([{ variant: 'dthostmon', ratio: null }]);
  });

  it('stores a run of more rows than one statement takes', async () => {
    const results = Array.from({ length: 450 }, (_, i) => ({ benchmark: `case-${i}`, variant: 'dthostmon', metric: 'wall_s', value: i / 10 }));
    expect(await saveBenchmarkRun(store.db, run(1), results)).toBe(450);
    const count = await store.db.selectFrom('benchmarks').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(count.n).toBe(450);
  });

  it('reads the last N runs of every series, oldest first, filtered by suite and benchmark', async () => {
    for (const n of [1, 2, 3, 4]) {
      await saveBenchmarkRun(store.db, run(n), [
        { benchmark: 'authlog-pass', variant: 'dthostmon', metric: 'cpu_s', value: n, baselineVariant: 'logwatch', ratio: 4 + n / 10 },
        { benchmark: 'store-writes', variant: 'dthostmon', metric: 'cpu_s', value: 10 * n },
      ]);
    }
    await saveBenchmarkRun(store.db, run(5, 'bench'), [{ benchmark: 'authlog-pass', variant: 'dthostmon', metric: 'wall_s', value: 3 }]);

    const trend = await loadBenchmarkTrend(store.db, { runs: 2 });
    expect(trend.map((row) => [row.suite, row.benchmark, row.metric, row.value, row.git_commit])).toEqual([
      ['bench', 'authlog-pass', 'wall_s', 3, 'c0ffee5'],
      ['bench:ci', 'authlog-pass', 'cpu_s', 3, 'c0ffee3'],
      ['bench:ci', 'authlog-pass', 'cpu_s', 4, 'c0ffee4'],
      ['bench:ci', 'store-writes', 'cpu_s', 30, 'c0ffee3'],
      ['bench:ci', 'store-writes', 'cpu_s', 40, 'c0ffee4'],
    ]);
    expect(trend[2]).not.toHaveProperty('recency');
    expect(trend[2]?.ratio).toBe(4.4);

    const filtered = await loadBenchmarkTrend(store.db, { runs: 3, suite: 'bench:ci', benchmark: 'store-writes' });
    expect(filtered.map((row) => row.value)).toEqual([20, 30, 40]);
    expect(await loadBenchmarkTrend(store.db, { runs: 3, benchmark: 'none' })).toEqual([]);
  });
});
