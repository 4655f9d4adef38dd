import type { AiOutcome, LlmCallRecord } from '../../../src/analyze/llm/analyzer.js';
import { buildSiteReportModel } from '../../../src/report/site-report-model.js';
import { saveHostResult } from '../../../src/store/host-result-repo.js';
import { syncHosts } from '../../../src/store/hosts-repo.js';
import { createRun } from '../../../src/store/runs-repo.js';
import { emptyHost, loadSiteReportData, type SiteHostData } from '../../../src/store/site-report-repo.js';
import type { Change, Finding, HostAnalysis, HostFacts, HostSnapshot } from '../../../src/types.js';
import { sampleFacts, sampleHost } from '../../unit/store/sample-data.js';
import { openTestStore, testDialects, type TestStore } from '../../helpers/store.js';

/**
 * The site report's data, read back from passes stored through the real saveHostResult: a period of 24 h with a
 * week of disk history before it, a host that went unreachable, a host never collected, and a host of another site;
 * AI calls in and out of the period.
 */
const GIB = 1024 ** 3;
const DAY_MS = 86_400_000;
const SINCE = new Date('2026-11-24T18:00:00.000Z');
const UNTIL = new Date('2026-11-25T18:00:00.000Z');
const TREND_START = Date.parse('2026-11-18T17:00:00.000Z');

interface Pass {
  at: string;
  cpu?: number;
  memory?: number;
  /** Used bytes of `/` (100 GiB). */
  rootUsed?: number;
  findings?: Finding[];
  changes?: Change[];
  score?: number;
  /** A failed pass: no connection, no facts, no analysis. */
  isFailed?: boolean;
  /** AI calls of the pass: [cost in USD or null, status]. */
  aiCalls?: Array<[number | null, LlmCallRecord['status']]>;
}

/** What the AI stage did in a pass that made these calls (its analysis row is not what the site report reads). */
function aiOutcome(at: string, calls: NonNullable<Pass['aiCalls']>): AiOutcome {
  return {
    status: calls.some(([, status]) => status === 'ok') ? 'ok' : 'unavailable',
    trigger: 'new',
    reason: null,
    answer: null,
    provider: 'openai',
    model: 'gpt-4o-mini',
    inputHash: 'h',
    estimatedTokens: 1000,
    calls: calls.map(([costUsd, status]) => ({
      at,
      provider: 'openai',
      model: 'gpt-4o-mini',
      status,
      error: status === 'failed' ? 'HTTP 503' : null,
      tokensIn: status === 'failed' ? null : 1000,
      tokensOut: status === 'failed' ? null : 100,
      costUsd,
      durationMs: 900,
      attempts: 1,
    })),
    pendingInput: null,
    catchUpOf: null,
  };
}

function finding(key: string, severity: Finding['severity'], title: string): Finding {
  return { category: key.startsWith('disk') ? 'disk.usage' : 'auth.bruteforce', severity, ruleId: 'test', title, key, subject: key.split(':')[1], count: 1, evidence: [], recommendation: `fix ${key}` };
}

function change(kind: Change['kind'], subject: string, expected: boolean): Change {
  return { kind, action: 'added', subject, detail: `${kind} ${subject} added`, expected, reason: expected ? 'apt upgrade' : null, category: 'package.installed' };
}

function facts(pass: Pass): HostFacts {
  const base = sampleFacts();
  const used = pass.rootUsed ?? 30 * GIB;
  return {
    ...base,
    cpu: { ...base.cpu, usedPercent: pass.cpu ?? null },
    memory: pass.memory === undefined ? null : { ...(base.memory as NonNullable<HostFacts['memory']>), usedPercent: pass.memory },
    disks: [
      { mount: '/', filesystem: '/dev/sda1', sizeBytes: 100 * GIB, usedBytes: used, availBytes: 100 * GIB - used, usedPercent: Math.round((used / (100 * GIB)) * 1000) / 10 },
      { mount: '/snap/core22/1621', filesystem: '/dev/loop0', sizeBytes: 77 * 1024 ** 2, usedBytes: 77 * 1024 ** 2, availBytes: 0, usedPercent: 100 },
    ],
  };
}

