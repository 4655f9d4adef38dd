/**
 * The AI stage's tables (migration 0007): analyses per host and pass, every provider call with tokens and cost, and
 * the answer cache. Everything stored here is redacted (the digest and the answer were, before they got here).
 */
import type { Kysely, Transaction } from 'kysely';
import type { AiCache, AiHostMemory, AiOutcome, CachedAnswer } from '../analyze/llm/analyzer.js';
import type { DigestData } from '../analyze/llm/digest.js';
import type { AiAnswer } from '../analyze/llm/verify.js';
import type { Database } from './schema.js';

/** A kept input older than this is not analyzed by a later pass any more (it stays in the store). */
export const PENDING_MAX_AGE_MS = 24 * 3_600_000;

export function createAiCache(db: Kysely<Database>): AiCache {
  return {
    async get(hash, now) {
      const row = await db
        .selectFrom('ai_cache')
        .select(['provider', 'model', 'answer'])
        .where('input_hash', '=', hash)
        .where('expires_at', '>', now.toISOString())
        .executeTakeFirst();
      if (!row) return null;
      const answer = parseJson<AiAnswer>(row.answer);
      return answer ? { provider: row.provider, model: row.model, answer } : null;
    },
    async put(hash: string, entry: CachedAnswer, now: Date, expiresAt: Date) {
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('ai_cache').where((eb) => eb.or([eb('expires_at', '<=', now.toISOString()), eb('input_hash', '=', hash)])).execute();
        await trx
          .insertInto('ai_cache')
          .values({
            input_hash: hash,
            provider: entry.provider,
            model: entry.model,
            answer: JSON.stringify(entry.answer),
            created_at: now.toISOString(),
            expires_at: expiresAt.toISOString(),
          })
          .execute();
      });
    },
  };
}

/** When the host last got an answer, and an earlier input still waiting for one (at most a day old). */
export async function loadAiMemory(db: Kysely<Database>, hostId: number, now: Date): Promise<AiHostMemory> {
  const [answered, pending] = await Promise.all([
    db
      .selectFrom('ai_analyses')
      .select((eb) => eb.fn.max('created_at').as('at'))
      .where('host_id', '=', hostId)
      .where('status', 'in', ['ok', 'cached'])
      .executeTakeFirst(),
    db
      .selectFrom('ai_analyses')
      .select(['id', 'pending_input', 'created_at'])
      .where('host_id', '=', hostId)
      .where('pending_input', 'is not', null)
      .where('caught_up_by', 'is', null)
      .where('created_at', '>=', new Date(now.getTime() - PENDING_MAX_AGE_MS).toISOString())
      .orderBy('created_at', 'desc')
      .limit(1)
      .executeTakeFirst(),
  ]);
  const data = pending?.pending_input ? parseJson<DigestData>(pending.pending_input) : null;
  return {
    lastAnsweredAt: answered?.at ?? null,
    pending: pending && data ? { id: pending.id, data, createdAt: pending.created_at } : null,
  };
}

export interface AiRowRef {
  hostRunId: number;
  runId: number;
  hostId: number;
  at: string;
}

