import { sql, type Kysely, type Transaction } from 'kysely';
import { chunk } from './chunk.js';
import type { Database } from './schema.js';

/** Templates stored per host at most: a host that logs random text cannot grow the table without bound. */
export const MAX_STORED_TEMPLATES_PER_HOST = 50_000;
const TEMPLATES_PER_STATEMENT = 200;

/** A template seen in one pass, as stored. */
export interface SeenTemplate {
  hash: string;
  template: string;
  isError: boolean;
  count: number;
}

/** The hashes of every template a host has produced (read when the host's pass starts, not for the whole fleet). */
export async function loadTemplateHashes(db: Kysely<Database>, hostId: number): Promise<Set<string>> {
  const rows = await db.selectFrom('log_templates').select('hash').where('host_id', '=', hostId).execute();
  return new Set(rows.map((r) => r.hash));
}

/**
 * Records the templates of one pass in the host's transaction: new ones inserted (up to the per-host cap, counting
 * `knownCount` already stored), known ones get `last_seen` and their line count.
 */
export async function saveTemplates(
  trx: Transaction<Database>,
  input: { hostId: number; hostRunId: number; at: string; seen: readonly SeenTemplate[]; known: ReadonlySet<string> },
): Promise<void> {
  let room = MAX_STORED_TEMPLATES_PER_HOST - input.known.size;
  const rows = [];
  for (const t of input.seen) {
    const isNew = !input.known.has(t.hash);
    if (isNew) {
      if (room <= 0) continue;
      room--;
    }
    rows.push({
      host_id: input.hostId,
      hash: t.hash,
      template: t.template,
      is_error: t.isError ? 1 : 0,
      first_seen: input.at,
      last_seen: input.at,
      line_count: t.count,
      first_host_run_id: input.hostRunId,
    });
  }
  for (const batch of chunk(rows, TEMPLATES_PER_STATEMENT)) {
    await trx
      .insertInto('log_templates')
      .values(batch)
      .onConflict((oc) =>
        oc.columns(['host_id', 'hash']).doUpdateSet((eb) => ({
          last_seen: eb.ref('excluded.last_seen'),
          line_count: sql<number>`log_templates.line_count + excluded.line_count`,
        })),
      )
      .execute();
  }
}
