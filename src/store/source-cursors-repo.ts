import type { Kysely, Transaction } from 'kysely';
import type { PreviousHostState, SourceCursor } from '../types.js';
import type { Database } from './schema.js';

/**
 * Adds the stored journal and docker positions to the previous states (one query for all hosts). A host without any
 * keeps `sourceCursors` unset; a row whose JSON does not parse to an object is left out, so that source starts over
 * as on a first pass instead of failing the host.
 * @param byId host id -> the state being assembled by loadPreviousState.
 */
export async function attachSourceCursors(db: Kysely<Database>, byId: ReadonlyMap<number, PreviousHostState>): Promise<void> {
  const ids = [...byId.keys()];
  if (ids.length === 0) return;
  const rows = await db
    .selectFrom('source_cursors')
    .select(['host_id', 'source', 'state'])
    .where('host_id', 'in', ids)
    .orderBy('host_id')
    .orderBy('source')
    .execute();
  for (const row of rows) {
    const state = parseObject(row.state);
    const previous = byId.get(row.host_id);
    if (!previous || state === null) continue;
    (previous.sourceCursors ??= []).push({ source: row.source, state });
  }
}

/**
 * Upserts a host's source positions inside the transaction that stores what was read with them, so a position
 * never moves past lines that were not stored.
 */
export async function saveSourceCursors(
  trx: Transaction<Database>,
  hostId: number,
  cursors: readonly SourceCursor[],
  updatedAt: string,
  hostRunId: number,
): Promise<void> {
  for (const cursor of cursors) {
    await trx
      .insertInto('source_cursors')
      .values({
        host_id: hostId,
        source: cursor.source,
        state: JSON.stringify(cursor.state),
        updated_at: updatedAt,
        host_run_id: hostRunId,
      })
      .onConflict((oc) =>
        oc.columns(['host_id', 'source']).doUpdateSet((eb) => ({
          state: eb.ref('excluded.state'),
          updated_at: eb.ref('excluded.updated_at'),
          host_run_id: eb.ref('excluded.host_run_id'),
        })),
      )
      .execute();
  }
}

function parseObject(text: string): Record<string, unknown> | null {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