/** Inside the host's transaction: the analysis row, its calls, and the kept input it answered or superseded. */
export async function saveAiOutcome(trx: Transaction<Database>, outcome: AiOutcome, ref: AiRowRef): Promise<void> {
  if (outcome.calls.length > 0) {
    await trx
      .insertInto('ai_calls')
      .values(
        outcome.calls.map((c) => ({
          run_id: ref.runId,
          host_id: ref.hostId,
          created_at: c.at,
          provider: c.provider,
          model: c.model,
          status: c.status,
          error: c.error,
          tokens_in: c.tokensIn,
          tokens_out: c.tokensOut,
          cost_usd: c.costUsd,
          duration_ms: Math.round(c.durationMs),
          attempts: c.attempts,
        })),
      )
      .execute();
  }
  if (outcome.status === 'quiet' || outcome.trigger === null) return;
  const answer = outcome.answer;
  const { id } = await trx
    .insertInto('ai_analyses')
    .values({
      host_run_id: ref.hostRunId,
      run_id: ref.runId,
      host_id: ref.hostId,
      created_at: ref.at,
      status: outcome.status,
      trigger: outcome.trigger,
      reason: outcome.reason,
      provider: outcome.provider,
      model: outcome.model,
      input_hash: outcome.inputHash,
      input_tokens: outcome.estimatedTokens,
      summary: answer?.summary ?? null,
      llm_score: answer?.healthScore ?? null,
      recommendations: JSON.stringify(answer?.recommendations ?? []),
      dropped_claims: answer?.droppedClaims ?? 0,
      pending_input: outcome.pendingInput ? JSON.stringify(outcome.pendingInput) : null,
      caught_up_by: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  if (outcome.catchUpOf !== null) {
    await trx.updateTable('ai_analyses').set({ caught_up_by: id, pending_input: null }).where('id', '=', outcome.catchUpOf).execute();
  }
}

export interface AiCostDay {
  /** UTC day `YYYY-MM-DD`. */
  day: string;
  calls: number;
  /** Calls that got no answer (they cost nothing known). */
  failedCalls: number;
  tokensIn: number;
  tokensOut: number;
  /** Sum of the known costs, USD. */
  costUsd: number;
  /** Answered calls without a price (the model is not in `ai.prices` or the built-in table): the day cost more. */
  unpricedCalls: number;
}

/** A host's AI calls per UTC day in [from, to). */
export async function aiCostByDay(db: Kysely<Database>, hostId: number, from: string, to: string): Promise<AiCostDay[]> {
  const rows = await db
    .selectFrom('ai_calls')
    .select(['created_at', 'status', 'tokens_in', 'tokens_out', 'cost_usd'])
    .where('host_id', '=', hostId)
    .where('created_at', '>=', from)
    .where('created_at', '<', to)
    .orderBy('created_at')
    .execute();
  const days = new Map<string, AiCostDay>();
  for (const row of rows) {
    const day = row.created_at.slice(0, 10);
    const d = days.get(day) ?? { day, calls: 0, failedCalls: 0, tokensIn: 0, tokensOut: 0, costUsd: 0, unpricedCalls: 0 };
    d.calls += 1;
    if (row.status === 'failed') d.failedCalls += 1;
    d.tokensIn += Number(row.tokens_in ?? 0);
    d.tokensOut += Number(row.tokens_out ?? 0);
    if (row.cost_usd === null) {
      if (row.status !== 'failed') d.unpricedCalls += 1;
    } else d.costUsd += Number(row.cost_usd);
    days.set(day, d);
  }
  return [...days.values()];
}

export interface AiAnalysisRow {
  createdAt: string;
  status: 'ok' | 'cached' | 'unavailable' | 'skipped';
  trigger: string;
  reason: string | null;
  provider: string | null;
  model: string | null;
  summary: string | null;
  llmScore: number | null;
  recommendations: string[];
  droppedClaims: number;
}

/**
 * The newest AI analysis of a host in [from, to), or null. `answeredOnly`: the newest one with an answer (`ok` or
 * `cached`), for the summary a report still shows when the latest analysis found every provider down.
 */
export async function latestAiAnalysis(
  db: Kysely<Database>,
  hostId: number,
  from: string,
  to: string,
  options: { answeredOnly?: boolean } = {},
): Promise<AiAnalysisRow | null> {
  let query = db
    .selectFrom('ai_analyses')
    .selectAll()
    .where('host_id', '=', hostId)
    .where('created_at', '>=', from)
    .where('created_at', '<', to);
  if (options.answeredOnly) query = query.where('status', 'in', ['ok', 'cached']);
  const row = await query
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!row) return null;
  return {
    createdAt: row.created_at,
    status: row.status,
    trigger: row.trigger,
    reason: row.reason,
    provider: row.provider,
    model: row.model,
    summary: row.summary,
    llmScore: row.llm_score === null ? null : Number(row.llm_score),
    recommendations: parseJson<string[]>(row.recommendations) ?? [],
    droppedClaims: Number(row.dropped_claims),
  };
}

function parseJson<T>(text: string): T | null {
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
}
