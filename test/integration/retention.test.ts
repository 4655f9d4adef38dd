/**
 * Retention on 400 days of seeded history (test/helpers/retention-seed.ts), at a fixed NOW with the defaults (90 days,
 * raw metrics 7 days, hourly 90 days, daily 2 years), on SQLite and PostgreSQL: the dry run changes nothing and
 * predicts the run; the archive holds exactly the deleted rows, per month; what is kept is kept; the rollups carry
 * the right values; a year of metric history reads the rollups; a second run does nothing.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { CompiledQuery, type Kysely } from 'kysely';
import { defaultRetentionSettings, type RetentionSettings } from '../../src/config/retention-settings.js';
import { historyResources } from '../../src/store/api-history-repo.js';
import { loadHostReportData } from '../../src/store/host-report-repo.js';
import { averageRows } from '../../src/store/site-report-queries.js';
import { metricHistory } from '../../src/store/metric-history.js';
import { runRetention, runRetentionIfDue, type RetentionSummary } from '../../src/store/retention.js';
import type { Database } from '../../src/store/schema.js';
import { DAY_MS, OLD_HOST_LAST_DAYS_AGO, RETENTION_NOW, SEED_DAYS, seedRetentionStore, type RetentionSeed } from '../helpers/retention-seed.js';
import { openTestStore, testDialects, type TestStore } from '../helpers/store.js';

const TABLES = ['runs', 'host_runs', 'findings', 'changes', 'metric_sources', 'ai_analyses', 'ai_calls', 'outbox', 'reports_sent', 'finding_state', 'audit_log', 'metrics', 'metrics_hourly', 'metrics_daily', 'baselines', 'cursors'] as const;
const CUTOFF = new Date(RETENTION_NOW.getTime() - 90 * DAY_MS).toISOString();

type ArchiveLine = { table: string; row: Record<string, unknown> };

async function tableCounts(db: Kysely<Database>): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of TABLES) {
    const row = await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    counts[table] = Number(row.n);
  }
  return counts;
}

async function readArchive(dir: string): Promise<Map<string, ArchiveLine[]>> {
  const months = new Map<string, ArchiveLine[]>();
  for (const file of (await readdir(dir)).sort()) {
    const text = gunzipSync(await readFile(path.join(dir, file))).toString('utf8');
    months.set(file, text.trimEnd().split('\n').map((line) => JSON.parse(line) as ArchiveLine));
  }
  return months;
}

const ROW_TIME: Record<string, string> = { runs: 'started_at', host_runs: 'started_at', findings: 'created_at', changes: 'detected_at', metric_sources: 'collected_at', ai_analyses: 'created_at', ai_calls: 'created_at', outbox: 'created_at', reports_sent: 'generated_at', finding_state: 'resolved_at', audit_log: 'at' };

describe.each(await testDialects())('retention on %s', (dialect) => {
  let store: TestStore;
  let dir: string;
  let seed: RetentionSeed;
  let settings: RetentionSettings;
  let before: Record<string, number>;
  let afterPreview: Record<string, number>;
  let archiveAfterPreview: boolean;
  let preview: RetentionSummary;
  let summary: RetentionSummary;
  let deletedAuditIds: number[];
  let keptAudit: unknown[];

  beforeAll(async () => {
    store = await openTestStore(dialect);
    dir = await mkdtemp(path.join(tmpdir(), 'dthm-retention-'));
    settings = defaultRetentionSettings(dir);
    seed = await seedRetentionStore(store.db);
    before = await tableCounts(store.db);
    deletedAuditIds = (await store.db.selectFrom('audit_log').select('id').where('at', '<', CUTOFF).orderBy('id').execute()).map((r) => r.id);
    keptAudit = await store.db.selectFrom('audit_log').selectAll().where('at', '>=', CUTOFF).orderBy('id').execute();
    preview = await runRetention(store, { retention: settings }, { now: RETENTION_NOW, dryRun: true });
    afterPreview = await tableCounts(store.db);
    archiveAfterPreview = existsSync(settings.archiveDir);
    summary = await runRetention(store, { retention: settings }, { now: RETENTION_NOW });
  }, 600_000);
  afterAll(async () => {
    await store?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('dry run: predicted the run exactly, and wrote nothing', () => {
    expect(preview.dryRun).toBe(true);
    expect(preview.deletedRows).toEqual(summary.deletedRows);
    expect(preview.archivedRows).toEqual(summary.archivedRows);
    expect(preview.archiveFiles).toEqual(summary.archiveFiles);
    expect(preview.rolledUp).toEqual(summary.rolledUp);
    expect(summary.deletedRows.host_runs).toBeGreaterThan(0);
    expect(afterPreview).toEqual(before);
    expect(archiveAfterPreview).toBe(false);
  });

  it('archives every deleted row once, in the file of its own month, then deletes it', async () => {
    const after = await tableCounts(store.db);
    const archive = await readArchive(settings.archiveDir);
    expect([...archive.keys()].map((f) => path.join(settings.archiveDir, f))).toEqual(summary.archiveFiles);
    const perTable: Record<string, number> = {};
    const ids = new Map<string, Set<number>>();
    for (const [file, lines] of archive) {
      for (const { table, row } of lines) {
        perTable[table] = (perTable[table] ?? 0) + 1;
        expect(String(row[ROW_TIME[table] as string]).slice(0, 7)).toBe(file.slice(0, 7));
        expect(String(row[ROW_TIME[table] as string]) < CUTOFF).toBe(true);
        const seen = ids.get(table) ?? new Set<number>();
        expect(seen.has(Number(row.id))).toBe(false);
        ids.set(table, seen.add(Number(row.id)));
      }
    }
    expect(perTable).toEqual(summary.archivedRows);
    expect(summary.deletedRows).toEqual(summary.archivedRows);
    for (const [table, n] of Object.entries(summary.deletedRows)) expect(after[table]).toBe((before[table] as number) - n);
    expect([...(ids.get('audit_log') ?? [])].sort((a, b) => a - b)).toEqual(deletedAuditIds);
    // Full rows: a host run keeps its facts JSON, a finding its evidence.
    const hostRun = archive.get('2025-06.jsonl.gz')?.find((l) => l.table === 'host_runs');
    expect(JSON.parse(String(hostRun?.row.facts))).toMatchObject({ kernel: '6.1.0-18-amd64' });
    expect(summary.deletedRows).toMatchObject({ runs: SEED_DAYS - 90 - 1, outbox: expect.any(Number), reports_sent: expect.any(Number), finding_state: 1, ai_calls: expect.any(Number) });
  });

  it('keeps everything inside the window, the audit rows untouched, and the state of a host gone for 120 days', async () => {
    const db = store.db;
    for (const name of ['web-01', 'db-01']) {
      const runs = await db.selectFrom('host_runs').select('started_at').where('host_id', '=', seed.hostIds.get(name) as number).execute();
      expect(runs.map((r) => r.started_at).every((at) => at >= CUTOFF)).toBe(true);
      expect(runs).toHaveLength(90);
    }
    expect(await db.selectFrom('audit_log').selectAll().orderBy('id').execute()).toEqual(keptAudit);
    const old = seed.hostIds.get('old-01') as number;
    const oldRuns = await db.selectFrom('host_runs').select(['id', 'started_at', 'run_id']).where('host_id', '=', old).execute();
    const last = seed.hostRuns.filter((r) => r.host === 'old-01').at(-1);
    expect(oldRuns.map((r) => r.id)).toEqual([last?.id]);
    expect(oldRuns[0]?.run_id).toBe(seed.runIds.get(OLD_HOST_LAST_DAYS_AGO));
    expect(await db.selectFrom('findings').select('id').where('host_run_id', '=', last?.id as number).execute()).toHaveLength(1);
    const baselines = await db.selectFrom('baselines').select(['kind', 'host_run_id']).where('host_id', '=', old).execute();
    expect(baselines.length).toBeGreaterThan(0);
    expect(await db.selectFrom('cursors').select('id').where('host_id', '=', old).execute()).toHaveLength(2);
    expect(await db.selectFrom('finding_state').select('key').orderBy('key').execute()).toEqual(
      expect.arrayContaining([{ key: 'gone-recently' }, { key: 'open-for-ages' }]),
    );
    expect(await db.selectFrom('outbox').select('id').where('status', '=', 'pending').execute()).toHaveLength(Math.ceil(SEED_DAYS / 10));
    expect(await db.selectFrom('outbox').select('id').where('status', '!=', 'pending').where('created_at', '<', CUTOFF).execute()).toEqual([]);
    const reports = await db.selectFrom('reports_sent').select(['scope', 'generated_at']).where('generated_at', '<', CUTOFF).execute();
    expect(reports).toEqual([{ scope: 'old-01', generated_at: expect.any(String) }]);
  });

  it('rolls test.gauge up with the right values: raw for 7 days, hourly to 90 days, daily before', async () => {
    const db = store.db;
    const gauge = (table: 'metrics_hourly' | 'metrics_daily') => db.selectFrom(table).selectAll().where('name', '=', 'test.gauge').orderBy('bucket').execute();
    const rawCutoff = '2026-06-08T12:00:00.000Z';
    const hourlyCutoff = '2026-03-17T00:00:00.000Z';
    const firstDay = new Date(Date.UTC(2026, 5, 15 - SEED_DAYS)).toISOString();
    const raw = await db.selectFrom('metrics').select(['collected_at']).where('name', '=', 'test.gauge').orderBy('collected_at').execute();
    expect(raw[0]?.collected_at).toBe(rawCutoff);
    expect(raw).toHaveLength((Date.parse('2026-06-15T00:00:00.000Z') - Date.parse(rawCutoff)) / 900_000);
    const hourly = await gauge('metrics_hourly');
    expect(hourly[0]?.bucket).toBe(hourlyCutoff);
    expect(hourly).toHaveLength((Date.parse(rawCutoff) - Date.parse(hourlyCutoff)) / 3_600_000);
    for (const row of hourly) {
      const odd = Number(row.bucket.slice(11, 13)) % 2;
      expect([Number(row.min_value), Number(row.max_value), Number(row.avg_value), Number(row.samples)]).toEqual([odd * 10, odd * 10 + 3, odd * 10 + 1.5, 4]);
    }
    const daily = await gauge('metrics_daily');
    expect(daily[0]?.bucket).toBe(firstDay);
    expect(daily).toHaveLength((Date.parse(hourlyCutoff) - Date.parse(firstDay)) / DAY_MS);
    for (const row of daily) expect([Number(row.min_value), Number(row.max_value), Number(row.avg_value), Number(row.samples)]).toEqual([0, 13, 6.5, 96]);
  });

  it('reads a year of history from the rollups: a few thousand rows, not 35,000 raw ones', async () => {
    const since = '2025-06-15T00:00:00.000Z';
    const web = seed.hostIds.get('web-01') as number;
    const query = metricHistory(store.db, { hostIds: [web], names: ['test.gauge'], from: since, fromInclusive: true });
    const rows = await query.execute();
    // 6.5 days raw (624 rows), 83.5 days hourly (2004), 275 days daily: every sample of the year counted once.
    expect(rows).toHaveLength(624 + 2004 + 275);
    expect(rows.reduce((n, r) => n + Number(r.samples), 0)).toBe(365 * 96);
    const resources = await historyResources(store.db, web, since);
    expect(resources).toHaveLength(365);
    expect(resources.every((r) => r.cpuPercent !== null && r.disk['/'] === 75)).toBe(true);
    // The site report's averages weigh raw and rolled-up samples alike (cpu = days ago % 100, one pass a day); the
    // host report's 60-day chart has a point per pass after its start, raw or hourly.
    const month = { ids: [web], since: new Date(RETENTION_NOW.getTime() - 30 * DAY_MS).toISOString(), until: RETENTION_NOW.toISOString() };
    const cpu = (await averageRows(store.db, month)).find((r) => r.name === 'cpu.used_percent');
    expect([Number(cpu?.average), Number(cpu?.samples)]).toEqual([15.5, 30]);
    const report = await loadHostReportData(store.db, { hostId: web, since: new Date(RETENTION_NOW.getTime() - DAY_MS), until: RETENTION_NOW, trendSince: new Date(RETENTION_NOW.getTime() - 60 * DAY_MS) });
    expect(report.metrics.find((m) => m.name === 'cpu.used_percent')?.points.map((p) => p.value)).toEqual(Array.from({ length: 59 }, (_, i) => 59 - i));
    if (dialect === 'sqlite') {
      // Each branch of the union is an index search, none a table scan.
      const compiled = query.compile();
      const plan = await store.db.executeQuery<{ detail: string }>(CompiledQuery.raw(`explain query plan ${compiled.sql}`, [...compiled.parameters]));
      const reads = plan.rows.map((r) => r.detail).filter((d) => d.includes('metrics'));
      expect(reads).toHaveLength(3);
      for (const read of reads) expect(read).toMatch(/^SEARCH metrics(_hourly|_daily)? USING (COVERING INDEX|PRIMARY KEY)/);
    }
  });

  it('does nothing on a second run, and runRetentionIfDue claims at most one run a day', async () => {
    const archiveBefore = await readArchive(settings.archiveDir);
    const again = await runRetention(store, { retention: settings }, { now: RETENTION_NOW });
    expect({ ...again, durationMs: 0 }).toEqual({ ...summary, dryRun: false, archivedRows: {}, deletedRows: {}, archiveFiles: [], rolledUp: { hourly: 0, daily: 0 }, durationMs: 0 });
    expect(await readArchive(settings.archiveDir)).toEqual(archiveBefore);
    // db prune above counts as today's run: not due for 24 h.
    expect(await runRetentionIfDue(store, { retention: settings }, { now: new Date(RETENTION_NOW.getTime() + 3_600_000) })).toBeNull();
    const racers = await Promise.all([1, 2].map(() => runRetentionIfDue(store, { retention: settings }, { now: new Date(RETENTION_NOW.getTime() + DAY_MS) })));
    expect(racers.filter((r) => r !== null)).toHaveLength(1);
  });
});
