/**
 * The AI stage of one pass: decides whether a host is worth a call (something new, a summary due, or an earlier
 * pass's input still waiting), builds the budgeted digest, answers from the cache when it can, else tries the
 * provider chain in order (rate-limited per provider) until one answer verifies. Every call is recorded with its
 * tokens and cost. It never throws for a provider's failure: all providers down is an `unavailable` outcome with
 * the prepared input kept, and the pass goes on rules-only (NR-REL-002).
 */
import type { AiSettings } from '../../config/ai-settings.js';
import type { Clock, HostAnalysis, HostFacts, ResolvedHost } from '../../types.js';
import { createRedactor } from '../redact.js';
import { callCostUsd } from './cost.js';
import { buildDigest, citableItems, type DigestData } from './digest.js';
import { buildPrompt, promptOverheadTokens } from './prompt.js';
import { LlmError, type LlmProvider } from './types.js';
import { verifyAnswer, type AiAnswer } from './verify.js';

export type AiStatus = 'ok' | 'cached' | 'unavailable' | 'skipped';
export type AiTrigger = 'new' | 'summary' | 'catch-up';

export interface LlmCallRecord {
  at: string;
  provider: string;
  model: string | null;
  status: 'ok' | 'failed' | 'invalid';
  error: string | null;
  tokensIn: number | null;
  tokensOut: number | null;
  costUsd: number | null;
  durationMs: number;
  attempts: number;
}

/** What the AI stage did for one host. `quiet` outcomes are not stored (a quiet host costs nothing, not even a row). */
export interface AiOutcome {
  status: AiStatus | 'quiet';
  trigger: AiTrigger | null;
  /** One line: why skipped / unavailable. */
  reason: string | null;
  answer: AiAnswer | null;
  provider: string | null;
  model: string | null;
  inputHash: string | null;
  estimatedTokens: number;
  calls: LlmCallRecord[];
  /** The digest to keep for a later pass (every provider failed, or a budget was spent). */
  pendingInput: DigestData | null;
  /** The ai_analyses id of the earlier pass whose kept input this outcome analyzed or supersedes. */
  catchUpOf: number | null;
}

/** What the store remembers of a host's AI analyses (loaded when its pass starts). */
export interface AiHostMemory {
  /** When the last answer (fresh or cached) was stored; null when never. */
  lastAnsweredAt: string | null;
  /** An earlier pass's input that no provider answered, waiting. */
  pending: { id: number; data: DigestData; createdAt: string } | null;
}

export interface CachedAnswer {
  provider: string;
  model: string;
  answer: AiAnswer;
}

export interface AiCache {
  get(hash: string, now: Date): Promise<CachedAnswer | null>;
  put(hash: string, entry: CachedAnswer, now: Date, expiresAt: Date): Promise<void>;
}

export interface AnalyzerDeps {
  clock: Clock;
  cache: AiCache;
  /** Waits for a rate-limit slot; must reject when `signal` aborts. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Non-fatal problems (one line each). */
  onNote?: (message: string) => void;
}

export interface HostAiInput {
  host: ResolvedHost;
  facts: HostFacts | null;
  analysis: HostAnalysis;
  memory: AiHostMemory;
  /** Config secrets, masked in everything sent and everything taken back. */
  secrets: readonly string[];
  /** Ends the calls (the pass deadline, minus the margin the host's own store write needs). */
  signal: AbortSignal;
}

const QUIET = { answer: null, provider: null, model: null, inputHash: null, estimatedTokens: 0, calls: [], pendingInput: null, catchUpOf: null };

export class LlmAnalyzer {
  private passTokensLeft: number;
  private readonly nextSlotAt = new Map<string, number>();

  constructor(
    private readonly settings: AiSettings,
    private readonly providers: readonly LlmProvider[],
    private readonly deps: AnalyzerDeps,
  ) {
    this.passTokensLeft = settings.passInputTokens;
  }

  /** Input tokens this pass may still spend. */
  get tokensLeft(): number {
    return this.passTokensLeft;
  }

