import { createOpenAiProvider, refusesJsonMode, refusesMaxTokens } from '../../../src/analyze/llm/providers/openai.js';
import { startFakeLlm, type FakeLlm } from '../../helpers/fake-llm.js';
import { closedPort, KEY, llmFailure, llmRequest, providerSettings, recordingDeps } from './provider-settings.js';

const PROXY_TOKEN = 'proxy-token-9876543210';
const ANALYSIS = '{"summary":"ok","findings":[],"recommendations":[]}';
const JSON_REFUSED = { error: { message: "Invalid parameter: 'response_format' of type 'json_object' is not supported with this model.", type: 'invalid_request_error', param: 'response_format', code: null } };
const MAX_TOKENS_REFUSED = {
  error: { message: "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.", type: 'invalid_request_error', param: 'max_tokens', code: 'unsupported_parameter' },
};

describe('the OpenAI-compatible provider against the fake LLM', () => {
  let fake: FakeLlm;
  const settings = (over: Parameters<typeof providerSettings>[2] = {}) => providerSettings('openai', `${fake.url}/v1`, over);
  const failure = (promise: Promise<unknown>) => llmFailure(promise, 'openai', [KEY, PROXY_TOKEN]);


  beforeEach(async () => {
    fake = await startFakeLlm();
  });
  afterEach(async () => {
    await fake.close();
  });

  it('sends the exact chat completion request and returns the answer', async () => {
    fake.script({ answer: ANALYSIS, tokensIn: 120, tokensOut: 30 });
    const provider = createOpenAiProvider(settings({ headers: { 'x-proxy-token': PROXY_TOKEN } }));
    const res = await provider.complete(llmRequest());
    expect(res).toEqual({
      text: ANALYSIS,
      provider: 'openai',
      model: 'fake-model',
      tokensIn: 120,
      tokensOut: 30,
      reportedCostUsd: null,
      attempts: 1,
      durationMs: expect.any(Number),
    });
    expect(fake.requests).toHaveLength(1);
    const [req] = fake.requests;
    expect(req).toMatchObject({ method: 'POST', path: '/v1/chat/completions' });
    expect(req?.headers).toMatchObject({ authorization: `Bearer ${KEY}`, 'x-proxy-token': PROXY_TOKEN, 'content-type': 'application/json' });
    expect(req?.body).toEqual({
      model: 'fake-model',
      messages: [
        { role: 'system', content: 'You are dthostmon. Answer in JSON.' },
        { role: 'user', content: 'Host web1: <data>nothing new</data>' },
      ],
      temperature: 0,
      max_tokens: 800,
      stream: false,
      response_format: { type: 'json_object' },
    });
    await provider.close();
  });

  it('sends no key when none is configured and no response_format when JSON mode is off', async () => {
    const provider = createOpenAiProvider(settings({ apiKey: null, jsonMode: 'off' }));
    await provider.complete(llmRequest());
    expect(fake.requests[0]?.headers.authorization).toBeUndefined();
    expect(fake.requests[0]?.body).not.toHaveProperty('response_format');
  });

  it('names the model the server says answered, reads content parts, and gives null tokens when usage is absent', async () => {
    fake.script({
      status: 200,
      body: { id: 'x', object: 'chat.completion', model: 'gpt-4o-mini-2024-07-18', choices: [{ index: 0, message: { role: 'assistant', content: [{ type: 'text', text: '{"a":' }, { type: 'text', text: '1}' }] } }] },
    });
    const res = await createOpenAiProvider(settings({ models: ['gpt-4o-mini'] })).complete(llmRequest());
    expect(res).toMatchObject({ text: '{"a":1}', model: 'gpt-4o-mini-2024-07-18', tokensIn: null, tokensOut: null });
    expect(fake.requests[0]?.body).toMatchObject({ model: 'gpt-4o-mini' });
  });

  it('retries a 429 after the retry-after-ms the server asked for', async () => {
    const { sleeps, deps } = recordingDeps();
    fake.script({ status: 429, headers: { 'retry-after-ms': '40' } }, { answer: ANALYSIS });
    const res = await createOpenAiProvider(settings(), deps).complete(llmRequest());
    expect(res).toMatchObject({ text: ANALYSIS, attempts: 2 });
    expect(sleeps).toEqual([40]);
    expect(fake.requests).toHaveLength(2);
  });

  it('fails with kind http when 5xx outlasts the retries', async () => {
    const { sleeps, deps } = recordingDeps();
    fake.fallback = { status: 503 };
    const err = await failure(createOpenAiProvider(settings({ retries: 2 }), deps).complete(llmRequest()));
    expect(err).toMatchObject({ kind: 'http', status: 503, attempts: 3 });
    expect(err.message).toBe('openai: HTTP 503 after 3 attempts: service unavailable');
    expect(sleeps).toEqual([10, 20]);
  });

  it('fails with kind timeout when the server never answers within timeoutMs', async () => {
    fake.script({ hang: true });
    const err = await failure(createOpenAiProvider(settings({ timeoutMs: 200 })).complete(llmRequest()));
    expect(err).toMatchObject({ kind: 'timeout', attempts: 1 });
  });

  it('fails with kind aborted when the pass deadline fires', async () => {
    fake.script({ hang: true });
    const pass = new AbortController();
    setTimeout(() => pass.abort(), 50);
    const err = await failure(createOpenAiProvider(settings()).complete(llmRequest({ signal: pass.signal })));
    expect(err.kind).toBe('aborted');
  });

  it('fails with kind auth on 401, without retrying and without the key in the message', async () => {
    const { sleeps, deps } = recordingDeps();
    fake.script({ status: 401, body: { error: { message: `Incorrect API key provided: ${KEY}`, type: 'invalid_request_error', code: 'invalid_api_key' } } });
    const err = await failure(createOpenAiProvider(settings(), deps).complete(llmRequest()));
    expect(err).toMatchObject({ kind: 'auth', status: 401, attempts: 1 });
    expect(err.message).toContain('Incorrect API key provided: ********');
    expect(sleeps).toEqual([]);
  });

  it('fails with kind protocol on a 200 that is not JSON', async () => {
    fake.script({ raw: '{"choices": [', status: 200 });
    const err = await failure(createOpenAiProvider(settings()).complete(llmRequest()));
    expect(err).toMatchObject({ kind: 'protocol', attempts: 1 });
  });

  it('fails with kind protocol on an empty answer or one without choices', async () => {
    fake.script({ answer: '' }, { status: 200, body: { object: 'chat.completion' } }, { status: 200, body: { choices: [{ index: 0, message: { role: 'assistant', content: null } }] } });
    const provider = createOpenAiProvider(settings());
    expect((await failure(provider.complete(llmRequest()))).message).toBe('openai: the answer holds no text');
    expect((await failure(provider.complete(llmRequest()))).message).toBe('openai: the answer has no choices');
    expect((await failure(provider.complete(llmRequest()))).message).toBe('openai: the answer has no message content');
  });

  it('fails with kind network when nothing listens', async () => {
    const { deps } = recordingDeps();
    const port = await closedPort();
    const err = await failure(createOpenAiProvider(providerSettings('openai', `http://127.0.0.1:${port}/v1`, { retries: 1 }), deps).complete(llmRequest()));
    expect(err).toMatchObject({ kind: 'network', attempts: 2 });
    expect(err.message).toBe(`openai: cannot reach http://127.0.0.1:${port} after 2 attempts: connection refused`);
  });

  it('asks again without response_format when the server refuses JSON mode, and remembers it (auto)', async () => {
    const { notes, deps } = recordingDeps();
    fake.script({ status: 400, body: JSON_REFUSED });
    const provider = createOpenAiProvider(settings(), deps);
    const first = await provider.complete(llmRequest());
    expect(first).toMatchObject({ text: expect.stringContaining('summary'), attempts: 2 });
    await provider.complete(llmRequest());
    const bodies = fake.chats().map((r) => r.body);
    expect(bodies).toHaveLength(3);
    expect(bodies[0]).toHaveProperty('response_format', { type: 'json_object' });
    expect(bodies[1]).not.toHaveProperty('response_format');
    expect(bodies[2]).not.toHaveProperty('response_format');
    expect(notes).toEqual(['openai: the server refuses JSON mode (response_format); asking without it from now on']);
  });

  it('does not drop JSON mode when it is on: the refusal is the error', async () => {
    fake.script({ status: 400, body: JSON_REFUSED });
    const err = await failure(createOpenAiProvider(settings({ jsonMode: 'on' })).complete(llmRequest()));
    expect(err).toMatchObject({ kind: 'protocol', status: 400, attempts: 1 });
    expect(err.message).toContain("'response_format' of type 'json_object' is not supported");
    expect(fake.chats()).toHaveLength(1);
  });

  it('does not retry other 400s', async () => {
    fake.script({ status: 400, body: { error: { message: 'messages: too long', type: 'invalid_request_error' } } });
    const err = await failure(createOpenAiProvider(settings()).complete(llmRequest()));
    expect(err).toMatchObject({ kind: 'protocol', status: 400 });
    expect(fake.chats()).toHaveLength(1);
  });

  it('switches to max_completion_tokens when the model refuses max_tokens, and remembers it', async () => {
    const { notes, deps } = recordingDeps();
    fake.script({ status: 400, body: MAX_TOKENS_REFUSED });
    const provider = createOpenAiProvider(settings(), deps);
    await provider.complete(llmRequest({ maxOutputTokens: 500 }));
    await provider.complete(llmRequest({ maxOutputTokens: 500 }));
    const bodies = fake.chats().map((r) => r.body);
    expect(bodies).toHaveLength(3);
    expect(bodies[0]).toMatchObject({ max_tokens: 500, response_format: { type: 'json_object' } });
    expect(bodies[1]).toMatchObject({ max_completion_tokens: 500, response_format: { type: 'json_object' } });
    expect(bodies[1]).not.toHaveProperty('max_tokens');
    expect(bodies[2]).toMatchObject({ max_completion_tokens: 500 });
    expect(notes).toEqual(['openai: the model refuses max_tokens; sending max_completion_tokens from now on']);
  });

  it('learns both refusals within one call and counts every attempt', async () => {
    const { sleeps, deps } = recordingDeps();
    fake.script({ status: 400, body: MAX_TOKENS_REFUSED }, { status: 429, headers: { 'retry-after-ms': '5' } }, { status: 400, body: JSON_REFUSED });
    const res = await createOpenAiProvider(settings(), deps).complete(llmRequest());
    expect(res.attempts).toBe(4);
    expect(sleeps).toEqual([5]);
    const last = fake.chats().at(-1)?.body;
    expect(last).toMatchObject({ max_completion_tokens: 800 });
    expect(last).not.toHaveProperty('response_format');
    expect(last).not.toHaveProperty('max_tokens');
  });
});

describe('what the OpenAI-compatible provider counts as a refused option', () => {
  it('recognises the wordings of OpenAI and compatible servers', () => {
    expect(refusesMaxTokens(MAX_TOKENS_REFUSED.error.message)).toBe(true);
    expect(refusesMaxTokens('max_tokens must be at most 4096')).toBe(false);
    expect(refusesJsonMode(JSON_REFUSED.error.message)).toBe(true);
    expect(refusesJsonMode("'response_format.type' must be 'json_schema' or 'text'")).toBe(true);
    expect(refusesJsonMode("'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.")).toBe(true);
    expect(refusesJsonMode('model not found')).toBe(false);
  });
});
