/**
 * Chat completions at any OpenAI-compatible base URL (OpenAI, xAI, Ollama's /v1, LM Studio, vLLM, a proxy). Servers
 * differ in what they accept, so two refusals are learned instead of configured: JSON mode (`response_format`, when
 * `jsonMode` is auto) and `max_tokens` (newer OpenAI models want `max_completion_tokens`). Each is retried once without
 * the option and remembered for the provider's lifetime.
 */
import { LlmStatusError } from '../http.js';
import type { LlmProvider, LlmRequest, LlmResponse, ProviderDeps, ProviderSettings } from '../types.js';
import { configuredModel, isRecord, ProviderCall, withAttempts } from './shared.js';

type TokenField = 'max_tokens' | 'max_completion_tokens';

/** What the provider has learned about its server so far. */
interface Learned {
  isJsonMode: boolean;
  tokenField: TokenField;
}

/** A 400 (422 on some servers) about the request's parameters: the only answers worth a changed retry. */
function isParameterRefusal(err: unknown): err is LlmStatusError {
  return err instanceof LlmStatusError && (err.status === 400 || err.status === 422);
}

/** "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead." */
export function refusesMaxTokens(detail: string): boolean {
  return /max_tokens/.test(detail) && /max_completion_tokens|unsupported|not supported/i.test(detail);
}

/** "'response_format' of type 'json_object' is not supported with this model", LM Studio's "'response_format.type' must be ...". */
export function refusesJsonMode(detail: string): boolean {
  return /response_format|json/i.test(detail);
}

function requestBody(model: string, request: LlmRequest, learned: Learned): Record<string, unknown> {
  return {
    model,
    messages: [
      { role: 'system', content: request.system },
      { role: 'user', content: request.user },
    ],
    temperature: 0,
    [learned.tokenField]: request.maxOutputTokens,
    stream: false,
    ...(learned.isJsonMode ? { response_format: { type: 'json_object' } } : {}),
  };
}

/** `choices[0].message.content`: a string, or (some servers) an array of `{type:'text', text}` parts. */
function answerText(content: unknown): string | null {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return null;
  return content.map((part: unknown) => (isRecord(part) && typeof part.text === 'string' ? part.text : '')).join('');
}

export function createOpenAiProvider(settings: ProviderSettings, deps: ProviderDeps = {}): LlmProvider {
  const learned: Learned = { isJsonMode: settings.jsonMode !== 'off', tokenField: 'max_tokens' };
  const url = `${settings.baseUrl}/chat/completions`;
  const headers: Record<string, string> = settings.apiKey ? { authorization: `Bearer ${settings.apiKey}` } : {};

  /** Adapts `learned` to a refusal and says whether another request is worth it. Notes each lesson once. */
  function learnFrom(err: LlmStatusError, sent: Learned): boolean {
    if (sent.tokenField === 'max_tokens' && refusesMaxTokens(err.detail)) {
      if (learned.tokenField === 'max_tokens') {
        learned.tokenField = 'max_completion_tokens';
        deps.onNote?.(`${settings.name}: the model refuses max_tokens; sending max_completion_tokens from now on`);
      }
      return true;
    }
    if (settings.jsonMode === 'auto' && sent.isJsonMode && refusesJsonMode(err.detail)) {
      if (learned.isJsonMode) {
        learned.isJsonMode = false;
        deps.onNote?.(`${settings.name}: the server refuses JSON mode (response_format); asking without it from now on`);
      }
      return true;
    }
    return false;
  }

  async function complete(request: LlmRequest): Promise<LlmResponse> {
    const model = configuredModel(settings);
    const call = new ProviderCall(settings, request, deps);
    // At most one extra request per lesson: two lessons, three requests.
    for (let tries = 0; ; tries++) {
      const sent: Learned = { ...learned };
      try {
        const res = await call.post(url, headers, requestBody(model, request, sent));
        if (!isRecord(res.body) || !Array.isArray(res.body.choices)) throw call.protocolError('the answer has no choices');
        const [choice] = res.body.choices as unknown[];
        const message = isRecord(choice) && isRecord(choice.message) ? choice.message : null;
        const text = answerText(message?.content);
        if (text === null) throw call.protocolError('the answer has no message content');
        const usage = isRecord(res.body.usage) ? res.body.usage : {};
        return call.response(text, res.body.model, usage.prompt_tokens, usage.completion_tokens);
      } catch (err) {
        if (tries < 2 && isParameterRefusal(err) && learnFrom(err, sent)) continue;
        throw withAttempts(err, call.attempts);
      }
    }
  }

  return { settings, complete, close: async () => {} };
}
