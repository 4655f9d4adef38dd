/**
 * The HTTP core of `dthostmon serve`: node:http, or node:https when api.tls_cert and api.tls_key are set. Per request:
 * route -> rate limit -> auth -> body -> handler -> JSON or text answer, with the same error body everywhere and
 * security headers on every answer. Routes never see the socket (see types.ts).
 */
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { homedir } from 'node:os';
import type { Socket } from 'node:net';
import type { LoadedConfig } from '../config/types.js';
import { resolveConfigPath } from '../config/paths.js';
import { DthostmonError, EXIT, errorMessage } from '../errors.js';
import type { Store } from '../store/open-store.js';
import type { Logger } from '../log/logger.js';
import type { Clock } from '../types.js';
import { authorize, type ApiKeys } from './auth.js';
import { errorBody, oneLine, readJsonBody, securityHeaders } from './http-util.js';
import { createRateLimiter } from './rate-limit.js';
import { createRouter } from './router.js';
import { ApiError, type ApiContext, type ApiResult, type Route } from './types.js';

/** `serve` cannot start: a TLS file, the address, the port. Exit 2 (config or usage), one line. */
export class ServeStartError extends DthostmonError {
  constructor(message: string) {
    super(message, EXIT.usage);
  }
}

/** The `api` section as the server reads it (validated by the config schema). */
export interface ApiSettings {
  port: number;
  bind: string;
  api_key?: string;
  registration_token?: string;
  tls_cert?: string;
  tls_key?: string;
  rate_limit: number;
  max_body: number;
}

export interface StartApiServerOptions {
  config: LoadedConfig;
  store: Store;
  routes: readonly Route[];
  clock?: Clock;
  /**
   * One event per request (info; debug for /health and /metrics answered below 400, which probes and scrapers ask
   * every few seconds) and one per internal error (error, with the stack when debug is on). Never a key or a query.
   */
  log: Logger;
  /** Override api.port (0: any free port) and api.bind. */
  port?: number;
  bind?: string;
  /** How long close() waits for in-flight requests before cutting them. Default 5 s. */
  closeGraceMs?: number;
}

export interface ApiServer {
  /** `http://127.0.0.1:8080` or `https://...`. */
  url: string;
  port: number;
  /** Stops accepting, lets in-flight requests finish (at most closeGraceMs), then cuts the rest. */
  close(): Promise<void>;
}

/** Slow clients may not hold a connection open forever (slowloris). */
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;
const KEEP_ALIVE_TIMEOUT_MS = 5_000;
const MAX_CONNECTIONS = 512;

/** The `api` section of the validated document, with the schema's defaults for a document built without them. */
export function apiSettings(config: LoadedConfig): ApiSettings {
  const api = (config.document.api ?? {}) as Partial<ApiSettings>;
  return { port: 8080, bind: '127.0.0.1', rate_limit: 600, max_body: 64 * 1024, ...api };
}

function readTlsFile(config: LoadedConfig, key: 'tls_cert' | 'tls_key', value: string): Buffer {
  const file = resolveConfigPath(config.dir, value, homedir());
  try {
    return readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : oneLine(errorMessage(err), 120);
    throw new ServeStartError(`api.${key} ${file}: cannot read it (${why})`);
  }
}

/** The TLS key and certificate, or null for plain HTTP. */
function tlsOptions(config: LoadedConfig, api: ApiSettings): { key: Buffer; cert: Buffer } | null {
  if (!api.tls_cert && !api.tls_key) return null;
  if (!api.tls_cert || !api.tls_key) {
    throw new ServeStartError(`api.${api.tls_cert ? 'tls_key' : 'tls_cert'} is missing: HTTPS needs both api.tls_cert and api.tls_key`);
  }
  return { cert: readTlsFile(config, 'tls_cert', api.tls_cert), key: readTlsFile(config, 'tls_key', api.tls_key) };
}

function hostForUrl(bind: string): string {
  return bind.includes(':') ? `[${bind}]` : bind;
}

/**
 * Starts the API server and resolves once it listens.
 * @throws ServeStartError for an unreadable TLS file, a bad key/certificate pair, or an address that cannot be bound.
 */
