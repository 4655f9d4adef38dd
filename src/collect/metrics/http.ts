/**
 * The one HTTP client of the metrics sources. HTTPS is verified against the system CA store (plus Node's bundled
 * roots and an optional configured CA file); plain HTTP is refused before connecting unless the source allows it
 * (`allow_insecure_http: true`). Every request has a total timeout (connect + headers + body), a body size cap, and
 * fails with ONE line that names the method and URL without credentials or query string: tokens and passwords go in
 * headers and never appear in a message. Redirects are not followed (a 3xx is returned like any status).
 */
import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';
import { errorMessage } from '../../errors.js';

export type HttpAuth =
  | { kind: 'basic'; username: string; password: string }
  | { kind: 'bearer'; token: string }
  /** InfluxDB 2: `Authorization: Token <token>`. */
  | { kind: 'token'; token: string };

export interface HttpRequest {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  auth?: HttpAuth | null;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Largest body accepted (default 32 MiB): a source answering more is cut off with an error, not buffered. */
  maxBytes?: number;
}

export interface HttpResponse {
  status: number;
  statusText: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface HttpClient {
  request(req: HttpRequest): Promise<HttpResponse>;
}

export interface HttpClientOptions {
  allowInsecureHttp: boolean;
  /** Absolute path of a PEM bundle trusted besides the system store, or null. */
  caFile: string | null;
}

/** A request that did not get a usable answer. `message` is one line without secrets. */
export class MetricsHttpError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MetricsHttpError';
  }
}

const DEFAULT_MAX_BYTES = 32 * 1024 * 1024;
const MAX_TIMER_MS = 2 ** 31 - 1;
/** Idle keep-alive sockets are closed after this: below the usual server idle timeouts (node 5 s), so a request never
 * picks a socket the server is closing at that moment. */
const IDLE_SOCKET_MS = 4000;

/** Where Linux distributions keep the system CA bundle (Debian/Ubuntu, RHEL/Fedora, Alpine/SUSE/macOS). */
const SYSTEM_CA_FILES = ['/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt', '/etc/ssl/cert.pem', '/etc/ssl/ca-bundle.pem'];

let systemCaCache: { sslCertFile: string; certs: string[] } | null = null;

/**
 * The system CA store (`SSL_CERT_FILE` first, then the distribution bundle) plus Node's bundled roots. Read once per
 * process and value of `SSL_CERT_FILE`: the bundle is ~200 KB, and a changed `SSL_CERT_FILE` (a test, a wrapper
 * that sets it late) is still honoured without a reset hook.
 */
export function systemCertificates(): string[] {
  const sslCertFile = process.env.SSL_CERT_FILE ?? '';
  if (systemCaCache?.sslCertFile === sslCertFile) return systemCaCache.certs;
  const candidates = [sslCertFile, ...SYSTEM_CA_FILES].filter((f) => f !== '');
  const system: string[] = [];
  for (const file of candidates) {
    try {
      system.push(readFileSync(file, 'utf8'));
      break;
    } catch {
      // Not this distribution's path.
    }
  }
  systemCaCache = { sslCertFile, certs: [...rootCertificates, ...system] };
  return systemCaCache.certs;
}

