import { ANTHROPIC_VERSION, createAnthropicProvider, messagesUrl } from '../../../src/analyze/llm/providers/anthropic.js';
import { startFakeLlm, type FakeLlm } from '../../helpers/fake-llm.js';
import { closedPort, KEY, llmFailure, llmRequest, providerSettings, recordingDeps } from './provider-settings.js';

const ANALYSIS = '{"summary":"ok","findings":[],"recommendations":[]}';

describe('the Anthropic provider against the fake LLM', () => {
  let fake: FakeLlm;
  const settings = (over: Parameters<typeof providerSettings>[2] = {}) => providerSettings('anthropic', fake.url, { models: ['claude-3-5-haiku-latest'], ...over });
  const failure = (promise: Promise<unknown>) => llmFailure(promise, 'anthropic');


  beforeEach(async () => {
    fake = await startFakeLlm();
  });
  afterEach(async () => {
    await fake.close();
  });

  it('sends the exact Messages API request and returns the answer', async () => {
    fake.script({ answer: ANALYSIS, tokensIn: 210, tokensOut: 40 });
    const res = await createAnthropicProvider(settings()).complete(llmRequest());
    expect(res).toEqual({
      text: ANALYSIS,
      provider: 'anthropic',
      model: 'claude-3-5-haiku-latest',
      tokensIn: 210,
      tokensOut: 40,
      reportedCostUsd: null,
      attempts: 1,
      durationMs: expect.any(Number),
    });
    const [req] = fake.requests;
    expect(req).toMatchObject({ method: 'POST', path: '/v1/messages' });
    expect(req?.headers).toMatchObject({ 'x-api-key': KEY, 'anthropic-version': ANTHROPIC_VERSION, 'content-type': 'application/json' });
    expect(req?.headers.authorization).toBeUndefined();
    expect(req?.body).toEqual({
      model: 'claude-3-5-haiku-latest',
      max_tokens: 800,
      system: 'You are dthostmon. Answer in JSON.',
      messages: [{ role: 'user', content: 'Host web1: <data>nothing new</data>' }],
      temperature: 0,
    });
  });

  it('does not double /v1 when the base URL ends with it', async () => {
    await createAnthropicProvider(settings({ baseUrl: `${fake.url}/v1` })).complete(llmRequest());
    expect(fake.requests[0]?.path).toBe('/v1/messages');
    expect(messagesUrl('https://api.anthropic.com')).toBe('https://api.anthropic.com/v1/messages');
    expect(messagesUrl('https://proxy.example/anthropic/v1')).toBe('https://proxy.example/anthropic/v1/messages');
  });

  it('joins the text blocks, skips others, and gives null tokens when usage is absent', async () => {
    fake.script({
      status: 200,
      body: {
        type: 'message',
        role: 'assistant',
        model: 'claude-3-5-haiku-20241022',
        content: [{ type: 'thinking', thinking: 'hmm' }, { type: 'text', text: '{"a":' }, { type: 'text', text: '1}' }],
      },
    });
    const res = await createAnthropicProvider(settings()).complete(llmRequest());
    expect(res).toMatchObject({ text: '{"a":1}', model: 'claude-3-5-haiku-20241022', tokensIn: null, tokensOut: null });
  });

  it('retries a 429 after the retry-after the server asked for (seconds)', async () => {
    const { sleeps, deps } = recordingDeps();
    fake.script({ status: 429, headers: { 'retry-after': '1' } }, { answer: ANALYSIS });
    const res = await createAnthropicProvider(settings(), deps).complete(llmRequest());
    expect(res.attempts).toBe(2);
    expect(sleeps).toEqual([1000]);
  });

  it('fails with kind http when 529 overloaded outlasts the retries', async () => {
    const { sleeps, deps } = recordingDeps();
    fake.fallback = { status: 529 };
    const err = await failure(createAnthropicProvider(settings({ retries: 2 }), deps).complete(llmRequest()));
    expect(err).toMatchObject({ kind: 'http', status: 529, attempts: 3 });
    expect(err.message).toBe('anthropic: HTTP 529 after 3 attempts: Overloaded');
    expect(sleeps).toEqual([10, 20]);
  });

  it('fails with kind timeout when the server never answers within timeoutMs', async () => {
    fake.script({ hang: true });
    expect(await failure(createAnthropicProvider(settings({ timeoutMs: 200 })).complete(llmRequest()))).toMatchObject({ kind: 'timeout' });
  });

  it('fails with kind aborted when the pass deadline fires', async () => {
    fake.script({ hang: true });
    const pass = new AbortController();
    setTimeout(() => pass.abort(), 50);
    expect(await failure(createAnthropicProvider(settings()).complete(llmRequest({ signal: pass.signal })))).toMatchObject({ kind: 'aborted' });
  });

  it('fails with kind auth on 401 without the key in the message', async () => {
    fake.script({ status: 401, body: { type: 'error', error: { type: 'authentication_error', message: `invalid x-api-key ${KEY}` } } });
    const err = await failure(createAnthropicProvider(settings()).complete(llmRequest()));
    expect(err).toMatchObject({ kind: 'auth', status: 401, attempts: 1 });
    expect(err.message).toBe('anthropic: HTTP 401: invalid x-api-key ******** (check the API key)');
  });

  it('fails with kind protocol on a 200 that is not JSON, and on an answer without text', async () => {
    fake.script({ raw: 'upstream connect error', contentType: 'text/plain' }, { answer: '   ' }, { status: 200, body: { type: 'message', content: 'nope' } });
    const provider = createAnthropicProvider(settings());
    expect(await failure(provider.complete(llmRequest()))).toMatchObject({ kind: 'protocol', status: 200 });
    expect((await failure(provider.complete(llmRequest()))).message).toBe('anthropic: the answer holds no text');
    expect((await failure(provider.complete(llmRequest()))).message).toBe('anthropic: the answer has no content blocks');
  });

  it('reports a 400 with the server message', async () => {
    fake.script({ status: 400, body: { type: 'error', error: { type: 'invalid_request_error', message: 'max_tokens: must be at most 8192' } } });
    const err = await failure(createAnthropicProvider(settings()).complete(llmRequest()));
    expect(err).toMatchObject({ kind: 'protocol', status: 400 });
    expect(err.message).toBe('anthropic: HTTP 400: max_tokens: must be at most 8192');
  });

  it('fails with kind network when nothing listens', async () => {
    const { deps } = recordingDeps();
    const port = await closedPort();
    const err = await failure(createAnthropicProvider(settings({ baseUrl: `http://127.0.0.1:${port}`, retries: 0 }), deps).complete(llmRequest()));
    expect(err).toMatchObject({ kind: 'network', attempts: 1 });
  });
});
