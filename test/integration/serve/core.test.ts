/**
 * The HTTP core of `dthostmon serve` over real loopback sockets: routing (404/405), auth (401, both headers, the
 * registration token), body limits (413/415/400), errors (ApiError, 500 without the cause), rate limit (429),
 * security headers, request logs without keys or query strings, graceful close.
 */
import { z } from 'zod';
import { request as httpRequest } from 'node:http';
import { parseQuery } from '../../../src/serve/http-util.js';
import { ApiError, ok, type Route } from '../../../src/serve/types.js';
import { ServeStartError, startApiServer } from '../../../src/serve/server.js';
import { startTestApi, TEST_API_KEY, TEST_REGISTRATION_TOKEN, type TestApi } from '../../helpers/api-server.js';
import { openTestStore, type TestStore } from '../../helpers/store.js';

let release: (() => void) | null = null;

const routes: Route[] = [
  { method: 'GET', path: '/open', auth: 'none', handle: async () => ok({ open: true }) },
  {
    method: 'GET',
    path: '/api/v1/things/:name',
    auth: 'api',
    handle: async (req) => {
      const q = parseQuery({ limit: z.coerce.number().int().min(1).max(100).default(10) }, req.query);
      return ok({ name: req.params.name, limit: q.limit });
    },
  },
  { method: 'GET', path: '/api/v1/things/special', auth: 'api', handle: async () => ok({ special: true }) },
  { method: 'POST', path: '/api/v1/things/register', auth: 'registration', handle: async (req) => ok({ got: req.body }, 201) },
  { method: 'GET', path: '/teapot', auth: 'api', handle: async () => Promise.reject(new ApiError(418, 'teapot', 'short and stout', { 'x-extra': 'yes' })) },
  { method: 'GET', path: '/boom', auth: 'none', handle: async () => Promise.reject(new Error('SQLITE_ERROR: no such table: secret_stuff\n    at frame')) },
  { method: 'GET', path: '/text', auth: 'none', handle: async () => ({ status: 200, text: '# md\n', contentType: 'text/markdown; charset=utf-8' }) },
  {
    method: 'GET',
    path: '/slow',
    auth: 'none',
    handle: async () => {
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      return ok({ slow: 'done' });
    },
  },
];

