import type { AiOutcome } from '../../../src/analyze/llm/analyzer.js';
import { analyzeHost } from '../../../src/analyze/analyze-host.js';
import { buildHostReportModel, buildPeriodHostReportModel, type HostReportModel } from '../../../src/report/host-report-model.js';
import { passAi, periodAi, periodCost, summaryParagraphs } from '../../../src/report/host-report-ai.js';
import { createRenderer } from '../../../src/report/render.js';
import type { HostReportAiData } from '../../../src/store/host-report-repo.js';
import type { Finding } from '../../../src/types.js';
import { loadSnapshotFixture, makeHost, NO_PREVIOUS } from '../analyze/helpers.js';
import { GENERATED_AT, HOSTILE, SINCE, sampleAiAnalysis, sampleAiData, sampleReportData, sampleReportHost } from './host-report-sample.js';

/**
 * The AI section of the host report: the pass's outcome or the period's stored analyses -> ReportAi -> Markdown,
 * HTML and text. The rules' score stays the one shown as the score; the LLM's view is a line beside it.
 */
const renderer = createRenderer();
const PASS_AT = new Date('2026-11-25T18:42:51.500Z');
const DAY_MS = 86_400_000;

function outcome(overrides: Partial<AiOutcome> = {}): AiOutcome {
  return {
    status: 'ok',
    trigger: 'new',
    reason: null,
    answer: { summary: 'Disk / is filling.\n\n\nA brute force  ran.', healthScore: 48, findings: [], recommendations: ['Free space on /.'], droppedClaims: 1 },
    provider: 'openai',
    model: 'gpt-4o-mini',
    inputHash: 'abc',
    estimatedTokens: 1800,
    calls: [],
    pendingInput: null,
    catchUpOf: null,
    ...overrides,
  };
}

const UNAVAILABLE: Partial<AiOutcome> = { status: 'unavailable', reason: 'openai: HTTP 503 after 3 attempts; ollama: connect ECONNREFUSED 127.0.0.1:11434', answer: null, provider: null, model: null };

function periodModel(ai: HostReportAiData, since: Date = SINCE): HostReportModel {
  return buildPeriodHostReportModel(sampleReportData({ ai }), {
    host: sampleReportHost(),
    generatedAt: GENERATED_AT,
    since,
    previousReport: { score: 80, generatedAt: since.toISOString() },
    media: 'email',
  });
}

/** The period of the sample with every provider down at the latest pass, after an answer at 15:00. */
function unavailablePeriod(): HostReportAiData {
  return sampleAiData({
    latest: sampleAiAnalysis({ createdAt: '2026-11-25T17:30:07.000Z', status: 'unavailable', reason: `openai: HTTP 503 ${HOSTILE}`, provider: null, model: null, summary: null, llmScore: null, recommendations: [], droppedClaims: 0 }),
    answered: sampleAiAnalysis({ droppedClaims: 2 }),
  });
}

describe('summaryParagraphs', () => {
  it('splits on blank lines and folds other whitespace', () => {
    expect(summaryParagraphs('a  b\nc\n\n \n d ')).toEqual(['a b c', 'd']);
    expect(summaryParagraphs(null)).toEqual([]);
    expect(summaryParagraphs('  \n\n ')).toEqual([]);
  });
});

