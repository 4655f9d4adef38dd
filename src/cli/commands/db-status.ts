import { existsSync } from 'node:fs';
import { findConfigPath } from '../../config/find-config.js';
import { loadConfig } from '../../config/load.js';
import type { StoreSettings } from '../../config/types.js';
import { openStore } from '../../store/open-store.js';
import { FolderMigrationProvider, defaultMigrationsDir, migrationStatus } from '../../store/migrate.js';
import { createOutput } from '../output.js';
import type { GlobalOptions } from '../program.js';

/** Exit status of `db status` when migrations are pending (0 = up to date; 3 = store unavailable, via StoreError). */
export const EXIT_MIGRATIONS_PENDING = 1;

interface Status {
  store: string;
  exists: boolean;
  applied: string[];
  pending: string[];
}

/**
 * `dthostmon db status`: the store and whether migrations are pending. Read-only: a SQLite file that does not exist
 * yet is reported as such (every migration pending) instead of being created, so asking changes nothing.
 */
export async function dbStatus(options: GlobalOptions): Promise<number> {
  const out = createOutput(options);
  const config = await loadConfig(findConfigPath(options.config, options.io.env, options.io.cwd), { env: options.io.env });
  const status = await readStatus(config.store);
  if (options.json) out.out(JSON.stringify(status));
  else if (!options.quiet || status.pending.length > 0) out.out(describe(status));
  return status.pending.length > 0 ? EXIT_MIGRATIONS_PENDING : 0;
}

async function readStatus(settings: StoreSettings): Promise<Status> {
  if (settings.dialect === 'sqlite' && settings.path !== ':memory:' && !existsSync(settings.path)) {
    const all = Object.keys(await new FolderMigrationProvider(defaultMigrationsDir()).getMigrations()).sort();
    return { store: `SQLite ${settings.path}`, exists: false, applied: [], pending: all };
  }
  const store = await openStore(settings);
  try {
    return { store: store.describe, exists: true, ...(await migrationStatus(store.db)) };
  } finally {
    await store.close();
  }
}

function describe(status: Status): string {
  if (status.pending.length === 0) return `${status.store}: schema is up to date (${status.applied.length} migrations applied)`;
  const where = status.exists ? status.store : `${status.store} (does not exist yet)`;
  const n = status.pending.length;
  return `${where}: ${n} pending migration${n === 1 ? '' : 's'}: ${status.pending.join(', ')}; run \`dthostmon db migrate\``;
}