  async analyze(input: HostAiInput): Promise<AiOutcome> {
    const now = this.deps.clock();
    const redact = createRedactor(input.secrets);
    const digest = buildDigest(input.host, input.facts, input.analysis, {
      maxTokens: Math.max(200, this.settings.hostInputTokens - promptOverheadTokens()),
      redact,
      passAt: now.toISOString(),
    });
    const pending = input.memory.pending;
    let data = digest.data;
    let trigger: AiTrigger;
    if (digest.hasNews) trigger = 'new';
    else if (pending) {
      // Nothing new now, but an earlier pass's input never got an answer: analyze that one.
      trigger = 'catch-up';
      data = pending.data;
    } else if (digest.hasOpenIssues && this.summaryDue(input.memory.lastAnsweredAt, now)) trigger = 'summary';
    else return { status: 'quiet', trigger: null, reason: 'nothing new', ...QUIET };
    // A new digest holds everything still open, so it supersedes a kept one.
    const catchUpOf = pending ? pending.id : null;

    const prompt = buildPrompt(data);
    const base = { trigger, inputHash: prompt.hash, estimatedTokens: prompt.estimatedTokens, catchUpOf };
    const cited = citableItems(data);

    const hit = await this.deps.cache.get(prompt.hash, now).catch(() => null);
    if (hit) return { ...base, status: 'cached', reason: null, answer: hit.answer, provider: hit.provider, model: hit.model, calls: [], pendingInput: null };

    if (prompt.estimatedTokens > this.passTokensLeft) {
      const reason = `pass token budget reached (ai.pass_input_tokens ${this.settings.passInputTokens}; this host needs ~${prompt.estimatedTokens})`;
      return { ...base, status: 'skipped', reason, answer: null, provider: null, model: null, calls: [], pendingInput: data };
    }
    this.passTokensLeft -= prompt.estimatedTokens;

    const calls: LlmCallRecord[] = [];
    const failures: string[] = [];
    for (const provider of this.providers) {
      if (input.signal.aborted) {
        failures.push('pass deadline reached');
        break;
      }
      const label = provider.settings.name;
      const started = this.deps.clock();
      try {
        await this.waitForSlot(provider, input.signal);
        const response = await provider.complete({
          system: prompt.system,
          user: prompt.user,
          maxOutputTokens: this.settings.maxOutputTokens,
          signal: input.signal,
        });
        const cost = callCostUsd({ providerType: provider.settings.type, ...response }, this.settings.prices);
        const verified = verifyAnswer(response.text, { cited, maxSeverity: this.settings.maxSeverity, redact, provider: label });
        const call: LlmCallRecord = {
          at: started.toISOString(),
          provider: label,
          model: response.model,
          status: verified.ok ? 'ok' : 'invalid',
          error: verified.ok ? null : verified.reason,
          tokensIn: response.tokensIn,
          tokensOut: response.tokensOut,
          costUsd: cost,
          durationMs: response.durationMs,
          attempts: response.attempts,
        };
        calls.push(call);
        if (!verified.ok) {
          failures.push(`${label}: ${verified.reason}`);
          continue;
        }
        await this.remember(prompt.hash, { provider: label, model: response.model, answer: verified.answer }, now);
        return { ...base, status: 'ok', reason: null, answer: verified.answer, provider: label, model: response.model, calls, pendingInput: null };
      } catch (err) {
        const message = redact(err instanceof LlmError ? err.message : `${label}: ${(err as Error).message}`);
        failures.push(message.startsWith(`${label}`) ? message : `${label}: ${message}`);
        calls.push({
          at: started.toISOString(),
          provider: label,
          model: provider.settings.models[0] ?? null,
          status: 'failed',
          error: message,
          tokensIn: null,
          tokensOut: null,
          costUsd: null,
          durationMs: this.deps.clock().getTime() - started.getTime(),
          attempts: err instanceof LlmError ? err.attempts : 1,
        });
      }
    }
    return {
      ...base,
      status: 'unavailable',
      reason: failures.join('; ') || 'no provider configured',
      answer: null,
      provider: null,
      model: null,
      calls,
      pendingInput: data,
    };
  }

  /** Caches an answer; a store that refuses costs the cache, never the answer. */
  private async remember(hash: string, entry: CachedAnswer, now: Date): Promise<void> {
    try {
      await this.deps.cache.put(hash, entry, now, new Date(now.getTime() + this.settings.cacheTtlMs));
    } catch (err) {
      this.deps.onNote?.(`could not cache the AI answer: ${(err as Error).message}`);
    }
  }

  /** Releases what providers hold (an OpenCode server we started). Never throws. */
  async close(): Promise<void> {
    await Promise.all(this.providers.map((p) => p.close().catch(() => undefined)));
  }

  private summaryDue(lastAnsweredAt: string | null, now: Date): boolean {
    if (this.settings.summaryIntervalMs === null) return false;
    if (lastAnsweredAt === null) return true;
    return now.getTime() - Date.parse(lastAnsweredAt) >= this.settings.summaryIntervalMs;
  }

  /** `requests_per_minute`: calls to one provider start at least 60/rpm seconds apart. */
  private async waitForSlot(provider: LlmProvider, signal: AbortSignal): Promise<void> {
    const rpm = provider.settings.requestsPerMinute;
    if (rpm === null) return;
    const interval = 60_000 / rpm;
    const now = this.deps.clock().getTime();
    const slot = Math.max(now, this.nextSlotAt.get(provider.settings.name) ?? now);
    this.nextSlotAt.set(provider.settings.name, slot + interval);
    if (slot > now) await (this.deps.sleep ?? abortableSleep)(slot - now, signal);
  }
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new LlmError('aborted', 'pass deadline reached while waiting for the rate limit'));
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new LlmError('aborted', 'pass deadline reached while waiting for the rate limit'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
