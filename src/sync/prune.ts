/**
 * Hosts whose folder is gone (the original never removed anything: GAP-S13). A host entry is prunable when its `site`
 * names a site folder of the sites dir and its host folder is gone. Entries whose site has no folder are kept: a site
 * written by hand (`den-db-01` in site `s05-den`) looks exactly like a site folder that was removed, and guessing wrong
 * deletes a monitored host. Entries without a site are never pruned either. Only `--prune` removes them; otherwise the
 * summary lists them.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { ExistingHost } from './identity.js';

export interface PruneCandidate {
  index: number;
  name: string;
  site: string;
  reason: string;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

export interface PruneScope {
  site?: string;
  host?: string;
}

/** Entries of `existing` (not matched to a folder in this run) whose folders are gone, within `scope`. */
export function findPrunable(sitesDir: string, existing: readonly ExistingHost[], matched: ReadonlySet<number>, scope: PruneScope): PruneCandidate[] {
  const out: PruneCandidate[] = [];
  for (const entry of existing) {
    if (matched.has(entry.index) || entry.name === null || entry.site === null) continue;
    const { name, site } = entry;
    // Not sites: never ours to prune.
    if (site.startsWith('.') || site.startsWith('s00-')) continue;
    const folder = name.endsWith(`.${site}`) ? name.slice(0, -(site.length + 1)) : name;
    if (scope.site !== undefined && scope.site !== site) continue;
    if (scope.host !== undefined && scope.host !== folder && scope.host !== name) continue;
    const siteDir = join(sitesDir, site);
    if (isDirectory(siteDir) && !isDirectory(join(siteDir, name)) && !isDirectory(join(siteDir, folder))) {
      out.push({ index: entry.index, name, site, reason: `host folder ${site}/${folder} is gone` });
    }
  }
  return out;
}
