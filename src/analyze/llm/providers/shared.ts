/**
 * What the OpenAI-compatible, Anthropic and Ollama providers share: one deadline across the requests of a call (a
 * refused option makes a second request), reading loosely typed answer fields, and the LlmResponse they return.
 */
import { maskSecrets, providerSecrets, requestJson, type JsonResponse } from '../http.js';
import { LlmError, type LlmRequest, type LlmResponse, type ProviderDeps, type ProviderSettings } from '../types.js';

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A token count the server reported, or null when it did not (or sent something that is not a count). */
export function tokenCount(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : null;
}

/** The one model of an openai / anthropic / ollama provider (config validation ensures there is one). */
export function configuredModel(settings: ProviderSettings): string {
  const model = settings.models[0];
  if (!model) throw new LlmError('protocol', `${settings.name}: no model configured`, { attempts: 0 });
  return model;
}

/** The same error with the attempts of every request of the call, not only the last one's. */
export function withAttempts(err: unknown, attempts: number): unknown {
  if (!(err instanceof LlmError) || err.attempts === attempts) return err;
  return new LlmError(err.kind, err.message, { status: err.status, attempts, cause: err });
}

/**
 * One provider call, possibly several requests (a retry without a refused option). It keeps the deadline of the whole
 * call (`settings.timeoutMs`) and counts the attempts of all its requests.
 */
export class ProviderCall {
  attempts = 0;
  private readonly startedAt = performance.now();

  constructor(
    private readonly settings: ProviderSettings,
    private readonly request: LlmRequest,
    private readonly deps: ProviderDeps,
  ) {}

  /** POSTs `body` with the provider's headers, retries, masking and what is left of the call's deadline. */
  async post(url: string, headers: Record<string, string>, body: unknown): Promise<JsonResponse> {
    const elapsedMs = performance.now() - this.startedAt;
    try {
      const res = await requestJson(
        {
          method: 'POST',
          url,
          headers: { ...headers, ...this.settings.headers },
          body,
          timeoutMs: Math.max(1, Math.floor(this.settings.timeoutMs - elapsedMs)),
          retries: this.settings.retries,
          signal: this.request.signal,
          provider: this.settings.name,
          secrets: providerSecrets(this.settings),
        },
        this.deps,
      );
      this.attempts += res.attempts;
      return res;
    } catch (err) {
      if (err instanceof LlmError) this.attempts += err.attempts;
      throw err;
    }
  }

  /** A protocol error for an answer not in the expected shape; masked, as `what` may quote the server. */
  protocolError(what: string): LlmError {
    const message = maskSecrets(`${this.settings.name}: ${what}`, providerSecrets(this.settings));
    return new LlmError('protocol', message.length > 400 ? `${message.slice(0, 397)}...` : message, { attempts: this.attempts });
  }

  /** The response, once the text is known to be non-empty. `answeredModel` is what the server says answered, if it says. */
  response(text: string, answeredModel: unknown, tokensIn: unknown, tokensOut: unknown): LlmResponse {
    if (text.trim() === '') throw this.protocolError('the answer holds no text');
    return {
      text,
      provider: this.settings.name,
      model: typeof answeredModel === 'string' && answeredModel !== '' ? answeredModel : configuredModel(this.settings),
      tokensIn: tokenCount(tokensIn),
      tokensOut: tokenCount(tokensOut),
      reportedCostUsd: null,
      attempts: this.attempts,
      durationMs: Math.round(performance.now() - this.startedAt),
    };
  }
}
