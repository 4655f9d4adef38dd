/**
 * A real InfluxDB 1.x (Debian `influxd`, 1.6 here: InfluxQL only, no Flux) on free loopback ports for the InfluxDB
 * source tests (recipe: shared/test-peers.md section 5): HTTP and the RPC bind address both on 127.0.0.1, usage
 * reporting off, data in a temp dir. With `auth`, HTTP auth is on and the admin user is created first (1.x lets the
 * first admin be created without credentials).
 *
 * Also the small servers the failure tests need: one that accepts connections and never answers, and one that
 * answers garbage.
 *
 * Under CI=true a missing influxd fails the tests; elsewhere they are skipped with a note.
 */
import { freePort, type SilentServer } from './ports.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { waitUntil } from './wait.js';
import { createHttpClient } from '../../src/collect/metrics/http.js';
import type { SourceContext } from '../../src/collect/metrics/context.js';
import type { InfluxSettings } from '../../src/collect/metrics/types.js';

function which(name: string, override: string | undefined): string | null {
  if (override) return override;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // Not in this directory.
    }
  }
  return null;
}

export const INFLUXD_BIN = which('influxd', process.env.INFLUXD_BIN);
const IS_CI = process.env.CI === 'true';

/** `describe` of tests that need the real influxd: skipped (with a note) without it, except under CI, where they fail. */
export function influxdbDescribe(name: string, fn: () => void): void {
  if (INFLUXD_BIN || IS_CI) {
    describe(name, fn);
    return;
  }
  console.warn(`SKIPPED: ${name}: influxd not found (apt install influxdb; CI=true fails instead)`);
  describe.skip(name, fn);
}

/** Telegraf's schema as the lead's config resolves it by default, for host web-01; `over` replaces fields. */
export function telegrafSettings(url: string, over: Partial<InfluxSettings> = {}): InfluxSettings {
  return {
    url,
    version: 1,
    database: 'telegraf',
    retentionPolicy: null,
    username: null,
    passwordEnv: null,
    org: null,
    bucket: null,
    tokenEnv: null,
    historySeconds: 7 * 86400,
    intervalSeconds: 3600,
    timeoutMs: 5000,
    hostTag: 'host',
    hostValue: 'web-01',
    cpu: { measurement: 'cpu', field: 'usage_idle', idle: true, cpuTag: 'cpu', cpuValue: 'cpu-total' },
    memory: { measurement: 'mem', field: 'used_percent' },
    disk: { measurement: 'disk', field: 'used_percent', pathTag: 'path' },
    load: { measurement: 'system', field: 'load1' },
    ...over,
  };
}

/** A pass context for http:// peers: the clock starts at `startSeconds` (epoch) and runs at real speed. */
export function influxContext(startSeconds: number | null, env: Record<string, string> = {}, host: SourceContext['host'] = { name: 'web-01', hostname: 'web-01.example', site: 'par' }): SourceContext {
  const realStart = Date.now();
  return {
    http: createHttpClient({ allowInsecureHttp: true, caFile: null }),
    host,
    env,
    clock: () => (startSeconds === null ? new Date() : new Date(startSeconds * 1000 + (Date.now() - realStart))),
    signal: new AbortController().signal,
  };
}

export { freePort } from './ports.js';

export interface InfluxdbPeer {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  dir: string;
  pid: number;
  /** Writes line protocol (timestamps in seconds) to `db` (created when missing). */
  write(lines: string, db: string): Promise<void>;
  /** Runs InfluxQL (POST, so it may write) and returns the parsed JSON. */
  query(q: string, db?: string): Promise<unknown>;
  /** What influxd printed, for failure messages. */
  log(): string;
  /** SIGKILL influxd (the directory stays until stop()). */
  kill(): Promise<void>;
  /** Stops influxd and removes the directory. */
  stop(): Promise<void>;
}

export interface InfluxdbOptions {
  /** Turn HTTP auth on and create this admin user. */
  auth?: { username: string; password: string };
}

