/**
 * Sharded passes in process, on PostgreSQL: the lease repository's guarantees (one claimer per host, expiry and
 * take-over, a lost lease rolls the host's write back, one finisher), and runShardedPass's paths that the CLI test
 * (test/e2e/sharded-pass.test.ts) cannot reach on purpose: a lease stolen mid-host, the pass deadline, a late worker.
 */
import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { loadConfig } from '../../src/config/load.js';
import { createTransport } from '../../src/collect/create-transport.js';
import { runPass, type PassDeps } from '../../src/run-pass.js';
import {
  claimNextHost,
  completeLease,
  finishUnderAdvisoryLock,
  joinShardedPass,
  LeaseLostError,
  passProgress,
  releaseLeases,
  renewLeases,
} from '../../src/store/lease-repo.js';
import { syncHosts } from '../../src/store/hosts-repo.js';
import { acquirePassLock } from '../../src/store/pass-lock.js';
import { defaultPassKey, defaultWorkerId, type WorkerOptions } from '../../src/pass/shard.js';
import { resolveWorker } from '../../src/cli/commands/run.js';
import { LockedError, UsageError } from '../../src/errors.js';
import type { LoadedConfig } from '../../src/config/types.js';
import type { TransportFactory } from '../../src/types.js';
import { makeHost } from '../helpers/host.js';
import { openTestStore, testDialects, type TestStore } from '../helpers/store.js';
import { tempDir } from '../helpers/cli.js';

const onPostgres = (await testDialects()).includes('postgres');
const describePg = onPostgres ? describe : describe.skip;

const NAMES = ['a', 'b', 'c', 'd'];