export async function startApiServer(options: StartApiServerOptions): Promise<ApiServer> {
  const { config, store } = options;
  const api = apiSettings(config);
  const clock = options.clock ?? (() => new Date());
  const keys: ApiKeys = { apiKey: api.api_key || null, registrationToken: api.registration_token || null };
  const router = createRouter(options.routes);
  const limiter = createRateLimiter(api.rate_limit);
  const ctx: ApiContext = { db: store.db, config, clock };
  const tls = tlsOptions(config, api);

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    void handleRequest(req, res, { router, limiter, keys, ctx, maxBody: api.max_body, log: options.log });
  };
  let server: Server;
  try {
    server = tls ? createHttpsServer({ ...tls, minVersion: 'TLSv1.2' }, handler) : createHttpServer(handler);
  } catch (err) {
    throw new ServeStartError(`api.tls_cert / api.tls_key: not a usable certificate and private key (${oneLine(errorMessage(err), 120)})`);
  }
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.maxConnections = MAX_CONNECTIONS;
  // A TLS handshake that fails (a plain-HTTP client, a bad certificate on the client side) is the client's problem.
  server.on('tlsClientError', (_err: Error, socket: Socket) => socket.destroy());
  server.on('clientError', (_err: Error, socket: Socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });

  const bind = options.bind ?? api.bind;
  const port = await listen(server, options.port ?? api.port, bind);
  const scheme = tls ? 'https' : 'http';
  const graceMs = options.closeGraceMs ?? 5_000;
  let closing: Promise<void> | null = null;
  return {
    url: `${scheme}://${hostForUrl(bind)}:${port}`,
    port,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        const cut = setTimeout(() => server.closeAllConnections(), graceMs);
        server.close(() => {
          clearTimeout(cut);
          resolve();
        });
        // Keep-alive connections with no request in flight would hold close() open until their timeout.
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}

function listen(server: Server, port: number, bind: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      const where = `${hostForUrl(bind)}:${port}`;
      const why =
        err.code === 'EADDRINUSE'
          ? 'the address is already in use (another serve? pick another api.port or --port)'
          : err.code === 'EACCES'
            ? 'permission denied (ports below 1024 need privileges)'
            : err.code === 'EADDRNOTAVAIL'
              ? 'this machine has no such address (api.bind / --bind)'
              : oneLine(err.message, 120);
      reject(new ServeStartError(`cannot listen on ${where}: ${why}`));
    };
    server.once('error', onError);
    server.listen(port, bind, () => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

interface Pipeline {
  router: ReturnType<typeof createRouter>;
  limiter: ReturnType<typeof createRateLimiter>;
  keys: ApiKeys;
  ctx: ApiContext;
  maxBody: number;
  log: Logger;
}

/** Asked every few seconds by probes and Prometheus: logged at debug while they answer normally. */
const POLLED_PATHS = new Set(['/health', '/metrics']);

async function handleRequest(req: IncomingMessage, res: ServerResponse, p: Pipeline): Promise<void> {
  const started = performance.now();
  const remote = req.socket.remoteAddress ?? 'unknown';
  const method = req.method ?? 'GET';
  let pathname = '/';
  let result: ApiResult;
  try {
    const url = new URL(req.url ?? '/', 'http://localhost');
    pathname = url.pathname;
    result = await answer(req, method, url, remote, p);
  } catch (err) {
    result = errorResult(err, method, pathname, p);
  }
  send(res, method, result);
  const path = oneLine(pathname, 200);
  const durationMs = Math.round(performance.now() - started);
  const level = POLLED_PATHS.has(pathname) && result.status < 400 ? 'debug' : 'info';
  p.log[level](`${remote} ${method} ${path} ${result.status} ${durationMs}ms`, { method, path, status: result.status, durationMs, client: remote });
}

async function answer(req: IncomingMessage, method: string, url: URL, remote: string, p: Pipeline): Promise<ApiResult> {
  const retryAfter = p.limiter.take(remote, Date.now());
  if (retryAfter > 0) {
    throw new ApiError(429, 'rate_limited', `too many requests from ${remote}: retry in ${retryAfter} s (api.rate_limit)`, { 'retry-after': String(retryAfter) });
  }
  const { route, params } = p.router.match(method, url.pathname);
  authorize(route.auth, req.headers, p.keys);
  const body = route.method === 'POST' ? await readJsonBody(req, p.maxBody) : undefined;
  return route.handle({ method: route.method, params, query: url.searchParams, body, remoteAddress: remote }, p.ctx);
}

function errorResult(err: unknown, method: string, pathname: string, p: Pipeline): ApiResult {
  if (err instanceof ApiError) {
    return { status: err.status, json: errorBody(err.code, err.message), headers: err.headers };
  }
  // Never to the client: an SQL error or a stack says too much. The log gets one line (the stack with --verbose).
  const path = oneLine(pathname, 200);
  const stack = p.log.isLevelEnabled('debug') && err instanceof Error ? err.stack : undefined;
  p.log.error(`${method} ${path}: ${oneLine(errorMessage(err), 500)}`, { method, path, ...(stack ? { stack } : {}) });
  return { status: 500, json: errorBody('internal', 'internal error (see the server log)') };
}

function send(res: ServerResponse, method: string, result: ApiResult): void {
  const isJson = 'json' in result;
  const contentType = isJson ? 'application/json; charset=utf-8' : result.contentType;
  const body = Buffer.from(isJson ? `${JSON.stringify(result.json)}\n` : result.text, 'utf8');
  const headers: Record<string, string> = {
    ...securityHeaders(contentType),
    'content-type': contentType,
    'content-length': String(body.length),
    ...result.headers,
  };
  // A request whose body we did not read (a refused POST) must not leave it for the next request on the connection.
  if (!res.req.complete) headers.connection = 'close';
  if (res.headersSent) return;
  res.writeHead(result.status, headers);
  res.end(method === 'HEAD' ? undefined : body);
}
