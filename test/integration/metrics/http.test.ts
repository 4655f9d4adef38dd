/**
 * The metrics HTTP client against real loopback servers: TLS trust (throwaway CA made with openssl, system store via
 * SSL_CERT_FILE, self-signed, wrong name, expired), plain-http refusal before connecting, timeouts and aborts, the
 * body cap, broken connections, auth headers, secrets kept out of messages, expectOk's one-line errors, POST bodies.
 */
import { getEventListeners } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createHttpClient, describeNetworkError, displayUrl, expectOk, MetricsHttpError, shortServerMessage, systemCertificates, type HttpClient, type HttpRequest } from '../../../src/collect/metrics/http.js';
import { closedPort, createTestPki, opensslDescribe, removeTestPki, sendJson, startRawServer, startServer, type TestPki, type TestServer } from '../../helpers/tls-server.js';

const insecure = createHttpClient({ allowInsecureHttp: true, caFile: null });
const servers: TestServer[] = [];

async function serve(...args: Parameters<typeof startServer>): Promise<TestServer> {
  const server = await startServer(...args);
  servers.push(server);
  return server;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** The MetricsHttpError a request fails with (the test fails if it resolves or throws something else). */
async function failure(client: HttpClient, req: HttpRequest): Promise<string> {
  const err: unknown = await client.request(req).then(
    (res) => new Error(`expected a failure, got HTTP ${res.status}`),
    (e: unknown) => e,
  );
  if (!(err instanceof MetricsHttpError)) throw err;
  expect(err.message).not.toContain('\n');
  return err.message;
}

const ok = (text: string) => (_req: unknown, res: import('node:http').ServerResponse) => res.end(text);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

opensslDescribe('HTTPS trust', () => {
  let pki: TestPki | null = null;
  const savedSslCertFile = process.env.SSL_CERT_FILE;
  const pkiOf = (): TestPki => {
    if (!pki) throw new Error('no test PKI');
    return pki;
  };
  beforeAll(async () => {
    delete process.env.SSL_CERT_FILE;
    pki = await createTestPki();
  });
  afterAll(async () => {
    if (savedSslCertFile === undefined) delete process.env.SSL_CERT_FILE;
    else process.env.SSL_CERT_FILE = savedSslCertFile;
    await removeTestPki(pki);
  });

  it('a server signed by an unknown CA fails with one line pointing at metrics.ca_file', async () => {
    const server = await serve(ok('up'), pkiOf().good);
    const client = createHttpClient({ allowInsecureHttp: false, caFile: null });
    expect(await failure(client, { url: `${server.url}/metrics`, timeoutMs: 3000 })).toBe(
      `GET ${server.url}/metrics: TLS: certificate issuer (CA) not trusted (give its CA in metrics.ca_file)`,
    );
  });

  it('a server that sends its whole chain (CA included) gets the same issuer message', async () => {
    const server = await serve(ok('up'), pkiOf().goodWithChain);
    const client = createHttpClient({ allowInsecureHttp: false, caFile: null });
    expect(await failure(client, { url: server.url, timeoutMs: 3000 })).toBe(`GET ${server.url}: TLS: certificate issuer (CA) not trusted (give its CA in metrics.ca_file)`);
  });

  it('with caFile = the CA: 200 and the body; one client reuses its verified connection', async () => {
    const server = await serve(ok('{"status":"success"}'), pkiOf().good);
    const client = createHttpClient({ allowInsecureHttp: false, caFile: pkiOf().caFile });
    const first = await client.request({ url: `${server.url}/api`, timeoutMs: 3000 });
    const second = await client.request({ url: `${server.url}/api`, timeoutMs: 3000 });
    expect([first.status, first.body, second.status]).toEqual([200, '{"status":"success"}', 200]);
    expect(server.connections()).toBe(1);
    // Another client (maybe another ca_file) never gets a socket this one verified.
    await createHttpClient({ allowInsecureHttp: false, caFile: pkiOf().caFile }).request({ url: server.url, timeoutMs: 3000 });
    expect(server.connections()).toBe(2);
  });

  it('a self-signed certificate: the self-signed message; trusted when given itself as ca_file', async () => {
    const server = await serve(ok('self'), pkiOf().selfSigned);
    const withCa = createHttpClient({ allowInsecureHttp: false, caFile: pkiOf().caFile });
    expect(await failure(withCa, { url: server.url, timeoutMs: 3000 })).toBe(`GET ${server.url}: TLS: self-signed certificate not trusted (give its CA in metrics.ca_file)`);
    const trusting = createHttpClient({ allowInsecureHttp: false, caFile: pkiOf().selfSignedFile });
    expect((await trusting.request({ url: server.url, timeoutMs: 3000 })).body).toBe('self');
  });

  it('a certificate for another name: does not match the host name', async () => {
    const server = await serve(ok('x'), pkiOf().wrongName);
    const client = createHttpClient({ allowInsecureHttp: false, caFile: pkiOf().caFile });
    expect(await failure(client, { url: `${server.url}/x?token=secret`, timeoutMs: 3000 })).toBe(`GET ${server.url}/x: TLS: certificate does not match the host name`);
  });

  it('an expired certificate: has expired', async () => {
    const server = await serve(ok('x'), pkiOf().expired);
    const client = createHttpClient({ allowInsecureHttp: false, caFile: pkiOf().caFile });
    expect(await failure(client, { url: server.url, timeoutMs: 3000 })).toBe(`GET ${server.url}: TLS: certificate has expired`);
  });

  it('a caFile that does not exist: one line naming the file, before connecting', async () => {
    const server = await serve(ok('x'), pkiOf().good);
    const missing = join(pkiOf().dir, 'nope.pem');
    const client = createHttpClient({ allowInsecureHttp: false, caFile: missing });
    expect(await failure(client, { url: server.url, timeoutMs: 3000 })).toBe(`GET ${server.url}: cannot read metrics.ca_file ${missing} (ENOENT)`);
    expect(server.connections()).toBe(0);
  });

  it('a caFile that holds no certificate says so (OpenSSL would skip it silently and blame the server)', async () => {
    const server = await serve(ok('x'), pkiOf().good);
    const junk = join(pkiOf().dir, 'junk.pem');
    await writeFile(junk, 'this is not a certificate\n');
    const client = createHttpClient({ allowInsecureHttp: false, caFile: junk });
    expect(await failure(client, { url: server.url, timeoutMs: 3000 })).toBe(`GET ${server.url}: metrics.ca_file ${junk} holds no PEM certificate`);
    const corrupt = join(pkiOf().dir, 'corrupt.pem');
    await writeFile(corrupt, `${pkiOf().caPem}-----BEGIN CERTIFICATE-----\nTm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n`);
    const corruptClient = createHttpClient({ allowInsecureHttp: false, caFile: corrupt });
    expect(await failure(corruptClient, { url: server.url, timeoutMs: 3000 })).toBe(`GET ${server.url}: metrics.ca_file ${corrupt}: certificate 2 of 2 does not parse`);
    expect(server.connections()).toBe(0);
  });

  it('the system store is used: SSL_CERT_FILE naming the CA trusts it without caFile, also after the store was read', async () => {
    const server = await serve(ok('via system store'), pkiOf().good);
    const before = systemCertificates();
    expect(before.some((pem) => pem.includes(pkiOf().caPem.trim()))).toBe(false);
    process.env.SSL_CERT_FILE = pkiOf().caFile;
    try {
      expect(systemCertificates().some((pem) => pem.includes(pkiOf().caPem.trim()))).toBe(true);
      const res = await createHttpClient({ allowInsecureHttp: false, caFile: null }).request({ url: server.url, timeoutMs: 3000 });
      expect(res.body).toBe('via system store');
    } finally {
      delete process.env.SSL_CERT_FILE;
    }
    expect(systemCertificates()).toEqual(before);
    // An SSL_CERT_FILE that cannot be read (a typo) falls back to the distribution bundle instead of leaving the
    // client with Node's bundled roots only.
    process.env.SSL_CERT_FILE = join(pkiOf().dir, 'missing-bundle.pem');
    try {
      expect(systemCertificates()).toEqual(before);
    } finally {
      delete process.env.SSL_CERT_FILE;
    }
    expect(await failure(createHttpClient({ allowInsecureHttp: false, caFile: null }), { url: server.url, timeoutMs: 3000 })).toMatch(/issuer \(CA\) not trusted/);
  });

  it('https:// to a plain http server: handshake failed, with the likely reason', async () => {
    const server = await serve(ok('plain'));
    const httpsUrl = server.url.replace('http:', 'https:');
    expect(await failure(createHttpClient({ allowInsecureHttp: false, caFile: null }), { url: httpsUrl, timeoutMs: 3000 })).toBe(
      `GET ${httpsUrl}: TLS handshake failed (is it an http:// server?)`,
    );
  });
});

describe('scheme and URL checks', () => {
  it('plain http is refused before connecting when allowInsecureHttp is false', async () => {
    const server = await serve(ok('x'));
    const strict = createHttpClient({ allowInsecureHttp: false, caFile: null });
    expect(await failure(strict, { url: `${server.url}/api?q=1`, timeoutMs: 1000 })).toBe(`GET ${server.url}/api: plain http refused; use https or set allow_insecure_http: true`);
    await sleep(100);
    expect(server.connections()).toBe(0);
    expect((await insecure.request({ url: `${server.url}/api`, timeoutMs: 1000 })).body).toBe('x');
    expect(server.connections()).toBe(1);
  });

  it('an unsupported scheme and an invalid URL give one line, without what could be a secret', async () => {
    expect(await failure(insecure, { url: 'ftp://127.0.0.1:2121/pub?key=secret', timeoutMs: 1000 })).toBe('GET ftp://127.0.0.1:2121/pub: unsupported scheme ftp (http or https)');
    expect(await failure(insecure, { url: 'not a url', timeoutMs: 1000 })).toBe('invalid URL "not a url"');
    const message = await failure(insecure, { url: 'http://admin:hunter2@[::1/x?token=secret\n', timeoutMs: 1000 });
    expect(message).toBe('invalid URL "http://[::1/x"');
    expect(await failure(insecure, { url: `http://[${'a'.repeat(300)}`, timeoutMs: 1000 })).toBe(`invalid URL "http://[${'a'.repeat(91)}…"`);
  });

  it('a timeout that is not a positive number is refused', async () => {
    expect(await failure(insecure, { url: 'http://127.0.0.1:1/', timeoutMs: Number.NaN })).toBe('GET http://127.0.0.1:1: invalid timeout NaN ms');
    expect(await failure(insecure, { url: 'http://127.0.0.1:1/', timeoutMs: Number.POSITIVE_INFINITY })).toBe('GET http://127.0.0.1:1: invalid timeout Infinity ms');
    expect(await failure(insecure, { url: 'http://127.0.0.1:1/', timeoutMs: 0 })).toBe('GET http://127.0.0.1:1: invalid timeout 0 ms');
  });

  it('displayUrl drops user info and query; an unparsable URL is not echoed', () => {
    expect(displayUrl('https://u:p@prom.example:9090/api/v1/query?query=up&token=x#f')).toBe('https://prom.example:9090/api/v1/query');
    expect(displayUrl(new URL('http://h/'))).toBe('http://h');
    expect(displayUrl('::nope')).toBe('(invalid URL)');
  });
});

describe('describeNetworkError', () => {
  it.each([
    ['ETIMEDOUT', 'connection timed out'],
    ['EHOSTUNREACH', 'host unreachable'],
    ['ENETUNREACH', 'host unreachable'],
    ['ENOTFOUND', 'cannot resolve the host name'],
    ['EAI_AGAIN', 'cannot resolve the host name'],
    ['EPIPE', 'connection reset by the server'],
    ['CERT_NOT_YET_VALID', 'TLS: certificate is not valid yet (check the clocks)'],
    ['ERR_HTTP_INVALID_HEADER_VALUE', 'invalid character in a request header (check the credentials: no newlines)'],
  ])('%s: %s', (code, text) => {
    expect(describeNetworkError(Object.assign(new Error(`${code} with secret details`), { code }))).toBe(text);
  });

  it('an unknown error gives its first line without control characters, or a fallback', () => {
    expect(describeNetworkError(Object.assign(new Error('odd\u001b[0m thing\nsecond line'), { code: 'EWHATEVER' }))).toBe('odd [0m thing');
    expect(describeNetworkError(Object.assign(new Error(''), { code: 'EWHATEVER' }))).toBe('EWHATEVER');
    expect(describeNetworkError(new Error(''))).toBe('request failed');
  });
});

describe('timeouts and aborts', () => {
  it('a server that accepts and never answers: timed out after 0.5 s, near the timeout', async () => {
    const server = await serve(() => undefined);
    const started = Date.now();
    expect(await failure(insecure, { url: `${server.url}/slow`, timeoutMs: 500 })).toBe(`GET ${server.url}/slow: timed out after 0.5 s`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(490);
    expect(Date.now() - started).toBeLessThan(800);
    await server.waitAllClosed();
  });

  it('a server that sends headers then stalls the body also times out', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('{"partial":');
    });
    const started = Date.now();
    expect(await failure(insecure, { url: server.url, timeoutMs: 500 })).toBe(`GET ${server.url}: timed out after 0.5 s`);
    expect(Date.now() - started).toBeLessThan(800);
    await server.waitAllClosed();
  });

  it("the caller's signal (pass deadline) aborts a request in flight, and its listener is removed", async () => {
    const server = await serve(() => undefined);
    const deadline = new AbortController();
    setTimeout(() => deadline.abort(), 150);
    const started = Date.now();
    expect(await failure(insecure, { url: server.url, timeoutMs: 5000, signal: deadline.signal })).toBe(`GET ${server.url}: aborted (pass deadline)`);
    expect(Date.now() - started).toBeLessThan(600);
    expect(getEventListeners(deadline.signal, 'abort')).toHaveLength(0);
  });

  it('an already aborted signal fails without connecting (and without an unhandled error)', async () => {
    const server = await serve(ok('x'));
    expect(await failure(insecure, { url: server.url, timeoutMs: 1000, signal: AbortSignal.abort() })).toBe(`GET ${server.url}: aborted (pass deadline)`);
    await sleep(100);
    expect(server.connections()).toBe(0);
  });

  it('a timeout too large for setTimeout (Infinity is refused) still waits for the answer', async () => {
    const server = await serve((_req, res) => setTimeout(() => res.end('late'), 50));
    expect((await insecure.request({ url: server.url, timeoutMs: 2 ** 40 })).body).toBe('late');
  });

  it('a long-lived pass signal keeps no listener after answers and failures', async () => {
    const server = await serve(ok('fine'));
    const pass = new AbortController();
    await insecure.request({ url: server.url, timeoutMs: 1000, signal: pass.signal });
    await failure(insecure, { url: `http://127.0.0.1:${await closedPort()}`, timeoutMs: 1000, signal: pass.signal });
    expect(getEventListeners(pass.signal, 'abort')).toHaveLength(0);
  });
});

