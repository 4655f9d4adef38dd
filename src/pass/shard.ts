/**
 * One worker of a sharded pass (`dthostmon run --worker`, NR-SCALE-001): several processes (cron on several machines,
 * the pods of a Kubernetes Indexed Job) share one pass over a PostgreSQL store.
 *
 * 1. Join the pass named by the pass key (the first worker creates the run, one pending lease per host, the pass lock).
 * 2. Lanes (max_concurrent_hosts) claim hosts one at a time (FOR UPDATE SKIP LOCKED) and run them; a heartbeat renews
 *    this worker's leases; each host's store transaction marks its lease done, so a host is stored once per pass.
 *    A worker that dies stops renewing: its leases expire and the other workers take its hosts.
 * 3. When no host is left, the pass is finished (alerts, reports, delivery, the run row) by exactly one worker, under
 *    an advisory lock; a worker that dies while finishing releases the lock with its connection and another finishes.
 * Every worker stays until the pass is finished, so a worker killed at any point is covered by the others.
 */
import { setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import type { LoadedConfig } from '../config/types.js';
import type { createRenderer } from '../report/render.js';
import { syncHosts } from '../store/hosts-repo.js';
import { appendAudit } from '../store/audit-repo.js';
import {
  claimNextHost,
  completeLease,
  finishUnderAdvisoryLock,
  joinShardedPass,
  passLeases,
  passProgress,
  releaseShardLock,
  renewLeases,
  LeaseLostError,
  type Claim,
} from '../store/lease-repo.js';
import { loadPassResults } from '../store/pass-results-repo.js';
import { DthostmonError, StoreError, UsageError, errorMessage } from '../errors.js';
import { emptyPreviousState, selectHosts } from './host-results.js';
import { notStarted, saveFailure } from './run-host.js';
import { createHostContext, deliverStages, loadPreviousWithKeys, noteAiProblems, recordPassFinished, retentionAfterPass, runOneHost, storeStep, withoutEvidence } from './pass-common.js';
import type { PassDeps } from '../run-pass.js';
import type { HostPassResult, PassResult, ResolvedHost } from '../types.js';

/** How this process takes part in a sharded pass. */
export interface WorkerOptions {
  /** Unique among the workers (pod name, hostname:pid). */
  id: string;
  /** The name every worker of the pass shares (Job name, or the cron slot: see defaultPassKey). */
  passKey: string;
  /** A lease not renewed for this long is free to take (a dead worker's hosts wait at most this long). */
  leaseSeconds: number;
  /** How often an idle lane looks again for hosts (default 1 s). */
  pollMs?: number;
  /** Waits (tests: shorter). */
  sleep?: (ms: number) => Promise<void>;
}

/** The default worker id: this machine and process. */
export function defaultWorkerId(pid: number): string {
  return `${hostname()}:${pid}`;
}

/** The default pass key: the start of the current slot (UTC), e.g. `slot-2026-11-26T10:15:00Z` for one-minute slots. */
export function defaultPassKey(now: Date, slotMs: number): string {
  const slot = Math.floor(now.getTime() / slotMs) * slotMs;
  return `slot-${new Date(slot).toISOString().replace(/\.000Z$/, 'Z')}`;
}

const DEFAULT_POLL_MS = 1000;
/** After the deadline, a worker waits this much longer than one lease for the other workers' last writes. */
const FINISH_MARGIN_MS = 120_000;

const sleepFor = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** One worker's part of a sharded pass. Its `hosts` are the hosts it stored; the pass's delivery when it finished it. */
export async function runShardedPass(
  config: LoadedConfig,
  deps: PassDeps,
  worker: WorkerOptions,
  renderer: ReturnType<typeof createRenderer>,
): Promise<PassResult> {
  const { store, clock } = deps;
  const db = store.db;
  if (store.dialect !== 'postgres') {
    throw new UsageError(`run --worker needs a PostgreSQL store (database.url); ${store.describe} is one process's file`);
  }
  if ((deps.hostNames ?? []).length > 0) throw new UsageError('run --worker runs the whole fleet: --host cannot be combined with it');
  const actor = `worker:${worker.id}`;
  const sleep = worker.sleep ?? sleepFor;
  const pollMs = worker.pollMs ?? DEFAULT_POLL_MS;
  const startedAt = clock();
  const hosts = selectHosts(config.hosts, []);

  const joined = await storeStep('join the sharded pass', () =>
    joinShardedPass(db, {
      passKey: worker.passKey,
      runner: actor,
      pid: deps.pid,
      startedAt: startedAt.toISOString(),
      lockTtlMs: config.pass.passTimeoutMs + FINISH_MARGIN_MS + worker.leaseSeconds * 1000,
      hosts: async (trx) => {
        const ids = await syncHosts(trx, config.hosts, startedAt.toISOString());
        const collected = new Set(
          (await trx.selectFrom('baselines').select('host_id').where('kind', '=', 'facts').where('host_id', 'in', [...ids.values(), -1]).execute()).map((r) => r.host_id),
        );
        return hosts.map((h) => ({ hostId: ids.get(h.name) as number, firstLook: !collected.has(ids.get(h.name) as number) }));
      },
    }),
  );
  const shard = { worker: worker.id, passKey: worker.passKey, created: joined.created, alreadyFinished: false, retaken: 0, lost: 0, finisher: false };
  if (joined.status !== 'running') {
    const now = clock();
    return { runId: joined.runId, startedAt: now.toISOString(), finishedAt: now.toISOString(), durationMs: 0, status: 'complete', hosts: [], shard: { ...shard, alreadyFinished: true } };
  }
  const runId = joined.runId;

  const { hostIds, previous } = await storeStep('read the previous state', async () => {
    const rows = await db.selectFrom('hosts').select(['id', 'name']).where('name', 'in', [...hosts.map((h) => h.name), '']).execute();
    const ids = new Map(rows.map((r) => [r.name, r.id]));
    await appendAudit(db, [{ at: startedAt.toISOString(), actor, action: joined.created ? 'pass.started' : 'pass.joined', runId, detail: { hosts: hosts.length, pid: deps.pid, passKey: worker.passKey } }]);
    return { hostIds: ids, previous: await loadPreviousWithKeys(db, ids) };
  });
  const hostById = new Map(hosts.flatMap((h) => (hostIds.has(h.name) ? [[hostIds.get(h.name) as number, h] as const] : [])));
  const myIds = [...hostById.keys()];
  deps.onProgress?.({ type: 'pass-start', runId, hostCount: hosts.length });

  // The deadline is the pass's, counted from when its first worker started it.
  const deadlineAt = Date.parse(joined.startedAt) + config.pass.passTimeoutMs;
  const deadline = new AbortController();
  setMaxListeners(0, deadline.signal);
  const timer = setTimeout(() => deadline.abort(), Math.max(0, deadlineAt - clock().getTime()));
  // The timer fires on a later turn of the event loop; a claim answered first must still see a deadline that passed.
  const pastDeadline = (): boolean => {
    if (!deadline.signal.aborted && clock().getTime() >= deadlineAt) deadline.abort();
    return deadline.signal.aborted;
  };
  pastDeadline();
  const heartbeat = setInterval(() => {
    renewLeases(db, runId, worker.id, worker.leaseSeconds).catch((err: unknown) => deps.onWarning?.(`could not renew the host leases: ${errorMessage(err)}`));
  }, Math.max(250, (worker.leaseSeconds * 1000) / 3));
  const ctx = createHostContext(config, deps, {
    runId,
    renderer,
    signal: deadline.signal,
    deadlineAt,
    actor,
    beforeSave: (trx, hostId) => completeLease(trx, runId, hostId, worker.id),
  });

  const results: HostPassResult[] = [];
  let fatal: unknown = null;
  const runClaim = async (claim: Claim): Promise<void> => {
    const host = hostById.get(claim.hostId) as ResolvedHost;
    const hostPrevious = previous.get(host.name) ?? emptyPreviousState();
    if (claim.attempts > 1) shard.retaken += 1;
    if (pastDeadline()) {
      // Past the deadline a host still waiting gets its failed row, as in an ordinary pass.
      const result = notStarted(host, hostPrevious, ctx);
      try {
        await saveFailure(host, claim.hostId, result, ctx);
        results.push(result);
      } catch (err) {
        if (!(err instanceof LeaseLostError)) fatal ??= err;
      }
      return;
    }
    deps.onProgress?.({ type: 'host-start', host: host.name });
    const outcome = await runOneHost(host, claim.hostId, hostPrevious, ctx);
    if ('result' in outcome) {
      results.push(deps.compactResults ? withoutEvidence(outcome.result) : outcome.result);
      deps.onProgress?.({ type: 'host-done', result: outcome.result });
    } else if ('lost' in outcome) {
      shard.lost += 1;
      deps.onWarning?.(`${host.name}: another worker took this host over (this worker's lease expired); its result here is dropped`);
    } else {
      fatal ??= outcome.fatal;
    }
  };
  const giveUpAt = deadlineAt + worker.leaseSeconds * 1000 + FINISH_MARGIN_MS;
  const lane = async (): Promise<void> => {
    while (fatal === null) {
      const claim = await claimNextHost(db, runId, worker.id, myIds, worker.leaseSeconds);
      if (claim) {
        await runClaim(claim);
        continue;
      }
      const progress = await passProgress(db, runId);
      if (progress.pending + progress.working + progress.expired === 0) return;
      if (clock().getTime() > giveUpAt) {
        deps.onWarning?.(`stopped waiting for ${progress.pending + progress.working} host(s) no worker finished (hosts missing from this worker's config?)`);
        return;
      }
      // Others are on the remaining hosts: look again soon, or right when the first of their leases expires.
      await sleep(Math.min(pollMs, (progress.nextExpiryMs ?? pollMs) + 50));
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, config.pass.maxConcurrentHosts) }, () => lane().catch((err: unknown) => void (fatal ??= err))));
  } finally {
    clearTimeout(timer);
    clearInterval(heartbeat);
    await ctx.close();
  }
  if (fatal !== null) throw fatal instanceof DthostmonError ? fatal : new StoreError(`sharded pass ${worker.passKey}: ${errorMessage(fatal)}`, { cause: fatal });
  noteAiProblems(results, deps);

  let delivery: PassResult['delivery'];
  let retention: PassResult['retention'];
  const timedOut = deadline.signal.aborted;
  shard.finisher = await storeStep('finish the sharded pass', () =>
    finishUnderAdvisoryLock(
      db,
      runId,
      async () => {
        const leases = await passLeases(db, runId);
        const inPass = new Set(leases.map((l) => l.hostId));
        const passHosts = hosts.filter((h) => inPass.has(hostIds.get(h.name) ?? -1));
        const stored = await loadPassResults(db, runId, passHosts, hostIds);
        const withResult = passHosts.flatMap((h, i) => (stored[i] ? [{ host: h, result: stored[i] }] : []));
        const firstLook = new Set(leases.filter((l) => l.firstLook).flatMap((l) => (hostById.get(l.hostId) ? [(hostById.get(l.hostId) as ResolvedHost).name] : [])));
        delivery = await deliverStages(config, deps, {
          runId,
          renderer,
          hosts: withResult.map((w) => w.host),
          results: withResult.map((w) => w.result),
          hostIds,
          firstLook,
          actor,
        });
        // A host no worker stored (none could run it before giving up) counts as failed.
        const failedStored = withResult.filter((w) => w.result.status === 'failed').length;
        const missing = leases.length - withResult.length;
        await recordPassFinished(deps, {
          runId,
          startedAt: new Date(joined.startedAt),
          finishedAt: clock(),
          status: timedOut ? 'timed_out' : 'complete',
          ok: withResult.length - failedStored,
          failed: failedStored + missing,
          actor,
        });
        // Before the pass lock goes: no other pass starts while retention deletes.
        retention = await retentionAfterPass(config, deps);
        await releaseShardLock(db, worker.passKey);
      },
      { pollMs, sleep, giveUpAt, now: () => clock().getTime() },
    ),
  );

  const finishedAt = clock();
  // Lanes finish hosts in any order; the output lists them in config order, as an ordinary pass does.
  const configOrder = new Map(hosts.map((h, i) => [h.name, i]));
  results.sort((a, b) => (configOrder.get(a.name) ?? 0) - (configOrder.get(b.name) ?? 0));
  return {
    runId,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationMs: finishedAt.getTime() - startedAt.getTime(),
    status: timedOut ? 'timed_out' : 'complete',
    hosts: results,
    ...(delivery ? { delivery } : {}),
    ...(retention ? { retention } : {}),
    shard,
  };
}