function authHeader(auth: HttpAuth): string {
  if (auth.kind === 'basic') return `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
  return auth.kind === 'bearer' ? `Bearer ${auth.token}` : `Token ${auth.token}`;
}

/** The PEM certificates of a ca_file, each checked: OpenSSL silently skips what does not parse, and the TLS error
 * would then blame the server instead of the file. Throws a one-line message (without the URL). */
function readCaFile(caFile: string): string[] {
  let pem: string;
  try {
    pem = readFileSync(caFile, 'utf8');
  } catch (err) {
    throw new Error(`cannot read metrics.ca_file ${caFile} (${(err as NodeJS.ErrnoException).code ?? errorMessage(err)})`);
  }
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new Error(`metrics.ca_file ${caFile} holds no PEM certificate`);
  blocks.forEach((block, i) => {
    try {
      new X509Certificate(block);
    } catch {
      throw new Error(`metrics.ca_file ${caFile}: certificate ${i + 1} of ${blocks.length} does not parse`);
    }
  });
  return blocks;
}

/** The client's TLS trust as one secure context: building it parses ~300 certificates (~40 ms of blocked event loop),
 * so it is done once per client, not per connection. */
function buildSecureContext(caFile: string | null): SecureContext {
  return createSecureContext({ ca: [...systemCertificates(), ...(caFile ? readCaFile(caFile) : [])] });
}

/**
 * A client for one host's sources. It keeps its own connection pool, so a socket verified against this client's
 * trust (metrics.ca_file) is never reused by a client with another; idle sockets do not keep the process alive.
 */
export function createHttpClient(options: HttpClientOptions): HttpClient {
  let secureContext: SecureContext | null = null;
  const agents = {
    http: new HttpAgent({ keepAlive: true, timeout: IDLE_SOCKET_MS }),
    https: new HttpsAgent({ keepAlive: true, timeout: IDLE_SOCKET_MS }),
  };

  return {
    request(req: HttpRequest): Promise<HttpResponse> {
      const method = req.method ?? 'GET';
      let url: URL;
      try {
        url = new URL(req.url);
      } catch {
        return Promise.reject(new MetricsHttpError(`invalid URL ${safeRawUrl(req.url)}`));
      }
      const where = `${method} ${displayUrl(url)}`;
      const reject = (message: string): Promise<never> => Promise.reject(new MetricsHttpError(`${where}: ${message}`));
      const isHttps = url.protocol === 'https:';
      if (!isHttps && url.protocol !== 'http:') return reject(`unsupported scheme ${url.protocol.slice(0, -1)} (http or https)`);
      if (!isHttps && !options.allowInsecureHttp) return reject('plain http refused; use https or set allow_insecure_http: true');
      if (!Number.isFinite(req.timeoutMs) || req.timeoutMs <= 0) return reject(`invalid timeout ${String(req.timeoutMs)} ms`);
      if (isHttps && !secureContext) {
        try {
          secureContext = buildSecureContext(options.caFile);
        } catch (err) {
          return reject(errorMessage(err));
        }
      }
      const maxBytes = req.maxBytes ?? DEFAULT_MAX_BYTES;
      const tooLarge = `answer larger than ${formatBytes(maxBytes)}, not read`;
      const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'dthostmon', ...req.headers };
      if (req.auth) headers.authorization = authHeader(req.auth);
      if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body));
      // Credentials in the URL (`https://user:pw@host`) are sent by node as basic auth (percent-decoded) unless
      // `auth` set the header; they never reach a message (displayUrl drops them).

      return new Promise<HttpResponse>((resolve, rejectPromise) => {
        let settled = false;
        let r: ClientRequest | null = null;
        let timer: NodeJS.Timeout | undefined = undefined;
        const done = (): void => {
          settled = true;
          clearTimeout(timer);
          req.signal?.removeEventListener('abort', onAbort);
        };
        const fail = (message: string): void => {
          if (settled) return;
          done();
          r?.destroy();
          rejectPromise(new MetricsHttpError(`${where}: ${message}`));
        };
        const onAbort = (): void => fail('aborted (pass deadline)');
        // Checked before a socket exists: nothing to destroy, nothing that could emit an unhandled 'error'.
        if (req.signal?.aborted) {
          onAbort();
          return;
        }

        const onResponse = (res: IncomingMessage): void => {
          const chunks: Buffer[] = [];
          let size = 0;
          // Listeners first: failing below destroys the response, which then emits 'error'.
          res.on('error', () => fail('connection closed while reading the answer'));
          res.on('close', () => fail('connection closed while reading the answer'));
          res.on('data', (chunk: Buffer) => {
            if (settled) return;
            size += chunk.length;
            if (size > maxBytes) {
              fail(tooLarge);
              return;
            }
            chunks.push(chunk);
          });
          res.on('end', () => {
            // 'end' comes only from a complete message (an early close is 'error' or 'close' above).
            if (settled) return;
            done();
            resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
          });
          const declared = Number(res.headers['content-length']);
          if (Number.isFinite(declared) && declared > maxBytes) fail(tooLarge);
        };

        const send = isHttps ? httpsRequest : httpRequest;
        try {
          const tls = isHttps && secureContext ? { secureContext } : {};
          r = send(url, { method, headers, agent: isHttps ? agents.https : agents.http, ...tls }, onResponse);
        } catch (err) {
          // Node validates headers synchronously (a credential with a newline); its own message may quote the value.
          fail(describeNetworkError(err as NodeJS.ErrnoException));
          return;
        }
        r.on('error', (err) => fail(describeNetworkError(err as NodeJS.ErrnoException)));
        // setTimeout turns a delay past 2^31-1 ms (24.8 days) into 1 ms: clamp instead of failing at once.
        timer = setTimeout(() => fail(`timed out after ${formatSeconds(req.timeoutMs)}`), Math.min(req.timeoutMs, MAX_TIMER_MS));
        req.signal?.addEventListener('abort', onAbort, { once: true });
        if (req.body !== undefined) r.write(req.body);
        r.end();
      });
    },
  };
}

