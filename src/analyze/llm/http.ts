/**
 * JSON over HTTP for the LLM providers: one deadline for the whole call (retries and waits included), retries on 429,
 * 5xx and network failures with the server's Retry-After honoured, and every failure turned into a one-line
 * `LlmError` that names the provider and never holds a secret or a stack.
 */
import { sleepUnlessAborted } from '../../collect/connect-with-retry.js';
import { LlmError, type LlmErrorKind, type ProviderDeps, type ProviderSettings } from './types.js';

export interface JsonRequest {
  method: 'GET' | 'POST' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  /** JSON-encoded when given (content-type: application/json). */
  body?: unknown;
  /** Overall deadline of this request, retries and waits included. */
  timeoutMs: number;
  /** Retries on 429, 5xx (529 too) and network errors (refused, reset, DNS); never on other 4xx. */
  retries: number;
  /** The pass deadline: its abort ends the call with LlmError('aborted'). */
  signal: AbortSignal;
  /** Label that starts every error message (`openai: HTTP 429 after 4 attempts: ...`). */
  provider: string;
  /** Masked (********) out of every error message: API keys, header values. */
  secrets?: readonly string[];
}

export interface JsonResponse {
  status: number;
  /** The parsed JSON body; null for an empty 2xx body (204, a bare DELETE). */
  body: unknown;
  headers: Headers;
  /** HTTP attempts made (1 + retries used). */
  attempts: number;
}

/**
 * A non-2xx answer that is not retried (400, 404, 422 ...) or no longer retried (429/5xx after the retries). `detail`
 * is the server's own message, masked and cut, so a provider can react to it (a refused `response_format`) without
 * parsing our wording.
 */
export class LlmStatusError extends LlmError {
  readonly detail: string;
  constructor(kind: LlmErrorKind, message: string, options: { status: number; attempts: number; detail: string }) {
    super(kind, message, { status: options.status, attempts: options.attempts });
    this.name = 'LlmStatusError';
    this.detail = options.detail;
  }
}

const MASK = '********';
const DETAIL_MAX_CHARS = 300;
const BACKOFF_CAP_MS = 30_000;

/** Default wait before retry n (1-based): 1 s, 2 s, 4 s ... capped at 30 s. */
export function defaultBackoffMs(retry: number): number {
  return Math.min(1000 * 2 ** (retry - 1), BACKOFF_CAP_MS);
}

/** What a provider must keep out of messages: its API key and its extra header values (a proxy's token). */
export function providerSecrets(settings: Pick<ProviderSettings, 'apiKey' | 'headers'>): string[] {
  return [settings.apiKey ?? '', ...Object.values(settings.headers)].filter((s) => s.length > 0);
}

/**
 * Replaces every secret with ******** and squeezes the text onto one line. Longer secrets first (one may hold
 * another). The user:password part of any URL goes too: fetch quotes a URL with credentials in its error.
 */
export function maskSecrets(text: string, secrets: readonly string[] = []): string {
  let out = text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi, '$1');
  for (const secret of [...secrets].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length)) {
    out = out.split(secret).join(MASK);
  }
  return out.replace(/\s+/g, ' ').trim();
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 3)}...`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The server's error message from an error body: OpenAI / Anthropic `{error:{message}}`, Ollama `{error:"..."}`,
 * vLLM / LM Studio `{message}`, FastAPI `{detail}`, OpenCode `{data:{message}}`, else the text itself.
 */
export function serverMessage(text: string): string {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return text.trim();
  }
  if (isRecord(json)) {
    const { error, message, detail, data } = json;
    if (isRecord(error) && typeof error.message === 'string') return error.message;
    if (typeof error === 'string') return error;
    if (typeof message === 'string') return message;
    if (typeof detail === 'string') return detail;
    if (isRecord(data) && typeof data.message === 'string') return data.message;
  }
  return text.trim();
}

/** The part of a URL that is safe to print: no user info, path or query (a key may sit in any of them). */
function origin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'the configured URL';
  }
}

// Node socket and resolver codes of a network failure (undici puts them on `cause`).
const NETWORK_WORDS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection reset',
  ECONNABORTED: 'connection aborted',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EHOSTDOWN: 'host down',
  ENETDOWN: 'network down',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
  UND_ERR_SOCKET: 'connection closed by the server',
  UND_ERR_CLOSED: 'connection closed',
  UND_ERR_CONNECT_TIMEOUT: 'connect timed out',
  UND_ERR_HEADERS_TIMEOUT: 'no response headers',
  UND_ERR_BODY_TIMEOUT: 'response body stalled',
};

/** Words for a fetch failure, and whether it is a network hiccup worth a retry (an invalid URL or header is not). */
function describeNetworkError(err: unknown): { words: string; isRetryable: boolean } {
  for (let e: unknown = err, depth = 0; isRecord(e) && depth < 5; e = e.cause, depth++) {
    const code = typeof e.code === 'string' ? e.code : '';
    const words = NETWORK_WORDS[code];
    if (words) return { words, isRetryable: true };
  }
  // Not `instanceof Error`: fetch's errors come from another realm under jest's VM modules.
  const message = isRecord(err) && typeof err.message === 'string' ? err.message : String(err);
  if (/fetch failed|terminated|socket/i.test(message)) return { words: 'connection failed', isRetryable: true };
  return { words: message, isRetryable: false };
}

/** Milliseconds to wait from `retry-after-ms` (OpenAI, Azure) or `retry-after` (seconds or an HTTP date); null when absent or junk. */
export function retryAfterMs(headers: Headers, now: number = Date.now()): number | null {
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms.trim() !== '' && Number.isFinite(Number(ms)) && Number(ms) >= 0) return Number(ms);
  const after = headers.get('retry-after');
  if (after === null || after.trim() === '') return null;
  if (/^\s*\d+(?:\.\d+)?\s*$/.test(after)) return Number(after) * 1000;
  const date = Date.parse(after);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

/** A failed attempt that may be retried: what to throw when the retries or the time run out. */
interface RetryableFailure {
  kind: 'http' | 'network';
  status: number | null;
  /** The message without the attempt count: `HTTP 429: Rate limit reached` or `cannot reach https://x: connection refused`. */
  what: string;
  detail: string;
  /** The server's Retry-After, if it sent one. */
  waitMs: number | null;
  cause?: unknown;
}

