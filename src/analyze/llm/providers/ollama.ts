/**
 * Ollama's native chat API (`/api/chat`), unstreamed. `format: 'json'` asks for a JSON answer (Ollama constrains the
 * output to JSON); it is sent unless `jsonMode` is off. A key is sent only when configured: Ollama itself has none,
 * a proxy in front of it may.
 */
import type { LlmProvider, LlmRequest, LlmResponse, ProviderDeps, ProviderSettings } from '../types.js';
import { configuredModel, isRecord, ProviderCall, withAttempts } from './shared.js';

export function createOllamaProvider(settings: ProviderSettings, deps: ProviderDeps = {}): LlmProvider {
  const url = `${settings.baseUrl}/api/chat`;
  const headers: Record<string, string> = settings.apiKey ? { authorization: `Bearer ${settings.apiKey}` } : {};

  async function complete(request: LlmRequest): Promise<LlmResponse> {
    const call = new ProviderCall(settings, request, deps);
    try {
      const res = await call.post(url, headers, {
        model: configuredModel(settings),
        messages: [
          { role: 'system', content: request.system },
          { role: 'user', content: request.user },
        ],
        stream: false,
        ...(settings.jsonMode === 'off' ? {} : { format: 'json' }),
        options: { temperature: 0, num_predict: request.maxOutputTokens },
      });
      if (!isRecord(res.body)) throw call.protocolError('the answer is not a JSON object');
      // A failure reported inside a 200 (as Ollama does mid-stream) is the server's word, not an answer.
      if (typeof res.body.error === 'string') throw call.protocolError(`the server says: ${res.body.error}`);
      const message = isRecord(res.body.message) ? res.body.message : null;
      if (typeof message?.content !== 'string') throw call.protocolError('the answer has no message content');
      // prompt_eval_count is left out when the prompt came from Ollama's cache: null, not 0.
      return call.response(message.content, res.body.model, res.body.prompt_eval_count, res.body.eval_count);
    } catch (err) {
      throw withAttempts(err, call.attempts);
    }
  }

  return { settings, complete, close: async () => {} };
}
