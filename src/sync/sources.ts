/**
 * Reads the files of the site and host folders into layers (env-layer.ts, yaml-layer.ts), with the variables each
 * level sees for `${VAR}`: the environment of the sync, then `.env.s00-shared`, then `.env.<site>`, then
 * `.env.<host>` (the highest wins: divtools' own shell on the syncing machine has sourced *its* host's files, so a
 * folder's values must beat it).
 */
import { basename, dirname, join } from 'node:path';
import { closestKey } from '../config/did-you-mean.js';
import { errorMessage } from '../errors.js';
import { hostSchema, siteSchema } from '../config/schema-hosts.js';
import { canonicalize } from './canonical.js';
import { readEnvFile, type DthmLine, type EnvFile } from './env-file.js';
import { envLayer } from './env-layer.js';
import type { Variables } from './expand.js';
import { rootInfo } from './schema-keys.js';
import type { Layer, SyncLog } from './types.js';
import type { HostFolder, SiteFolder, SitesTree } from './walk.js';
import { readYamlLayer } from './yaml-layer.js';

export const HOST_ROOT = rootInfo(hostSchema);
export const SITE_ROOT = rootInfo(siteSchema);

/** Everything a site folder contributes. */
export interface SiteSources {
  folder: SiteFolder;
  vars: Variables;
  /** dthm-site.yaml, then DTHM_SITE_* (the site entry). */
  layers: Layer[];
  /** DTHM_HOST_* in `.env.<site>`: defaults for every host of the site. */
  hostDefaults: Layer;
  /** Whether the site has settings of its own (a site entry is written only then). */
  hasConfig: boolean;
}

/** Everything a host folder contributes (below the existing entry, which plan.ts adds). */
export interface HostSources {
  folder: HostFolder;
  /** dthm YAML, then DTHM_HOST_* of `.env.<host>`. */
  layers: Layer[];
}

function emptyLayer(): Layer {
  return { data: {}, origins: new Map() };
}

function readEnv(path: string | null, below: Variables, log: SyncLog): EnvFile | null {
  if (!path) return null;
  try {
    const file = readEnvFile(path, below);
    log.warnings.push(...file.problems);
    log.debug.push(`${path}: read (${file.dthm.length} DTHM_* variables)`);
    return file;
  } catch (err) {
    log.errors.push(`${path}: cannot read: ${errorMessage(err)}`);
    return null;
  }
}

/** `DTHM_STIE_TAGS` -> did you mean DTHM_SITE_TAGS? */
function prefixHint(key: string): string {
  const [, word = '', rest = ''] = /^DTHM_([^_]*)_?(.*)$/.exec(key) ?? [];
  const level = closestKey(word, ['HOST', 'SITE']);
  if (level && rest) return `did you mean DTHM_${level}_${rest}?`;
  return 'DTHM variables start with DTHM_HOST_ (host settings) or DTHM_SITE_ (site settings)';
}

/** DTHM lines that are neither of `allowed` prefixes: errors (a typo in the prefix must not be silently dropped). */
function checkPrefixes(file: string, lines: readonly DthmLine[], allowed: string[], wrongPlace: Record<string, string>, log: SyncLog): void {
  for (const line of lines) {
    if (allowed.some((p) => line.key.startsWith(p))) continue;
    const misplaced = Object.entries(wrongPlace).find(([prefix]) => line.key.startsWith(prefix));
    if (misplaced) log.warnings.push(`${file}:${line.line} ${line.key}: ignored: ${misplaced[1]}`);
    else log.errors.push(`${file}:${line.line} ${line.key}: unknown variable; ${prefixHint(line.key)}`);
  }
}

/** The variables of the lowest folder level: the sync's environment plus `.env.s00-shared`. */
export function sharedVariables(tree: SitesTree, env: Variables, log: SyncLog): Variables {
  const shared = readEnv(tree.sharedEnvPath, env, log);
  if (!shared) return env;
  for (const line of shared.dthm) {
    log.warnings.push(`${shared.path}:${line.line} ${line.key}: ignored: s00-shared is not a site (its variables only feed \${VAR})`);
  }
  return shared.vars;
}

