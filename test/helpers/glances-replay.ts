/**
 * A loopback stand-in for a Glances 4 REST server (no Glances 4 package exists for Debian 12): it serves
 * `/api/4/<plugin>` from test/fixtures/glances/v4/<plugin>.json and answers like Glances 4 does where it matters to
 * the client (glances/outputs/glances_restful_api.py): 404 for any `/api/3/...` path (no such route), 400 "Unknown
 * plugin" for a plugin it has no fixture for, 401 with `WWW-Authenticate: Basic` when basic auth is on and the
 * credentials are missing or wrong. It can also be told to hang (never answer) or to answer garbage, and a plugin's
 * answer can be replaced (`overrides`). Every request is recorded.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SourceContext } from '../../src/collect/metrics/context.js';
import { createHttpClient } from '../../src/collect/metrics/http.js';
import type { GlancesSettings } from '../../src/collect/metrics/types.js';

export const GLANCES_V4_FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'glances', 'v4');

/** `ok`: fixtures; `slow`: accept and never answer; `garbage`: 200 with a body that is not JSON. */
export type ReplayMode = 'ok' | 'slow' | 'garbage';

/** Garbage as a broken proxy or a hostile server sends it: HTML, a control sequence, no JSON. */
export const GARBAGE_BODY = '<html><body>502 Bad Gateway\u001b[31m{"total":</body></html>';

export interface ReplayRequest {
  method: string;
  path: string;
  authorization: string | null;
}

export interface GlancesReplay {
  /** `http://127.0.0.1:<port>` without a trailing slash. */
  url: string;
  requests: ReplayRequest[];
  mode: ReplayMode;
  /** Plugin name -> answer that replaces its fixture (after the auth check): `{ status: 404 }`, `{ status: 200, body: '[1' }`. */
  overrides: Map<string, { status: number; body?: string }>;
  /** Plugins whose requests are never answered (held open until close()). */
  hangPlugins: Set<string>;
  /** Paths requested so far, in order (`/api/4/status`, ...). */
  paths(): string[];
  /** Stops listening and drops open (hanging) connections: the port then refuses connections. */
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers });
  res.end(body);
}

/** Starts the replay server on 127.0.0.1, a free port. With `username`, basic auth `username:password` is required. */
export async function startGlancesReplay(options: { username?: string; password?: string; fixturesDir?: string } = {}): Promise<GlancesReplay> {
  const dir = options.fixturesDir ?? GLANCES_V4_FIXTURES;
  const fixtures = new Map<string, string>();
  for (const file of readdirSync(dir)) {
    if (file.endsWith('.json')) fixtures.set(file.slice(0, -'.json'.length), readFileSync(join(dir, file), 'utf8'));
  }
  const expectedAuth = options.username !== undefined ? `Basic ${Buffer.from(`${options.username}:${options.password ?? ''}`).toString('base64')}` : null;

  const replay: GlancesReplay = {
    url: '',
    requests: [],
    mode: 'ok',
    overrides: new Map(),
    hangPlugins: new Set(),
    paths: () => replay.requests.map((r) => r.path),
    close: async () => undefined,
  };

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    replay.requests.push({ method: req.method ?? 'GET', path, authorization: req.headers.authorization ?? null });
    req.resume();
    if (replay.mode === 'slow') return; // Held open until close().
    if (replay.mode === 'garbage') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(GARBAGE_BODY);
      return;
    }
    const match = /^\/api\/4\/([a-z0-9_]+)$/.exec(path);
    // FastAPI answers an unrouted path (any /api/3/...) 404 before the auth dependency runs.
    if (!match) return send(res, 404, JSON.stringify({ detail: 'Not Found' }));
    if (expectedAuth !== null && req.headers.authorization !== expectedAuth) {
      const detail = req.headers.authorization ? 'Incorrect username or password' : 'Not authenticated';
      return send(res, 401, JSON.stringify({ detail }), { 'www-authenticate': 'Basic' });
    }
    const plugin = match[1] as string;
    if (replay.hangPlugins.has(plugin)) return; // Held open until close().
    const override = replay.overrides.get(plugin);
    if (override) return send(res, override.status, override.body ?? JSON.stringify({ detail: `HTTP ${override.status}` }));
    const body = fixtures.get(plugin);
    if (body === undefined) {
      return send(res, 400, JSON.stringify({ detail: `Unknown plugin ${plugin} (available plugins: ${JSON.stringify([...fixtures.keys()])})` }));
    }
    send(res, 200, body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  replay.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  replay.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return replay;
}

/** A SourceContext for http:// loopback peers (the replay or a real Glances); `clock` defaults to the real one. */
export function glancesContext(options: { env?: Record<string, string>; clock?: () => Date; signal?: AbortSignal } = {}): SourceContext {
  return {
    http: createHttpClient({ allowInsecureHttp: true, caFile: null }),
    host: { name: 'web-01', hostname: '127.0.0.1', site: null },
    env: options.env ?? {},
    clock: options.clock ?? (() => new Date()),
    signal: options.signal ?? new AbortController().signal,
  };
}

/** Glances settings as the config resolves them (auto API, 5 s, no auth) with `overrides`. */
export function glancesSettings(url: string, overrides: Partial<GlancesSettings> = {}): GlancesSettings {
  return { url, api: 'auto', timeoutMs: 5000, username: null, passwordEnv: null, ...overrides };
}
