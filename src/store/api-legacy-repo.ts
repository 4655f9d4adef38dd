/**
 * Queries only the original's paths need (`/history/:id`): the change count of each of a host's runs in a period,
 * one grouped query over the changes of those host runs (index changes (host_run_id), migration 0009).
 */
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** host run id -> number of changes, for the host's runs started at or after `since`; absent means none. */
export async function changeCountsSince(db: Kysely<Database>, hostId: number, since: string): Promise<Map<number, number>> {
  const rows = await db
    .selectFrom('changes')
    .select(['host_run_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('host_run_id', 'in', (eb) => eb.selectFrom('host_runs').select('id').where('host_id', '=', hostId).where('started_at', '>=', since))
    .groupBy('host_run_id')
    .execute();
  return new Map(rows.map((r) => [r.host_run_id, Number(r.n)]));
}
