/**
 * Real Prometheus and node_exporter (Debian packages) on free loopback ports for the Prometheus source tests
 * (recipe: shared/test-peers.md section 3), plus the small loopback servers those tests put in front of or instead
 * of it: a recording proxy (auth headers), a server that never answers, a server that answers what a test says.
 *
 * Under CI=true a missing binary fails the tests; elsewhere they are skipped with a note.
 */
import { freePort } from './ports.js';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { accessSync, constants, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { waitUntil } from './wait.js';

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The binary named by the env override or found on PATH, or null. */
function which(name: string, override: string | undefined): string | null {
  if (override) return executable(override) ? override : null;
  const dir = (process.env.PATH ?? '').split(delimiter).find((d) => d !== '' && executable(join(d, name)));
  return dir === undefined ? null : join(dir, name);
}

export const PROMETHEUS_BIN = which('prometheus', process.env.PROMETHEUS_BIN);
export const PROMTOOL_BIN = which('promtool', process.env.PROMTOOL_BIN);
export const NODE_EXPORTER_BIN = which('prometheus-node-exporter', process.env.NODE_EXPORTER_BIN) ?? which('node_exporter', undefined);
const IS_CI = process.env.CI === 'true';
const missing = [PROMETHEUS_BIN ? null : 'prometheus', PROMTOOL_BIN ? null : 'promtool', NODE_EXPORTER_BIN ? null : 'prometheus-node-exporter'].filter((m) => m !== null);
export const hasPrometheus = missing.length === 0;
if (!hasPrometheus && !IS_CI) {
  console.warn(`SKIPPED: ${missing.join(', ')} not found: the real Prometheus tests are skipped (apt install prometheus prometheus-node-exporter; CI=true fails instead)`);
}
/** `describe` of tests that need the real peers: skipped without them, except under CI, where they then fail. */
export const prometheusDescribe = hasPrometheus || IS_CI ? describe : describe.skip;

export { freePort } from './ports.js';

/** One OpenMetrics series for a backfill: `name{labels} value t` per point (t in epoch seconds). */
export interface PlantedSeries {
  name: string;
  labels: Record<string, string>;
  points: Array<[t: number, v: number]>;
}

/** The OpenMetrics text `promtool tsdb create-blocks-from openmetrics` reads: samples grouped per series, `# EOF`. */
export function openMetrics(series: PlantedSeries[]): string {
  const lines: string[] = [];
  // Families must be contiguous in OpenMetrics: sort by name, keep the given order within a name.
  const sorted = [...series].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const s of sorted) {
    const labels = Object.entries(s.labels)
      .map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
      .join(',');
    for (const [t, v] of s.points) lines.push(`${s.name}{${labels}} ${v} ${t}`);
  }
  return `${lines.join('\n')}\n# EOF\n`;
}

export interface PrometheusOptions {
  /** OpenMetrics text turned into TSDB blocks before the start (deterministic history). */
  backfill?: string;
  /** Start node_exporter and scrape it every second as job `node` (default true). */
  scrapeNodeExporter?: boolean;
  /** Static labels of the node_exporter target (`{host: 'web-01'}`). */
  labels?: Record<string, string>;
}

export interface PrometheusPeer {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** `127.0.0.1:<port>` of node_exporter: the `instance` label of its series; null when not scraping. */
  nodeExporterTarget: string | null;
  dir: string;
  dataDir: string;
  pid: number;
  /** What Prometheus printed, for failure messages. */
  log(): string;
  /**
   * SIGSTOP Prometheus and wait until every one of its threads is stopped: the kernel still accepts connections,
   * nothing answers them. (Without the wait, a thread still running on a loaded machine answered a request sent
   * right after the signal.)
   */
  pause(): Promise<void>;
  resume(): void;
  /** SIGKILL Prometheus (node_exporter and the files stay until stop()). */
  kill(): Promise<void>;
  /** Stops both processes and removes the directory. */
  stop(): Promise<void>;
}

interface Proc {
  child: ChildProcess;
  exited: Promise<void>;
  log(): string;
}

function startProc(bin: string, args: string[]): Proc {
  const chunks: string[] = [];
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (c: Buffer): void => {
    chunks.push(c.toString('utf8'));
    if (chunks.length > 400) chunks.splice(0, 100);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { child, exited, log: () => chunks.join('') };
}

async function stopProc(p: Proc, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill('SIGCONT');
  p.child.kill(signal);
  const timer = setTimeout(() => p.child.kill('SIGKILL'), 5000);
  await p.exited;
  clearTimeout(timer);
}

/** Whether every thread of `pid` is in state T (stopped), from /proc/<pid>/task/<tid>/stat. */
function allThreadsStopped(pid: number): boolean {
  try {
    return readdirSync(`/proc/${pid}/task`).every((tid) => {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2).startsWith('T');
    });
  } catch {
    return false;
  }
}

/** Runs `wait`; a failure gets the end of the process's output appended (why it did not come up). */
async function withLog(p: Proc, wait: () => Promise<void>): Promise<void> {
  try {
    await wait();
  } catch (err) {
    throw new Error(`${(err as Error).message}; its output: ${p.log().slice(-2000)}`);
  }
}

