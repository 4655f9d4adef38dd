/**
 * What retention deletes, table by table (docs/retention.md has the same list for users). Kept whatever their age:
 * hosts, baselines, cursors, source cursors, host keys, log templates, alert state, open finding states, pending
 * outbox messages, the pass lock; per host its latest host run, its latest run with a score, its latest run with facts
 * and the first failed run of a failure streak still going on (what the next pass, reports and the unreachable rule
 * read); per kind and scope the latest report sent (the schedule reads it); and the runs those host runs belong to.
 */
import { sql, type Kysely } from 'kysely';
import { rollUpHostRunMetrics } from './retention-rollup.js';
import type { PurgeSpec } from './retention-purge.js';
import type { Database } from './schema.js';

/** The host runs kept past the cutoff (see the module comment), over all hosts. */
export async function keptHostRuns(db: Kysely<Database>): Promise<Set<number>> {
  const keep = new Set<number>();
  const hosts = await db.selectFrom('hosts').select('id').execute();
  for (const { id: hostId } of hosts) {
    const runs = db.selectFrom('host_runs').select(['id', 'started_at']).where('host_id', '=', hostId);
    const latest = (query: typeof runs) => query.orderBy('started_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
    const [last, scored, withFacts, lastOk] = await Promise.all([
      latest(runs),
      latest(runs.where('score', 'is not', null)),
      latest(runs.where('facts', 'is not', null)),
      latest(runs.where('status', '!=', 'failed')),
    ]);
    const streakStart = await runs
      .where('status', '=', 'failed')
      .$if(lastOk !== undefined, (q) => q.where('started_at', '>', lastOk?.started_at ?? ''))
      .orderBy('started_at')
      .orderBy('id')
      .limit(1)
      .executeTakeFirst();
    for (const row of [last, scored, withFacts, streakStart]) if (row) keep.add(row.id);
  }
  return keep;
}

/** The latest report sent of each kind and scope. */
export async function keptReports(db: Kysely<Database>): Promise<Set<number>> {
  const rows = await db
    .selectFrom((eb) =>
      eb
        .selectFrom('reports_sent')
        .select(['id', sql<number>`row_number() over (partition by kind, scope order by generated_at desc, id desc)`.as('rank')])
        .as('ranked'),
    )
    .select('id')
    .where('rank', '=', 1)
    .execute();
  return new Set(rows.map((r) => r.id));
}

/**
 * One host's host runs with their findings, changes, metrics sources and AI analyses. With `rollup` (a real run), their
 * raw metric rows are rolled up into hourly rows (not archived) in the delete transaction, and counted.
 */
export function hostRunsSpec(hostId: number, keep: ReadonlySet<number>, rollup?: { dialect: 'sqlite' | 'postgres'; onRolledUp: (rows: number) => void }): PurgeSpec {
  return {
    table: 'host_runs',
    time: 'started_at',
    order: 'time',
    where: sql`host_id = ${hostId}`,
    keep,
    children: [
      { table: 'findings', parent: 'host_run_id', time: 'created_at' },
      { table: 'changes', parent: 'host_run_id', time: 'detected_at' },
      { table: 'metric_sources', parent: 'host_run_id', time: 'collected_at' },
      { table: 'ai_analyses', parent: 'host_run_id', time: 'created_at' },
    ],
    ...(rollup ? { beforeDelete: async (trx, ids) => rollup.onRolledUp(await rollUpHostRunMetrics(trx, ids, rollup.dialect)) } : {}),
  };
}

/**
 * Passes none of whose host runs is left (their leases of a sharded pass go with them). A dry run, which deletes no
 * host run, passes `keep`: a pass counts as gone when all its host runs are older than the cutoff and not kept.
 */
export function runsSpec(cutoff: string, keep?: ReadonlySet<number>): PurgeSpec {
  const stays = keep === undefined ? sql`` : sql` and (hr.started_at >= ${cutoff}${keep.size > 0 ? sql` or hr.id in (${sql.join([...keep])})` : sql``})`;
  return {
    table: 'runs',
    time: 'started_at',
    order: 'time',
    where: sql`not exists (select 1 from host_runs hr where hr.run_id = runs.id${stays})`,
  };
}

/** The tables purged after runs, in order; `reports` is the keep set of keptReports(). */
export function otherSpecs(reports: ReadonlySet<number>): PurgeSpec[] {
  return [
    { table: 'ai_calls', time: 'created_at', order: 'id' },
    { table: 'outbox', time: 'created_at', order: 'id', where: sql`status in ('sent', 'dead')` },
    { table: 'reports_sent', time: 'generated_at', order: 'id', keep: reports },
    { table: 'finding_state', time: 'resolved_at', order: 'id' },
    { table: 'audit_log', time: 'at', order: 'time', gated: true },
  ];
}
