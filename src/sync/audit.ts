/**
 * A written sync in the audit trail: one `config.changed` row (the hosts and sites added, updated or pruned, by name)
 * in the store the new config names, with the OS user as actor. The trail lives in the store, so a config whose
 * SQLite store does not exist yet (the first sync, before any pass) has nothing to record into: the trail starts
 * with the first pass, and no store file is created here.
 */
import { existsSync } from 'node:fs';
import { loadConfigText } from '../config/load.js';
import type { Environment } from '../config/env.js';
import { redactText } from '../config/mask.js';
import { errorMessage } from '../errors.js';
import { configChangedEvent, type ConfigChange } from '../pass/audit-events.js';
import { appendAudit } from '../store/audit-repo.js';
import { openStore } from '../store/open-store.js';
import type { SyncPlan } from './plan.js';

/** What the sync changed, by name. */
export function syncChange(plan: SyncPlan): ConfigChange {
  const hosts = (status: string): string[] => plan.hosts.filter((h) => h.status === status).map((h) => h.name);
  const sites = (status: string): string[] => plan.sites.filter((s) => s.status === status).map((s) => s.id);
  return {
    file: plan.configPath,
    by: 'sync-config',
    hosts: { added: hosts('added'), updated: hosts('updated'), removed: plan.pruned.map((p) => p.name) },
    sites: { added: sites('added'), updated: sites('updated') },
  };
}

/**
 * Appends the sync's `config.changed` row. Never throws: returns one line saying why the change is not in the trail
 * (the store settings use unset variables, the store cannot be opened), or null when it is (or no store exists yet).
 */
export async function auditSync(plan: SyncPlan, options: { env: Environment; actor: string; now: Date }): Promise<string | null> {
  let secrets: readonly string[] = [];
  try {
    const config = loadConfigText(plan.newText, plan.configPath, { env: options.env, unresolved: 'collect' });
    secrets = config.secrets;
    const unset = config.unresolved.find((u) => u.path.startsWith('database'));
    if (unset) return `not recorded in the audit trail: ${unset.path} uses \${${unset.names.join('}, ${')}}, unset here`;
    if (config.store.dialect === 'sqlite' && !existsSync(config.store.path)) return null;
    const store = await openStore(config.store);
    try {
      await appendAudit(store.db, [configChangedEvent(syncChange(plan), { actor: options.actor, at: options.now.toISOString() })]);
    } finally {
      await store.close();
    }
    return null;
  } catch (err) {
    return `not recorded in the audit trail: ${redactText(errorMessage(err).split('\n')[0] ?? '', secrets)}`;
  }
}
