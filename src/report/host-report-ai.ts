/**
 * The AI section of the host report (ReportAi): from what the AI stage did in one pass, or from what the store holds
 * about a period (its latest analysis, the last one that got an answer, the calls per UTC day). The rules' score is
 * never touched here: the LLM's view is shown beside it. Pure.
 */
import type { AiOutcome } from '../analyze/llm/analyzer.js';
import type { AiAnalysisRow, AiCostDay } from '../store/ai-repo.js';
import type { HostReportAiData } from '../store/host-report-repo.js';
import type { ReportAi, ReportAiCost } from './host-report-model.js';
import { utcOr } from './host-report-sections.js';

const DAY_MS = 86_400_000;

/** The summary in paragraphs: blank lines separate them, other whitespace runs fold to one space. */
export function summaryParagraphs(summary: string | null | undefined): string[] {
  return (summary ?? '')
    .split(/\n\s*\n/)
    .map((p) => p.replace(/\s+/g, ' ').trim())
    .filter((p) => p !== '');
}

/**
 * The AI section of a pass's report. Null when the stage did not run or found nothing new (`quiet`: no call, no
 * section). Its findings are in the analysis already; this is the summary, the LLM's view and why it is missing.
 */
export function passAi(outcome: AiOutcome | null | undefined, generatedAt: string): ReportAi | null {
  if (!outcome || outcome.status === 'quiet') return null;
  const answer = outcome.answer;
  return {
    status: outcome.status,
    statusAt: generatedAt,
    paragraphs: summaryParagraphs(answer?.summary),
    llmScore: answer?.healthScore ?? null,
    recommendations: answer ? [...answer.recommendations] : [],
    provider: outcome.provider,
    model: outcome.model,
    analyzedAt: answer ? generatedAt : null,
    reason: answer ? null : outcome.reason,
    droppedClaims: answer?.droppedClaims ?? 0,
    cost: null,
  };
}

const isAnswered = (row: AiAnalysisRow): boolean => row.status === 'ok' || row.status === 'cached';

/**
 * The AI section of a period report: the status of the period's latest analysis, and the summary of the latest one
 * that got an answer (that same one, or an earlier one when the latest found every provider down or out of budget,
 * shown with its own time). Null when no analysis ran in the period (the LLM is off, or the host was quiet).
 */
export function periodAi(ai: HostReportAiData, periodMs: number, generatedAt: string): ReportAi | null {
  const latest = ai.latest;
  if (!latest) return null;
  const answered = isAnswered(latest) ? latest : ai.answered;
  return {
    status: latest.status,
    statusAt: utcOr(latest.createdAt, generatedAt),
    paragraphs: summaryParagraphs(answered?.summary),
    llmScore: answered?.llmScore ?? null,
    recommendations: answered ? [...answered.recommendations] : [],
    provider: answered?.provider ?? null,
    model: answered?.model ?? null,
    analyzedAt: answered ? utcOr(answered.createdAt, generatedAt) : null,
    reason: isAnswered(latest) ? null : latest.reason,
    droppedClaims: answered?.droppedClaims ?? 0,
    cost: periodCost(ai.cost, periodMs),
  };
}

/** Sums without binary-fraction noise in the JSON model (0.1 + 0.2); the templates print 4 decimals. */
const roundUsd = (usd: number): number => Math.round(usd * 1e6) / 1e6;

/**
 * The period's calls per UTC day with the total and the average per day over the period's length. A period shorter
 * than a day counts as one day: `report --since 1h` shows what that hour cost, not a projection.
 */
export function periodCost(days: readonly AiCostDay[], periodMs: number): ReportAiCost | null {
  if (days.length === 0) return null;
  const totalUsd = roundUsd(days.reduce((sum, d) => sum + d.costUsd, 0));
  return {
    days: days.map((d) => ({ ...d, costUsd: roundUsd(d.costUsd) })),
    totalUsd,
    perDayUsd: roundUsd(totalUsd / Math.max(1, periodMs / DAY_MS)),
    calls: days.reduce((sum, d) => sum + d.calls, 0),
    unpricedCalls: days.reduce((sum, d) => sum + d.unpricedCalls, 0),
  };
}
