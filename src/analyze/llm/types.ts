/**
 * The LLM boundary's shapes (see docs/ai.md). A provider turns one request (our system prompt + one user message
 * holding the redacted digest) into answer text and token counts; everything around it (budget, cache, rate limit,
 * fallback, verification) is provider-independent and lives beside it in this folder.
 */

export const PROVIDER_TYPES = ['opencode', 'openai', 'anthropic', 'ollama'] as const;
export type ProviderType = (typeof PROVIDER_TYPES)[number];

/** One provider of the `ai.providers` chain, resolved from config. */
export interface ProviderSettings {
  type: ProviderType;
  /** Label in messages, the store and reports: `name` from config, else the type (`openai`, `ollama#2` for a repeat). */
  name: string;
  /** Base URL without a trailing slash (`https://api.openai.com/v1`, `http://127.0.0.1:11434`, `http://localhost:4096`). */
  baseUrl: string;
  /**
   * Models to use, in order of preference. openai / anthropic / ollama: exactly one model id. opencode:
   * `provider/model` ids; the first one the server lists under `GET /config/providers` is used.
   */
  models: string[];
  /** From an environment variable only (NR-SEC-002); null when the provider needs none (ollama, a local server). */
  apiKey: string | null;
  /** Whole-call timeout, retries included. Default 120 s. */
  timeoutMs: number;
  /** Retries on 429, 5xx and connection failures (not on other 4xx). Default 3. */
  retries: number;
  /** At most this many requests per minute to this provider from one pass; null = no limit. */
  requestsPerMinute: number | null;
  /** Ask for a JSON answer (OpenAI `response_format`, Ollama `format`): auto = ask, and ask no more if refused. */
  jsonMode: 'auto' | 'on' | 'off';
  /** Extra HTTP headers (e.g. an OpenAI-compatible proxy's). Values may be secrets. */
  headers: Record<string, string>;
  /** OpenCode only: start `opencode serve` when none answers. */
  opencode?: OpencodeSettings;
}

export interface OpencodeSettings {
  autoStart: boolean;
  /** The `opencode` executable (PATH lookup when bare). */
  command: string;
  /** HTTP Basic password of the server (user `opencode`), from an environment variable; null = open server. */
  password: string | null;
  /** Agent to run the message as (an agent with tools off); null = ours when we started the server, else none. */
  agent: string | null;
  /** How long to wait for a started server's `/global/health`. Default 30 s. */
  startTimeoutMs: number;
  /** Leave a server we started running after the pass (the original's behaviour). Default false: we stop it. */
  keepRunning: boolean;
}

export interface LlmRequest {
  /** Our system prompt (it replaces any default system prompt of the server where the protocol allows). */
  system: string;
  /** The one user message: instructions plus the delimited, redacted data. */
  user: string;
  /** Upper bound of answer tokens. */
  maxOutputTokens: number;
  /** Cancels the call (the pass deadline). The provider adds its own `timeoutMs`. */
  signal: AbortSignal;
}

export interface LlmResponse {
  /** The answer text as the model wrote it (JSON expected, maybe fenced; verified by the caller). */
  text: string;
  /** The provider's label (ProviderSettings.name). */
  provider: string;
  /** The model that answered (`gpt-4o-mini`, `xai/grok-code-fast-1`). */
  model: string;
  /** Tokens as the provider counted them; null when it did not say. */
  tokensIn: number | null;
  tokensOut: number | null;
  /** Cost the provider itself reported in USD (OpenCode's `info.cost`), else null (the price table applies). */
  reportedCostUsd: number | null;
  /** HTTP attempts made (1 + retries used). */
  attempts: number;
  durationMs: number;
}

/** Why a provider call failed; `kind` decides whether the next provider of the chain is tried (always) and the words. */
export type LlmErrorKind =
  /** 401/403: a wrong or missing key. */
  | 'auth'
  /** 429 or 5xx still failing after the retries. */
  | 'http'
  /** Connection refused, DNS, reset. */
  | 'network'
  /** timeoutMs passed. */
  | 'timeout'
  /** The pass deadline (request.signal) ended the call. */
  | 'aborted'
  /** An answer not in the protocol's shape, an empty answer, a model the server does not offer. */
  | 'protocol';

export class LlmError extends Error {
  readonly kind: LlmErrorKind;
  readonly status: number | null;
  readonly attempts: number;
  constructor(kind: LlmErrorKind, message: string, options: { status?: number | null; attempts?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LlmError';
    this.kind = kind;
    this.status = options.status ?? null;
    this.attempts = options.attempts ?? 1;
  }
}

/** What crosses process boundaries in a provider, passed in so tests control it. */
export interface ProviderDeps {
  /** `globalThis.fetch` by default. */
  fetch?: typeof fetch;
  /** Waits between retries (tests pass a recorder); must reject when `signal` aborts. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Backoff before retry n (1-based) when the server gave no Retry-After; default 1 s, 2 s, 4 s ... capped at 30 s. */
  backoffMs?: (retry: number) => number;
  /** Non-fatal notes (an OpenCode server started, JSON mode refused and turned off). */
  onNote?: (message: string) => void;
}

export interface LlmProvider {
  readonly settings: ProviderSettings;
  complete(request: LlmRequest): Promise<LlmResponse>;
  /** Releases what the provider holds (an OpenCode server it started). Never throws. */
  close(): Promise<void>;
}
