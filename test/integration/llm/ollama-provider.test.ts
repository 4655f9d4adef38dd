import { createOllamaProvider } from '../../../src/analyze/llm/providers/ollama.js';
import { startFakeLlm, type FakeLlm } from '../../helpers/fake-llm.js';
import { closedPort, KEY, llmFailure, llmRequest, providerSettings, recordingDeps } from './provider-settings.js';

const ANALYSIS = '{"summary":"ok","findings":[],"recommendations":[]}';

describe('the Ollama provider against the fake LLM', () => {
  let fake: FakeLlm;
  const settings = (over: Parameters<typeof providerSettings>[2] = {}) => providerSettings('ollama', fake.url, { models: ['llama3.1'], apiKey: null, ...over });
  const failure = (promise: Promise<unknown>) => llmFailure(promise, 'ollama');


  beforeEach(async () => {
    fake = await startFakeLlm();
  });
  afterEach(async () => {
    await fake.close();
  });

  it('sends the exact /api/chat request, unstreamed, and returns the answer', async () => {
    fake.script({ answer: ANALYSIS, tokensIn: 300, tokensOut: 50 });
    const res = await createOllamaProvider(settings()).complete(llmRequest());
    expect(res).toEqual({
      text: ANALYSIS,
      provider: 'ollama',
      model: 'llama3.1',
      tokensIn: 300,
      tokensOut: 50,
      reportedCostUsd: null,
      attempts: 1,
      durationMs: expect.any(Number),
    });
    const [req] = fake.requests;
    expect(req).toMatchObject({ method: 'POST', path: '/api/chat' });
    expect(req?.headers.authorization).toBeUndefined();
    expect(req?.body).toEqual({
      model: 'llama3.1',
      messages: [
        { role: 'system', content: 'You are dthostmon. Answer in JSON.' },
        { role: 'user', content: 'Host web1: <data>nothing new</data>' },
      ],
      stream: false,
      format: 'json',
      options: { temperature: 0, num_predict: 800 },
    });
  });

  it('sends a bearer key only when one is configured (a proxy), and no format when JSON mode is off', async () => {
    await createOllamaProvider(settings({ apiKey: KEY, jsonMode: 'off' })).complete(llmRequest());
    expect(fake.requests[0]?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(fake.requests[0]?.body).not.toHaveProperty('format');
  });

  it('gives null tokens when Ollama leaves the counts out (a cached prompt)', async () => {
    fake.script({ status: 200, body: { model: 'llama3.1:8b', message: { role: 'assistant', content: ANALYSIS }, done: true } });
    const res = await createOllamaProvider(settings()).complete(llmRequest());
    expect(res).toMatchObject({ model: 'llama3.1:8b', tokensIn: null, tokensOut: null });
  });

  it('retries a 503 after the backoff and then answers', async () => {
    const { sleeps, deps } = recordingDeps();
    fake.script({ status: 503 }, { status: 500 }, { answer: ANALYSIS });
    const res = await createOllamaProvider(settings(), deps).complete(llmRequest());
    expect(res.attempts).toBe(3);
    expect(sleeps).toEqual([10, 20]);
  });

  it('fails with kind http when 5xx outlasts the retries', async () => {
    const { deps } = recordingDeps();
    fake.fallback = { status: 500, body: { error: 'llama runner process has terminated' } };
    const err = await failure(createOllamaProvider(settings({ retries: 1 }), deps).complete(llmRequest()));
    expect(err).toMatchObject({ kind: 'http', status: 500, attempts: 2 });
    expect(err.message).toBe('ollama: HTTP 500 after 2 attempts: llama runner process has terminated');
  });

  it('reports a missing model (404) as protocol with the server message', async () => {
    fake.script({ status: 404, body: { error: 'model "llama3.1" not found, try pulling it first' } });
    const err = await failure(createOllamaProvider(settings()).complete(llmRequest()));
    expect(err).toMatchObject({ kind: 'protocol', status: 404, attempts: 1 });
    expect(err.message).toBe('ollama: HTTP 404: model "llama3.1" not found, try pulling it first');
  });

  it('fails with kind timeout when the server never answers within timeoutMs', async () => {
    fake.script({ hang: true });
    expect(await failure(createOllamaProvider(settings({ timeoutMs: 200 })).complete(llmRequest()))).toMatchObject({ kind: 'timeout' });
  });

  it('fails with kind aborted when the pass deadline fires', async () => {
    fake.script({ hang: true });
    const pass = new AbortController();
    setTimeout(() => pass.abort(), 50);
    expect(await failure(createOllamaProvider(settings()).complete(llmRequest({ signal: pass.signal })))).toMatchObject({ kind: 'aborted' });
  });

  it('fails with kind auth on 401 from a proxy, without the key in the message', async () => {
    fake.script({ status: 401, body: { error: `bad token ${KEY}` } });
    const err = await failure(createOllamaProvider(settings({ apiKey: KEY })).complete(llmRequest()));
    expect(err).toMatchObject({ kind: 'auth', status: 401 });
    expect(err.message).toBe('ollama: HTTP 401: bad token ******** (check the API key)');
  });

  it('fails with kind protocol on a 200 that is not JSON, an error inside a 200, and an empty answer', async () => {
    fake.script({ raw: '{"model":"llama3.1","message":' }, { status: 200, body: { error: `out of memory (key ${KEY})` } }, { answer: '' });
    const provider = createOllamaProvider(settings({ apiKey: KEY }));
    expect(await failure(provider.complete(llmRequest()))).toMatchObject({ kind: 'protocol', status: 200 });
    expect((await failure(provider.complete(llmRequest()))).message).toBe('ollama: the server says: out of memory (key ********)');
    expect((await failure(provider.complete(llmRequest()))).message).toBe('ollama: the answer holds no text');
  });

  it('fails with kind network when nothing listens', async () => {
    const { deps } = recordingDeps();
    const port = await closedPort();
    const err = await failure(createOllamaProvider(settings({ baseUrl: `http://127.0.0.1:${port}`, retries: 1 }), deps).complete(llmRequest()));
    expect(err).toMatchObject({ kind: 'network', attempts: 2 });
    expect(err.message).toBe(`ollama: cannot reach http://127.0.0.1:${port} after 2 attempts: connection refused`);
  });
});
