// The benchmark trend (issue #10, docs/benchmarks.md): every bench script stores its results with
// `storeBenchmarks(suite, results)` in the `benchmarks` table of the store DTHOSTMON_BENCH_DB names (a SQLite path or
// a postgres:// URL; default .bench/benchmarks.db in the repository, gitignored), through the built data layer
// (dist/: openStore, migrateToLatest, saveBenchmarkRun). `npm run bench:trend` reads it back.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cpus, hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The store the benchmarks go to, as openStore takes it (the URL's password never in `display`). */
export async function benchStoreSettings(env = process.env) {
  const target = env.DTHOSTMON_BENCH_DB || join(root, '.bench', 'benchmarks.db');
  if (/^postgres(ql)?:\/\//.test(target)) {
    const { displayPostgresUrl } = await import('../dist/config/settings.js');
    return { dialect: 'postgres', url: target, display: displayPostgresUrl(target) };
  }
  return { dialect: 'sqlite', path: resolve(target) };
}

/** `git rev-parse --short=12 HEAD`, `-dirty` when tracked files have uncommitted changes; `unknown` without git. */
export function gitCommit() {
  try {
    const git = (...args) => execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const commit = git('rev-parse', '--short=12', 'HEAD');
    return git('status', '--porcelain', '--untracked-files=no') === '' ? commit : `${commit}-dirty`;
  } catch {
    return 'unknown';
  }
}

/**
 * Opens the benchmark store (migrating it), runs `work(db, describe)` and closes it. A store that cannot be opened
 * or written is one line on stderr and exit status 3 (process.exitCode), never a stack.
 * @returns what `work` returned, or undefined when the store failed.
 */
export async function withBenchStore(work) {
  const [{ openStore }, { migrateToLatest }] = await Promise.all([import('../dist/store/open-store.js'), import('../dist/store/migrate.js')]);
  let store;
  try {
    store = await openStore(await benchStoreSettings());
    await migrateToLatest(store.db);
    return await work(store.db, store.describe);
  } catch (err) {
    console.error(`benchmarks: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 3;
    return undefined;
  } finally {
    await store?.close();
  }
}

/**
 * Stores one run's results (`{ benchmark, variant, metric, value, baselineVariant?, ratio? }`; values that are not
 * finite numbers are left out) with the run's commit and machine, and says where on stderr.
 * @returns the run's info, or undefined when the store failed (then process.exitCode is 3).
 */
export async function storeBenchmarks(suite, results) {
  const { saveBenchmarkRun } = await import('../dist/store/benchmarks-repo.js');
  const run = {
    runId: randomUUID(),
    runAt: new Date().toISOString(),
    suite,
    gitCommit: gitCommit(),
    machine: hostname(),
    cpus: cpus().length,
    nodeVersion: process.version,
  };
  return withBenchStore(async (db, describe) => {
    const count = await saveBenchmarkRun(db, run, results);
    console.error(`benchmarks: ${count} results of ${suite} stored in ${describe} (commit ${run.gitCommit}; npm run bench:trend)`);
    return run;
  });
}
