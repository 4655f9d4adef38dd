/**
 * A realistic store for the `serve` read-route tests, written the way a pass writes it (saveHostResult): hosts in two
 * sites with tags, three passes, findings, changes, metrics, log templates, a host that fails its last pass and a
 * disabled one. Also `callRoute`, a small path matcher that runs a route's handler the way the server does (no
 * socket), so the routes are tested without the HTTP core.
 */
import { loadConfigText } from '../../src/config/load.js';
import type { LoadedConfig } from '../../src/config/types.js';
import { ApiError, type ApiContext, type ApiResult, type Route } from '../../src/serve/types.js';
import { saveHostResult } from '../../src/store/host-result-repo.js';
import { syncHosts } from '../../src/store/hosts-repo.js';
import { createRun, finishRun } from '../../src/store/runs-repo.js';
import type { Change, Finding, HostAnalysis, HostSnapshot } from '../../src/types.js';
import { sampleFacts, sampleFinding, sampleSnapshot, unreachableSnapshot } from '../unit/store/sample-data.js';
import type { TestStore } from './store.js';

/** "Now" of the seeded store: the third pass ran an hour before. */
export const SEED_NOW = new Date('2026-03-10T12:00:00.000Z');
const HOUR = 3_600_000;
/** The passes' start times: 50 h, 26 h and 1 h before SEED_NOW. */
export const PASS_TIMES = [50, 26, 1].map((h) => new Date(SEED_NOW.getTime() - h * HOUR).toISOString());

/** The hosts of the seeded store as config YAML (give it to startTestApi's `yaml` to serve the same hosts). */
export const SEED_HOSTS_YAML = `
hosts:
  - name: web-01
    hostname: 10.0.1.1
    user: dtmon
    site: s01-lab
    tags: [web, prod]
  - name: web-02
    hostname: 10.0.1.2
    user: dtmon
    site: s01-lab
    tags: [web]
  - name: db-01
    hostname: 10.0.2.1
    user: dtmon
    site: s02-austin
    tags: [db, prod]
  - name: old-01
    hostname: 10.0.2.9
    user: dtmon
    site: s02-austin
    tags: [db]
    enabled: false
`;

export interface Seeded {
  config: LoadedConfig;
  ctx: ApiContext;
  /** Host name -> hosts.id. */
  hostIds: Map<string, number>;
  /** runs.id of each pass, in order. */
  runIds: number[];
  /** Host name -> host_runs.id of each of its passes, in order. */
  hostRunIds: Map<string, number[]>;
}

const diskFinding = (): Finding =>
  sampleFinding({
    category: 'disk.usage',
    severity: 'warn',
    ruleId: 'resource.disk',
    title: 'Disk / at 91%',
    key: 'disk.usage:/',
    subject: '/',
    count: 1,
    evidence: [{ source: 'facts:df', values: { mount: '/', usedPercent: 91 } }],
    recommendation: 'Free space on /.',
  });

const userAdded: Change = { kind: 'user', action: 'added', subject: 'mallory', detail: 'uid=1002 shell=/bin/bash', before: null, after: 'uid=1002 shell=/bin/bash', expected: false, reason: null, category: 'account.user_added' };
const packageUpgraded: Change = { kind: 'package', action: 'changed', subject: 'openssl', detail: '3.0.1 -> 3.0.2', before: '3.0.1', after: '3.0.2', expected: true, reason: 'apt upgrade', category: 'package.upgraded' };

function snapshotAt(pass: number, at: string): HostSnapshot {
  const facts = sampleFacts();
  facts.cpu.usedPercent = 10 + pass;
  if (facts.memory) facts.memory.usedPercent = 20 + pass;
  facts.disks = (facts.disks ?? []).map((d) => (d.mount === '/' ? { ...d, usedPercent: 80 + pass * 5 } : d));
  return sampleSnapshot({ collectedAt: at, facts });
}

function analysis(findings: Finding[], score: number, changes: Change[] = []): HostAnalysis {
  const status = score >= 90 ? 'healthy' : score >= 60 ? 'minor' : 'critical';
  return { findings, score, status, reasons: findings.map((f) => ({ points: 10, reason: f.title, category: f.category })), changes };
}

/**
 * Seeds `store` and returns the ids and an API context on it (clock at SEED_NOW). `config` must hold the hosts of
 * SEED_HOSTS_YAML (default: that YAML alone).
 */
