/** Provider settings and request factories for the provider tests, pointed at the fake LLM. */
import { createServer } from 'node:net';
import { LlmError } from '../../../src/analyze/llm/types.js';
import type { LlmRequest, ProviderDeps, ProviderSettings, ProviderType } from '../../../src/analyze/llm/types.js';

export const KEY = 'sk-test-key-0123456789';

export function providerSettings(type: ProviderType, baseUrl: string, over: Partial<ProviderSettings> = {}): ProviderSettings {
  return {
    type,
    name: type,
    baseUrl,
    models: ['fake-model'],
    apiKey: KEY,
    timeoutMs: 5000,
    retries: 3,
    requestsPerMinute: null,
    jsonMode: 'auto',
    headers: {},
    ...over,
  };
}

export function llmRequest(over: Partial<LlmRequest> = {}): LlmRequest {
  return {
    system: 'You are dthostmon. Answer in JSON.',
    user: 'Host web1: <data>nothing new</data>',
    maxOutputTokens: 800,
    signal: new AbortController().signal,
    ...over,
  };
}

/** Records sleeps and notes instead of waiting, so retry tests take milliseconds. */
export function recordingDeps(): { sleeps: number[]; notes: string[]; deps: ProviderDeps } {
  const sleeps: number[] = [];
  const notes: string[] = [];
  return {
    sleeps,
    notes,
    deps: { sleep: async (ms) => void sleeps.push(ms), backoffMs: (n) => n * 10, onNote: (m) => void notes.push(m) },
  };
}

/** The rejection of `promise` (fails the test when it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
}

/**
 * The provider's error from `promise`: an LlmError whose message is one line, starts with the provider's `label` and
 * holds none of `secrets` (the API key by default).
 */
export async function llmFailure(promise: Promise<unknown>, label: string, secrets: readonly string[] = [KEY]): Promise<LlmError> {
  const err = await rejection(promise);
  expect(err).toBeInstanceOf(LlmError);
  const { message } = err as LlmError;
  expect(message).toMatch(new RegExp(`^${label}: [^\\n]+$`));
  for (const secret of secrets) expect(message).not.toContain(secret);
  return err as LlmError;
}

/** A port nothing listens on. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
