import path from 'node:path';
import { sql } from 'kysely';
import { StoreError } from '../../../src/errors.js';
import { MigrationError, migrateToLatest } from '../../../src/store/migrate.js';
import { openTestStore, storeTables, testDialects, type TestStore } from '../../helpers/store.js';

const BROKEN_MIGRATIONS_DIR = path.resolve('test/fixtures/migrate/broken');
const TABLES = ['ai_analyses', 'ai_cache', 'ai_calls', 'alert_state', 'audit_log', 'baselines', 'benchmarks', 'changes', 'cursors', 'finding_state', 'findings', 'host_keys', 'host_runs', 'hosts', 'log_templates', 'metric_sources', 'metrics', 'metrics_daily', 'metrics_hourly', 'outbox', 'pass_leases', 'pass_lock', 'reports_sent', 'retention_gate', 'retention_state', 'runs', 'source_cursors'];
const ALL = ['0001_initial', '0002_host_keys', '0003_source_cursors', '0004_log_templates', '0005_changes', '0006_delivery', '0007_ai', '0008_metric_sources', '0009_api_indexes', '0010_shards', '0011_retention', '0012_benchmarks', '0013_audit'];

describe.each(await testDialects())('migrateToLatest on %s', (dialect) => {
  let store: TestStore;
  beforeEach(async () => {
    store = await openTestStore(dialect, { migrate: false });
  });
  afterEach(async () => {
    await store.cleanup();
  });

  it('applies every migration once, then nothing', async () => {
    await expect(migrateToLatest(store.db)).resolves.toEqual({ applied: ALL });
    await expect(migrateToLatest(store.db)).resolves.toEqual({ applied: [] });

    expect(await storeTables(store)).toEqual(TABLES);
  });

  it('migrates a second store next to the first one on its own', async () => {
    // On PostgreSQL both live in one database: the second must not mistake the first's migration table for its own.
    await migrateToLatest(store.db);
    const other = await openTestStore(dialect, { migrate: false });
    try {
      await expect(migrateToLatest(other.db)).resolves.toEqual({ applied: ALL });
    } finally {
      await other.cleanup();
    }
  });

  it('creates tables the repositories can write, with the store types', async () => {
    await migrateToLatest(store.db);
    const count = await store.db
      .selectFrom('hosts')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    // count(*) is int8 on PostgreSQL: openStore must hand it back as a number, not a string.
    expect(count.n).toBe(0);
    const result = await sql<{ big: number }>`select cast(${String(2 ** 40)} as bigint) + 1 as big`.execute(store.db);
    expect(result.rows[0]?.big).toBe(2 ** 40 + 1);
  });

  it('names the failed migration and keeps the result set', async () => {
    const failure = await migrateToLatest(store.db, { migrationsDir: BROKEN_MIGRATIONS_DIR }).catch((err: unknown) => err);

    expect(failure).toBeInstanceOf(MigrationError);
    expect(failure).toBeInstanceOf(StoreError);
    const error = failure as MigrationError;
    expect(error.message).toMatch(/^migration 0002_broken failed: .*widgets/);
    expect(error.exitCode).toBe(3);
    expect(error.results.map((result) => [result.migrationName, result.status])).toEqual([
      ['0001_create_widgets', 'Success'],
      ['0002_broken', 'Error'],
    ]);
  });

  it('reports a missing migrations folder as a StoreError', async () => {
    const failure = await migrateToLatest(store.db, { migrationsDir: path.resolve('test/fixtures/migrate/none') }).catch(
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(StoreError);
    expect((failure as Error).message).toMatch(/^cannot migrate the store: .*ENOENT/);
  });
});
