import type { Kysely } from 'kysely';
import type { Database, RunStatus } from './schema.js';

export interface NewRun {
  startedAt: string;
  /** Hostname of this machine. */
  runner: string;
  pid: number;
  hostCount: number;
}

export interface RunOutcome {
  finishedAt: string;
  status: Exclude<RunStatus, 'running'>;
  hostsOk: number;
  hostsFailed: number;
  durationMs: number;
}

/** Records the start of a pass (status `running`). @returns the run id. */
export async function createRun(db: Kysely<Database>, run: NewRun): Promise<number> {
  const row = await db
    .insertInto('runs')
    .values({
      started_at: run.startedAt,
      status: 'running',
      runner: run.runner,
      pid: run.pid,
      host_count: run.hostCount,
      hosts_ok: 0,
      hosts_failed: 0,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Records the end of a pass. */
export async function finishRun(db: Kysely<Database>, runId: number, outcome: RunOutcome): Promise<void> {
  await db
    .updateTable('runs')
    .set({
      finished_at: outcome.finishedAt,
      status: outcome.status,
      hosts_ok: outcome.hostsOk,
      hosts_failed: outcome.hostsFailed,
      duration_ms: outcome.durationMs,
    })
    .where('id', '=', runId)
    .execute();
}

/**
 * Marks as `failed` the runs of this machine still `running` whose process is gone (a pass killed with -9 or by a
 * reboot never finishes its run row). Call it while holding the pass lock and before createRun. A pid reused by an
 * unrelated process keeps the run open until a later pass; the caller decides whether its own pid counts as alive.
 * @returns the ids of the runs marked.
 */
export async function markAbandonedRuns(
  db: Kysely<Database>,
  runner: string,
  isPidAlive: (pid: number) => boolean,
): Promise<number[]> {
  const running = await db
    .selectFrom('runs')
    .select(['id', 'pid'])
    .where('status', '=', 'running')
    .where('runner', '=', runner)
    .execute();
  const abandoned = running.filter((run) => !isPidAlive(run.pid)).map((run) => run.id);
  if (abandoned.length === 0) return [];
  await db
    .updateTable('runs')
    .set({ status: 'failed' })
    .where('id', 'in', abandoned)
    .where('status', '=', 'running')
    .execute();
  return abandoned;
}