/** `scheme://host:port/path` without user info and query: safe to print. */
export function displayUrl(url: string | URL): string {
  try {
    const u = typeof url === 'string' ? new URL(url) : url;
    return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

/** A URL that did not parse, as far as it can be shown: no user info, query or fragment, no control characters. */
function safeRawUrl(raw: string): string {
  const shown = oneLine(raw.replace(/[?#].*$/s, '').replace(/\/\/[^/@]*@/, '//'));
  return JSON.stringify(shown.length > 100 ? `${shown.slice(0, 99)}…` : shown);
}

/** Control characters (a hostile server, a pasted value) never reach a terminal or a report. */
function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
}

/** At most `max` characters (code points, so an emoji is not cut in half), `…` marking a cut. */
function cut(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : text;
}

/** Why a socket or TLS error happened, in words (node's codes are not for people). Exported for its table test. */
export function describeNetworkError(err: NodeJS.ErrnoException): string {
  const code = err.code ?? '';
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
    case 'EPIPE':
      return 'connection reset by the server';
    case 'ETIMEDOUT':
      return 'connection timed out';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'host unreachable';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'cannot resolve the host name';
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
      return 'TLS: self-signed certificate not trusted (give its CA in metrics.ca_file)';
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'UNABLE_TO_GET_ISSUER_CERT':
      return 'TLS: certificate issuer (CA) not trusted (give its CA in metrics.ca_file)';
    case 'CERT_HAS_EXPIRED':
      return 'TLS: certificate has expired';
    case 'CERT_NOT_YET_VALID':
      return 'TLS: certificate is not valid yet (check the clocks)';
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return 'TLS: certificate does not match the host name';
    case 'EPROTO':
    case 'ERR_SSL_WRONG_VERSION_NUMBER':
      return 'TLS handshake failed (is it an http:// server?)';
    case 'ERR_INVALID_CHAR':
    case 'ERR_INVALID_HTTP_TOKEN':
    case 'ERR_HTTP_INVALID_HEADER_VALUE':
      // Node's own message may quote the value: a token with a stray newline must not be printed.
      return 'invalid character in a request header (check the credentials: no newlines)';
    default:
      // HPE_*: llhttp could not parse the answer (an SSH or SMTP port, a broken proxy).
      if (code.startsWith('HPE_')) return `not an HTTP answer (${oneLine(err.message || code)})`;
      return oneLine((err.message || code || 'request failed').split('\n')[0] ?? '') || 'request failed';
  }
}

/** `0.5 s`, `1 s`, `1.5 s`, `0.25 s`: the configured value, not rounded to a tenth. */
function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

/** `100 bytes`, `64 KiB`, `16 MiB`: whole units when exact, one decimal otherwise. */
function formatBytes(bytes: number): string {
  const unit = (n: number, name: string): string => `${Number.isInteger(n) ? n : n.toFixed(1)} ${name}`;
  if (bytes >= 1024 * 1024) return unit(bytes / 1024 / 1024, 'MiB');
  if (bytes >= 1024) return unit(bytes / 1024, 'KiB');
  return `${bytes} bytes`;
}

/** The answer's body, or a one-line error for a non-2xx status (with the server's own short message when it has one). */
export function expectOk(res: HttpResponse, where: string): string {
  if (res.status >= 200 && res.status < 300) return res.body;
  const statusText = res.statusText ? ` ${cut(oneLine(res.statusText), 60)}` : '';
  if (res.status >= 300 && res.status < 400) {
    const location = res.headers.location ? ` to ${displayLocation(String(res.headers.location))}` : '';
    throw new MetricsHttpError(`${where}: HTTP ${res.status} redirect${location} not followed; configure the final URL`);
  }
  const detail = shortServerMessage(res.body);
  throw new MetricsHttpError(`${where}: HTTP ${res.status}${statusText}${detail ? `: ${detail}` : ''}`);
}

/** A Location header as displayUrl shows it; a relative one (`/login?next=...`) as its path only. */
function displayLocation(location: string): string {
  if (URL.canParse(location)) return displayUrl(location);
  return cut(oneLine(new URL(location, 'http://relative.invalid').pathname), 100);
}

/** `{"error":"..."}`, `{"message":"..."}` or a short text body, on one line, at most 200 characters. */
export function shortServerMessage(body: string): string {
  let text = body.trim();
  try {
    const parsed = JSON.parse(text) as { error?: unknown; message?: unknown } | null;
    if (typeof parsed?.error === 'string') text = parsed.error;
    else if (typeof parsed?.message === 'string') text = parsed.message;
    // FastAPI's error body (Glances 4).
    else if (typeof (parsed as { detail?: unknown } | null)?.detail === 'string') text = (parsed as { detail: string }).detail;
  } catch {
    // Not JSON: the text itself, unless it is a page (a proxy's HTML says nothing useful and is long).
    if (text.startsWith('<')) return '';
  }
  return cut(oneLine(text), 200);
}
