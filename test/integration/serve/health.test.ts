/**
 * GET /health on SQLite and PostgreSQL: no key needed; the age of the last pass against the interval; a running
 * pass; the outbox backlog; LLM reachability by TCP (cached); a database that no longer answers -> 503 with reasons.
 */
import { createServer, type Server } from 'node:net';
import { enqueue, markFailed } from '../../../src/store/outbox-repo.js';
import { createRun, finishRun } from '../../../src/store/runs-repo.js';
import { buildRoutes } from '../../../src/serve/routes/index.js';
import { startTestApi, type TestApi } from '../../helpers/api-server.js';
import { freePort } from '../../helpers/ports.js';
import { openTestStore, testDialects, type TestStore } from '../../helpers/store.js';

interface Health {
  status: 'ok' | 'degraded';
  time: string;
  checks: {
    database: { status: string; latency_ms: number; error?: string };
    last_pass: Record<string, unknown> & { status: string };
    llm: { status: string; providers: Array<{ name: string; endpoint: string; reachable: boolean; error?: string }> };
    outbox: { status: string; pending: number; oldest_pending_age_seconds: number | null; dead: number };
  };
  reasons: string[];
}

const NOW = new Date('2026-11-20T12:00:00.000Z');
const ago = (seconds: number): string => new Date(NOW.getTime() - seconds * 1000).toISOString();

