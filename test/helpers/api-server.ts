/**
 * `dthostmon serve`'s API server for tests: a config written to a temp dir (api section with a known key), a real
 * store (test/helpers/store.ts), the server on a free 127.0.0.1 port, and a small fetch wrapper that sends the key.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import type { LoadedConfig } from '../../src/config/types.js';
import { buildRoutes } from '../../src/serve/routes/index.js';
import { startApiServer, type ApiServer, type StartApiServerOptions } from '../../src/serve/server.js';
import type { Route } from '../../src/serve/types.js';
import type { Store } from '../../src/store/open-store.js';
import type { Clock } from '../../src/types.js';
import { memoryLogs, type MemoryLogs } from './logs.js';
import { freePort } from './ports.js';

export const TEST_API_KEY = 'test-api-key-0123456789abcdef';
export const TEST_REGISTRATION_TOKEN = 'test-registration-token-abcdef';

export interface TestApiOptions {
  store: Store;
  /** Extra YAML appended to the config (hosts, sites, ai ...). The `api:` block is written from `api`. */
  yaml?: string;
  /** api settings besides the key and token (rate_limit, max_body, tls_cert ...), as YAML scalars. */
  api?: Record<string, string | number>;
  /** Default: every route (buildRoutes()). */
  routes?: Route[];
  clock?: Clock;
  /** Extra server options (log, closeGraceMs). */
  server?: Partial<StartApiServerOptions>;
}

export interface TestApi extends ApiServer {
  config: LoadedConfig;
  dir: string;
  /** The events the server logged (debug and up). */
  logs: MemoryLogs;
  /** fetch(url + path) with the API key unless `key: null` (or another key). */
  request(path: string, init?: RequestInit & { key?: string | null }): Promise<Response>;
  /** request() and the parsed JSON body. */
  json<T = unknown>(path: string, init?: RequestInit & { key?: string | null }): Promise<{ status: number; body: T; headers: Headers }>;
}

/** The path of a SQLite store from its description (`SQLite /tmp/x/dthostmon.db`), for store size checks. */
function storeSettings(store: Store): LoadedConfig['store'] {
  if (store.dialect === 'sqlite') return { dialect: 'sqlite', path: store.describe.replace(/^SQLite /, '') };
  return { dialect: 'postgres', url: 'postgres://unused', display: store.describe };
}

/** Starts the API on a free loopback port. Close it with `close()` (also removes the temp dir). */
export async function startTestApi(options: TestApiOptions): Promise<TestApi> {
  const dir = mkdtempSync(join(tmpdir(), 'dthm-api-'));
  const apiLines = Object.entries({ api_key: TEST_API_KEY, registration_token: TEST_REGISTRATION_TOKEN, ...options.api }).map(
    ([k, v]) => `  ${k}: ${typeof v === 'number' ? v : JSON.stringify(v)}`,
  );
  const configPath = join(dir, 'dthostmon.yaml');
  writeFileSync(configPath, ['api:', ...apiLines, options.yaml ?? 'hosts: []', ''].join('\n'));
  const loaded = await loadConfig(configPath, { env: {} });
  const config: LoadedConfig = { ...loaded, store: storeSettings(options.store) };
  const logs = memoryLogs('debug', { component: 'serve' });
  const server = await startApiServer({
    config,
    store: options.store,
    routes: options.routes ?? buildRoutes(),
    ...(options.clock ? { clock: options.clock } : {}),
    log: logs.logger,
    port: await freePort(),
    bind: '127.0.0.1',
    ...options.server,
  });
  const request = (path: string, init: RequestInit & { key?: string | null } = {}): Promise<Response> => {
    const { key, ...rest } = init;
    const headers = new Headers(rest.headers);
    const k = key === undefined ? TEST_API_KEY : key;
    if (k !== null && !headers.has('x-api-key') && !headers.has('authorization')) headers.set('x-api-key', k);
    return fetch(`${server.url}${path}`, { ...rest, headers });
  };
  return {
    ...server,
    config,
    dir,
    logs,
    request,
    json: async <T>(path: string, init?: RequestInit & { key?: string | null }) => {
      const res = await request(path, init);
      const text = await res.text();
      return { status: res.status, body: JSON.parse(text) as T, headers: res.headers };
    },
    close: async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
