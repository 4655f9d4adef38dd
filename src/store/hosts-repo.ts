import type { Kysely } from 'kysely';
import type { ResolvedHost } from '../types.js';
import { chunk } from './chunk.js';
import type { Database, NewHostRow } from './schema.js';

/** 11 parameters a row: 200 rows stay well inside every dialect's parameter limit. */
const HOSTS_PER_STATEMENT = 200;

/**
 * Upserts the configured hosts by name, so the store mirrors the YAML: a host disabled in the YAML becomes
 * `enabled = 0` here too (hosts that left the YAML are kept, with their history).
 * @returns name -> host id for every given host.
 */
export async function syncHosts(
  db: Kysely<Database>,
  hosts: readonly ResolvedHost[],
  nowIso: string,
): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  // One row per name (the last one wins): PostgreSQL rejects an upsert that touches the same row twice.
  const rows = [...new Map(hosts.map((host) => [host.name, toHostRow(host, nowIso)])).values()];
  if (rows.length === 0) return ids;
  const write = async (trx: Kysely<Database>): Promise<void> => {
    for (const batch of chunk(rows, HOSTS_PER_STATEMENT)) {
      const saved = await trx
        .insertInto('hosts')
        .values(batch)
        .onConflict((oc) =>
          oc.column('name').doUpdateSet((eb) => ({
            hostname: eb.ref('excluded.hostname'),
            port: eb.ref('excluded.port'),
            user: eb.ref('excluded.user'),
            site: eb.ref('excluded.site'),
            tags: eb.ref('excluded.tags'),
            enabled: eb.ref('excluded.enabled'),
            transport: eb.ref('excluded.transport'),
            updated_at: eb.ref('excluded.updated_at'),
          })),
        )
        .returning(['id', 'name'])
        .execute();
      for (const row of saved) ids.set(row.name, row.id);
    }
  };
  // Inside a caller's transaction (a sharded pass's join) the upsert is part of it; otherwise a transaction of its own.
  if (db.isTransaction) await write(db);
  else await db.transaction().execute(write);
  return ids;
}

function toHostRow(host: ResolvedHost, nowIso: string): NewHostRow {
  return {
    name: host.name,
    hostname: host.hostname,
    port: host.port,
    user: host.user,
    site: host.site,
    tags: JSON.stringify(host.tags),
    enabled: host.enabled ? 1 : 0,
    transport: host.transport,
    created_at: nowIso,
    updated_at: nowIso,
  };
}

/** When each host was first synced (its first pass): host id -> ISO time. A schedule's first cron time counts from it. */
export async function hostsFirstSeen(db: Kysely<Database>, ids: readonly number[]): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  for (const part of chunk([...ids], 500)) {
    if (part.length === 0) continue;
    const rows = await db.selectFrom('hosts').select(['id', 'created_at']).where('id', 'in', part).execute();
    for (const row of rows) out.set(row.id, row.created_at);
  }
  return out;
}
