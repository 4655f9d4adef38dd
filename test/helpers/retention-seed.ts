/**
 * A store with 400 days of history for the retention tests, written the way passes write it (syncHosts, createRun,
 * saveHostResult with findings, changes and metrics; audit rows), plus direct inserts shaped like the other writers'
 * rows: AI analyses and calls, metrics sources, outbox messages, reports sent, resolved finding states, and a
 * `test.gauge` metric sampled every 15 minutes whose rollups have known values.
 * - web-01 and db-01 pass once a day at 12:00 UTC, from 400 days before NOW to the day before;
 * - old-01 stopped 120 days before NOW (its latest host run, baselines and cursors must survive retention);
 * - test.gauge on web-01: at hour h, quarter q (0..3): (h % 2) * 10 + q. So every hour: 4 samples, min/max 0/3 (even
 *   hours) or 10/13 (odd hours), average 1.5 or 11.5; every whole day: 96 samples, min 0, max 13, average 6.5.
 * And seedSmallStore: one host, three passes 200, 100 and 1 day before a given time.
 */
import type { Kysely } from 'kysely';
import { appendAudit } from '../../src/store/audit-repo.js';
import { saveHostResult } from '../../src/store/host-result-repo.js';
import { syncHosts } from '../../src/store/hosts-repo.js';
import { createRun, finishRun } from '../../src/store/runs-repo.js';
import type { Database } from '../../src/store/schema.js';
import type { Change } from '../../src/types.js';
import { sampleAnalysis, sampleFacts, sampleFinding, sampleHost, sampleSnapshot } from '../unit/store/sample-data.js';

export const RETENTION_NOW = new Date('2026-06-15T12:00:00.000Z');
export const DAY_MS = 86_400_000;
export const SEED_DAYS = 400;
export const OLD_HOST_LAST_DAYS_AGO = 120;

export interface RetentionSeed {
  hostIds: Map<string, number>;
  /** Every host run: id, host name, start. */
  hostRuns: Array<{ id: number; host: string; startedAt: string }>;
  /** Run id by days before NOW. */
  runIds: Map<number, number>;
}

const daysAgo = (days: number, hour = 12) => new Date(Date.UTC(2026, 5, 15 - days, hour)).toISOString();

const change = (subject: string): Change => ({
  kind: 'package',
  action: 'changed',
  subject,
  detail: '1.0 -> 1.1',
  before: '1.0',
  after: '1.1',
  expected: true,
  reason: 'apt upgrade',
  category: 'package.upgraded',
});

/** Seeds `db` (migrated, empty). See the module comment. */
export async function seedRetentionStore(db: Kysely<Database>): Promise<RetentionSeed> {
  const hostIds = await syncHosts(db, ['web-01', 'db-01', 'old-01'].map((name) => sampleHost(name)), daysAgo(SEED_DAYS, 0));
  const hostRuns: RetentionSeed['hostRuns'] = [];
  const runIds = new Map<number, number>();
  for (let ago = SEED_DAYS; ago >= 1; ago--) {
    const at = daysAgo(ago);
    const finishedAt = new Date(Date.parse(at) + 60_000).toISOString();
    const names = ago >= OLD_HOST_LAST_DAYS_AGO ? ['web-01', 'db-01', 'old-01'] : ['web-01', 'db-01'];
    const runId = await createRun(db, { startedAt: at, runner: 'seed', pid: 1, hostCount: names.length });
    runIds.set(ago, runId);
    await appendAudit(db, [{ at, actor: 'run', action: 'pass.started', runId }]);
    for (const name of names) {
      const facts = sampleFacts();
      facts.cpu.usedPercent = ago % 100;
      const id = await saveHostResult(db, {
        runId,
        hostId: hostIds.get(name) as number,
        snapshot: sampleSnapshot({ host: name, collectedAt: at, facts }),
        analysis: { ...sampleAnalysis([sampleFinding()]), changes: ago % 10 === 0 ? [change(`pkg-${ago}`)] : [] },
        status: 'ok',
        error: null,
        previousScore: 72,
        reportPath: null,
        startedAt: at,
        finishedAt,
      });
      hostRuns.push({ id, host: name, startedAt: at });
    }
    await finishRun(db, runId, { finishedAt, status: 'complete', hostsOk: names.length, hostsFailed: 0, durationMs: 60_000 });
  }
  await seedSideTables(db, hostIds, hostRuns);
  await seedGauge(db, hostIds.get('web-01') as number, hostRuns);
  return { hostIds, hostRuns, runIds };
}

