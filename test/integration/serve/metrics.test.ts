/**
 * GET /metrics on SQLite and PostgreSQL: the API key is required; the text is parsed by a strict parser of the
 * exposition format 0.0.4 written here, and checked by `promtool check metrics` (Prometheus' own linter).
 */
import { spawnSync } from 'node:child_process';
import { sql } from 'kysely';
import { saveHostResult } from '../../../src/store/host-result-repo.js';
import { syncHosts } from '../../../src/store/hosts-repo.js';
import { enqueue, markFailed } from '../../../src/store/outbox-repo.js';
import { createRun, finishRun } from '../../../src/store/runs-repo.js';
import { escapeLabelValue, formatMetrics } from '../../../src/util/exposition.js';
import { startTestApi, TEST_API_KEY, type TestApi } from '../../helpers/api-server.js';
import { openTestStore, testDialects, type TestStore } from '../../helpers/store.js';
import { sampleAnalysis, sampleFinding, sampleHost, sampleSnapshot, unreachableSnapshot } from '../../unit/store/sample-data.js';

interface ParsedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A strict parser: every sample belongs to a family announced by HELP then TYPE; label values unescaped. */
function parseExposition(text: string): { types: Map<string, string>; help: Map<string, string>; samples: ParsedSample[] } {
  if (!text.endsWith('\n')) throw new Error('the text must end with a newline');
  const types = new Map<string, string>();
  const help = new Map<string, string>();
  const samples: ParsedSample[] = [];
  const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
  for (const line of text.slice(0, -1).split('\n')) {
    let m: RegExpExecArray | null;
    if ((m = new RegExp(`^# HELP (${NAME}) (.*)$`).exec(line))) {
      if (help.has(m[1]!)) throw new Error(`second HELP for ${m[1]}`);
      help.set(m[1]!, m[2]!);
    } else if ((m = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`).exec(line))) {
      if (!help.has(m[1]!)) throw new Error(`TYPE before HELP for ${m[1]}`);
      if (types.has(m[1]!)) throw new Error(`second TYPE for ${m[1]}`);
      types.set(m[1]!, m[2]!);
    } else if ((m = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)$`).exec(line))) {
      const name = m[1]!;
      if (!types.has(name)) throw new Error(`sample of ${name} before its TYPE`);
      const labels: Record<string, string> = {};
      let rest = m[2] ?? '';
      while (rest !== '') {
        const lm = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\[\\"n])*)"(,|$)/.exec(rest);
        if (!lm) throw new Error(`bad labels in: ${line}`);
        labels[lm[1]!] = lm[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
        rest = rest.slice(lm[0].length);
      }
      const value = Number(m[3] === '+Inf' ? Infinity : m[3] === '-Inf' ? -Infinity : m[3]);
      if (m[3] !== 'NaN' && Number.isNaN(value)) throw new Error(`bad value in: ${line}`);
      samples.push({ name, labels, value });
    } else {
      throw new Error(`not a line of the text format: ${JSON.stringify(line)}`);
    }
  }
  return { types, help, samples };
}

const promtoolFound = spawnSync('promtool', ['--version']).status === 0;
if (!promtoolFound && process.env.CI !== 'true') console.warn('SKIPPED: promtool not found: /metrics is checked by the test parser only (apt install prometheus)');

function promtoolCheck(text: string): { status: number | null; output: string } {
  if (!promtoolFound) {
    if (process.env.CI === 'true') throw new Error('promtool not found (CI=true: a missing peer is a failure; apt install prometheus)');
    return { status: 0, output: '' };
  }
  const res = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return { status: res.status, output: `${res.stdout}${res.stderr}` };
}

const NOW = new Date('2026-11-20T12:00:00.000Z');
const ago = (seconds: number): string => new Date(NOW.getTime() - seconds * 1000).toISOString();

describe('metrics text format', () => {
  it('escapes backslash, quote and newline in label values; empty families keep HELP and TYPE', () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    const text = formatMetrics([
      { name: 'x_info', help: 'a\\b', type: 'gauge', samples: [{ labels: { v: 'q"' }, value: NaN }] },
      { name: 'y', help: 'empty', type: 'gauge', samples: [] },
    ]);
    expect(text).toBe('# HELP x_info a\\\\b\n# TYPE x_info gauge\nx_info{v="q\\""} NaN\n# HELP y empty\n# TYPE y gauge\n');
    expect(parseExposition(text).samples).toEqual([{ name: 'x_info', labels: { v: 'q"' }, value: NaN }]);
  });
});

