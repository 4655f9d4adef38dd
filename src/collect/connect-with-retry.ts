import { errorMessage } from '../errors.js';
import type { ResolvedHost, Transport, TransportFactory, TransportOptions } from '../types.js';

/** What the wrapper tells its caller before each wait (for `--verbose` progress lines). */
export interface RetryEvent {
  host: string;
  /** The attempt that just failed, from 1. */
  attempt: number;
  /** Attempts allowed in total. */
  attempts: number;
  /** The wait before the next attempt. */
  delayMs: number;
  /** One line, secret-free: the transport's error message. */
  error: string;
}

export interface RetryOptions {
  /** Connection attempts in total, at least 1: `global.retry_attempts` (extra attempts) + 1. */
  attempts: number;
  /** Wait before the 1st, 2nd, ... retry (`global.retry_backoff`); the last value repeats, an empty list waits 0. */
  backoffMs: readonly number[];
  /** Waits `ms`; must reject promptly when `signal` aborts (the pass deadline). */
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  onRetry?: (event: RetryEvent) => void;
}

/**
 * A connection that could not be made. Its message is the last attempt's error followed by how many attempts were
 * made (`ssh dtmon@10.0.0.5:22: connection refused (after 4 attempts)`). `retryable` is false: it is final.
 */
export class ConnectFailedError extends Error {
  readonly attempts: number;
  readonly retryable = false;
  constructor(message: string, attempts: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConnectFailedError';
    this.attempts = attempts;
  }
}

export type ConnectErrorKind = 'transient' | 'permanent';

// Node socket and resolver codes of a network that may work a moment later.
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

// Wordings of src/collect/describe-ssh-error.ts and ssh-transport.ts (`ssh user@host:port: <phrase>`). Permanent
// phrases are tried first; a phrase is matched only at the start of the message or after ": ", so a host name
// cannot fake one.
const PERMANENT_PHRASES =
  /(?:^|: )(?:authentication failed|host key|cannot use private key|cannot read private key|no private key configured|aborted$)/i;
const TRANSIENT_PHRASES =
  /(?:^|: )(?:connection refused|connection reset|timed out after|host name not found|host unreachable|network unreachable|connection closed (?:during|before) the (?:SSH )?handshake|connection lost)/i;

/**
 * Decides whether a connection error is worth another attempt. Errors that say so themselves win (`retryable`,
 * `isPermanent`, a `HostKey*Error` name, ssh2's `level: 'client-authentication'`), anywhere in the `cause` chain;
 * then socket codes and ssh2's `client-timeout`; then the one-line wordings of our ssh transport. Anything not
 * recognised as a network hiccup is permanent: a broken key or a refused login never improves by retrying.
 */
export function classifyConnectError(err: unknown): ConnectErrorKind {
  const chain = causeChain(err);
  for (const e of chain) {
    if (e.retryable === false || e.isPermanent === true) return 'permanent';
    if (e.retryable === true) return 'transient';
    if (typeof e.name === 'string' && /HostKey/i.test(e.name)) return 'permanent';
    if (e.level === 'client-authentication') return 'permanent';
  }
  for (const e of chain) {
    if (typeof e.code === 'string' && TRANSIENT_CODES.has(e.code)) return 'transient';
    if (e.level === 'client-timeout') return 'transient';
  }
  const message = errorMessage(err);
  if (PERMANENT_PHRASES.test(message)) return 'permanent';
  return TRANSIENT_PHRASES.test(message) ? 'transient' : 'permanent';
}

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  level?: unknown;
  retryable?: unknown;
  isPermanent?: unknown;
  cause?: unknown;
}

function causeChain(err: unknown): ErrorLike[] {
  const chain: ErrorLike[] = [];
  let current: unknown = err;
  // Bounded: a cause cycle must not hang the pass.
  while (typeof current === 'object' && current !== null && chain.length < 8) {
    chain.push(current as ErrorLike);
    current = (current as ErrorLike).cause;
  }
  return chain;
}

/** The wait before retry number `retry` (from 1): the list's value, its last value past its end, 0 for no list. */
export function backoffDelayMs(backoffMs: readonly number[], retry: number): number {
  if (backoffMs.length === 0) return 0;
  return backoffMs[Math.min(retry, backoffMs.length) - 1] ?? 0;
}

/**
 * Wraps a TransportFactory so that transient connection failures (refused, reset during the key exchange, timeout,
 * DNS) are retried up to `attempts` in total with the configured backoff, while authentication failures and host
 * key refusals fail at once, with the transport's own error (its type kept). The pass deadline (the factory's signal)
 * ends the waits. A transient failure that is not retried again is a {@link ConnectFailedError} naming the attempts
 * made. `options` (the pinned host keys) is passed through to every attempt unchanged; its `onAttempt` is told each
 * attempt's number before it starts.
 */
export function connectWithRetry(factory: TransportFactory, options: RetryOptions): TransportFactory {
  const attempts = Math.max(1, Math.floor(options.attempts));
  return async (host: ResolvedHost, signal: AbortSignal, transportOptions?: TransportOptions): Promise<Transport> => {
    for (let attempt = 1; ; attempt++) {
      transportOptions?.onAttempt?.(attempt);
      try {
        return await factory(host, signal, transportOptions);
      } catch (err) {
        // Unchanged, so typed refusals (HostKeyChangedError, ClientKeyError) still reach the caller as themselves.
        if (signal.aborted || classifyConnectError(err) === 'permanent') throw err;
        const message = errorMessage(err);
        const plural = attempt === 1 ? 'attempt' : 'attempts';
        if (attempt >= attempts) throw new ConnectFailedError(`${message} (after ${attempt} ${plural})`, attempt, { cause: err });
        const delayMs = backoffDelayMs(options.backoffMs, attempt);
        options.onRetry?.({ host: host.name, attempt, attempts, delayMs, error: message });
        const isStopped = await options.sleep(delayMs, signal).then(
          () => signal.aborted,
          () => true,
        );
        if (isStopped) {
          throw new ConnectFailedError(`${message} (after ${attempt} ${plural}; the pass deadline stopped the retries)`, attempt, {
            cause: err,
          });
        }
      }
    }
  };
}

/** The default `sleep` of {@link RetryOptions}: a timer that rejects as soon as `signal` aborts. */
export function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new Error('aborted'));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new Error('aborted'));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