describe('the AI section of a pass report', () => {
  it('is absent when the stage did not run or the host was quiet (a quiet host costs nothing, not even a section)', () => {
    expect(passAi(undefined, 'x')).toBeNull();
    expect(passAi(null, 'x')).toBeNull();
    expect(passAi(outcome({ status: 'quiet', trigger: null, answer: null }), 'x')).toBeNull();
  });

  it('keeps the answer: summary paragraphs, the LLM view, recommendations, provider and dropped claims', () => {
    expect(passAi(outcome(), '2026-11-25 18:42:51 UTC')).toEqual({
      status: 'ok',
      statusAt: '2026-11-25 18:42:51 UTC',
      paragraphs: ['Disk / is filling.', 'A brute force ran.'],
      llmScore: 48,
      recommendations: ['Free space on /.'],
      provider: 'openai',
      model: 'gpt-4o-mini',
      analyzedAt: '2026-11-25 18:42:51 UTC',
      reason: null,
      droppedClaims: 1,
      cost: null,
    });
    expect(passAi(outcome({ status: 'cached' }), 't')?.status).toBe('cached');
  });

  it('says why there is no answer: every provider down, or the budget spent', () => {
    expect(passAi(outcome(UNAVAILABLE), 't')).toMatchObject({ status: 'unavailable', paragraphs: [], llmScore: null, analyzedAt: null, reason: UNAVAILABLE.reason });
    const skipped = outcome({ status: 'skipped', reason: 'pass token budget reached', answer: null, provider: null, model: null });
    expect(passAi(skipped, 't')).toMatchObject({ status: 'skipped', reason: 'pass token budget reached' });
  });

  it('renders the LLM view beside the rules score, AI findings marked in every format, and the score and counts unchanged', () => {
    const host = makeHost();
    const snapshot = loadSnapshotFixture('host-report', 'web-01');
    const analysis = analyzeHost(host, snapshot, NO_PREVIOUS, { secrets: [] });
    const rules = buildHostReportModel({ host, snapshot, analysis, previous: NO_PREVIOUS, generatedAt: PASS_AT });
    const aiFinding: Finding = {
      category: 'ai.finding',
      severity: 'warn',
      ruleId: 'ai:openai',
      title: 'The brute force and the new listener look related',
      key: 'ai.finding:security:0123456789ab',
      subject: 'security',
      count: 1,
      evidence: [{ source: '/var/log/auth.log', lines: ['[F1.1] Failed password for root from 203.0.113.9 port 40000 ssh2'] }],
    };
    analysis.findings.push(aiFinding);
    const model = buildHostReportModel({ host, snapshot, analysis, previous: NO_PREVIOUS, generatedAt: PASS_AT, ai: outcome() });
    expect(model.score).toEqual(rules.score);
    expect(model.counts).toEqual({ ...rules.counts, ai: 1 });
    expect(model.warnings.filter((f) => f.ai).map((f) => f.key)).toEqual([aiFinding.key]);

    const markdown = renderer.render('host-report.md', model);
    expect(markdown).toContain(`**LLM's view:** 48/100 (rules: ${rules.score.value}/100; the rules' score is the one that counts)`);
    expect(markdown).toContain('. 🤖 AI · The brute force and the new listener look related');
    expect(markdown).toContain('**Category:** ai.finding · **Subject:** security');
    expect(markdown).toContain('[F1.1] Failed password for root');
    expect(markdown).toContain('*Summary by openai (gpt-4o-mini) at 2026-11-25 18:42:51 UTC:*');
    expect(markdown).toContain('*1 AI claim was dropped: it cited evidence that was not in the input.*');
    expect(markdown).toContain('; 1 more from the AI (marked 🤖 AI, not in the score)');
    expect(markdown).not.toContain('AI Cost');
    expect(renderer.render('host-report.txt', model)).toContain('. [AI] The brute force and the new listener look related');
    expect(renderer.render('host-report.html', model)).toMatch(/>🤖 AI<\/span> The brute force and the new listener look related/);
  });

  it('marks an informational AI finding in the non-critical list with the model\'s category', () => {
    const host = makeHost();
    const snapshot = loadSnapshotFixture('host-report', 'web-01');
    const analysis = analyzeHost(host, snapshot, NO_PREVIOUS, { secrets: [] });
    analysis.findings.push({ category: 'ai.finding', severity: 'info', ruleId: 'ai:ollama', title: 'Cron runs a backup nobody reads', key: 'ai.finding:backup:1', subject: 'backup', count: 1, evidence: [{ source: 'change:file', lines: ['[C2] /etc/cron.d/backup: changed'] }] });
    const model = buildHostReportModel({ host, snapshot, analysis, previous: NO_PREVIOUS, generatedAt: PASS_AT, ai: outcome() });
    expect(model.nonCritical.filter((f) => f.ai).map((f) => f.subject)).toEqual(['backup']);
    expect(renderer.render('host-report.md', model)).toMatch(/^\d+\. 🤖 AI \(backup\) · \*\*Cron runs a backup nobody reads\*\*: `\[C2\] \/etc\/cron.d\/backup: changed`$/m);
    expect(renderer.render('host-report.txt', model)).toMatch(/^\d+\. \[AI: backup\] Cron runs a backup nobody reads$/m);
    expect(renderer.render('host-report.html', model)).toContain('🤖 AI</span> <span style="color:#6b7280;">(backup)</span> <strong>Cron runs a backup nobody reads</strong>');
  });

  it('states "AI unavailable" with the providers errors, and that the report is rules-only', () => {
    const host = makeHost();
    const snapshot = loadSnapshotFixture('host-report', 'web-01');
    const analysis = analyzeHost(host, snapshot, NO_PREVIOUS, { secrets: [] });
    const model = buildHostReportModel({ host, snapshot, analysis, previous: NO_PREVIOUS, generatedAt: PASS_AT, ai: outcome(UNAVAILABLE) });
    const line = `AI unavailable**: ${UNAVAILABLE.reason}. This report is rules-only.`;
    expect(renderer.render('host-report.md', model)).toContain(`⚠️ **${line}`);
    expect(renderer.render('host-report.txt', model)).toContain(line.replace('**', ''));
    expect(renderer.render('host-report.html', model)).toContain(`<strong>AI unavailable</strong>: ${UNAVAILABLE.reason}. This report is rules-only.`);
    expect(renderer.render('host-report.md', model)).not.toContain("LLM's view");
  });
});