async function httpOk(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

/** The first value of an instant query, or null. */
async function instantValue(base: string, query: string): Promise<number | null> {
  try {
    const res = await fetch(`${base}/api/v1/query?${new URLSearchParams({ query })}`, { signal: AbortSignal.timeout(1000) });
    const body = (await res.json()) as { data?: { result?: Array<{ value?: [number, string] }> } };
    const v = body.data?.result?.[0]?.value?.[1];
    return v === undefined ? null : Number(v);
  } catch {
    return null;
  }
}

/**
 * Starts node_exporter (optional) and Prometheus on free loopback ports with a 1 s scrape, and waits until the API
 * is ready and (when scraping) node_exporter has 3 samples, so rate() has a value: ~8 s, polled, not slept.
 */
export async function startPrometheus(options: PrometheusOptions = {}): Promise<PrometheusPeer> {
  if (!PROMETHEUS_BIN || !PROMTOOL_BIN || !NODE_EXPORTER_BIN) {
    throw new Error(`${missing.join(', ')} not found (CI=true: a missing peer is a failure): apt install prometheus prometheus-node-exporter`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'dthm-prom-'));
  const dataDir = join(dir, 'data');
  const procs: Proc[] = [];
  const cleanup = async (): Promise<void> => {
    for (const p of procs.reverse()) await stopProc(p);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    if (options.backfill !== undefined) {
      await writeFile(join(dir, 'backfill.om'), options.backfill);
      await promisify(execFile)(PROMTOOL_BIN, ['tsdb', 'create-blocks-from', 'openmetrics', join(dir, 'backfill.om'), dataDir]);
    }
    let target: string | null = null;
    if (options.scrapeNodeExporter !== false) {
      target = `127.0.0.1:${await freePort()}`;
      // The systemd collector logs a dbus error on every scrape where no system bus runs.
      const ne = startProc(NODE_EXPORTER_BIN, [`--web.listen-address=${target}`, '--no-collector.systemd']);
      procs.push(ne);
      await withLog(ne, () => waitUntil(`node_exporter answers on ${target}`, () => httpOk(`http://${target}/metrics`), 10_000));
    }
    const labels = JSON.stringify(options.labels ?? {});
    const scrape = target ? `  - job_name: node\n    static_configs: [{targets: ['${target}'], labels: ${labels}}]\n` : '';
    await writeFile(join(dir, 'prometheus.yml'), `global: {scrape_interval: 1s, evaluation_interval: 1s}\nscrape_configs:\n${scrape || '  []\n'}`);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const prom = startProc(PROMETHEUS_BIN, [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${dataDir}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // Backfilled history may start days back; the default 15 d retention would drop a block older than that.
      '--storage.tsdb.retention.time=30d',
    ]);
    procs.push(prom);
    const alive = (): boolean => prom.child.exitCode === null;
    await withLog(prom, () =>
      waitUntil('Prometheus /-/ready', async () => {
        if (!alive()) throw new Error('prometheus exited');
        return httpOk(`${url}/-/ready`);
      }, 20_000),
    );
    if (target) {
      const query = `count_over_time(node_load1{instance="${target}"}[1m])`;
      // 3 samples: rate() needs 2 before a query's end, and a client's end rounded down to the second may miss the newest.
      await withLog(prom, () => waitUntil('node_exporter data in Prometheus (3 scrapes)', async () => ((await instantValue(url, query)) ?? 0) >= 3, 30_000));
    }
    return {
      url,
      nodeExporterTarget: target,
      dir,
      dataDir,
      pid: prom.child.pid ?? -1,
      log: prom.log,
      pause: async () => {
        const pid = prom.child.pid ?? -1;
        prom.child.kill('SIGSTOP');
        await waitUntil('every Prometheus thread stopped', async () => allThreadsStopped(pid), 5000);
      },
      resume: () => void prom.child.kill('SIGCONT'),
      kill: () => stopProc(prom, 'SIGKILL'),
      stop: cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** A loopback HTTP server for tests; `requests` records what came in. */
export interface TestServer {
  url: string;
  requests: Array<{ method: string; path: string; headers: IncomingMessage['headers'] }>;
  close(): Promise<void>;
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<TestServer & { sockets: Set<Socket> }> {
  const requests: TestServer['requests'] = [];
  const sockets = new Set<Socket>();
  const server = createHttpServer((req, res) => {
    requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers });
    handler(req, res);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * A proxy to `target` that records every request and, when `requireAuth` is set, answers 401 (as an auth proxy in
 * front of Prometheus does: plain text) unless the Authorization header is exactly that.
 */
export function startRecordingProxy(target: string, requireAuth?: string): Promise<TestServer> {
  return listen((req, res) => {
    if (requireAuth !== undefined && req.headers.authorization !== requireAuth) {
      res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Basic realm="prometheus"' });
      res.end('Unauthorized\n');
      return;
    }
    const upstream = httpRequest(`${target}${req.url ?? '/'}`, { method: req.method, headers: { ...req.headers, host: new URL(target).host } }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
}

/** A server that takes requests and never answers them (the sockets are destroyed on close()). */
export function startSilentServer(): Promise<TestServer> {
  return listen(() => undefined);
}

/** A server whose answers come from `answer(path)`: status, content type and body. */
export function startScriptedServer(answer: (path: string) => { status: number; contentType: string; body: string | Buffer }): Promise<TestServer> {
  return listen((req, res) => {
    const a = answer(req.url ?? '/');
    res.writeHead(a.status, { 'content-type': a.contentType });
    res.end(a.body);
  });
}
