import { stringify } from 'yaml';
import Table from 'cli-table3';
import { findConfigPath } from '../../config/find-config.js';
import { loadConfig } from '../../config/load.js';
import { maskSecrets, redactText } from '../../config/mask.js';
import { createOutput } from '../output.js';
import type { GlobalOptions } from '../program.js';

export interface ConfigOptions extends GlobalOptions {
  showSecrets: boolean;
}

/** `dthostmon config`: the config after `${VAR}` substitution and defaults, secrets masked, and each host resolved. */
export async function config(options: ConfigOptions): Promise<number> {
  const out = createOutput(options);
  const path = findConfigPath(options.config, options.io.env, options.io.cwd);
  const loaded = await loadConfig(path, { env: options.io.env });
  const document = maskSecrets(loaded.document, { showSecrets: options.showSecrets });
  const hosts = loaded.hosts.map((h) => ({
    name: h.name,
    site: h.site,
    enabled: h.enabled,
    transport: h.transport,
    target: h.transport === 'local' ? 'local' : `${h.user}@${h.hostname}:${h.port}`,
    // Shown per host: it makes the collector root there, which an operator checking a config should see.
    sudo: h.sudo === true,
    rootfs: h.rootfs,
    logs: h.logs,
    tags: h.tags,
    origin: h.origin,
  }));
  const storeText = loaded.store.dialect === 'sqlite' ? `sqlite ${loaded.store.path}` : `postgres ${loaded.store.display}`;
  const scrub = (text: string): string => (options.showSecrets ? text : redactText(text, loaded.secrets));

  if (options.json) {
    out.out(scrub(JSON.stringify({ path: loaded.path, store: storeText, warnings: loaded.warnings, hosts, document }, null, 2)));
    return 0;
  }
  const rule = '='.repeat(70);
  out.out(`# ${rule}\n# dthostmon configuration: ${loaded.path}\n# ${rule}`);
  out.out(scrub(stringify(document, { lineWidth: 0 })));
  const table = new Table({ head: ['Host', 'Site', 'Enabled', 'Target', 'Logs', 'Tags'], style: { head: [], border: [], compact: true } });
  for (const h of hosts) {
    table.push([h.name, h.site ?? '-', h.enabled ? 'yes' : 'no', h.sudo ? `${h.target} (sudo)` : h.target, String(h.logs.length), h.tags.join(', ')]);
  }
  out.out(table.toString());
  out.out(`Store: ${storeText}`);
  out.out(`Monitored hosts: ${hosts.filter((h) => h.enabled).length} of ${hosts.length}`);
  for (const w of loaded.warnings) out.err(`warning: ${w}`);
  return 0;
}