describe('the AI section of a period report', () => {
  it('is absent when no analysis ran in the period', () => {
    expect(periodAi({ latest: null, answered: sampleAiAnalysis(), cost: [] }, DAY_MS, 'g')).toBeNull();
    expect(periodModel({ latest: null, answered: null, cost: [] }).ai).toBeNull();
  });

  it('shows the latest status, and the last answered summary with its own time when the latest got no answer', () => {
    const ai = periodModel(unavailablePeriod()).ai;
    expect(ai).toMatchObject({
      status: 'unavailable',
      statusAt: '2026-11-25 17:30:07 UTC',
      paragraphs: ['The disk / is nearly full.', `A worker crashed: ${HOSTILE.replace(/\s+/g, ' ')}`],
      llmScore: 55,
      provider: 'openai',
      model: 'gpt-4o-mini',
      analyzedAt: '2026-11-25 15:00:07 UTC',
      reason: `openai: HTTP 503 ${HOSTILE}`,
      droppedClaims: 2,
    });
    // Answered latest: no reason, the summary's time is the status's.
    expect(periodModel(sampleAiData()).ai).toMatchObject({ status: 'ok', reason: null, statusAt: '2026-11-25 15:00:07 UTC', analyzedAt: '2026-11-25 15:00:07 UTC' });
  });

  it('sums the cost per UTC day, with the average per day over the period, a short period counting as one day', () => {
    const days = sampleAiData().cost;
    expect(periodCost(days, DAY_MS)).toEqual({ days, totalUsd: 0.00178, perDayUsd: 0.00178, calls: 6, unpricedCalls: 1 });
    expect(periodCost(days, 2 * DAY_MS)?.perDayUsd).toBe(0.00089);
    expect(periodCost(days, 3_600_000)?.perDayUsd).toBe(0.00178);
    expect(periodCost([], DAY_MS)).toBeNull();
    const noisy = periodCost([{ day: '2026-11-25', calls: 2, failedCalls: 0, tokensIn: 1, tokensOut: 1, costUsd: 0.1 + 0.2, unpricedCalls: 0 }], DAY_MS);
    expect(noisy?.totalUsd).toBe(0.3);
  });
});