describe('serve HTTP core', () => {
  let store: TestStore;
  let api: TestApi;
  beforeAll(async () => {
    store = await openTestStore('sqlite');
    api = await startTestApi({ store, routes, api: { max_body: 1024, rate_limit: 1000 } });
  });
  afterAll(async () => {
    await api.close();
    await store.cleanup();
  });

  it('answers JSON with the security headers', async () => {
    const res = await api.json<{ open: boolean }>('/open', { key: null });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ open: true });
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
  });

  it('answers text routes with their content type', async () => {
    const res = await api.request('/text', { key: null });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
    expect(await res.text()).toBe('# md\n');
  });

  it('404 for an unknown path, 405 with Allow for a known path and another method', async () => {
    const missing = await api.json('/nope');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ error: { code: 'not_found', message: 'no such endpoint' } });
    const wrong = await api.json<{ error: { code: string } }>('/api/v1/things/register', { method: 'DELETE' });
    expect(wrong.status).toBe(405);
    expect(wrong.body.error.code).toBe('method_not_allowed');
    // GET /api/v1/things/:name matches this path too.
    expect(wrong.headers.get('allow')).toBe('GET, HEAD, POST');
    const put = await api.json('/open', { method: 'PUT' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, HEAD');
  });

  it('matches literal segments before parameters and decodes parameters', async () => {
    expect((await api.json('/api/v1/things/special')).body).toEqual({ special: true });
    expect((await api.json('/api/v1/things/web%2001')).body).toEqual({ name: 'web 01', limit: 10 });
    expect((await api.json('/api/v1/things/web-01/')).body).toEqual({ name: 'web-01', limit: 10 });
    const bad = await api.json<{ error: { code: string } }>('/api/v1/things/%E0%A4%A');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('bad_request');
  });

  it('HEAD on a GET route: headers, no body', async () => {
    const res = await api.request('/open', { method: 'HEAD', key: null });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength('{"open":true}\n')));
    expect(await res.text()).toBe('');
  });

  it('401 without a key or with a wrong one; accepts X-API-Key and Authorization: Bearer', async () => {
    const none = await api.json<{ error: { code: string; message: string } }>('/api/v1/things/a', { key: null });
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('unauthorized');
    expect(none.body.error.message).toContain('X-API-Key');
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="dthostmon"');
    const wrong = await api.json<{ error: { message: string } }>('/api/v1/things/a', { key: 'guess' });
    expect(wrong.status).toBe(401);
    expect(JSON.stringify(wrong.body)).not.toContain('guess');
    const prefix = await api.json('/api/v1/things/a', { key: TEST_API_KEY.slice(0, -1) });
    expect(prefix.status).toBe(401);
    expect((await api.json('/api/v1/things/a')).status).toBe(200);
    const bearer = await api.json('/api/v1/things/a', { key: null, headers: { authorization: `Bearer ${TEST_API_KEY}` } });
    expect(bearer.status).toBe(200);
    // The registration token opens registration routes only.
    const reg = await api.json('/api/v1/things/a', { key: null, headers: { authorization: `Bearer ${TEST_REGISTRATION_TOKEN}` } });
    expect(reg.status).toBe(401);
  });

  it('registration routes take the registration token (two headers) or the API key', async () => {
    const post = (headers: Record<string, string>) =>
      api.json<{ got: unknown }>('/api/v1/things/register', { method: 'POST', key: null, headers: { 'content-type': 'application/json', ...headers }, body: '{"name":"x"}' });
    expect((await post({ 'x-registration-token': TEST_REGISTRATION_TOKEN })).status).toBe(201);
    expect((await post({ authorization: `Bearer ${TEST_REGISTRATION_TOKEN}` })).body).toEqual({ got: { name: 'x' } });
    expect((await post({ 'x-api-key': TEST_API_KEY })).status).toBe(201);
    expect((await post({ 'x-registration-token': 'nope' })).status).toBe(401);
    expect((await post({})).status).toBe(401);
  });

  it('bodies: JSON only (415), at most api.max_body (413), valid JSON (400)', async () => {
    const post = (body: string, type = 'application/json') =>
      api.json<{ error: { code: string; message: string } }>('/api/v1/things/register', { method: 'POST', headers: { 'content-type': type }, body });
    const text = await post('name=x', 'application/x-www-form-urlencoded');
    expect(text.status).toBe(415);
    expect(text.body.error.code).toBe('unsupported_media_type');
    const big = await post(JSON.stringify({ pad: 'x'.repeat(2000) }));
    expect(big.status).toBe(413);
    expect(big.body.error).toEqual({ code: 'payload_too_large', message: 'the request body is larger than 1024 bytes (api.max_body)' });
    const broken = await post('{"name":');
    expect(broken.status).toBe(400);
    expect(broken.body.error.code).toBe('invalid_json');
    expect(broken.body.error.message).not.toContain('\n');
  });

  it('413 for a chunked body that grows past the limit (no Content-Length)', async () => {
    const url = new URL(api.url);
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({ host: url.hostname, port: url.port, path: '/api/v1/things/register', method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': TEST_API_KEY } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write(`{"pad":"${'y'.repeat(800)}`);
      req.end(`${'y'.repeat(800)}"}`);
    });
    expect(status).toBe(413);
  });

  it('query parameters: unknown ones and bad values are 400 with the parameter named', async () => {
    const unknown = await api.json<{ error: { code: string; message: string } }>('/api/v1/things/a?limt=5');
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toBe('limt: unknown parameter (known: limit)');
    const bad = await api.json<{ error: { message: string } }>('/api/v1/things/a?limit=1000');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^limit: /);
    expect((await api.json('/api/v1/things/a?limit=5')).body).toEqual({ name: 'a', limit: 5 });
  });

  it('an ApiError keeps its status, code and headers; any other error is a 500 without its message', async () => {
    const tea = await api.json('/teapot');
    expect(tea.status).toBe(418);
    expect(tea.body).toEqual({ error: { code: 'teapot', message: 'short and stout' } });
    expect(tea.headers.get('x-extra')).toBe('yes');
    const boom = await api.request('/boom');
    expect(boom.status).toBe(500);
    const text = await boom.text();
    expect(JSON.parse(text)).toEqual({ error: { code: 'internal', message: 'internal error (see the server log)' } });
    expect(text).not.toContain('secret_stuff');
    const logged = api.logs.events.find((e) => e.level === 'error');
    expect(logged).toMatchObject({ component: 'serve', method: 'GET', path: '/boom', msg: 'GET /boom: SQLITE_ERROR: no such table: secret_stuff at frame' });
    // The stack only at debug; this logger is at debug.
    expect(logged?.stack).toMatch(/^Error: SQLITE_ERROR/);
    expect(api.logs.text()).toMatch(/^error: GET \/boom: SQLITE_ERROR: no such table: secret_stuff at frame\nError: SQLITE_ERROR/m);
  });

  it('logs one event per request: time, client, method, path without the query, status (400: unknown param), ms; never a key', async () => {
    await api.request('/api/v1/things/logme?limit=7&token=should-not-be-logged', { headers: { authorization: `Bearer ${TEST_API_KEY}` } });
    const event = api.logs.events.find((e) => e.path === '/api/v1/things/logme');
    expect(event).toMatchObject({ level: 'info', component: 'serve', client: '127.0.0.1', method: 'GET', status: 400, durationMs: expect.any(Number) });
    expect(event?.time).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/);
    expect(event?.msg).toMatch(/^127\.0\.0\.1 GET \/api\/v1\/things\/logme 400 \d+ms$/);
    expect(api.logs.lines.join('')).not.toContain(TEST_API_KEY);
    expect(api.logs.lines.join('')).not.toContain('should-not-be-logged');
  });

  it('close() lets an in-flight request finish', async () => {
    const extra = await startTestApi({ store, routes });
    const pending = extra.json<{ slow: string }>('/slow', { key: null });
    await new Promise((r) => setTimeout(r, 100));
    const closed = extra.close();
    await new Promise((r) => setTimeout(r, 50));
    release?.();
    const res = await pending;
    await closed;
    expect(res.body).toEqual({ slow: 'done' });
    await expect(fetch(`${extra.url}/open`)).rejects.toThrow();
  });
});

