import { findConfigPath } from '../../config/find-config.js';
import { loadConfig } from '../../config/load.js';
import { openStore } from '../../store/open-store.js';
import { migrateToLatest } from '../../store/migrate.js';
import { createOutput } from '../output.js';
import type { GlobalOptions } from '../program.js';

/** `dthostmon db migrate`: apply pending migrations and say which. */
export async function dbMigrate(options: GlobalOptions): Promise<number> {
  const out = createOutput(options);
  const config = await loadConfig(findConfigPath(options.config, options.io.env, options.io.cwd), { env: options.io.env });
  const store = await openStore(config.store);
  try {
    const { applied } = await migrateToLatest(store.db);
    if (options.json) out.out(JSON.stringify({ store: store.describe, applied }));
    else if (!options.quiet) out.out(applied.length > 0 ? `${store.describe}: applied ${applied.join(', ')}` : `${store.describe}: schema is up to date`);
    return 0;
  } finally {
    await store.close();
  }
}
