/**
 * Finds the sites and host folders of a divtools sites dir ($DOCKER_SITES_DIR, section 13 of the reference):
 *
 *   <sites>/s01-7692nh/.env.s01-7692nh       site variables (DTHM_SITE_*, DTHM_HOST_* host defaults)
 *   <sites>/s01-7692nh/dthm-site.yaml        site settings
 *   <sites>/s01-7692nh/gpu1-75/.env.gpu1-75  host variables (DTHM_HOST_*)
 *   <sites>/s01-7692nh/gpu1-75/dthm-gpu1-75.yaml (or the legacy dthm-host.yaml)
 *
 * Sites are the sorted child directories, except hidden ones (`.stfolder`, `.git`) and `s00-*` (shared apps, not a
 * site: the original only skipped `s00-` and turned hidden folders into sites, GAP-S9). Host folders are the sorted
 * child directories of a site, except hidden ones (`.site-info`). Nothing deeper is read.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../errors.js';

export interface HostFolder {
  /** The folder name (divtools uses the lower-cased hostname). */
  folder: string;
  site: string;
  dir: string;
  envPath: string | null;
  /** `dthm-<host>.yaml`, else the legacy `dthm-host.yaml`, else null. */
  yamlPath: string | null;
  /** A legacy `dthm-host.yaml` ignored because `dthm-<host>.yaml` exists too (a warning). */
  ignoredYamlPath: string | null;
}

export interface SiteFolder {
  id: string;
  dir: string;
  envPath: string | null;
  yamlPath: string | null;
  hosts: HostFolder[];
}

export interface SitesTree {
  sitesDir: string;
  /** `s00-shared/.env.s00-shared`: the lowest folder level of `${VAR}` expansion. */
  sharedEnvPath: string | null;
  sites: SiteFolder[];
}

const SHARED_SITE = 's00-shared';

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function fileOrNull(path: string): string | null {
  return isFile(path) ? path : null;
}

/** Sorted names of the visible child directories (byte order, so the result does not depend on the locale). */
function childDirectories(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => !name.startsWith('.') && isDirectory(join(dir, name)))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function hostFolder(site: string, siteDir: string, folder: string): HostFolder {
  const dir = join(siteDir, folder);
  const own = fileOrNull(join(dir, `dthm-${folder}.yaml`));
  const legacy = fileOrNull(join(dir, 'dthm-host.yaml'));
  return {
    folder,
    site,
    dir,
    envPath: fileOrNull(join(dir, `.env.${folder}`)),
    yamlPath: own ?? legacy,
    ignoredYamlPath: own && legacy ? legacy : null,
  };
}

/** Reads the folder structure of `sitesDir`; a missing sites dir is a ConfigError naming it. */
export function walkSites(sitesDir: string): SitesTree {
  if (!isDirectory(sitesDir)) {
    throw new ConfigError([{ file: sitesDir, path: '', message: 'sites directory not found (set --sites-dir, $DOCKER_SITES_DIR or $DIVTOOLS)' }]);
  }
  const sites = childDirectories(sitesDir)
    .filter((name) => !name.startsWith('s00-'))
    .map((id): SiteFolder => {
      const dir = join(sitesDir, id);
      return {
        id,
        dir,
        envPath: fileOrNull(join(dir, `.env.${id}`)),
        yamlPath: fileOrNull(join(dir, 'dthm-site.yaml')),
        hosts: childDirectories(dir).map((folder) => hostFolder(id, dir, folder)),
      };
    });
  return { sitesDir, sharedEnvPath: fileOrNull(join(sitesDir, SHARED_SITE, `.env.${SHARED_SITE}`)), sites };
}