describePg('sharded passes on PostgreSQL', () => {
  let store: TestStore;
  beforeEach(async () => {
    store = await openTestStore('postgres');
  });
  afterEach(async () => {
    await store.cleanup();
  });

  /** A pass over NAMES created by the repository directly. */
  async function createPass(passKey: string, startedAt = new Date().toISOString()): Promise<{ runId: number; ids: Map<string, number> }> {
    let ids = new Map<string, number>();
    const joined = await joinShardedPass(store.db, {
      passKey,
      runner: 'test',
      pid: 1,
      startedAt,
      lockTtlMs: 600_000,
      hosts: async (trx) => {
        ids = await syncHosts(trx, NAMES.map((name) => makeHost({ name, transport: 'local' })), startedAt);
        return NAMES.map((n) => ({ hostId: ids.get(n) as number, firstLook: n === 'a' }));
      },
    });
    expect(joined.created).toBe(true);
    return { runId: joined.runId, ids };
  }

  it('gives each host to exactly one of many concurrent claimers, then nothing', async () => {
    const { runId, ids } = await createPass('p1');
    const all = [...ids.values()];
    const claims = await Promise.all(Array.from({ length: 12 }, (_, i) => claimNextHost(store.db, runId, `w${i % 3}`, all, 60)));
    const got = claims.filter((c) => c !== null).map((c) => c.hostId).sort();
    expect(got).toEqual([...all].sort());
    expect(claims.find((c) => c?.hostId === ids.get('a'))?.firstLook).toBe(true);
    expect(await passProgress(store.db, runId)).toMatchObject({ pending: 0, working: 4, expired: 0, done: 0 });
    expect((await passProgress(store.db, runId)).nextExpiryMs).toBeGreaterThan(50_000);
  });

  it('a second worker joins the pass instead of creating one, and an ordinary pass is refused meanwhile', async () => {
    const { runId } = await createPass('p2');
    const again = await joinShardedPass(store.db, { passKey: 'p2', runner: 'other', pid: 2, startedAt: new Date().toISOString(), lockTtlMs: 1000, hosts: async () => [] });
    expect(again).toMatchObject({ runId, created: false, status: 'running' });
    await expect(acquirePassLock(store.db, { runner: 'x', pid: 3, now: new Date(), ttlMs: 1000, isPidAlive: () => true })).rejects.toThrow(LockedError);
    await expect(
      joinShardedPass(store.db, { passKey: 'p3', runner: 'other', pid: 2, startedAt: new Date().toISOString(), lockTtlMs: 1000, hosts: async () => [] }),
    ).rejects.toThrow(/another pass is running \(pid 1 on host sharded pass p2/);
  });

  it('takes over an expired pass lock of a dead sharded pass and marks its run failed', async () => {
    const { runId } = await createPass('old', new Date(Date.now() - 3_600_000).toISOString());
    await store.db.updateTable('pass_lock').set({ expires_at: new Date(Date.now() - 1000).toISOString() }).execute();
    const { runId: next } = await createPass('new');
    expect(next).not.toBe(runId);
    expect((await store.db.selectFrom('runs').select('status').where('id', '=', runId).executeTakeFirstOrThrow()).status).toBe('failed');
  });

  it('hands an expired lease to another worker and refuses the first worker\'s late write', async () => {
    const { runId, ids } = await createPass('p4');
    const a = ids.get('a') as number;
    const first = await claimNextHost(store.db, runId, 'w1', [a], 60);
    expect(first).toMatchObject({ hostId: a, attempts: 1 });
    expect(await claimNextHost(store.db, runId, 'w2', [a], 60)).toBeNull();
    // w1 stops renewing: its lease runs out.
    await sql`update pass_leases set expires_at = '2000-01-01T00:00:00.000Z' where host_id = ${a}`.execute(store.db);
    expect(await passProgress(store.db, runId)).toMatchObject({ expired: 1 });
    const second = await claimNextHost(store.db, runId, 'w2', [a], 60);
    expect(second).toMatchObject({ hostId: a, attempts: 2 });
    // w1's heartbeat no longer finds it, and w1's write rolls back.
    expect(await renewLeases(store.db, runId, 'w1', 60)).toBe(0);
    await expect(store.db.transaction().execute((trx) => completeLease(trx, runId, a, 'w1'))).rejects.toThrow(LeaseLostError);
    await store.db.transaction().execute((trx) => completeLease(trx, runId, a, 'w2'));
    expect(await passProgress(store.db, runId)).toMatchObject({ done: 1 });
  });

  it('gives a stopping worker\'s hosts back as pending', async () => {
    const { runId, ids } = await createPass('p5');
    await claimNextHost(store.db, runId, 'w1', [...ids.values()], 60);
    expect(await releaseLeases(store.db, runId, 'w1')).toBe(1);
    expect(await passProgress(store.db, runId)).toMatchObject({ pending: 4, working: 0 });
  });

  it('lets exactly one of several workers finish the pass', async () => {
    const { runId } = await createPass('p6');
    let calls = 0;
    const finish = async (): Promise<void> => {
      calls += 1;
      await new Promise((r) => setTimeout(r, 200));
      await store.db.updateTable('runs').set({ status: 'complete' }).where('id', '=', runId).execute();
    };
    const opts = { pollMs: 20, sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)), giveUpAt: Date.now() + 30_000, now: () => Date.now() };
    const outcomes = await Promise.all([1, 2, 3].map(() => finishUnderAdvisoryLock(store.db, runId, finish, opts)));
    expect(calls).toBe(1);
    expect(outcomes.filter(Boolean)).toHaveLength(1);
  });

  describe('runShardedPass', () => {
    let dir: string;
    let config: LoadedConfig;
    beforeEach(async () => {
      dir = tempDir('dthm-shard-');
      const path = join(dir, 'dthostmon.yaml');
      writeFileSync(
        path,
        ['global:', '  reports_dir: reports', '  max_concurrent_hosts: 2', 'hosts:', ...NAMES.flatMap((n) => [`  - name: ${n}`, '    transport: local', `    logs: ["${join(dir, 'none.log')}"]`]), ''].join('\n'),
      );
      config = await loadConfig(path, { env: {} });
    });
    const deps = (worker: WorkerOptions, createTransport_: TransportFactory = createTransport): PassDeps => ({
      store,
      clock: () => new Date(),
      createTransport: createTransport_,
      runner: hostname(),
      pid: process.pid,
      isPidAlive: () => false,
      compactResults: true,
      worker,
    });
    const worker = (id: string, passKey: string, leaseSeconds = 30): WorkerOptions => ({ id, passKey, leaseSeconds, pollMs: 50 });

    it('two workers in one process share the hosts; one finishes; a late worker does nothing', async () => {
      const [one, two] = await Promise.all([runPass(config, deps(worker('w1', 'k1'))), runPass(config, deps(worker('w2', 'k1')))]);
      expect([...one!.hosts, ...two!.hosts].map((h) => h.name).sort()).toEqual(NAMES);
      expect([one!.shard?.finisher, two!.shard?.finisher].filter(Boolean)).toHaveLength(1);
      expect((one!.shard?.finisher ? one : two)!.delivery).toBeDefined();
      const run = await store.db.selectFrom('runs').selectAll().where('pass_key', '=', 'k1').executeTakeFirstOrThrow();
      expect(run).toMatchObject({ status: 'complete', hosts_ok: 4, hosts_failed: 0 });
      const late = await runPass(config, deps(worker('w3', 'k1')));
      expect(late.shard).toMatchObject({ alreadyFinished: true, finisher: false });
      expect(late.hosts).toEqual([]);
    });

    it('drops a host whose lease another worker took while it ran, then stores it once when that lease expires', async () => {
      // While w1 collects host b, w2 takes b over (as after a long pause of w1), then dies without renewing.
      let stolen = false;
      const stealing: TransportFactory = async (host, signal) => {
        if (host.name === 'b' && !stolen) {
          stolen = true;
          await sql`update pass_leases set worker = 'w2', attempts = attempts + 1 where host_id = (select id from hosts where name = 'b')`.execute(store.db);
        }
        return createTransport(host, signal);
      };
      const warnings: string[] = [];
      const result = await runPass(config, { ...deps(worker('w1', 'k2', 3), stealing), onWarning: (m) => warnings.push(m) });
      expect(result.shard).toMatchObject({ lost: 1, finisher: true });
      expect(warnings.join('\n')).toContain('b: another worker took this host over');
      // w1 took b back after w2's lease expired (its third claim) and stored it: every host once.
      expect(result.shard?.retaken).toBe(1);
      expect(result.hosts.map((h) => h.name).sort()).toEqual(NAMES);
      const stored = await store.db
        .selectFrom('host_runs')
        .innerJoin('hosts', 'hosts.id', 'host_runs.host_id')
        .select('hosts.name')
        .where('host_runs.run_id', '=', result.runId as number)
        .execute();
      expect(stored.map((s) => s.name).sort()).toEqual(NAMES);
      const lease = await sql<{ worker: string; attempts: number }>`select worker, attempts from pass_leases where host_id = (select id from hosts where name = 'b')`.execute(store.db);
      expect(lease.rows).toEqual([{ worker: 'w1', attempts: 3 }]);
    }, 120_000);

    it('past the pass deadline stores the hosts still waiting as not started and times the run out', async () => {
      const { runId } = await createPass('k3', new Date(Date.now() - 3_600_000).toISOString());
      const result = await runPass(config, deps(worker('w1', 'k3')));
      expect(result.status).toBe('timed_out');
      expect(result.hosts.map((h) => [h.name, h.status, h.error])).toEqual(NAMES.map((n) => [n, 'failed', 'not started: pass deadline reached before this host']));
      expect(result.shard?.finisher).toBe(true);
      const run = await store.db.selectFrom('runs').selectAll().where('id', '=', runId).executeTakeFirstOrThrow();
      expect(run).toMatchObject({ status: 'timed_out', hosts_ok: 0, hosts_failed: 4 });
    });

    it('refuses --host with --worker', async () => {
      await expect(runPass(config, { ...deps(worker('w1', 'k4')), hostNames: ['a'] })).rejects.toThrow(UsageError);
    });
  });
});

