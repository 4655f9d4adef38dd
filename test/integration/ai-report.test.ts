import type { AiOutcome, LlmCallRecord } from '../../src/analyze/llm/analyzer.js';
import type { AiAnswer } from '../../src/analyze/llm/verify.js';
import { buildPeriodHostReportModel, type HostReportModel } from '../../src/report/host-report-model.js';
import { createRenderer } from '../../src/report/render.js';
import { latestAiAnalysis } from '../../src/store/ai-repo.js';
import { saveHostResult } from '../../src/store/host-result-repo.js';
import { loadHostReportData, trendStart } from '../../src/store/host-report-repo.js';
import { syncHosts } from '../../src/store/hosts-repo.js';
import { createRun } from '../../src/store/runs-repo.js';
import type { Finding, HostAnalysis, HostSnapshot } from '../../src/types.js';
import { HOSTILE, sampleReportFacts, sampleReportHost } from '../unit/report/host-report-sample.js';
import { openTestStore, testDialects, type TestStore } from '../helpers/store.js';

/**
 * The AI part of the period host report from the store, on SQLite and PostgreSQL: passes stored through the real
 * saveHostResult with the AI stage's outcome (an answer with an AI finding, a cached answer, every provider down),
 * read back by loadHostReportData (latest analysis, latest answered one, calls per UTC day) and rendered.
 */
const HOUR_MS = 3_600_000;
const SINCE = new Date('2026-11-24T18:00:00.000Z');
const UNTIL = new Date('2026-11-25T18:00:00.000Z');
const HOST = sampleReportHost();
const UNAVAILABLE = `openai: HTTP 503 after 3 attempts; ollama: connect ECONNREFUSED 127.0.0.1:11434 ${HOSTILE}`;

const aiFinding: Finding = {
  category: 'ai.finding',
  severity: 'warn',
  ruleId: 'ai:openai',
  title: 'The brute force and the new listener look related',
  key: 'ai.finding:security:0123456789ab',
  subject: 'security',
  count: 1,
  evidence: [{ source: '/var/log/auth.log', lines: ['[F1.1] Failed password for root from 203.0.113.9 port 40000 ssh2'] }],
  recommendation: 'Check what listens on port 4444.',
};

const ruleFinding: Finding = { category: 'disk.usage', severity: 'crit', ruleId: 'disk', title: 'Disk / is 92% full', key: 'disk.usage:/', subject: '/', count: 1, evidence: [] };

function answer(summary: string, overrides: Partial<AiAnswer> = {}): AiAnswer {
  return { summary, healthScore: 40, findings: [], recommendations: ['Free space on /.'], droppedClaims: 0, ...overrides };
}

function call(at: string, status: LlmCallRecord['status'], costUsd: number | null, tokensIn: number | null = 1500, tokensOut: number | null = 200): LlmCallRecord {
  return { at, provider: 'openai', model: 'gpt-4o-mini', status, error: status === 'ok' ? null : 'HTTP 503', tokensIn, tokensOut, costUsd, durationMs: 800, attempts: 1 };
}

function outcome(status: AiOutcome['status'], overrides: Partial<AiOutcome> = {}): AiOutcome {
  return {
    status,
    trigger: 'new',
    reason: null,
    answer: null,
    provider: status === 'ok' || status === 'cached' ? 'openai' : null,
    model: status === 'ok' || status === 'cached' ? 'gpt-4o-mini' : null,
    inputHash: 'hash',
    estimatedTokens: 1500,
    calls: [],
    pendingInput: null,
    catchUpOf: null,
    ...overrides,
  };
}

interface Pass {
  at: Date;
  ai: AiOutcome;
  findings?: Finding[];
}

/** Passes start at `at` and finish (their AI row's time) 7 s later; calls run 6 s in. */
const finished = (at: Date): string => new Date(at.getTime() + 7000).toISOString();
const callAt = (at: Date): string => new Date(at.getTime() + 6000).toISOString();

