import type { Finding, Severity } from '../../../src/types.js';
import { saveHostResult, type SaveHostResultInput } from '../../../src/store/host-result-repo.js';
import { syncHosts } from '../../../src/store/hosts-repo.js';
import { createRun } from '../../../src/store/runs-repo.js';
import { sampleAnalysis, sampleFacts, sampleFinding, sampleHost, sampleSnapshot, unreachableSnapshot } from './sample-data.js';
import { openTestStore, testDialects, type TestStore } from '../../helpers/store.js';

const STARTED = '2026-03-01T10:00:00.000Z';
const FINISHED = '2026-03-01T10:00:07.500Z';

describe.each(await testDialects())('saveHostResult on %s', (dialect) => {
  let store: TestStore;
  let hostId: number;
  let runId: number;
  beforeEach(async () => {
    store = await openTestStore(dialect);
    hostId = (await syncHosts(store.db, [sampleHost('web1')], STARTED)).get('web1') ?? -1;
    runId = await createRun(store.db, { startedAt: STARTED, runner: 'monitor1', pid: 4242, hostCount: 1 });
  });
  afterEach(async () => {
    await store.cleanup();
  });

  const input = (overrides: Partial<SaveHostResultInput> = {}): SaveHostResultInput => ({
    runId,
    hostId,
    snapshot: sampleSnapshot(),
    analysis: sampleAnalysis([
      sampleFinding(),
      sampleFinding({ category: 'disk.usage', severity: 'warn', key: 'disk.usage:/', subject: undefined, recommendation: undefined }),
    ]),
    status: 'ok',
    error: null,
    previousScore: 90,
    reportPath: '/var/lib/dthostmon/reports/web1/20260301T100007Z.md',
    startedAt: STARTED,
    finishedAt: FINISHED,
    audit: [{ at: FINISHED, actor: 'run', action: 'host.analyzed', hostId, runId, detail: { status: 'ok' } }],
    ...overrides,
  });
  const all = {
    host_runs: () => store.db.selectFrom('host_runs').selectAll().orderBy('id').execute(),
    findings: () => store.db.selectFrom('findings').selectAll().orderBy('id').execute(),
    metrics: () => store.db.selectFrom('metrics').selectAll().orderBy('id').execute(),
    baselines: () => store.db.selectFrom('baselines').selectAll().orderBy('id').execute(),
    cursors: () => store.db.selectFrom('cursors').selectAll().orderBy('id').execute(),
    audit_log: () => store.db.selectFrom('audit_log').selectAll().orderBy('id').execute(),
  };

  it('stores the host run, findings, metrics, baselines, cursors, last_seen and an audit row', async () => {
    const hostRunId = await saveHostResult(store.db, input());

    const [hostRun] = await all.host_runs();
    expect(hostRun).toEqual({
      id: hostRunId,
      run_id: runId,
      host_id: hostId,
      started_at: STARTED,
      finished_at: FINISHED,
      status: 'ok',
      error: null,
      score: 72,
      previous_score: 90,
      health: 'minor',
      reasons: JSON.stringify(sampleAnalysis().reasons),
      findings_crit: 1,
      findings_warn: 1,
      findings_info: 0,
      log_bytes_read: 6144,
      log_lines_read: 50,
      duration_ms: 7500,
      report_path: '/var/lib/dthostmon/reports/web1/20260301T100007Z.md',
      facts: JSON.stringify(sampleFacts()),
      log_sources: JSON.stringify(sampleSnapshot().logSources),
      failures: '[]',
    });

    const findings = await all.findings();
    expect(findings).toHaveLength(2);
    expect(findings[0]).toMatchObject({
      host_run_id: hostRunId,
      run_id: runId,
      host_id: hostId,
      category: 'auth.bruteforce',
      severity: 'crit',
      rule_id: 'sshd.failed_password',
      key: 'auth.bruteforce:203.0.113.9',
      subject: '203.0.113.9',
      count: 42,
      recommendation: 'Block 203.0.113.9 at the firewall.',
      created_at: FINISHED,
    });
    expect(JSON.parse(findings[0]?.evidence ?? '')).toEqual(sampleFinding().evidence);
    expect(findings[1]).toMatchObject({ category: 'disk.usage', subject: null, recommendation: null });

    const metrics = (await all.metrics()).map((m) => [m.name, m.label, m.value, m.collected_at, m.host_run_id]);
    const at = sampleSnapshot().collectedAt;
    expect(metrics).toEqual([
      ['cpu.used_percent', '', 12.5, at, hostRunId],
      ['memory.used_percent', '', 25, at, hostRunId],
      ['load.1', '', 0.5, at, hostRunId],
      ['load.5', '', 0.25, at, hostRunId],
      ['load.15', '', 0.125, at, hostRunId],
      ['disk.used_percent', '/', 75, at, hostRunId],
      ['disk.used_bytes', '/', 48 * 2 ** 30, at, hostRunId],
      ['disk.size_bytes', '/', 64 * 2 ** 30, at, hostRunId],
      ['disk.used_percent', '/srv', 12.5, at, hostRunId],
      ['disk.used_bytes', '/srv', 2 ** 40, at, hostRunId],
      ['disk.size_bytes', '/srv', 8 * 2 ** 40, at, hostRunId],
    ]);

    const { users, ...factsWithoutUsers } = sampleFacts();
    const baselines = await all.baselines();
    expect(baselines.map((b) => [b.kind, JSON.parse(b.data), b.updated_at, b.host_run_id])).toEqual([
      ['facts', factsWithoutUsers, FINISHED, hostRunId],
      ['users', users, FINISHED, hostRunId],
    ]);

    const cursors = await all.cursors();
    expect(cursors.map(({ id: _id, ...cursor }) => cursor)).toEqual([
      {
        host_id: hostId,
        path: '/var/log/auth.log',
        inode: 2 ** 33 + 7,
        offset: 2 ** 32 + 2048,
        fingerprint: '3054159393',
        fingerprint_len: 512,
        updated_at: FINISHED,
        host_run_id: hostRunId,
      },
      expect.objectContaining({ path: '/var/log/syslog', inode: 1234, offset: 4096 }),
    ]);

    const host = await store.db.selectFrom('hosts').select('last_seen').executeTakeFirstOrThrow();
    expect(host.last_seen).toBe(at);

    const audit = await all.audit_log();
    expect(audit).toEqual([
      {
        id: expect.any(Number),
        at: FINISHED,
        actor: 'run',
        action: 'host.analyzed',
        host_id: hostId,
        run_id: runId,
        detail: JSON.stringify({ status: 'ok' }),
      },
    ]);
  });

  it('moves cursors and baselines forward on the next pass instead of adding rows', async () => {
    const first = await saveHostResult(store.db, input());
    const moved = sampleSnapshot().cursors.map((cursor) => ({ ...cursor, offset: cursor.offset + 100 }));
    const second = await saveHostResult(
      store.db,
      input({ snapshot: sampleSnapshot({ cursors: moved }), startedAt: '2026-03-01T11:00:00.000Z', finishedAt: '2026-03-01T11:00:01.000Z' }),
    );

    expect(second).not.toBe(first);
    const cursors = await all.cursors();
    expect(cursors.map((c) => [c.path, c.offset, c.host_run_id])).toEqual([
      ['/var/log/auth.log', 2 ** 32 + 2148, second],
      ['/var/log/syslog', 4196, second],
    ]);
    expect((await all.baselines()).map((b) => [b.kind, b.host_run_id, b.updated_at])).toEqual([
      ['facts', second, '2026-03-01T11:00:01.000Z'],
      ['users', second, '2026-03-01T11:00:01.000Z'],
    ]);
    expect(await all.host_runs()).toHaveLength(2);
    expect(await all.metrics()).toHaveLength(22);
  });

  it('leaves out metrics that were not measured or are not numbers', async () => {
    const facts = sampleFacts();
    facts.cpu.usedPercent = null;
    facts.load!.five = Number.NaN;
    facts.disks = [];
    await saveHostResult(store.db, input({ snapshot: sampleSnapshot({ facts }) }));

    expect((await all.metrics()).map((m) => m.name)).toEqual(['memory.used_percent', 'load.1', 'load.15']);
  });

  it('stores no metric for facts that were not collected and keeps the previous user baseline', async () => {
    await saveHostResult(store.db, input({ snapshot: sampleSnapshot() }));
    const usersBefore = await store.db.selectFrom('baselines').select('data').where('kind', '=', 'users').executeTakeFirstOrThrow();
    const facts = { ...sampleFacts(), memory: null, load: null, disks: null, users: null };
    await saveHostResult(store.db, input({ snapshot: sampleSnapshot({ facts }) }));
    const names = (await all.metrics()).map((m) => m.name);
    expect(names.filter((n) => n === 'memory.used_percent')).toHaveLength(1);
    expect(names.filter((n) => n === 'load.1')).toHaveLength(1);
    const usersAfter = await store.db.selectFrom('baselines').select('data').where('kind', '=', 'users').executeTakeFirstOrThrow();
    expect(usersAfter.data).toBe(usersBefore.data);
  });

  it('stores a failed host without metrics, baselines or last_seen', async () => {
    await saveHostResult(
      store.db,
      input({
        snapshot: unreachableSnapshot(),
        analysis: null,
        status: 'failed',
        error: 'connect ECONNREFUSED 10.0.0.5:22',
        reportPath: null,
        audit: [{ at: FINISHED, actor: 'run', action: 'host.failed', hostId, runId, detail: { status: 'failed' } }],
      }),
    );

    expect(await all.host_runs()).toEqual([
      expect.objectContaining({
        status: 'failed',
        error: 'connect ECONNREFUSED 10.0.0.5:22',
        score: null,
        health: null,
        reasons: '[]',
        findings_crit: 0,
        log_bytes_read: 0,
        facts: null,
        failures: JSON.stringify(unreachableSnapshot().failures),
      }),
    ]);
    expect(await all.metrics()).toEqual([]);
    expect(await all.baselines()).toEqual([]);
    expect(await all.findings()).toEqual([]);
    expect(await all.cursors()).toEqual([]);
    expect((await store.db.selectFrom('hosts').select('last_seen').executeTakeFirstOrThrow()).last_seen).toBeNull();
    expect((await all.audit_log()).map((a) => [a.action, JSON.parse(a.detail)])).toEqual([
      ['host.failed', { status: 'failed' }],
    ]);
  });

  it('stores nothing of a host result when one part fails, cursors included', async () => {
    // The finding is written after the host run and the cursors: its bad severity breaks a CHECK constraint. The
    // audit row goes too: the trail never records a result that was not stored.
    const bad: Finding = sampleFinding({ severity: 'fatal' as Severity });
    const failure = await saveHostResult(store.db, input({ analysis: sampleAnalysis([sampleFinding(), bad]) })).catch(
      (err: unknown) => err,
    );

    expect(String((failure as Error).message)).toMatch(/check/i);
    for (const [table, read] of Object.entries(all)) expect([table, await read()]).toEqual([table, []]);
    expect((await store.db.selectFrom('hosts').select('last_seen').executeTakeFirstOrThrow()).last_seen).toBeNull();

    // The store is still usable, and the same input without the bad finding goes through.
    await saveHostResult(store.db, input());
    expect(await all.cursors()).toHaveLength(2);
  });
});