describe('serve rate limit and start errors', () => {
  let store: TestStore;
  beforeAll(async () => {
    store = await openTestStore('sqlite');
  });
  afterAll(async () => {
    await store.cleanup();
  });

  it('429 with Retry-After past api.rate_limit requests per minute from one address', async () => {
    const api = await startTestApi({ store, routes, api: { rate_limit: 3 } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i += 1) statuses.push((await api.request('/open', { key: null })).status);
      const limited = await api.json<{ error: { code: string } }>('/open', { key: null });
      expect(statuses).toEqual([200, 200, 200]);
      expect(limited.status).toBe(429);
      expect(limited.body.error.code).toBe('rate_limited');
      // 3 per minute: one token every 20 s.
      expect(Number(limited.headers.get('retry-after'))).toBe(20);
    } finally {
      await api.close();
    }
  });

  it('a port in use is a one-line start error', async () => {
    const api = await startTestApi({ store, routes });
    try {
      const err = await startApiServer({ config: api.config, store, routes, log: api.logs.logger, port: api.port, bind: '127.0.0.1' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ServeStartError);
      expect((err as ServeStartError).exitCode).toBe(2);
      expect((err as Error).message).toBe(`cannot listen on 127.0.0.1:${api.port}: the address is already in use (another serve? pick another api.port or --port)`);
    } finally {
      await api.close();
    }
  });

  it('a missing TLS file is a one-line start error naming it; one of the two alone too', async () => {
    const err = await startTestApi({ store, routes, api: { tls_cert: 'missing-cert.pem', tls_key: 'missing-key.pem' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServeStartError);
    expect((err as Error).message).toMatch(/^api\.tls_cert \/.*\/missing-cert\.pem: cannot read it \(no such file\)$/);
    const half = await startTestApi({ store, routes, api: { tls_cert: 'cert.pem' } }).catch((e: unknown) => e);
    expect((half as Error).message).toBe('api.tls_key is missing: HTTPS needs both api.tls_cert and api.tls_key');
  });
});