function passes(): Pass[] {
  const before = new Date(SINCE.getTime() - 2 * HOUR_MS);
  const first = new Date('2026-11-24T23:00:00.000Z');
  const second = new Date('2026-11-25T12:00:00.000Z');
  const third = new Date('2026-11-25T17:30:00.000Z');
  const after = new Date(UNTIL.getTime() + HOUR_MS);
  return [
    { at: before, ai: outcome('ok', { answer: answer('Before the period.'), calls: [call(callAt(before), 'ok', 0.25)] }) },
    {
      at: first,
      findings: [ruleFinding, aiFinding],
      ai: outcome('ok', { answer: answer('Disk / is nearly full.', { findings: [aiFinding], droppedClaims: 1 }), calls: [call(callAt(first), 'ok', 0.0005)] }),
    },
    {
      at: second,
      findings: [ruleFinding, aiFinding],
      ai: outcome('cached', { answer: answer(`The disk / is nearly full.\n\nA brute force ran: ${HOSTILE}`, { healthScore: 55, findings: [aiFinding], droppedClaims: 2 }) }),
    },
    {
      at: third,
      findings: [ruleFinding],
      ai: outcome('unavailable', { reason: UNAVAILABLE, calls: [call(callAt(third), 'failed', null, null, null), call(callAt(third), 'invalid', null, 1400, 90)] }),
    },
    { at: after, ai: outcome('ok', { answer: answer('After the period.'), calls: [call(callAt(after), 'ok', 0.5)] }) },
  ];
}