export async function seedApiStore(store: Pick<TestStore, 'db'>, config: LoadedConfig = seedConfig()): Promise<Seeded> {
  const db = store.db;
  const hostIds = await syncHosts(db, config.hosts, PASS_TIMES[0] as string);
  const runIds: number[] = [];
  const hostRunIds = new Map<string, number[]>();
  const previous = new Map<string, number | null>();
  for (const [pass, at] of PASS_TIMES.entries()) {
    const finishedAt = new Date(Date.parse(at) + 90_000).toISOString();
    const runId = await createRun(db, { startedAt: at, runner: 'monitor1', pid: 100 + pass, hostCount: 3 });
    runIds.push(runId);
    let failed = 0;
    for (const name of ['web-01', 'web-02', 'db-01']) {
      const input = hostInput(name, pass, at);
      if (input.status === 'failed') failed++;
      const id = await saveHostResult(db, {
        runId,
        hostId: hostIds.get(name) as number,
        previousScore: previous.get(name) ?? null,
        reportPath: null,
        startedAt: at,
        finishedAt,
        ...input,
      });
      previous.set(name, input.analysis?.score ?? previous.get(name) ?? null);
      hostRunIds.set(name, [...(hostRunIds.get(name) ?? []), id]);
    }
    await finishRun(db, runId, { finishedAt, status: 'complete', hostsOk: 3 - failed, hostsFailed: failed, durationMs: 90_000 });
  }
  const ctx: ApiContext = { db, config, clock: () => new Date(SEED_NOW) };
  return { config, ctx, hostIds, runIds, hostRunIds };
}

function seedConfig(): LoadedConfig {
  return loadConfigText(SEED_HOSTS_YAML, '/nonexistent/dthostmon-api-seed/dthostmon.yaml', { env: {}, homeDir: '/home/tester' });
}

/** What each host produced at each pass (pass 0, 1, 2). */
function hostInput(name: string, pass: number, at: string) {
  if (name === 'db-01' && pass === 2) {
    return { snapshot: { ...unreachableSnapshot(), collectedAt: at }, analysis: null, status: 'failed' as const, error: 'connect ECONNREFUSED 10.0.2.1:22' };
  }
  const snapshot = snapshotAt(pass, at);
  if (name === 'web-01') {
    const findings = pass === 2 ? [sampleFinding(), diskFinding()] : [sampleFinding()];
    const changes = pass === 1 ? [userAdded, packageUpgraded] : [];
    const seen = [
      { hash: 'a1'.padEnd(16, '0'), template: 'Failed password for <*> from <ip> port <num> ssh2', isError: true, count: 40 + pass },
      { hash: 'b2'.padEnd(16, '0'), template: 'Accepted publickey for <*> from <ip>', isError: false, count: 3 },
    ];
    const known = new Set(pass === 0 ? [] : seen.map((s) => s.hash));
    return { snapshot, analysis: analysis(findings, pass === 2 ? 55 : 72, changes), status: 'ok' as const, error: null, logTemplates: { seen, known } };
  }
  if (name === 'db-01') return { snapshot, analysis: analysis([], 95 - pass), status: 'ok' as const, error: null };
  return { snapshot, analysis: analysis([], 100), status: 'ok' as const, error: null };
}

/** What a route answered, or the error body the server would send for an ApiError it threw. */
export type CallResult = ApiResult & { json?: unknown; text?: string };

/**
 * Finds the route for `GET <url>` among `routes` (literal and `:param` segments, URL-decoded) and runs it like the
 * server: an ApiError becomes `{ status, json: { error: { code, message } } }`. No route: 404 `no_route`.
 */
export async function callRoute(routes: readonly Route[], ctx: ApiContext, url: string): Promise<CallResult> {
  const parsed = new URL(url, 'http://127.0.0.1');
  const segments = parsed.pathname.split('/').slice(1);
  for (const route of routes) {
    const parts = route.path.split('/').slice(1);
    if (parts.length !== segments.length) continue;
    const params: Record<string, string> = {};
    const matches = parts.every((part, i) => {
      const segment = decodeURIComponent(segments[i] as string);
      if (part.startsWith(':')) {
        params[part.slice(1)] = segment;
        return true;
      }
      return part === segment;
    });
    if (!matches) continue;
    try {
      return await route.handle({ method: 'GET', params, query: parsed.searchParams, body: undefined, remoteAddress: '127.0.0.1' }, ctx);
    } catch (err) {
      if (err instanceof ApiError) return { status: err.status, json: { error: { code: err.code, message: err.message } } };
      throw err;
    }
  }
  return { status: 404, json: { error: { code: 'no_route', message: parsed.pathname } } };
}