/** AI rows and metrics sources every 30 days, outbox and reports every 10 and 7 days, finding states. */
async function seedSideTables(db: Kysely<Database>, hostIds: Map<string, number>, hostRuns: RetentionSeed['hostRuns']): Promise<void> {
  const web = hostIds.get('web-01') as number;
  const webRuns = hostRuns.filter((r) => r.host === 'web-01');
  for (const [i, run] of webRuns.entries()) {
    if (i % 30 !== 0) continue;
    const runId = (await db.selectFrom('host_runs').select('run_id').where('id', '=', run.id).executeTakeFirstOrThrow()).run_id;
    await db
      .insertInto('ai_analyses')
      .values({ host_run_id: run.id, run_id: runId, host_id: web, created_at: run.startedAt, status: 'ok', trigger: 'new', input_tokens: 900, summary: 'Looks fine.', recommendations: '[]', dropped_claims: 0 })
      .execute();
    await db
      .insertInto('ai_calls')
      .values({ run_id: runId, host_id: web, created_at: run.startedAt, provider: 'fake', model: 'm', status: 'ok', tokens_in: 900, tokens_out: 100, cost_usd: 0.01, duration_ms: 900, attempts: 1 })
      .execute();
    await db
      .insertInto('metric_sources')
      .values({ host_id: web, host_run_id: run.id, collected_at: run.startedAt, source: 'prometheus', url: 'http://127.0.0.1:9090', status: 'ok', detail: '', duration_ms: 40, window_seconds: 3600, data: '{}' })
      .execute();
  }
  for (let ago = SEED_DAYS; ago >= 1; ago -= 10) {
    for (const status of ['sent', 'dead', 'pending'] as const) {
      await db
        .insertInto('outbox')
        .values({ created_at: daysAgo(ago), kind: 'alert', channel: 'email', dedupe_key: `alert:${ago}:${status}`, recipients: '["ops@example.net"]', subject: 'alert', payload: '{}', status, attempts: 1, next_attempt_at: daysAgo(ago), sent_at: status === 'sent' ? daysAgo(ago) : null })
        .execute();
    }
  }
  for (let ago = SEED_DAYS; ago >= 1; ago -= 7) {
    for (const [kind, scope] of [['host', 'web-01'], ['site', 's01-lab']] as const) {
      await db.insertInto('reports_sent').values({ kind, scope, generated_at: daysAgo(ago), period_start: daysAgo(ago + 7), period_end: daysAgo(ago), trigger: 'schedule', summary: '{}' }).execute();
    }
  }
  await db.insertInto('reports_sent').values({ kind: 'host', scope: 'old-01', generated_at: daysAgo(150), period_start: daysAgo(151), period_end: daysAgo(150), trigger: 'schedule', summary: '{}' }).execute();
  const state = (key: string, firstSeen: string, resolvedAt: string | null) => ({ host_id: web, key, category: 'disk.usage', severity: 'warn' as const, title: key, first_seen: firstSeen, last_seen: resolvedAt ?? daysAgo(1), passes: 3, resolved_at: resolvedAt });
  await db.insertInto('finding_state').values([state('gone-long-ago', daysAgo(210), daysAgo(200)), state('gone-recently', daysAgo(20), daysAgo(10)), state('open-for-ages', daysAgo(300), null)]).execute();
}

/** test.gauge on web-01 every 15 minutes over every whole seeded day (see the module comment). */
async function seedGauge(db: Kysely<Database>, hostId: number, hostRuns: RetentionSeed['hostRuns']): Promise<void> {
  const byDay = new Map(hostRuns.filter((r) => r.host === 'web-01').map((r) => [r.startedAt.slice(0, 10), r.id]));
  const rows = [];
  for (let ago = SEED_DAYS; ago >= 1; ago--) {
    const day = daysAgo(ago, 0);
    const hostRunId = byDay.get(day.slice(0, 10)) as number;
    for (let q = 0; q < 96; q++) {
      const at = new Date(Date.parse(day) + q * 15 * 60_000);
      rows.push({ host_id: hostId, host_run_id: hostRunId, collected_at: at.toISOString(), name: 'test.gauge', label: '', value: (at.getUTCHours() % 2) * 10 + (q % 4) });
    }
  }
  for (let i = 0; i < rows.length; i += 500) await db.insertInto('metrics').values(rows.slice(i, i + 500)).execute();
}

/**
 * One host (web-01) and three passes 200, 100 and 1 day before `now`, each with a finding, metrics and a
 * `pass.started` audit row: what the CLI and failure-mode tests prune (2 of each are older than 90 days).
 * @returns the host id.
 */
export async function seedSmallStore(db: Kysely<Database>, now: Date): Promise<number> {
  const ago = (days: number) => new Date(now.getTime() - days * DAY_MS).toISOString();
  const hostId = (await syncHosts(db, [sampleHost('web-01')], ago(200))).get('web-01') as number;
  for (const days of [200, 100, 1]) {
    const at = ago(days);
    const runId = await createRun(db, { startedAt: at, runner: 'test', pid: 1, hostCount: 1 });
    await appendAudit(db, [{ at, actor: 'run', action: 'pass.started', runId }]);
    await saveHostResult(db, { runId, hostId, snapshot: sampleSnapshot({ collectedAt: at }), analysis: sampleAnalysis(), status: 'ok', error: null, previousScore: null, reportPath: null, startedAt: at, finishedAt: at });
  }
  return hostId;
}
