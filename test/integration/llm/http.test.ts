import { LlmStatusError, maskSecrets, requestJson, retryAfterMs, serverMessage, type JsonRequest } from '../../../src/analyze/llm/http.js';
import { LlmError, type ProviderDeps } from '../../../src/analyze/llm/types.js';
import { startFakeLlm, type FakeLlm } from '../../helpers/fake-llm.js';
import { closedPort } from './provider-settings.js';

const KEY = 'sk-test-0123456789abcdef';

/** Sleeps recorded instead of waited, so retry tests take milliseconds. */
function recorder(): { sleeps: number[]; deps: ProviderDeps } {
  const sleeps: number[] = [];
  return { sleeps, deps: { sleep: async (ms) => void sleeps.push(ms), backoffMs: (n) => n * 10 } };
}

/** Asserts `promise` rejects with an LlmError and returns it. */
async function failure(promise: Promise<unknown>): Promise<LlmError> {
  const err: unknown = await promise.then(
    () => new Error('expected a rejection'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LlmError);
  const llm = err as LlmError;
  // One line that names the provider, without a stack or the key.
  expect(llm.message).toMatch(/^fake: /);
  expect(llm.message).not.toMatch(/\n|\s+at\s/);
  expect(llm.message).not.toContain(KEY);
  return llm;
}

describe('requestJson against the fake LLM', () => {
  let fake: FakeLlm;
  const request = (over: Partial<JsonRequest> = {}): JsonRequest => ({
    method: 'POST',
    url: `${fake.url}/v1/chat/completions`,
    headers: { authorization: `Bearer ${KEY}` },
    body: { model: 'fake-model', messages: [{ role: 'user', content: 'hello' }] },
    timeoutMs: 5000,
    retries: 3,
    signal: new AbortController().signal,
    provider: 'fake',
    secrets: [KEY],
    ...over,
  });

  beforeEach(async () => {
    fake = await startFakeLlm();
  });
  afterEach(async () => {
    await fake.close();
  });

  it('sends JSON with the given headers and returns the parsed answer', async () => {
    fake.script({ answer: '{"ok":true}', tokensIn: 5, tokensOut: 3 });
    const res = await requestJson(request());
    expect(res).toMatchObject({ status: 200, attempts: 1 });
    expect(res.body).toMatchObject({ choices: [{ message: { content: '{"ok":true}' } }], usage: { prompt_tokens: 5, completion_tokens: 3 } });
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]).toMatchObject({
      method: 'POST',
      path: '/v1/chat/completions',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', accept: 'application/json' },
      body: { model: 'fake-model', messages: [{ role: 'user', content: 'hello' }] },
    });
  });

  it('sends a GET without a body or content-type', async () => {
    const res = await requestJson(request({ method: 'GET', url: `${fake.url}/v1/models`, body: undefined }));
    expect(res.body).toEqual({ object: 'list', data: [expect.objectContaining({ id: 'fake-model' })] });
    expect(fake.requests[0]?.headers['content-type']).toBeUndefined();
    expect(fake.requests[0]?.body).toBeNull();
  });

  it('returns null for an empty 2xx body', async () => {
    fake.script({ raw: '', status: 200 });
    expect((await requestJson(request())).body).toBeNull();
  });

  it('retries a 429 after the retry-after-ms the server asked for', async () => {
    const { sleeps, deps } = recorder();
    fake.script({ status: 429, headers: { 'retry-after-ms': '25' } }, { answer: 'fine' });
    const res = await requestJson(request(), deps);
    expect(res.attempts).toBe(2);
    expect(sleeps).toEqual([25]);
    expect(fake.requests).toHaveLength(2);
  });

  it('honours retry-after in seconds and as an HTTP date, else the backoff', async () => {
    const { sleeps, deps } = recorder();
    const inTwoSeconds = new Date(Date.now() + 2000).toUTCString();
    fake.script(
      { status: 503, headers: { 'retry-after': '3' } },
      { status: 429, headers: { 'retry-after': inTwoSeconds } },
      { status: 502 },
      { answer: 'fine' },
    );
    const res = await requestJson(request({ timeoutMs: 60_000 }), deps);
    expect(res.attempts).toBe(4);
    expect(sleeps[0]).toBe(3000);
    expect(sleeps[1]).toBeGreaterThan(0);
    expect(sleeps[1]).toBeLessThanOrEqual(2000);
    expect(sleeps[2]).toBe(30); // backoffMs(3) of the recorder
  });

  it('waits really (the default sleep) when no sleep is passed', async () => {
    fake.script({ status: 500, headers: { 'retry-after-ms': '20' } }, { answer: 'fine' });
    const started = Date.now();
    const res = await requestJson(request());
    expect(res.attempts).toBe(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(15);
  });

  it('gives up with kind http when 5xx outlasts the retries', async () => {
    const { sleeps, deps } = recorder();
    const backoffs: number[] = [];
    fake.fallback = { status: 500 };
    const err = await failure(requestJson(request({ retries: 2 }), { ...deps, backoffMs: (n) => (backoffs.push(n), 1) }));
    expect(err).toBeInstanceOf(LlmStatusError);
    expect(err).toMatchObject({ kind: 'http', status: 500, attempts: 3 });
    expect(err.message).toBe('fake: HTTP 500 after 3 attempts: fake upstream failure');
    expect(backoffs).toEqual([1, 2]);
    expect(sleeps).toEqual([1, 1]);
    expect(fake.requests).toHaveLength(3);
  });

  it("retries Anthropic's 529 overloaded_error and reports its message", async () => {
    const { deps } = recorder();
    fake.fallback = { status: 529 };
    const err = await failure(requestJson(request({ url: `${fake.url}/v1/messages`, retries: 1 }), deps));
    expect(err).toMatchObject({ kind: 'http', status: 529, attempts: 2 });
    expect(err.message).toBe('fake: HTTP 529 after 2 attempts: Overloaded');
  });

  it('does not take a wait that would pass the deadline: it fails at once', async () => {
    const { sleeps, deps } = recorder();
    fake.script({ status: 429, headers: { 'retry-after': '60' } });
    const err = await failure(requestJson(request({ timeoutMs: 1000 }), deps));
    expect(err).toMatchObject({ kind: 'http', status: 429, attempts: 1 });
    expect(err.message).toContain('the next try would wait 60 s, past the 1 s timeout');
    expect(sleeps).toEqual([]);
  });

  it('ends a request the server never answers with kind timeout', async () => {
    fake.script({ hang: true });
    const started = Date.now();
    const err = await failure(requestJson(request({ timeoutMs: 200 })));
    expect(err).toMatchObject({ kind: 'timeout', attempts: 1 });
    expect(err.message).toBe('fake: no answer within 0.2 s (1 attempt)');
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('ends with kind aborted when the pass deadline fires mid-request', async () => {
    fake.script({ hang: true });
    const pass = new AbortController();
    setTimeout(() => pass.abort(), 50);
    const err = await failure(requestJson(request({ signal: pass.signal })));
    expect(err).toMatchObject({ kind: 'aborted' });
    expect(err.message).toContain('stopped by the pass deadline');
  });

  it('ends with kind aborted when the pass deadline fires during a retry wait', async () => {
    fake.script({ status: 503, headers: { 'retry-after': '2' } });
    const pass = new AbortController();
    setTimeout(() => pass.abort(), 50);
    const started = Date.now();
    const err = await failure(requestJson(request({ signal: pass.signal })));
    expect(err).toMatchObject({ kind: 'aborted', attempts: 1 });
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('does not even send when the pass deadline has already passed', async () => {
    const pass = new AbortController();
    pass.abort();
    const err = await failure(requestJson(request({ signal: pass.signal })));
    expect(err.kind).toBe('aborted');
    expect(fake.requests).toHaveLength(0);
  });

  it('maps 401 to auth without retrying, and masks the key the server echoed', async () => {
    const { sleeps, deps } = recorder();
    fake.script({ status: 401, body: { error: { message: `Incorrect API key provided: ${KEY}.`, type: 'invalid_request_error', code: 'invalid_api_key' } } });
    const err = await failure(requestJson(request(), deps));
    expect(err).toMatchObject({ kind: 'auth', status: 401, attempts: 1 });
    expect(err.message).toBe('fake: HTTP 401: Incorrect API key provided: ********. (check the API key)');
    expect((err as LlmStatusError).detail).not.toContain(KEY);
    expect(sleeps).toEqual([]);
  });

  it('maps 403 to auth', async () => {
    fake.script({ status: 403 });
    expect(await failure(requestJson(request()))).toMatchObject({ kind: 'auth', status: 403 });
  });

  it('maps another 4xx to protocol with the status and the server message, cut to 300 characters', async () => {
    const { sleeps, deps } = recorder();
    fake.script({ status: 400, body: { error: { message: `${'x'.repeat(400)}\nsecond line`, type: 'invalid_request_error' } } });
    const err = await failure(requestJson(request(), deps));
    expect(err).toBeInstanceOf(LlmStatusError);
    expect(err).toMatchObject({ kind: 'protocol', status: 400, attempts: 1 });
    expect((err as LlmStatusError).detail).toHaveLength(300);
    expect((err as LlmStatusError).detail.endsWith('...')).toBe(true);
    expect(sleeps).toEqual([]);
  });

  it("reads Ollama's error string and a plain-text error", async () => {
    fake.script({ status: 404 }, { status: 422, body: 'model is required' });
    const ollama = await failure(requestJson(request({ url: `${fake.url}/api/chat` })));
    expect(ollama.message).toBe('fake: HTTP 404: not found');
    const text = await failure(requestJson(request()));
    expect(text.message).toBe('fake: HTTP 422: model is required');
  });

  it('maps a 200 whose body is not JSON to protocol', async () => {
    fake.script({ raw: '<html>gateway says hi', contentType: 'text/html' });
    const err = await failure(requestJson(request()));
    expect(err).toMatchObject({ kind: 'protocol', status: 200, attempts: 1 });
    expect(err.message).toBe('fake: the answer is not JSON (HTTP 200, text/html): <html>gateway says hi');
  });

  it('maps a refused connection to network, after the retries', async () => {
    const { sleeps, deps } = recorder();
    const port = await closedPort();
    const err = await failure(requestJson(request({ url: `http://127.0.0.1:${port}/v1/chat?key=${KEY}`, retries: 2 }), deps));
    expect(err).toMatchObject({ kind: 'network', status: null, attempts: 3 });
    expect(err.message).toBe(`fake: cannot reach http://127.0.0.1:${port} after 3 attempts: connection refused`);
    expect(sleeps).toEqual([10, 20]);
  });

  it('does not retry a request that cannot be built (a bad URL)', async () => {
    const { sleeps, deps } = recorder();
    const err = await failure(requestJson(request({ url: 'not a url' }), deps));
    expect(err).toMatchObject({ kind: 'network', attempts: 1 });
    expect(sleeps).toEqual([]);
  });

  it('keeps the password of a URL with credentials (which fetch refuses) out of the message', async () => {
    const err = await failure(requestJson(request({ url: `http://user:hunter2-password@127.0.0.1:1/v1?x=1`, secrets: [] })));
    expect(err).toMatchObject({ kind: 'network', attempts: 1 });
    expect(err.message).not.toContain('hunter2');
    expect(err.message).toMatch(/^fake: cannot reach http:\/\/127\.0\.0\.1:1: Request cannot be constructed/);
  });

  it('masks secrets passed through other headers too', async () => {
    const proxyToken = 'proxy-token-abcdef';
    fake.script({ status: 400, body: { error: { message: `bad header x-proxy: ${proxyToken}` } } });
    const err = await failure(requestJson(request({ headers: { 'x-proxy': proxyToken }, secrets: [KEY, proxyToken] })));
    expect(err.message).toBe('fake: HTTP 400: bad header x-proxy: ********');
  });
});

describe('http helpers', () => {
  it('retryAfterMs reads retry-after-ms first, then retry-after in seconds or as a date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs(new Headers({ 'retry-after-ms': '150.5', 'retry-after': '9' }), now)).toBe(150.5);
    expect(retryAfterMs(new Headers({ 'retry-after': '2' }), now)).toBe(2000);
    expect(retryAfterMs(new Headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' }), now)).toBe(5000);
    expect(retryAfterMs(new Headers({ 'retry-after': 'Wed, 31 Dec 2025 00:00:00 GMT' }), now)).toBe(0);
    expect(retryAfterMs(new Headers({ 'retry-after': 'soon' }), now)).toBeNull();
    expect(retryAfterMs(new Headers(), now)).toBeNull();
  });

  it('serverMessage understands the error shapes of the APIs', () => {
    expect(serverMessage('{"error":{"message":"m1","type":"t"}}')).toBe('m1');
    expect(serverMessage('{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}')).toBe('Overloaded');
    expect(serverMessage('{"error":"model not found"}')).toBe('model not found');
    expect(serverMessage('{"object":"error","message":"vllm says"}')).toBe('vllm says');
    expect(serverMessage('{"detail":"fastapi says"}')).toBe('fastapi says');
    expect(serverMessage('{"name":"NotFoundError","data":{"message":"no session"}}')).toBe('no session');
    expect(serverMessage('  plain text  ')).toBe('plain text');
  });

  it('maskSecrets hides every secret, longest first, and keeps one line', () => {
    expect(maskSecrets('a abcd-1234 b abcd\nc', ['abcd', 'abcd-1234'])).toBe('a ******** b ******** c');
    // Too short to mask safely (it would garble ordinary words).
    expect(maskSecrets('key x', ['x'])).toBe('key x');
    expect(maskSecrets('see https://bob:pw@host/x and ftp://a@b', [])).toBe('see https://host/x and ftp://b');
  });
});
