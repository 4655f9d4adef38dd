import { existsSync } from 'node:fs';
import { findConfigPath } from '../../config/find-config.js';
import { loadConfig } from '../../config/load.js';
import { sanitizeText } from '../../collect/sanitize-line.js';
import { StoreError, UsageError } from '../../errors.js';
import { hostByName } from '../../store/api-hosts-repo.js';
import { parseAuditFilter } from '../../store/audit-filter.js';
import { listAudit, type AuditEntry } from '../../store/audit-repo.js';
import { openStore } from '../../store/open-store.js';
import { createOutput } from '../output.js';
import type { GlobalOptions } from '../program.js';

export interface DbAuditOptions extends GlobalOptions {
  since?: string;
  host?: string;
  actions: string[];
  limit?: string;
}

/**
 * `dthostmon db audit`: the newest audit events (default 50), oldest of them first, one line each or a JSON array
 * with `--json`. Read-only: a SQLite store that does not exist yet is an error (exit 3), never created.
 */
export async function dbAudit(options: DbAuditOptions): Promise<number> {
  const out = createOutput(options);
  const filter = parseAuditFilter(
    { actions: options.actions, ...(options.since !== undefined ? { since: options.since } : {}), ...(options.host !== undefined ? { host: options.host } : {}), ...(options.limit !== undefined ? { limit: options.limit } : {}) },
    new Date(),
  );
  if (!filter.ok) throw new UsageError(`--${filter.problem}`);
  const configPath = findConfigPath(options.config, options.io.env, options.io.cwd);
  const config = await loadConfig(configPath, { env: options.io.env });
  if (config.store.dialect === 'sqlite' && config.store.path !== ':memory:' && !existsSync(config.store.path)) {
    throw new StoreError(`SQLite ${config.store.path} does not exist yet: nothing is recorded before the first pass`);
  }
  const store = await openStore(config.store);
  try {
    if (filter.query.host !== undefined && !(await hostByName(store.db, filter.query.host))) {
      throw new UsageError(`--host ${filter.query.host}: no such host in ${store.describe}`);
    }
    const entries = (await listAudit(store.db, filter.query)).reverse();
    if (options.json) out.out(JSON.stringify(entries, null, 2));
    else for (const entry of entries) out.out(sanitizeText(auditLine(entry)));
    return 0;
  } finally {
    await store.close();
  }
}

/** `2026-03-01T10:00:00.000Z run host.connected web-01 run=7 transport=ssh address=10.0.0.5 ... attempts=1`. */
function auditLine(entry: AuditEntry): string {
  const detail = (entry.detail !== null && typeof entry.detail === 'object' ? entry.detail : {}) as Record<string, unknown>;
  const host = entry.host ?? (typeof detail.host === 'string' ? detail.host : entry.hostId !== null ? `host#${entry.hostId}` : null);
  const fields = Object.entries(detail)
    .filter(([key]) => key !== 'host')
    .map(([key, value]) => `${key}=${typeof value === 'string' && /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value)}`);
  return [entry.at, entry.actor, entry.action, ...(host ? [host] : []), ...(entry.runId !== null ? [`run=${entry.runId}`] : []), ...fields].join(' ');
}
