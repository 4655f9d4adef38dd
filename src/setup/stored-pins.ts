/**
 * The host keys `run` pinned in the store, so setup verifies host keys exactly as the next pass will. Setup only
 * reads: a SQLite store that does not exist yet is not created (no pins yet), a store that was never migrated has no
 * pins, and a store that cannot be read is a note, not a failure (host keys are then checked against known_hosts only).
 */
import { existsSync } from 'node:fs';
import type { StoreSettings } from '../config/types.js';
import { errorMessage } from '../errors.js';
import { loadHostKeys } from '../store/host-keys-repo.js';
import { openStore } from '../store/open-store.js';
import type { PinnedHostKey } from '../types.js';

export interface StoredPins {
  /** Host name -> its pinned keys; hosts without pins are absent. */
  pins: Map<string, PinnedHostKey[]>;
  /** Why the pins could not be read, or null. */
  note: string | null;
}

/** A table that is not there yet: the store exists but no pass has migrated it. */
const NO_TABLE = /no such table|does not exist/i;

export async function readStoredPins(settings: StoreSettings, hostNames: readonly string[]): Promise<StoredPins> {
  const pins = new Map<string, PinnedHostKey[]>();
  if (hostNames.length === 0) return { pins, note: null };
  if (settings.dialect === 'sqlite' && (settings.path === ':memory:' || !existsSync(settings.path))) return { pins, note: null };
  const unread = (err: unknown): StoredPins => ({
    pins,
    note: `cannot read the host keys pinned in the store (${errorMessage(err).split('\n')[0]}): host keys are checked against known_hosts only`,
  });
  let store;
  try {
    store = await openStore(settings);
  } catch (err) {
    return unread(err);
  }
  try {
    const rows = await store.db.selectFrom('hosts').select(['id', 'name']).where('name', 'in', [...hostNames]).execute();
    const byId = await loadHostKeys(store.db, rows.map((r) => r.id));
    for (const row of rows) {
      const keys = byId.get(row.id);
      if (keys) pins.set(row.name, keys);
    }
    return { pins, note: null };
  } catch (err) {
    return NO_TABLE.test(errorMessage(err)) ? { pins, note: null } : unread(err);
  } finally {
    await store.close();
  }
}
