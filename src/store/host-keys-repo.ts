import type { Kysely, Transaction } from 'kysely';
import type { AcceptedHostKey, PinnedHostKey } from '../types.js';
import type { Database } from './schema.js';

/**
 * The host keys pinned for the given hosts, in one query, read up front with the previous state.
 * @returns host id -> pins (ordered by key type); hosts without pins are absent.
 */
export async function loadHostKeys(db: Kysely<Database>, hostIds: readonly number[]): Promise<Map<number, PinnedHostKey[]>> {
  const byHost = new Map<number, PinnedHostKey[]>();
  const ids = [...new Set(hostIds)];
  if (ids.length === 0) return byHost;
  const rows = await db
    .selectFrom('host_keys')
    .select(['host_id', 'algorithm', 'key', 'fingerprint', 'first_seen', 'last_seen'])
    .where('host_id', 'in', ids)
    .orderBy('host_id')
    .orderBy('algorithm')
    .execute();
  for (const row of rows) {
    const pins = byHost.get(row.host_id) ?? [];
    pins.push({ algorithm: row.algorithm, key: row.key, fingerprint: row.fingerprint, firstSeen: row.first_seen, lastSeen: row.last_seen });
    byHost.set(row.host_id, pins);
  }
  return byHost;
}

/**
 * Pins the keys a connection verified, inside the host's transaction: a new key type is inserted; a known one gets
 * `last_seen`; a key that replaced the pin (only possible when known_hosts vouched for it) restarts `first_seen`.
 */
export async function saveHostKeys(
  trx: Transaction<Database> | Kysely<Database>,
  hostId: number,
  keys: readonly AcceptedHostKey[],
  at: string,
): Promise<void> {
  for (const key of keys) {
    await trx
      .insertInto('host_keys')
      .values({ host_id: hostId, algorithm: key.algorithm, key: key.key, fingerprint: key.fingerprint, first_seen: at, last_seen: at })
      .onConflict((oc) =>
        oc.columns(['host_id', 'algorithm']).doUpdateSet((eb) => ({
          first_seen: eb
            .case()
            .when('host_keys.key', '=', eb.ref('excluded.key'))
            .then(eb.ref('host_keys.first_seen'))
            .else(eb.ref('excluded.first_seen'))
            .end(),
          key: eb.ref('excluded.key'),
          fingerprint: eb.ref('excluded.fingerprint'),
          last_seen: eb.ref('excluded.last_seen'),
        })),
      )
      .execute();
  }
}