/**
 * Sends one JSON request and returns the parsed 2xx answer. Throws LlmError: 'auth' (401/403), 'protocol' (other 4xx
 * with `status`, or a 2xx body that is not JSON), 'http' (429/5xx after the retries), 'network', 'timeout' (the
 * request's own `timeoutMs`) or 'aborted' (`signal`, the pass deadline). Non-2xx errors are {@link LlmStatusError}s.
 */
export async function requestJson(req: JsonRequest, deps: ProviderDeps = {}): Promise<JsonResponse> {
  const doFetch = deps.fetch ?? globalThis.fetch;
  const sleep = deps.sleep ?? sleepUnlessAborted;
  const backoff = deps.backoffMs ?? defaultBackoffMs;
  const secrets = req.secrets ?? [];
  const mask = (text: string): string => maskSecrets(text, secrets);
  const fail = (kind: LlmErrorKind, what: string, options: { status?: number | null; attempts: number; cause?: unknown }): LlmError =>
    new LlmError(kind, mask(`${req.provider}: ${what}`), options);

  const deadline = Date.now() + req.timeoutMs;
  const timeout = AbortSignal.timeout(Math.max(1, req.timeoutMs));
  const signal = AbortSignal.any([req.signal, timeout]);
  const stopped = (attempts: number, cause?: unknown): LlmError =>
    req.signal.aborted
      ? fail('aborted', `stopped by the pass deadline (${plural(attempts, 'attempt')})`, { attempts, cause })
      : fail('timeout', `no answer within ${seconds(req.timeoutMs)} (${plural(attempts, 'attempt')})`, { attempts, cause });

  const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
  if (req.body !== undefined) headers['content-type'] = 'application/json';
  const body = req.body === undefined ? undefined : JSON.stringify(req.body);

  for (let attempt = 1; ; attempt++) {
    if (signal.aborted) throw stopped(attempt - 1);
    let failure: RetryableFailure;
    try {
      const response = await doFetch(req.url, { method: req.method, headers, body, signal });
      const text = await response.text();
      if (response.ok) {
        const parsed = parseBody(text);
        if (parsed !== undefined) return { status: response.status, body: parsed, headers: response.headers, attempts: attempt };
        const type = response.headers.get('content-type') ?? 'no content-type';
        throw fail('protocol', `the answer is not JSON (HTTP ${response.status}, ${type}): ${cut(mask(text), 80)}`, { status: response.status, attempts: attempt });
      }
      const detail = cut(mask(serverMessage(text) || response.statusText || 'no message'), DETAIL_MAX_CHARS);
      const status = response.status;
      if (status === 401 || status === 403) {
        throw new LlmStatusError('auth', mask(`${req.provider}: HTTP ${status}: ${detail} (check the API key)`), { status, attempts: attempt, detail });
      }
      if (status !== 429 && status < 500) {
        throw new LlmStatusError('protocol', mask(`${req.provider}: HTTP ${status}: ${detail}`), { status, attempts: attempt, detail });
      }
      failure = { kind: 'http', status, what: `HTTP ${status}`, detail, waitMs: retryAfterMs(response.headers) };
    } catch (err) {
      if (err instanceof LlmError) throw err;
      if (signal.aborted) throw stopped(attempt, err);
      const { words, isRetryable } = describeNetworkError(err);
      if (!isRetryable) {
        // The words may quote the URL, whose path or query can hold a key: print its origin only, and keep the
        // original error (which quotes it too) out of `cause`.
        const safe = words.split(req.url).join(origin(req.url));
        throw fail('network', `cannot reach ${origin(req.url)}: ${safe}`, { attempts: attempt });
      }
      failure = { kind: 'network', status: null, what: `cannot reach ${origin(req.url)}`, detail: words, waitMs: null, cause: err };
    }

    const final = (note = ''): LlmError => {
      const message = `${req.provider}: ${failure.what} after ${plural(attempt, 'attempt')}: ${failure.detail}${note}`;
      return failure.status === null
        ? new LlmError(failure.kind, mask(message), { attempts: attempt, cause: failure.cause })
        : new LlmStatusError(failure.kind, mask(message), { status: failure.status, attempts: attempt, detail: failure.detail });
    };
    if (attempt > req.retries) throw final();
    const waitMs = failure.waitMs ?? backoff(attempt);
    // A wait the deadline would cut short only delays the same failure: report it now.
    if (Date.now() + waitMs >= deadline) {
      throw final(` (the next try would wait ${seconds(waitMs)}, past the ${seconds(req.timeoutMs)} timeout)`);
    }
    try {
      await sleep(waitMs, signal);
    } catch (err) {
      throw signal.aborted ? stopped(attempt, err) : fail('network', `waiting to retry failed`, { attempts: attempt, cause: err });
    }
  }
}

/** A 2xx body: JSON, or null when empty; `undefined` when it is something else (a proxy's HTML page, a cut-off answer). */
function parseBody(text: string): unknown {
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