describe('body cap and broken connections', () => {
  it('a streamed answer over maxBytes is cut off and the connection destroyed', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = 'x'.repeat(4096);
      const pump = (): void => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    });
    expect(await failure(insecure, { url: server.url, timeoutMs: 5000, maxBytes: 1024 })).toBe(`GET ${server.url}: answer larger than 1 KiB, not read`);
    await server.waitAllClosed();
  });

  it('a declared content-length over maxBytes fails at the headers, without waiting for the body', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': String(2 * 1024 * 1024) });
      res.write('x');
    });
    const started = Date.now();
    expect(await failure(insecure, { url: server.url, timeoutMs: 5000, maxBytes: 1536 * 1024 })).toBe(`GET ${server.url}: answer larger than 1.5 MiB, not read`);
    expect(Date.now() - started).toBeLessThan(1000);
    await server.waitAllClosed();
  });

  it('an answer of exactly maxBytes is read', async () => {
    const server = await serve(ok('y'.repeat(100)));
    expect((await insecure.request({ url: server.url, timeoutMs: 1000, maxBytes: 100 })).body).toHaveLength(100);
    expect(await failure(insecure, { url: server.url, timeoutMs: 1000, maxBytes: 99 })).toBe(`GET ${server.url}: answer larger than 99 bytes, not read`);
  });

  it('the server closing mid-body (content-length larger than sent) fails at once', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': '1000' });
      res.write('abc', () => setTimeout(() => res.destroy(), 20));
    });
    const started = Date.now();
    expect(await failure(insecure, { url: server.url, timeoutMs: 5000 })).toBe(`GET ${server.url}: connection closed while reading the answer`);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('the server closing before answering: connection reset', async () => {
    const server = await serve((req) => req.socket.destroy());
    expect(await failure(insecure, { url: server.url, timeoutMs: 5000 })).toBe(`GET ${server.url}: connection reset by the server`);
  });

  it('a port that is not HTTP (an SSH banner): not an HTTP answer', async () => {
    const server = await startRawServer((socket) => socket.end('SSH-2.0-OpenSSH_9.2p1 Debian\r\n'));
    servers.push(server);
    expect(await failure(insecure, { url: server.url, timeoutMs: 2000 })).toMatch(new RegExp(`^GET ${server.url}: not an HTTP answer \\(Parse Error: .+\\)$`));
  });

  it('a closed port: connection refused', async () => {
    const port = await closedPort();
    expect(await failure(insecure, { url: `http://127.0.0.1:${port}/api`, timeoutMs: 2000 })).toBe(`GET http://127.0.0.1:${port}/api: connection refused`);
  });
});