describe.each(await testDialects())('GET /metrics on %s', (dialect) => {
  let store: TestStore;
  let api: TestApi;
  beforeAll(async () => {
    store = await openTestStore(dialect);
    const hosts = [
      sampleHost('web1'),
      sampleHost('db "main"\\1', { site: 's02-austin' }),
      sampleHost('dead1', { site: null }),
      sampleHost('never1'),
      sampleHost('off1', { enabled: false }),
    ];
    const ids = await syncHosts(store.db, hosts, ago(7200));
    const old = await createRun(store.db, { startedAt: ago(7200), runner: 'monitor1', pid: 1, hostCount: 4 });
    await finishRun(store.db, old, { finishedAt: ago(7100), status: 'complete', hostsOk: 3, hostsFailed: 1, durationMs: 100_000 });
    const run = await createRun(store.db, { startedAt: ago(400), runner: 'monitor1', pid: 1, hostCount: 4 });
    const save = (runId: number, host: string, at: number, ok: boolean, score?: number) =>
      saveHostResult(store.db, {
        runId,
        hostId: ids.get(host) as number,
        snapshot: ok ? { ...sampleSnapshot(), collectedAt: ago(at) } : { ...unreachableSnapshot(), collectedAt: ago(at) },
        analysis: ok ? { ...sampleAnalysis([sampleFinding(), sampleFinding({ key: `disk:${host}`, severity: 'warn', category: 'disk.usage' })]), score: score ?? 72 } : null,
        status: ok ? 'ok' : 'failed',
        error: ok ? null : 'connect ECONNREFUSED',
        previousScore: null,
        reportPath: null,
        startedAt: ago(at),
        finishedAt: ago(at),
      });
    // Older results first: the latest host run of each host is what counts.
    await save(old, 'web1', 7150, false);
    await save(old, 'off1', 7150, true, 10);
    await save(run, 'web1', 350, true, 88);
    await save(run, 'db "main"\\1', 340, true, 64);
    await save(run, 'dead1', 330, false);
    await finishRun(store.db, run, { finishedAt: ago(300), status: 'complete', hostsOk: 2, hostsFailed: 1, durationMs: 100_500 });
    await createRun(store.db, { startedAt: ago(10), runner: 'monitor2', pid: 2, hostCount: 4 });
    const message = (key: string) => ({ createdAt: ago(60), runId: null, kind: 'alert', dedupeKey: key, subject: 's', channel: 'pushover' as const, payload: { fields: { message: 'm' } } });
    const { ids: outbox } = await enqueue(store.db, [message('a'), message('b'), message('c')]);
    await markFailed(store.db, outbox.get('c') as number, 'refused', null);
    api = await startTestApi({ store, clock: () => NOW });
  });
  afterAll(async () => {
    await api.close();
    await store.cleanup();
  });

  it('needs the API key (Bearer, as Prometheus sends it)', async () => {
    const res = await api.json<{ error: { code: string } }>('/metrics', { key: null });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('unauthorized');
    const bearer = await api.request('/metrics', { key: null, headers: { authorization: `Bearer ${TEST_API_KEY}` } });
    expect(bearer.status).toBe(200);
    expect(bearer.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  });

  it('exposes the pass, hosts, findings, scores, outbox and store size; valid for promtool', async () => {
    const res = await api.request('/metrics');
    expect(res.status).toBe(200);
    const text = await res.text();
    const { types, samples } = parseExposition(text);
    const value = (name: string, labels: Record<string, string> = {}) =>
      samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).map((s) => s.value);

    for (const name of ['dthostmon_last_pass_timestamp_seconds', 'dthostmon_last_pass_duration_seconds', 'dthostmon_last_pass_age_seconds', 'dthostmon_hosts', 'dthostmon_open_findings', 'dthostmon_host_score', 'dthostmon_outbox_messages', 'dthostmon_store_size_bytes']) {
      expect(types.get(name)).toBe('gauge');
    }
    expect(value('dthostmon_last_pass_timestamp_seconds')).toEqual([Date.parse(ago(300)) / 1000]);
    expect(value('dthostmon_last_pass_duration_seconds')).toEqual([100.5]);
    expect(value('dthostmon_last_pass_age_seconds')).toEqual([300]);
    expect(value('dthostmon_last_pass_hosts', { status: 'failed' })).toEqual([1]);
    expect(value('dthostmon_pass_running')).toEqual([1]);
    // Latest host run per enabled host: web1 ok (its older failure does not count), db ok, dead1 failed, never1 none.
    expect(value('dthostmon_hosts', { status: 'ok' })).toEqual([2]);
    expect(value('dthostmon_hosts', { status: 'partial' })).toEqual([0]);
    expect(value('dthostmon_hosts', { status: 'failed' })).toEqual([1]);
    // Open items of enabled hosts: web1 and db, one crit and one warn each (off1 is disabled).
    expect(value('dthostmon_open_findings', { severity: 'crit' })).toEqual([2]);
    expect(value('dthostmon_open_findings', { severity: 'warn' })).toEqual([2]);
    expect(value('dthostmon_open_findings', { severity: 'info' })).toEqual([0]);
    expect(samples.filter((s) => s.name === 'dthostmon_host_score')).toEqual([
      { name: 'dthostmon_host_score', labels: { host: 'db "main"\\1', site: 's02-austin' }, value: 64 },
      { name: 'dthostmon_host_score', labels: { host: 'web1', site: 's01-lab' }, value: 88 },
    ]);
    expect(value('dthostmon_outbox_messages', { status: 'pending' })).toEqual([2]);
    expect(value('dthostmon_outbox_messages', { status: 'dead' })).toEqual([1]);
    const [size] = value('dthostmon_store_size_bytes');
    expect(size).toBeGreaterThan(10_000);
    if (dialect === 'postgres') {
      const { rows } = await sql<{ size: number }>`select pg_database_size(current_database()) as size`.execute(store.db);
      expect(Math.abs((size as number) - Number(rows[0]!.size))).toBeLessThan(5_000_000);
    }

    const check = promtoolCheck(text);
    expect(check.output).toBe('');
    expect(check.status).toBe(0);
  });

  it('an empty store: families present, no last-pass samples, zero counts', async () => {
    const empty = await openTestStore(dialect);
    const a = await startTestApi({ store: empty, clock: () => NOW });
    try {
      const text = await (await a.request('/metrics')).text();
      const { samples, types } = parseExposition(text);
      expect(types.has('dthostmon_last_pass_timestamp_seconds')).toBe(true);
      expect(samples.some((s) => s.name.startsWith('dthostmon_last_pass'))).toBe(false);
      expect(samples.filter((s) => s.name === 'dthostmon_hosts').map((s) => s.value)).toEqual([0, 0, 0]);
      expect(promtoolCheck(text).status).toBe(0);
    } finally {
      await a.close();
      await empty.cleanup();
    }
  });
});