function basic(auth: InfluxdbOptions['auth']): Record<string, string> {
  return auth ? { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` } : {};
}

/** Starts influxd; throws when no influxd is installed (use `influxdbDescribe` to skip). */
export async function startInfluxdb(options: InfluxdbOptions = {}): Promise<InfluxdbPeer> {
  if (!INFLUXD_BIN) throw new Error('influxd is not installed (apt install influxdb); CI=true makes this a failure');
  const dir = await mkdtemp(join(tmpdir(), 'dthostmon-influxd-'));
  const httpPort = await freePort();
  const rpcPort = await freePort();
  // Defaults would listen on all interfaces (:8086, :8088) and phone home: both are overridden.
  const config = [
    'reporting-disabled = true',
    `bind-address = "127.0.0.1:${rpcPort}"`,
    '[meta]',
    `dir = "${join(dir, 'meta')}"`,
    '[data]',
    `dir = "${join(dir, 'data')}"`,
    `wal-dir = "${join(dir, 'wal')}"`,
    'query-log-enabled = false',
    '[monitor]',
    'store-enabled = false',
    '[http]',
    `bind-address = "127.0.0.1:${httpPort}"`,
    'log-enabled = false',
    `auth-enabled = ${options.auth ? 'true' : 'false'}`,
    '[continuous_queries]',
    'enabled = false',
    '',
  ].join('\n');
  await writeFile(join(dir, 'influxdb.conf'), config);
  const chunks: string[] = [];
  const child: ChildProcess = spawn(INFLUXD_BIN, ['-config', join(dir, 'influxdb.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (c: Buffer): void => {
    chunks.push(c.toString('utf8'));
    if (chunks.length > 400) chunks.splice(0, 100);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let gone = false;
  void exited.then(() => (gone = true));
  const url = `http://127.0.0.1:${httpPort}`;
  const log = (): string => chunks.join('').slice(-4000);

  try {
    await waitUntil(
      `influxd answers /ping on ${url}`,
      async () => {
        if (gone) throw new Error(`influxd exited early:\n${log()}`);
        const res = await fetch(`${url}/ping`).catch(() => null);
        return res?.status === 204;
      },
      15_000,
    );
  } catch (err) {
    child.kill('SIGKILL');
    await exited;
    await rm(dir, { recursive: true, force: true });
    throw err;
  }

  const headers = basic(options.auth);
  const query = async (q: string, db?: string): Promise<unknown> => {
    const body = new URLSearchParams({ q, ...(db ? { db } : {}) });
    const res = await fetch(`${url}/query`, { method: 'POST', headers, body });
    const json: unknown = await res.json();
    if (!res.ok) throw new Error(`influxd query ${q.slice(0, 60)}: HTTP ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  if (options.auth) {
    const { username, password } = options.auth;
    // The first admin user may be created without credentials; everything after needs them.
    const res = await fetch(`${url}/query`, {
      method: 'POST',
      body: new URLSearchParams({ q: `CREATE USER "${username}" WITH PASSWORD '${password.replace(/'/g, "\\'")}' WITH ALL PRIVILEGES` }),
    });
    if (!res.ok) throw new Error(`influxd CREATE USER: HTTP ${res.status} ${await res.text()}`);
  }
  const databases = new Set<string>();

  return {
    url,
    dir,
    pid: child.pid ?? 0,
    log,
    query,
    async write(lines: string, db: string) {
      if (!databases.has(db)) {
        await query(`CREATE DATABASE "${db}"`);
        databases.add(db);
      }
      const res = await fetch(`${url}/write?db=${encodeURIComponent(db)}&precision=s`, { method: 'POST', headers, body: lines });
      if (res.status !== 204) throw new Error(`influxd write: HTTP ${res.status} ${await res.text()}`);
    },
    async kill() {
      if (!gone) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (!gone) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export { startSilentServer, type SilentServer } from './ports.js';

/** Answers every request with `status`, `contentType` and `body` (garbage for the client under test). */
export async function startCannedServer(status: number, contentType: string, body: string): Promise<SilentServer> {
  const server: Server = createHttpServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(status, { 'content-type': contentType });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