describe('auth and secrets', () => {
  it('basic, bearer and token headers arrive exactly', async () => {
    const server = await serve(ok('ok'));
    await insecure.request({ url: server.url, timeoutMs: 1000, auth: { kind: 'basic', username: 'mon', password: 'pa:ss wörd' } });
    await insecure.request({ url: server.url, timeoutMs: 1000, auth: { kind: 'bearer', token: 'tok-123' } });
    await insecure.request({ url: server.url, timeoutMs: 1000, auth: { kind: 'token', token: 'influx==' } });
    await insecure.request({ url: server.url, timeoutMs: 1000, auth: null });
    expect(server.requests.map((r) => r.headers.authorization)).toEqual([
      `Basic ${Buffer.from('mon:pa:ss wörd', 'utf8').toString('base64')}`,
      'Bearer tok-123',
      'Token influx==',
      undefined,
    ]);
    expect(server.requests[0]?.headers).toMatchObject({ accept: 'application/json', 'user-agent': 'dthostmon' });
  });

  it('credentials in the URL are sent by node as basic auth (percent-decoded); an explicit auth wins', async () => {
    const server = await serve(ok('ok'));
    const withCreds = server.url.replace('//', '//us%65r:p%40ss@');
    await insecure.request({ url: withCreds, timeoutMs: 1000 });
    await insecure.request({ url: withCreds, timeoutMs: 1000, auth: { kind: 'bearer', token: 't' } });
    expect(server.requests.map((r) => r.headers.authorization)).toEqual([`Basic ${Buffer.from('user:p@ss').toString('base64')}`, 'Bearer t']);
  });

  it('failure messages never contain the password, the token or the query string', async () => {
    const secrets = ['hunter2', 'tok-secret', 'q=secret', 'secret'];
    const refused = `http://admin:hunter2@127.0.0.1:${await closedPort()}/api?q=secret`;
    const silent = await serve(() => undefined);
    const denied = await serve((_req, res) => sendJson(res, 401, { error: 'bad token' }));
    const messages = [
      await failure(insecure, { url: refused, timeoutMs: 1000, auth: { kind: 'bearer', token: 'tok-secret' } }),
      await failure(insecure, { url: `${silent.url.replace('//', '//admin:hunter2@')}/q?q=secret`, timeoutMs: 300, auth: { kind: 'token', token: 'tok-secret' } }),
    ];
    const res = await insecure.request({ url: `${denied.url}/q?q=secret`, timeoutMs: 1000, auth: { kind: 'basic', username: 'admin', password: 'hunter2' } });
    messages.push((() => {
      try {
        expectOk(res, `GET ${displayUrl(`${denied.url}/q?q=secret`)}`);
        return 'no error';
      } catch (err) {
        return (err as Error).message;
      }
    })());
    expect(messages).toEqual([expect.stringMatching(/: connection refused$/), expect.stringMatching(/: timed out after 0\.3 s$/), `GET ${denied.url}/q: HTTP 401 Unauthorized: bad token`]);
    for (const m of messages) for (const s of secrets) expect(m).not.toContain(s);
  });

  it('a credential with a newline: one line that does not print it, nothing sent', async () => {
    const server = await serve(ok('x'));
    const message = await failure(insecure, { url: server.url, timeoutMs: 1000, auth: { kind: 'bearer', token: 'abc\nX-Injected: secret' } });
    expect(message).toBe(`GET ${server.url}: invalid character in a request header (check the credentials: no newlines)`);
    expect(server.connections()).toBe(0);
  });
});

