/**
 * Anthropic's Messages API. The system prompt has its own field; the answer is the text blocks of `content`. There is
 * no JSON mode to ask for: the prompt asks for JSON and the caller verifies it.
 */
import type { LlmProvider, LlmRequest, LlmResponse, ProviderDeps, ProviderSettings } from '../types.js';
import { configuredModel, isRecord, ProviderCall, withAttempts } from './shared.js';

/** The API version whose request and response shapes this file speaks. */
export const ANTHROPIC_VERSION = '2023-06-01';

/** `<base>/v1/messages`, without doubling /v1 when the configured base URL already ends with it. */
export function messagesUrl(baseUrl: string): string {
  return /\/v1$/.test(baseUrl) ? `${baseUrl}/messages` : `${baseUrl}/v1/messages`;
}

/** The joined `text` of the `type: 'text'` blocks; null when `content` is not a list. */
function answerText(content: unknown): string | null {
  if (!Array.isArray(content)) return null;
  return content.map((block: unknown) => (isRecord(block) && block.type === 'text' && typeof block.text === 'string' ? block.text : '')).join('');
}

export function createAnthropicProvider(settings: ProviderSettings, deps: ProviderDeps = {}): LlmProvider {
  const url = messagesUrl(settings.baseUrl);
  const headers: Record<string, string> = { 'anthropic-version': ANTHROPIC_VERSION, ...(settings.apiKey ? { 'x-api-key': settings.apiKey } : {}) };

  async function complete(request: LlmRequest): Promise<LlmResponse> {
    const call = new ProviderCall(settings, request, deps);
    try {
      const res = await call.post(url, headers, {
        model: configuredModel(settings),
        max_tokens: request.maxOutputTokens,
        system: request.system,
        messages: [{ role: 'user', content: request.user }],
        temperature: 0,
      });
      const text = isRecord(res.body) ? answerText(res.body.content) : null;
      if (text === null || !isRecord(res.body)) throw call.protocolError('the answer has no content blocks');
      const usage = isRecord(res.body.usage) ? res.body.usage : {};
      return call.response(text, res.body.model, usage.input_tokens, usage.output_tokens);
    } catch (err) {
      throw withAttempts(err, call.attempts);
    }
  }

  return { settings, complete, close: async () => {} };
}
