import { z } from 'zod';
import { authorize, presentedCredentials, secretEquals } from '../../../src/serve/auth.js';
import { oneLine, parseQuery, securityHeaders } from '../../../src/serve/http-util.js';
import { createRateLimiter } from '../../../src/serve/rate-limit.js';
import { createRouter } from '../../../src/serve/router.js';
import { ApiError, ok, type Route } from '../../../src/serve/types.js';

const route = (method: 'GET' | 'POST', path: string): Route => ({ method, path, auth: 'api', handle: async () => ok(path) });

describe('router', () => {
  const router = createRouter([route('GET', '/hosts/:id'), route('GET', '/hosts/:id/latest'), route('POST', '/hosts/register'), route('GET', '/health')]);

  it('matches parameters, literals first, one trailing slash', () => {
    expect(router.match('GET', '/hosts/web-01').params).toEqual({ id: 'web-01' });
    expect(router.match('GET', '/hosts/web-01/latest/').route.path).toBe('/hosts/:id/latest');
    expect(router.match('POST', '/hosts/register').route.path).toBe('/hosts/register');
    expect(router.match('HEAD', '/health').route.path).toBe('/health');
  });

  it('404, 405 with Allow, empty parameters do not match', () => {
    expect(() => router.match('GET', '/nope')).toThrow(expect.objectContaining({ status: 404, code: 'not_found' }));
    expect(() => router.match('GET', '/hosts//latest')).toThrow(expect.objectContaining({ status: 404 }));
    try {
      router.match('POST', '/health');
      throw new Error('no throw');
    } catch (err) {
      expect(err).toBeInstanceOf(ApiError);
      expect((err as ApiError).status).toBe(405);
      expect((err as ApiError).headers).toEqual({ allow: 'GET, HEAD' });
    }
  });

  it('refuses two routes with the same method and shape', () => {
    expect(() => createRouter([route('GET', '/a/:x'), route('GET', '/a/:y')])).toThrow('two routes for GET /a/:y');
  });
});

describe('auth', () => {
  const keys = { apiKey: 'k-123', registrationToken: 'r-456' };
  it('compares in constant time whatever the lengths', () => {
    expect(secretEquals('k-123', 'k-123')).toBe(true);
    expect(secretEquals('k-12', 'k-123')).toBe(false);
    expect(secretEquals('', 'k-123')).toBe(false);
  });

  it('reads X-API-Key, Authorization: Bearer, X-Registration-Token', () => {
    expect(presentedCredentials({ 'x-api-key': 'a' })).toEqual({ key: 'a', registration: null });
    expect(presentedCredentials({ authorization: 'bearer  b ' })).toEqual({ key: 'b', registration: 'b' });
    expect(presentedCredentials({ authorization: 'Basic xyz', 'x-registration-token': 'r' })).toEqual({ key: null, registration: 'r' });
  });

  it('api routes take the key only; registration routes the token or the key; none: anyone', () => {
    expect(() => authorize('none', {}, keys)).not.toThrow();
    expect(() => authorize('api', { 'x-api-key': 'k-123' }, keys)).not.toThrow();
    expect(() => authorize('api', { 'x-registration-token': 'r-456' }, keys)).toThrow(expect.objectContaining({ status: 401 }));
    expect(() => authorize('api', { authorization: 'Bearer r-456' }, keys)).toThrow(expect.objectContaining({ code: 'unauthorized' }));
    expect(() => authorize('registration', { 'x-registration-token': 'r-456' }, keys)).not.toThrow();
    expect(() => authorize('registration', { 'x-api-key': 'k-123' }, keys)).not.toThrow();
    expect(() => authorize('registration', { 'x-registration-token': 'r-456' }, { apiKey: 'k-123', registrationToken: null })).toThrow(expect.objectContaining({ status: 401 }));
    expect(() => authorize('api', { 'x-api-key': 'x' }, { apiKey: null, registrationToken: null })).toThrow(expect.objectContaining({ status: 401 }));
  });
});

describe('rate limiter', () => {
  it('a minute of burst, then one token per 60/n s, per client', () => {
    const limiter = createRateLimiter(6);
    for (let i = 0; i < 6; i += 1) expect(limiter.take('a', 0)).toBe(0);
    expect(limiter.take('a', 0)).toBe(10);
    expect(limiter.take('b', 0)).toBe(0);
    expect(limiter.take('a', 9_000)).toBe(1);
    expect(limiter.take('a', 10_500)).toBe(0);
    expect(limiter.size()).toBe(2);
  });
});

describe('parseQuery and helpers', () => {
  it('strict: unknown keys and bad values are 400; repeated keys are arrays', () => {
    const shape = { site: z.union([z.string(), z.array(z.string())]).optional(), limit: z.coerce.number().int().max(50).default(20) };
    expect(parseQuery(shape, new URLSearchParams('site=a&site=b'))).toEqual({ site: ['a', 'b'], limit: 20 });
    expect(parseQuery(shape, new URLSearchParams('limit=5'))).toEqual({ limit: 5 });
    expect(() => parseQuery(shape, new URLSearchParams('x=1&y=2'))).toThrow('x, y: unknown parameters (known: site, limit)');
    expect(() => parseQuery(shape, new URLSearchParams('limit=500'))).toThrow(/^limit: /);
  });

  it('oneLine flattens and bounds; HTML gets its own CSP', () => {
    expect(oneLine('a\n   at b\r\nc', 100)).toBe('a at b c');
    expect(oneLine('x'.repeat(10), 5)).toBe('xxxx…');
    expect(securityHeaders('text/html; charset=utf-8')['content-security-policy']).toContain("style-src 'unsafe-inline'");
  });
});

describe('the full route table', () => {
  it('compiles (no two routes of one shape) and routes health, metrics, registration and legacy paths', async () => {
    const { ROUTES } = await import('../../../src/serve/routes/index.js');
    const router = createRouter(ROUTES);
    expect(router.match('GET', '/health').route.auth).toBe('none');
    expect(router.match('GET', '/metrics').route.auth).toBe('api');
    expect(router.match('POST', '/api/v1/hosts/register').route.auth).toBe('registration');
    expect(router.match('GET', '/api/v1/hosts/web-01').params).toEqual({ name: 'web-01' });
    expect(router.match('GET', '/hosts').route.path).toBe('/hosts');
  });
});