describe('worker options', () => {
  it('defaults the pass key to the minute and the id to hostname:pid', () => {
    expect(defaultPassKey(new Date('2026-11-26T10:15:42.123Z'), 60_000)).toBe('slot-2026-11-26T10:15:00Z');
    expect(defaultWorkerId(42)).toBe(`${hostname()}:42`);
    const w = resolveWorker({ lease: '2m' }, new Date('2026-11-26T10:15:42Z'), 7);
    expect(w).toEqual({ id: `${hostname()}:7`, passKey: 'slot-2026-11-26T10:15:00Z', leaseSeconds: 120 });
    expect(resolveWorker({ lease: '5', passKey: 'job-1', workerId: 'pod-a' }, new Date(), 7)).toEqual({ id: 'pod-a', passKey: 'job-1', leaseSeconds: 5 });
  });

  it('names the flag of a bad value', () => {
    expect(() => resolveWorker({ lease: '1s' }, new Date(), 1)).toThrow('--lease 1s: expected a duration such as 60s or 2m, at least 3 s');
    expect(() => resolveWorker({ lease: '60s', passKey: 'a b' }, new Date(), 1)).toThrow('--pass-key "a b": use 1-200 letters');
    expect(() => resolveWorker({ lease: '60s', workerId: '' }, new Date(), 1)).toThrow(UsageError);
  });
});