describe.each(await testDialects())('loadSiteReportData on %s', (dialect) => {
  let store: TestStore;
  let ids: Map<string, number>;

  async function pass(host: string, p: Pass): Promise<number> {
    const startedMs = Date.parse(p.at);
    const iso = (ms: number) => new Date(startedMs + ms).toISOString();
    const runId = await createRun(store.db, { startedAt: p.at, runner: 'monitor1', pid: 1, hostCount: 1 });
    const snapshot: HostSnapshot = {
      host,
      collectedAt: iso(5000),
      durationMs: 5000,
      reachable: !p.isFailed,
      facts: p.isFailed ? null : facts(p),
      logs: [],
      logSources: [],
      cursors: [],
      failures: p.isFailed ? [{ source: 'connect', message: 'connect ECONNREFUSED 10.0.0.7:22' }] : [],
    };
    const analysis: HostAnalysis | null = p.isFailed
      ? null
      : { findings: p.findings ?? [], score: p.score ?? 100, status: (p.score ?? 100) >= 90 ? 'healthy' : 'minor', reasons: [], changes: p.changes ?? [] };
    return saveHostResult(store.db, {
      runId,
      hostId: ids.get(host) as number,
      snapshot,
      analysis,
      status: p.isFailed ? 'failed' : 'ok',
      error: p.isFailed ? 'connect ECONNREFUSED 10.0.0.7:22' : null,
      previousScore: null,
      reportPath: null,
      startedAt: p.at,
      finishedAt: iso(7000),
      findings: p.isFailed ? (p.findings ?? []) : undefined,
      ...(p.aiCalls ? { ai: aiOutcome(iso(6000), p.aiCalls) } : {}),
    });
  }

  /** `/` of web-01 grows by 1 GiB a day from 40 GiB at TREND_START. */
  const webRoot = (at: string): number => Math.round(40 * GIB + ((Date.parse(at) - TREND_START) / DAY_MS) * GIB);

  beforeAll(async () => {
    store = await openTestStore(dialect);
    ids = await syncHosts(
      store.db,
      [sampleHost('web-01'), sampleHost('db-01'), sampleHost('idle-01'), sampleHost('other-01', { site: 's02-other' })],
      '2026-11-01T00:00:00.000Z',
    );
    // A week of history before the period: in the disk trend, not in the averages, findings or changes.
    for (let day = 0; day <= 6; day++) {
      const at = new Date(TREND_START + day * DAY_MS).toISOString();
      await pass('web-01', {
        at,
        cpu: 90,
        memory: 90,
        rootUsed: webRoot(at),
        score: 20,
        findings: [finding('auth.bruteforce:9.9.9.9', 'crit', 'old brute force')],
        changes: [change('file', `/etc/old${day}`, false)],
      });
    }
    await pass('web-01', {
      at: '2026-11-25T06:00:00.000Z',
      cpu: 10,
      memory: 40,
      rootUsed: webRoot('2026-11-25T06:00:00.000Z'),
      score: 80,
      findings: [
        finding('disk.usage:/', 'crit', 'Disk / is 46.5% full'),
        finding('auth.bruteforce:1.2.3.4', 'crit', 'brute force from 1.2.3.4'),
        finding('auth.bruteforce:5.6.7.8', 'warn', 'a few failed logins'),
      ],
      changes: [change('package', 'curl', true), change('package', 'libcurl4', true), change('package', 'openssl', true), change('service', 'nginx.service', false)],
      aiCalls: [
        [null, 'failed'],
        [0.0004, 'ok'],
      ],
    });
    await pass('web-01', { at: '2026-11-25T17:00:00.000Z', cpu: 20, memory: 50, rootUsed: webRoot('2026-11-25T17:00:00.000Z'), score: 70, findings: [finding('disk.usage:/', 'crit', 'Disk / is 47% full')] });
    await pass('web-01', {
      at: '2026-11-25T17:30:00.000Z',
      cpu: 30,
      memory: 60,
      rootUsed: webRoot('2026-11-25T17:30:00.000Z'),
      score: 65,
      findings: [finding('disk.usage:/', 'crit', 'Disk / is 47.1% full')],
      changes: [change('user', 'deploy', false)],
      aiCalls: [[null, 'ok']],
    });

    await pass('db-01', { at: '2026-11-25T06:00:00.000Z', cpu: 5, memory: 10, score: 90 });
    await pass('db-01', { at: '2026-11-25T12:00:00.000Z', isFailed: true });
    await pass('db-01', {
      at: '2026-11-25T17:00:00.000Z',
      isFailed: true,
      findings: [{ ...finding('host.unreachable:db-01', 'crit', 'db-01 unreachable for 3 consecutive passes'), category: 'host.unreachable', key: 'host.unreachable' }],
    });

    await pass('other-01', { at: '2026-11-25T06:00:00.000Z', cpu: 99, memory: 99, score: 1, findings: [finding('disk.usage:/', 'crit', 'elsewhere')], aiCalls: [[0.5, 'ok']] });
    // After the period: not in the report.
    await pass('web-01', { at: '2026-11-25T18:30:00.000Z', cpu: 100, memory: 100, score: 5, findings: [finding('disk.usage:/', 'crit', 'later')], aiCalls: [[0.25, 'ok']] });
  });
  afterAll(async () => {
    await store.cleanup();
  });

  async function load(): Promise<Map<string, SiteHostData>> {
    const site = new Map([...ids].filter(([name]) => name !== 'other-01'));
    const data = await loadSiteReportData(store.db, { hostIds: site, since: SINCE, until: UNTIL });
    expect(data).toMatchObject({ since: SINCE.toISOString(), until: UNTIL.toISOString(), trendSince: '2026-11-18T18:00:00.000Z' });
    expect(data.hosts.map((h) => h.name)).toEqual(['web-01', 'db-01', 'idle-01']);
    return new Map(data.hosts.map((h) => [h.name, h]));
  }

  it('averages CPU and memory over the period, and takes the latest run, score and disks of the period', async () => {
    const web = (await load()).get('web-01') as SiteHostData;
    expect(web).toMatchObject({
      hostId: ids.get('web-01'),
      lastSeen: '2026-11-25T17:30:00.000Z',
      runs: 3,
      failedRuns: 0,
      latestRun: { startedAt: '2026-11-25T17:30:00.000Z', status: 'ok', error: null, score: 65, health: 'minor', findings: { crit: 1, warn: 0, info: 0 } },
      latestScore: { score: 65, at: '2026-11-25T17:30:00.000Z' },
    });
    expect(web.cpu?.averagePercent).toBeCloseTo(20, 9);
    expect(web.cpu?.samples).toBe(3);
    expect(web.memory?.averagePercent).toBeCloseTo(50, 9);
    // The snap image is not read at all; `/` of the last collection in the period.
    expect(web.disks).toEqual([
      { mount: '/', usedPercent: 47, usedBytes: webRoot('2026-11-25T17:30:00.000Z'), sizeBytes: 100 * GIB, at: '2026-11-25T17:30:05.000Z' },
    ]);
  });

  it('reads an hourly disk trend over the last 7 days, before the period too', async () => {
    const web = (await load()).get('web-01') as SiteHostData;
    expect(Object.keys(web.diskTrend)).toEqual(['/']);
    const trend = web.diskTrend['/'] ?? [];
    // 19th to 24th at 17:00, the 25th at 06:00, and one sample for 17:00-17:59 on the 25th (the later one).
    expect(trend.map((s) => s.at)).toEqual([
      '2026-11-19T17:00:05.000Z',
      '2026-11-20T17:00:05.000Z',
      '2026-11-21T17:00:05.000Z',
      '2026-11-22T17:00:05.000Z',
      '2026-11-23T17:00:05.000Z',
      '2026-11-24T17:00:05.000Z',
      '2026-11-25T06:00:05.000Z',
      '2026-11-25T17:30:05.000Z',
    ]);
    expect(trend[7]).toEqual({ at: '2026-11-25T17:30:05.000Z', usedBytes: webRoot('2026-11-25T17:30:00.000Z'), sizeBytes: 100 * GIB });
  });

  it('deduplicates critical findings by key, with passes, first and last seen, and whether the latest run has it', async () => {
    const web = (await load()).get('web-01') as SiteHostData;
    expect(web.criticalFindings).toEqual([
      {
        key: 'auth.bruteforce:1.2.3.4',
        category: 'auth.bruteforce',
        title: 'brute force from 1.2.3.4',
        subject: '1.2.3.4',
        recommendation: 'fix auth.bruteforce:1.2.3.4',
        passes: 1,
        firstSeen: '2026-11-25T06:00:07.000Z',
        lastSeen: '2026-11-25T06:00:07.000Z',
        isInLatestRun: false,
      },
      {
        key: 'disk.usage:/',
        category: 'disk.usage',
        title: 'Disk / is 47.1% full',
        subject: '/',
        recommendation: 'fix disk.usage:/',
        passes: 3,
        firstSeen: '2026-11-25T06:00:07.000Z',
        lastSeen: '2026-11-25T17:30:07.000Z',
        isInLatestRun: true,
      },
    ]);
  });

  it('counts the changes of the period by kind and keeps the most recent, unexpected first', async () => {
    const web = (await load()).get('web-01') as SiteHostData;
    expect(web.changes.total).toBe(5);
    expect(web.changes.unexpected).toBe(2);
    expect(web.changes.byKind).toEqual({ package: { total: 3, unexpected: 0 }, service: { total: 1, unexpected: 1 }, user: { total: 1, unexpected: 1 } });
    expect(web.changes.recent.map((c) => [c.kind, c.subject, c.expected, c.detectedAt])).toEqual([
      ['user', 'deploy', false, '2026-11-25T17:30:05.000Z'],
      ['service', 'nginx.service', false, '2026-11-25T06:00:05.000Z'],
      ['package', 'openssl', true, '2026-11-25T06:00:05.000Z'],
      ['package', 'libcurl4', true, '2026-11-25T06:00:05.000Z'],
      ['package', 'curl', true, '2026-11-25T06:00:05.000Z'],
    ]);
    expect(web.changes.recent[0]).toEqual({ kind: 'user', action: 'added', subject: 'deploy', detail: 'user deploy added', expected: false, reason: null, detectedAt: '2026-11-25T17:30:05.000Z' });
  });

  it('shows an unreachable host as failed, with its last score, last seen time and only what was measured', async () => {
    const db = (await load()).get('db-01') as SiteHostData;
    expect(db).toMatchObject({
      lastSeen: '2026-11-25T06:00:00.000Z',
      runs: 3,
      failedRuns: 2,
      latestRun: { startedAt: '2026-11-25T17:00:00.000Z', status: 'failed', error: 'connect ECONNREFUSED 10.0.0.7:22', score: null, health: null, findings: { crit: 1, warn: 0, info: 0 } },
      latestScore: { score: 90, at: '2026-11-25T06:00:00.000Z' },
      cpu: { averagePercent: 5, samples: 1 },
      memory: { averagePercent: 10, samples: 1 },
    });
    expect(db.criticalFindings).toEqual([expect.objectContaining({ key: 'host.unreachable', passes: 1, isInLatestRun: true })]);
  });

  it('feeds the model: the stored trend projects when web-01 fills up', async () => {
    const site = new Map([...ids].filter(([name]) => name !== 'other-01'));
    const data = await loadSiteReportData(store.db, { hostIds: site, since: SINCE, until: UNTIL });
    const growth = { stepBytes: GIB, stepPercent: null, fullWithinDays: 60, du: false, duDepth: 2, duTimeoutSeconds: 30 };
    const model = buildSiteReportModel(data, {
      site: 's01-lab',
      hosts: [sampleHost('web-01', { diskGrowth: growth }), sampleHost('db-01'), sampleHost('idle-01')],
      generatedAt: UNTIL,
      since: SINCE,
      previousReport: { generatedAt: SINCE.toISOString(), scores: { 'web-01': 80, 'db-01': 95 } },
    });
    // 1 GiB a day with 53 GiB free.
    expect(model.storage).toEqual([expect.objectContaining({ host: 'web-01', mount: '/', percent: 47, band: 'info', isFillingSoon: true, daysToFull: 53 })]);
    expect(model.storage[0]?.bytesPerDay).toBeCloseTo(GIB, -3);
    expect(model.resources.map((r) => [r.host, r.status])).toEqual([
      ['db-01', 'unreachable'],
      ['web-01', 'info'],
      ['idle-01', 'unknown'],
    ]);
    expect(model.scores.map((s) => [s.host, s.score, s.change])).toEqual([
      ['db-01', 90, -5],
      ['idle-01', null, null],
      ['web-01', 65, -15],
    ]);
  });

  it('sums each host\'s AI calls of the period: known cost, and the answered calls without a price', async () => {
    const hosts = await load();
    // In the period: a failed call (no cost, not "unpriced"), a priced one and an unpriced one; not the later call.
    expect(hosts.get('web-01')?.aiCost).toEqual({ calls: 3, costUsd: 0.0004, unpricedCalls: 1 });
    expect(hosts.get('db-01')?.aiCost).toBeNull();
    const site = new Map([...ids].filter(([name]) => name !== 'other-01'));
    const model = buildSiteReportModel(await loadSiteReportData(store.db, { hostIds: site, since: SINCE, until: UNTIL }), {
      site: 's01-lab',
      hosts: [sampleHost('web-01'), sampleHost('db-01'), sampleHost('idle-01')],
      generatedAt: UNTIL,
      since: SINCE,
      previousReport: null,
    });
    expect(model.resources.find((r) => r.host === 'web-01')?.ai).toEqual({ calls: 3, totalUsd: 0.0004, perDayUsd: 0.0004, unpricedCalls: 1 });
    expect(model.aiCost).toEqual({ hosts: 1, calls: 3, totalUsd: 0.0004, perDayUsd: 0.0004, unpricedCalls: 1 });
  });

  it('gives a host without runs an empty entry, and reads nothing without hosts', async () => {
    expect((await load()).get('idle-01')).toEqual(emptyHost('idle-01', ids.get('idle-01')));
    expect(emptyHost('idle-01')).toMatchObject({ runs: 0, latestRun: null, cpu: null, disks: [], changes: { total: 0, recent: [] } });
    const none = await loadSiteReportData(store.db, { hostIds: new Map(), since: SINCE, until: UNTIL });
    expect(none.hosts).toEqual([]);
  });
});