describe('expectOk and shortServerMessage', () => {
  /** The expectOk message for what `handler` answers (the request itself succeeds). */
  async function expectOkMessage(handler: Parameters<typeof startServer>[0]): Promise<{ message: string; server: TestServer }> {
    const server = await serve(handler);
    const res = await insecure.request({ url: `${server.url}/api`, timeoutMs: 1000 });
    try {
      expectOk(res, `GET ${server.url}/api`);
      return { message: 'passed', server };
    } catch (err) {
      expect(err).toBeInstanceOf(MetricsHttpError);
      return { message: (err as Error).message, server };
    }
  }

  it('2xx passes the body through', async () => {
    const server = await serve((req, res) => {
      res.statusCode = req.url === '/none' ? 204 : 200;
      res.end(req.url === '/none' ? undefined : 'body');
    });
    expect(expectOk(await insecure.request({ url: server.url, timeoutMs: 1000 }), 'GET x')).toBe('body');
    expect(expectOk(await insecure.request({ url: `${server.url}/none`, timeoutMs: 1000 }), 'GET x')).toBe('');
  });

  it('401 with {"error":"bad"}: HTTP 401 Unauthorized: bad', async () => {
    const { message, server } = await expectOkMessage((_req, res) => sendJson(res, 401, { error: 'bad' }));
    expect(message).toBe(`GET ${server.url}/api: HTTP 401 Unauthorized: bad`);
  });

  it('a redirect is not followed; its target is shown without credentials or query', async () => {
    const absolute = await expectOkMessage((_req, res) => {
      res.writeHead(302, { location: 'https://sso:pw@login.example/auth?state=secret' });
      res.end();
    });
    expect(absolute.message).toBe(`GET ${absolute.server.url}/api: HTTP 302 redirect to https://login.example/auth not followed; configure the final URL`);
    expect(absolute.server.requests).toHaveLength(1);
    const relative = await expectOkMessage((_req, res) => {
      res.writeHead(301, { location: '/prometheus/api?next=secret' });
      res.end();
    });
    expect(relative.message).toBe(`GET ${relative.server.url}/api: HTTP 301 redirect to /prometheus/api not followed; configure the final URL`);
    const bare = await expectOkMessage((_req, res) => res.writeHead(307).end());
    expect(bare.message).toBe(`GET ${bare.server.url}/api: HTTP 307 redirect not followed; configure the final URL`);
  });

  it('an HTML page (a proxy) gives the status only', async () => {
    const { message, server } = await expectOkMessage((_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('\n<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1><p>nginx</p></body></html>');
    });
    expect(message).toBe(`GET ${server.url}/api: HTTP 502 Bad Gateway`);
  });

  it('control characters of a hostile body are stripped', async () => {
    const { message, server } = await expectOkMessage((_req, res) => sendJson(res, 500, { message: 'boom\u001b[31m red\r\nInjected: yes\u0007\u009b' }));
    expect(message).toBe(`GET ${server.url}/api: HTTP 500 Internal Server Error: boom [31m red Injected: yes`);
  });

  it('a long message is cut at 200 characters, never inside a character', async () => {
    const { message, server } = await expectOkMessage((_req, res) => {
      res.writeHead(503, 'Service Unavailable', { 'content-type': 'text/plain' });
      res.end(`${'a'.repeat(198)}😀😀 and much more text`);
    });
    const detail = message.slice(`GET ${server.url}/api: HTTP 503 Service Unavailable: `.length);
    expect(Array.from(detail)).toHaveLength(200);
    expect(detail).toBe(`${'a'.repeat(198)}😀…`);
  });

  it('shortServerMessage: error, then message, then plain text; JSON without either is shown as text', () => {
    expect(shortServerMessage('{"status":"error","errorType":"bad_data","error":"parse error at char 3"}')).toBe('parse error at char 3');
    expect(shortServerMessage('{"code":"unauthorized","message":"unauthorized access"}')).toBe('unauthorized access');
    expect(shortServerMessage('  404 page not found\n')).toBe('404 page not found');
    expect(shortServerMessage('null')).toBe('null');
    expect(shortServerMessage('')).toBe('');
  });
});

describe('POST', () => {
  it('sends the body intact with the right content-length (UTF-8 multi-byte)', async () => {
    const server = await serve((_req, res, body) => res.end(`got ${body.length}`));
    const body = 'from(bucket: "héllo") |> filter(fn: (r) => r.x == "✓ 😀")';
    const res = await insecure.request({ url: `${server.url}/api/v2/query?org=o`, method: 'POST', body, headers: { 'content-type': 'application/vnd.flux' }, timeoutMs: 1000 });
    const received = server.requests[0];
    expect(received?.method).toBe('POST');
    expect(received?.url).toBe('/api/v2/query?org=o');
    expect(received?.headers['content-length']).toBe(String(Buffer.byteLength(body)));
    expect(received?.headers['content-type']).toBe('application/vnd.flux');
    expect(received?.body.toString('utf8')).toBe(body);
    expect(res.body).toBe(`got ${Buffer.byteLength(body)}`);
  });
});