describe.each(await testDialects())('the AI part of the period host report on %s', (dialect) => {
  let store: TestStore;
  let hostId: number;

  async function save(p: Pass): Promise<void> {
    const started = p.at.toISOString();
    const runId = await createRun(store.db, { startedAt: started, runner: 'monitor1', pid: 1, hostCount: 1 });
    const snapshot: HostSnapshot = {
      host: HOST.name,
      collectedAt: new Date(p.at.getTime() + 5000).toISOString(),
      durationMs: 5000,
      reachable: true,
      facts: sampleReportFacts(),
      logs: [],
      logSources: [],
      cursors: [],
      failures: [],
    };
    const analysis: HostAnalysis = { findings: p.findings ?? [ruleFinding], score: 62, status: 'critical', reasons: [{ points: 25, reason: 'disk.usage: Disk / is 92% full', category: 'disk.usage' }], changes: [], baselines: {} };
    await saveHostResult(store.db, { runId, hostId, snapshot, analysis, status: 'ok', error: null, previousScore: null, reportPath: null, startedAt: started, finishedAt: finished(p.at), ai: p.ai });
  }

  beforeAll(async () => {
    store = await openTestStore(dialect);
    hostId = (await syncHosts(store.db, [HOST], '2026-10-01T00:00:00.000Z')).get(HOST.name) as number;
    for (const p of passes()) await save(p);
  });
  afterAll(async () => {
    await store.cleanup();
  });

  const load = (since: Date = SINCE, until: Date = UNTIL) => loadHostReportData(store.db, { hostId, since, until, trendSince: trendStart(until) });

  it('latestAiAnalysis: the newest analysis of [from, to), or the newest answered one', async () => {
    const latest = await latestAiAnalysis(store.db, hostId, SINCE.toISOString(), UNTIL.toISOString());
    expect(latest).toMatchObject({ createdAt: '2026-11-25T17:30:07.000Z', status: 'unavailable', reason: UNAVAILABLE, summary: null, llmScore: null, recommendations: [] });
    const answered = await latestAiAnalysis(store.db, hostId, SINCE.toISOString(), UNTIL.toISOString(), { answeredOnly: true });
    expect(answered).toEqual({
      createdAt: '2026-11-25T12:00:07.000Z',
      status: 'cached',
      trigger: 'new',
      reason: null,
      provider: 'openai',
      model: 'gpt-4o-mini',
      summary: `The disk / is nearly full.\n\nA brute force ran: ${HOSTILE}`,
      llmScore: 55,
      recommendations: ['Free space on /.'],
      droppedClaims: 2,
    });
    // `to` is exclusive.
    expect(await latestAiAnalysis(store.db, hostId, SINCE.toISOString(), '2026-11-25T12:00:07.000Z', { answeredOnly: true })).toMatchObject({ status: 'ok', createdAt: '2026-11-24T23:00:07.000Z' });
    expect(await latestAiAnalysis(store.db, hostId, '2026-11-26T00:00:00.000Z', '2026-11-27T00:00:00.000Z')).toBeNull();
  });

  it('loads the latest analysis of the period, the latest answered one, and the calls per UTC day', async () => {
    const { ai, findings } = await load();
    expect(ai.latest).toMatchObject({ status: 'unavailable', createdAt: '2026-11-25T17:30:07.000Z' });
    expect(ai.answered).toMatchObject({ status: 'cached', createdAt: '2026-11-25T12:00:07.000Z' });
    // Not the calls before or after the period; a failed call is neither priced nor "unpriced", an invalid one is.
    expect(ai.cost).toEqual([
      { day: '2026-11-24', calls: 1, failedCalls: 0, tokensIn: 1500, tokensOut: 200, costUsd: 0.0005, unpricedCalls: 0 },
      { day: '2026-11-25', calls: 2, failedCalls: 1, tokensIn: 1400, tokensOut: 90, costUsd: 0, unpricedCalls: 1 },
    ]);
    expect(findings.find((f) => f.key === aiFinding.key)).toMatchObject({ category: 'ai.finding', ruleId: 'ai:openai', subject: 'security', occurrences: 2 });
  });

  it('covers (since, until]: an analysis at `until` is in the period, one at `since` is not; the answered one may be older', async () => {
    const atThird = new Date('2026-11-25T17:30:07.000Z');
    expect((await load(SINCE, atThird)).ai.latest?.status).toBe('unavailable');
    const after = await load(atThird, UNTIL);
    expect(after.ai).toEqual({ latest: null, answered: expect.objectContaining({ status: 'cached' }), cost: [] });
    // A period holding only the pass with every provider down still finds the summary written before it.
    const onlyDown = await load(new Date('2026-11-25T17:00:00.000Z'), UNTIL);
    expect(onlyDown.ai.latest?.status).toBe('unavailable');
    expect(onlyDown.ai.answered?.createdAt).toBe('2026-11-25T12:00:07.000Z');
    expect(onlyDown.ai.cost.map((d) => [d.day, d.calls])).toEqual([['2026-11-25', 2]]);
  });

  describe('rendered', () => {
    let model: HostReportModel;
    const renderer = createRenderer();

    beforeAll(async () => {
      model = buildPeriodHostReportModel(await load(), { host: HOST, generatedAt: UNTIL, since: SINCE, previousReport: null, media: 'file' });
    });

    it('keeps the rules score and counts, marks the AI finding and says the AI was unavailable, with the last summary', () => {
      expect(model.score).toMatchObject({ value: 62, status: 'critical' });
      expect(model.counts).toEqual({ critical: 1, warnings: 0, info: 0, ai: 1 });
      expect(model.ai).toMatchObject({
        status: 'unavailable',
        statusAt: '2026-11-25 17:30:07 UTC',
        reason: UNAVAILABLE,
        analyzedAt: '2026-11-25 12:00:07 UTC',
        llmScore: 55,
        droppedClaims: 2,
        cost: { totalUsd: 0.0005, perDayUsd: 0.0005, calls: 3, unpricedCalls: 1 },
      });
      const markdown = renderer.render('host-report.md', model);
      expect(markdown).toContain('### 1. 🤖 AI · The brute force and the new listener look related');
      expect(markdown).toContain('⚠️ **AI unavailable** at the latest analysis (2026-11-25 17:30:07 UTC): openai: HTTP 503 after 3 attempts;');
      expect(markdown).toContain("**LLM's view:** 55/100 (rules: 62/100; the rules' score is the one that counts)");
      expect(markdown).toContain('| 2026-11-25 | 2 (1 failed) | 1400 | 90 | 0.0000 + 1 unpriced |');
      expect(markdown).not.toMatch(/^# not a heading/m);
      const text = renderer.render('host-report.txt', model);
      expect(text).toContain('1. [AI] The brute force and the new listener look related');
      expect(text).toContain('  Total: 0.0005 for 3 calls; average per day: 0.0005; 1 unpriced call');
      const html = renderer.render('host-report.html', model);
      expect(html).toContain('<strong>AI unavailable</strong> at the latest analysis (2026-11-25 17:30:07 UTC)');
      expect(html).not.toMatch(/<script/i);
      expect((JSON.parse(JSON.stringify(model)) as HostReportModel).ai?.cost?.days).toHaveLength(2);
    });
  });
});