describe.each(await testDialects())('GET /health on %s', (dialect) => {
  let store: TestStore;
  let api: TestApi | null = null;
  beforeEach(async () => {
    store = await openTestStore(dialect);
  });
  afterEach(async () => {
    await api?.close();
    api = null;
    await store.cleanup();
  });

  const start = async (options: { yaml?: string; servingSince?: Date; intervalMs?: number } = {}): Promise<TestApi> => {
    api = await startTestApi({
      store,
      clock: () => NOW,
      routes: buildRoutes({ servingSince: options.servingSince ?? NOW, expectedIntervalMs: options.intervalMs ?? null }),
      yaml: options.yaml ?? 'global:\n  pass_timeout: 300\nhosts: []',
    });
    return api;
  };

  const pass = async (startedAgo: number, finishedAgo: number | null, status: 'complete' | 'failed' = 'complete'): Promise<number> => {
    const id = await createRun(store.db, { startedAt: ago(startedAgo), runner: 'monitor1', pid: 4242, hostCount: 2 });
    if (finishedAgo !== null) await finishRun(store.db, id, { finishedAt: ago(finishedAgo), status, hostsOk: 1, hostsFailed: 1, durationMs: (startedAgo - finishedAgo) * 1000 });
    return id;
  };

  it('answers without a key: ok on a fresh store while serve has just started', async () => {
    const a = await start();
    const res = await a.json<Health>('/health', { key: null });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('ok');
    expect(res.body.time).toBe(NOW.toISOString());
    expect(res.body.reasons).toEqual([]);
    expect(res.body.checks.database.status).toBe('ok');
    expect(res.body.checks.last_pass).toMatchObject({ status: 'ok', run_id: null, running: null, expected_interval_seconds: 3600, stale_after_seconds: 7500 });
    expect(res.body.checks.llm).toEqual({ status: 'disabled', providers: [] });
    expect(res.body.checks.outbox).toEqual({ status: 'ok', pending: 0, oldest_pending_age_seconds: null, dead: 0 });
    const unknown = await a.json<{ error: { message: string } }>('/health?verbose=1', { key: null });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toBe('verbose: unknown parameter (known: none)');
  });

  it('503 when no pass has finished within 2 x interval + pass_timeout of serve starting', async () => {
    const a = await start({ servingSince: new Date(NOW.getTime() - 8000 * 1000) });
    const res = await a.json<Health>('/health', { key: null });
    expect(res.status).toBe(503);
    expect(res.body.status).toBe('degraded');
    expect(res.body.reasons).toEqual(['last_pass: no pass has finished yet (serving for 8000 s)']);
  });

  it('the last pass: fresh is ok, older than 2 x interval + pass_timeout is stale; a running pass is shown', async () => {
    const first = await pass(4000, 3900);
    const a = await start({ yaml: 'global:\n  monitor_interval: 30m\n  pass_timeout: 300\nhosts: []' });
    // 30 min interval: stale after 2 x 1800 + 300 = 3900 s. The pass ended exactly 3900 s ago: not yet stale.
    let res = await a.json<Health>('/health', { key: null });
    expect(res.status).toBe(200);
    expect(res.body.checks.last_pass).toMatchObject({ status: 'ok', run_id: first, age_seconds: 3900, last_status: 'complete', hosts_ok: 1, hosts_failed: 1, expected_interval_seconds: 1800, stale_after_seconds: 3900 });
    await a.close();

    api = await startTestApi({ store, clock: () => new Date(NOW.getTime() + 1000), routes: buildRoutes({ servingSince: NOW }), yaml: 'global:\n  monitor_interval: 30m\n  pass_timeout: 300\nhosts: []' });
    res = await api.json<Health>('/health', { key: null });
    expect(res.status).toBe(503);
    expect(res.body.reasons).toEqual(['last_pass: the last pass ended 3901 s ago (stale after 3900 s)']);

    const running = await pass(60, null);
    res = await api.json<Health>('/health', { key: null });
    expect(res.body.checks.last_pass.running).toEqual({ run_id: running, started_at: ago(60), runner: 'monitor1', pid: 4242 });
  });

  it('the --schedule interval wins over global.monitor_interval', async () => {
    await pass(200, 100);
    const a = await start({ intervalMs: 30_000, yaml: 'global:\n  monitor_interval: 1h\n  pass_timeout: 30\nhosts: []' });
    const res = await a.json<Health>('/health', { key: null });
    expect(res.status).toBe(503);
    expect(res.body.checks.last_pass).toMatchObject({ status: 'stale', expected_interval_seconds: 30, stale_after_seconds: 90, age_seconds: 100 });
  });

  it('outbox: dead letters and a message waiting more than an hour degrade', async () => {
    await pass(100, 50);
    const a = await start();
    const message = (key: string, createdAgo: number) => ({
      createdAt: ago(createdAgo),
      runId: null,
      kind: 'alert',
      dedupeKey: key,
      subject: 's',
      channel: 'pushover' as const,
      payload: { fields: { message: 'm' } },
    });
    const { ids } = await enqueue(store.db, [message('a', 600), message('b', 120)]);
    let res = await a.json<Health>('/health', { key: null });
    expect(res.status).toBe(200);
    expect(res.body.checks.outbox).toEqual({ status: 'ok', pending: 2, oldest_pending_age_seconds: 600, dead: 0 });

    await markFailed(store.db, ids.get('a') as number, 'smtp refused', null);
    await enqueue(store.db, [message('c', 7200)]);
    res = await a.json<Health>('/health', { key: null });
    expect(res.status).toBe(503);
    expect(res.body.checks.outbox).toEqual({ status: 'degraded', pending: 2, oldest_pending_age_seconds: 7200, dead: 1 });
    expect(res.body.reasons).toEqual([
      'outbox: 1 message(s) could not be delivered (dead)',
      'outbox: the oldest pending message waits for 7200 s',
    ]);
  });

  it('LLM providers: reachable by TCP (one probe a minute), unreachable -> 503', async () => {
    await pass(100, 50);
    let connections = 0;
    const llm: Server = createServer((s) => {
      connections += 1;
      s.destroy();
    });
    await new Promise<void>((r) => llm.listen(0, '127.0.0.1', r));
    const port = (llm.address() as { port: number }).port;
    const closed = await freePort();
    try {
      const yaml = (ports: number[]) =>
        ['global:', '  pass_timeout: 300', 'ai:', '  providers:', ...ports.flatMap((p, i) => [`    - type: ollama`, `      name: local${i}`, `      base_url: http://127.0.0.1:${p}/v1`, '      model: llama3']), 'hosts: []'].join('\n');
      const a = await start({ yaml: yaml([port, closed]) });
      const first = await a.json<Health>('/health', { key: null });
      await a.json<Health>('/health', { key: null });
      expect(first.status).toBe(200);
      expect(first.body.checks.llm.status).toBe('ok');
      expect(first.body.checks.llm.providers).toEqual([
        { name: 'local0', endpoint: `127.0.0.1:${port}`, reachable: true },
        { name: 'local1', endpoint: `127.0.0.1:${closed}`, reachable: false, error: 'ECONNREFUSED' },
      ]);
      expect(connections).toBe(1);
      await a.close();

      const b = await start({ yaml: yaml([closed]) });
      const down = await b.json<Health>('/health', { key: null });
      expect(down.status).toBe(503);
      expect(down.body.reasons).toEqual(['llm: no provider reachable (local0: ECONNREFUSED)']);
    } finally {
      await new Promise((r) => llm.close(r));
    }
  });

  it('a database that no longer answers: 503 naming it, no stack', async () => {
    const other = await openTestStore(dialect);
    const a = await startTestApi({ store: other, clock: () => NOW, routes: buildRoutes({ servingSince: NOW }) });
    api = a;
    await other.close();
    const res = await a.request('/health', { key: null });
    const text = await res.text();
    const body = JSON.parse(text) as Health;
    expect(res.status).toBe(503);
    expect(body.checks.database.status).toBe('failed');
    expect(body.reasons[0]).toMatch(/^database: \S/);
    expect(body.checks.last_pass.status).toBe('unknown');
    expect(text).not.toMatch(/\n\s+at /);
    await other.cleanup().catch(() => undefined);
  });
});