describe('a period report with AI cost rows, every provider down at the latest pass, and an AI finding', () => {
  const model = periodModel(unavailablePeriod());
  const markdown = renderer.render('host-report.md', model);
  const text = renderer.render('host-report.txt', model);
  const html = renderer.render('host-report.html', model);

  it('renders in Markdown: the AI mark, the note, the LLM view beside the score, and the cost table', () => {
    const section = markdown.slice(markdown.indexOf('## 🤖 AI Analysis'));
    expect(section).toContain('⚠️ **AI unavailable** at the latest analysis (2026-11-25 17:30:07 UTC): openai: HTTP 503 x\\`\\|\\<script\\>alert(1)\\</script\\> # not a heading. That pass is rules-only.');
    expect(section).toContain('*Last AI summary, by openai (gpt-4o-mini) at 2026-11-25 15:00:07 UTC:*');
    expect(section).toContain("**LLM's view:** 55/100 (rules: 62/100; the rules' score is the one that counts)");
    expect(section).toContain('- Look at worker 7 x\\`\\|\\<script\\>alert(1)\\</script\\> # not a heading');
    expect(section).toContain('*2 AI claims were dropped: they cited evidence that was not in the input.*');
    expect(section.split('\n').filter((l) => l.startsWith('|'))).toEqual([
      '| Day | Calls | Tokens in | Tokens out | USD |',
      '|---|---:|---:|---:|---:|',
      '| 2026-11-24 | 2 | 3100 | 420 | 0.0007 |',
      '| 2026-11-25 | 4 (1 failed) | 4650 | 610 | 0.0011 + 1 unpriced |',
    ]);
    expect(section).toContain('**Total:** 0.0018 USD for 6 calls · **Average per day:** 0.0018 USD · 1 unpriced call (no price for the model in `ai.prices`), not included');
    expect(markdown).toContain('### 3. 🤖 AI · Brute force and a new listener on port 4444 look related x\\`\\|\\<script\\>alert(1)\\</script\\> # not a heading');
    expect(markdown).toContain('**Score:** 62/100 · 🚨 Needs attention');
    expect(markdown).not.toMatch(/^# not a heading/m);
  });

  it('renders in plain text with [AI] and the same facts, each value on its line', () => {
    expect(text).toContain('3. [AI] Brute force and a new listener on port 4444 look related x`|<script>alert(1)</script> # not a heading');
    expect(text).toContain('AI unavailable at the latest analysis (2026-11-25 17:30:07 UTC): openai: HTTP 503 x`|<script>alert(1)</script> # not a heading. That pass is rules-only.');
    expect(text).toContain("LLM's view: 55/100 (rules: 62/100; the rules' score is the one that counts)");
    expect(text).toContain('  2026-11-25: 4 calls (1 failed), 4650 tokens in, 610 out, 0.0011 + 1 unpriced');
    expect(text).toContain('  Total: 0.0018 for 6 calls; average per day: 0.0018; 1 unpriced call (no price for the model in ai.prices), not included');
    expect(text).not.toMatch(/^# not a heading/m);
  });

  it('renders in HTML with an AI badge, escaped, and the cost table', () => {
    expect(html).toMatch(/>🤖 AI<\/span> Brute force and a new listener on port 4444 look related x&#96;\|&lt;script&gt;/);
    expect(html).toContain('<strong>AI unavailable</strong> at the latest analysis (2026-11-25 17:30:07 UTC): openai: HTTP 503 x&#96;|&lt;script&gt;');
    expect(html).toContain("<strong>LLM's view:</strong> 55/100 <span style=\"color:#6b7280;\">(rules: 62/100; the rules' score is the one that counts)</span>");
    expect(html).toContain('AI cost per UTC day</h3>');
    expect(html).toContain('0.0011<br><span style="color:#b45309;">+ 1 unpriced</span>');
    expect(html).not.toMatch(/<script/i);
  });

  it('serializes to JSON (report --format json) with the AI section and the AI mark', () => {
    const json = JSON.parse(JSON.stringify(model)) as HostReportModel;
    expect(json.ai).toMatchObject({ status: 'unavailable', llmScore: 55, cost: { totalUsd: 0.00178, calls: 6, unpricedCalls: 1 } });
    expect(json.ai?.cost?.days.map((d) => d.day)).toEqual(['2026-11-24', '2026-11-25']);
    expect(json.score.value).toBe(62);
    expect(json.warnings.find((f) => f.ai)?.subject).toBe('security');
  });
});