/** Reads a site folder's `.env.<site>` and `dthm-site.yaml`. */
export function readSiteSources(site: SiteFolder, below: Variables, log: SyncLog): SiteSources {
  const env = readEnv(site.envPath, below, log);
  const vars = env?.vars ?? below;
  const lines = env?.dthm ?? [];
  if (env) checkPrefixes(env.path, lines, ['DTHM_SITE_', 'DTHM_HOST_'], {}, log);
  const yaml = site.yamlPath ? readYamlLayer({ file: site.yamlPath, root: SITE_ROOT, vars, log }) : emptyLayer();
  const siteEnv = env ? envLayer(lines, { file: env.path, prefix: 'DTHM_SITE_', root: SITE_ROOT, vars, log }) : emptyLayer();
  const hostDefaults = env
    ? envLayer(lines, {
        file: env.path,
        prefix: 'DTHM_HOST_',
        root: HOST_ROOT,
        vars,
        log,
        ignored: (path) =>
          ['name', 'site', 'hostname'].includes(path[0] as string) && path.length === 1
            ? `ignored in a site file: every host has its own ${path[0]} (set it in the host folder)`
            : null,
      })
    : emptyLayer();
  for (const layer of [yaml, siteEnv, hostDefaults]) canonicalize(layer);
  const hasConfig = site.yamlPath !== null || lines.some((l) => l.key.startsWith('DTHM_SITE_'));
  return { folder: site, vars, layers: [yaml, siteEnv], hostDefaults, hasConfig };
}

/** Whether a host folder has dthostmon configuration: a dthm YAML file or a DTHM_HOST_* line in `.env.<host>`. */
export function isConfigured(host: HostFolder, env: EnvFile | null): boolean {
  return host.yamlPath !== null || (env?.dthm ?? []).some((l) => l.key.startsWith('DTHM_HOST_'));
}

/** Reads a host folder's env file only (to tell configured folders from data folders). */
export function readHostEnv(host: HostFolder, below: Variables, log: SyncLog): EnvFile | null {
  return readEnv(host.envPath, below, log);
}

/**
 * Reads a configured host folder. `name` and `site` come from the folders: a file that sets another value gets a
 * warning (the real divtools tree has the scaffold's `name: host01` in `dthm-gpu1-75.yaml`).
 */
export function readHostSources(host: HostFolder, env: EnvFile | null, siteVars: Variables, syncedName: string, log: SyncLog): HostSources {
  const vars = env?.vars ?? siteVars;
  if (host.ignoredYamlPath) {
    log.warnings.push(`${host.ignoredYamlPath}: ignored: dthm-${host.folder}.yaml is used (remove one of the two)`);
  }
  const folderDecides = (key: string, value: unknown): string | null => {
    if (key === 'name' && value !== syncedName && value !== host.folder) {
      return `${JSON.stringify(value)} is not used: the host is named after its folder ("${syncedName}")`;
    }
    if (key === 'site' && value !== host.site) return `${JSON.stringify(value)} is not used: the host's site is its site folder ("${host.site}")`;
    return null;
  };
  const yaml = host.yamlPath ? readYamlLayer({ file: host.yamlPath, root: HOST_ROOT, vars, log, ignored: folderDecides }) : emptyLayer();
  if (host.yamlPath && basename(host.yamlPath) === 'dthm-host.yaml') log.debug.push(`${host.yamlPath}: legacy name, read as dthm-${host.folder}.yaml`);
  let envVars = emptyLayer();
  if (env) {
    checkPrefixes(env.path, env.dthm, ['DTHM_HOST_'], { DTHM_SITE_: `site settings belong in ${join(dirname(host.dir), `.env.${host.site}`)}` }, log);
    envVars = envLayer(env.dthm, {
      file: env.path,
      prefix: 'DTHM_HOST_',
      root: HOST_ROOT,
      vars,
      log,
      ignored: (path, value) => (path.length === 1 ? folderDecides(path[0] as string, value) : null),
    });
  }
  for (const layer of [yaml, envVars]) canonicalize(layer);
  return { folder: host, layers: [yaml, envVars] };
}
