/**
 * `sync-config` without the writing: reads the sites dir and dthostmon.yaml, merges each configured site and host into
 * the YAML document, prunes (when asked), validates, and returns the new text with a summary. Nothing is written here
 * (write.ts does that), so `--dry-run` and the real run share every step.
 */
import { join, relative } from 'node:path';
import { isMap, isSeq, type Document, type YAMLMap } from 'yaml';
import { UsageError } from '../errors.js';
import { appendItem, entryNode, reconcileMap, section } from './document.js';
import type { EnvFile } from './env-file.js';
import { existingHosts, existingLayer, readConfigFile } from './existing.js';
import type { Variables } from './expand.js';
import { assignNames, type AssignedName } from './identity.js';
import { mergeLayers } from './merge.js';
import { findPrunable, type PruneCandidate } from './prune.js';
import { renderDocument } from './render.js';
import { HOST_ROOT, SITE_ROOT, isConfigured, readHostEnv, readHostSources, readSiteSources, sharedVariables, type SiteSources } from './sources.js';
import { emptyLog, type SyncLog } from './types.js';
import { validateSynced, type SyncedEntry } from './validate.js';
import { walkSites, type HostFolder } from './walk.js';

export interface SyncScope {
  site?: string;
  host?: string;
}

export interface SyncOptions {
  /** Absolute path of dthostmon.yaml (created when missing). */
  configPath: string;
  /** Absolute path of the sites dir. */
  sitesDir: string;
  /** The environment of the sync (lowest level of `${VAR}`). */
  env: Variables;
  scope: SyncScope;
  prune: boolean;
}

export type EntryStatus = 'added' | 'updated' | 'unchanged';

export interface HostOutcome {
  name: string;
  site: string;
  folder: string;
  status: EntryStatus;
  notes: string[];
}

export interface SiteOutcome {
  id: string;
  status: EntryStatus | 'no settings';
}

export interface SkippedFolder {
  site: string;
  folder: string;
  reason: string;
}

export interface SyncPlan {
  configPath: string;
  sitesDir: string;
  isNewFile: boolean;
  oldText: string;
  newText: string;
  isChanged: boolean;
  sites: SiteOutcome[];
  hosts: HostOutcome[];
  skipped: SkippedFolder[];
  /** Removed (with --prune). */
  pruned: PruneCandidate[];
  /** Would be removed with --prune. */
  prunable: PruneCandidate[];
  log: SyncLog;
}

/** Key order of a new host entry; other keys follow in the order their sources gave them. */
const HOST_KEY_ORDER = ['name', 'site', 'hostname', 'port', 'user', 'enabled', 'transport', 'tags'];

const NEW_FILE_HEADER =
  ' dthostmon configuration. Created by `dthostmon sync-config`, which keeps `sites` and `hosts` in step\n' +
  ' with the divtools sites dir; the other sections (global, ssh, email, ...) are yours: see docs/configuration.md.';

interface FolderState {
  host: HostFolder;
  env: EnvFile | null;
  isConfigured: boolean;
  isInScope: boolean;
  site: SiteSources | null;
}

/** What the edits of one run need to share. */
interface Edit {
  doc: Document;
  log: SyncLog;
  sitesDir: string;
  isChanged: boolean;
  /** Synced host nodes (their final index is known only after pruning) and synced sites, for validation. */
  hosts: Map<unknown, SyncedEntry>;
  sites: Map<string, SyncedEntry>;
}

function ordered(data: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of HOST_KEY_ORDER) if (data[key] !== undefined) out[key] = data[key];
  for (const [key, value] of Object.entries(data)) if (!(key in out)) out[key] = value;
  return out;
}

/** What the user can edit to give a host a user, for the validation message. */
function userHint(host: HostFolder): string {
  const yaml = host.yamlPath ?? join(host.dir, `dthm-${host.folder}.yaml`);
  const env = host.envPath ?? join(host.dir, `.env.${host.folder}`);
  return (
    `add "user: <name>" to ${yaml} or DTHM_HOST_USER=<name> to ${env} ` +
    `(DTHM_HOST_USER in ${join(host.dir, '..', `.env.${host.site}`)} sets it for every host of the site, global.user for all hosts)`
  );
}

/**
 * Every host folder, whether it is configured and in scope. Out-of-scope folders are read too (quietly): names are
 * given over the whole tree, so a scoped sync names hosts as a full one does.
 */
function readFolders(options: SyncOptions, log: SyncLog): { folders: FolderState[]; sites: SiteSources[] } {
  const { scope } = options;
  const tree = walkSites(options.sitesDir);
  const shared = sharedVariables(tree, options.env, log);
  const quiet = emptyLog();
  const folders: FolderState[] = [];
  const sites: SiteSources[] = [];
  for (const site of tree.sites) {
    const isSiteInScope = (scope.site === undefined || scope.site === site.id) && (scope.host === undefined || site.hosts.some((h) => h.folder === scope.host));
    const sources = isSiteInScope ? readSiteSources(site, shared, log) : null;
    if (sources) sites.push(sources);
    for (const host of site.hosts) {
      const isInScope = sources !== null && (scope.host === undefined || host.folder === scope.host);
      const env = readHostEnv(host, sources?.vars ?? shared, isInScope ? log : quiet);
      folders.push({ host, env, isConfigured: isConfigured(host, env), isInScope, site: sources });
    }
  }
  const ids = tree.sites.map((s) => s.id);
  if (scope.site !== undefined && !ids.includes(scope.site)) {
    throw new UsageError(`site ${scope.site} not found in ${options.sitesDir} (sites: ${ids.join(', ') || 'none'})`);
  }
  if (scope.host !== undefined && !folders.some((f) => f.isInScope)) {
    const where = scope.site !== undefined ? join(options.sitesDir, scope.site) : `any site of ${options.sitesDir}`;
    throw new UsageError(`host folder ${scope.host} not found in ${where}`);
  }
  return { folders, sites };
}

/**
 * Site entries, merged with their settings; keys set by hand stay (the lowest layer). A site without settings of its
 * own gets an empty entry when it has synced hosts, so their `site:` names a defined site (`run` warns otherwise,
 * which catches a mistyped site id in a hand-written host).
 */
function syncSites(edit: Edit, sources: readonly SiteSources[], withHosts: ReadonlySet<string>): SiteOutcome[] {
  return sources.map((source): SiteOutcome => {
    const id = source.folder.id;
    if (!source.hasConfig) {
      const sitesNode = edit.doc.contents && isMap(edit.doc.contents) ? edit.doc.contents.get('sites', true) : null;
      if (!withHosts.has(id) || (isMap(sitesNode) && sitesNode.has(id))) return { id, status: 'no settings' };
      section(edit.doc, 'sites').set(id, entryNode(edit.doc, {}));
      edit.isChanged = true;
      return { id, status: 'added' };
    }
    const sitesNode = section(edit.doc, 'sites');
    const node = sitesNode.get(id, true);
    const merged = mergeLayers([existingLayer(node, SITE_ROOT), ...source.layers]);
    let status: EntryStatus;
    if (isMap(node)) status = reconcileMap(edit.doc, node, merged.data) ? 'updated' : 'unchanged';
    else {
      status = sitesNode.has(id) ? 'updated' : 'added';
      sitesNode.set(id, entryNode(edit.doc, merged.data));
    }
    edit.isChanged ||= status !== 'unchanged';
    edit.sites.set(id, { label: `site ${id}`, origins: merged.origins });
    return { id, status };
  });
}

/** One configured host folder into its entry (matched, adopted or new). */
function syncHost(edit: Edit, state: FolderState, site: SiteSources, assigned: AssignedName, node: unknown): HostOutcome {
  const { host } = state;
  const sources = readHostSources(host, state.env, site.vars, assigned.name, edit.log);
  const merged = mergeLayers([existingLayer(node, HOST_ROOT), site.hostDefaults, ...sources.layers]);
  const notes = assigned.note ? [assigned.note] : [];
  merged.data.name = assigned.name;
  merged.data.site = host.site;
  if (merged.data.hostname === undefined && merged.data.transport !== 'local') {
    merged.data.hostname = host.folder;
    notes.push(`hostname defaulted to the folder name "${host.folder}"`);
  }
  if (host.yamlPath?.endsWith('/dthm-host.yaml')) notes.push('read the legacy dthm-host.yaml');
  let status: EntryStatus;
  let entry = node;
  if (isMap(node)) {
    const isEdited = reconcileMap(edit.doc, node as YAMLMap, merged.data, { site: 'name' });
    status = isEdited || assigned.isAdopted ? 'updated' : 'unchanged';
  } else {
    entry = entryNode(edit.doc, ordered(merged.data));
    appendItem(section(edit.doc, 'hosts'), entry as YAMLMap);
    status = 'added';
  }
  edit.isChanged ||= status !== 'unchanged';
  edit.hosts.set(entry, { label: `${host.site}/${host.folder}`, origins: merged.origins, userHint: userHint(host) });
  const files = [host.yamlPath, state.env?.path].filter((p): p is string => Boolean(p)).map((p) => relative(edit.sitesDir, p));
  const from = node ? `existing entry hosts[${assigned.existingIndex}]` : 'new entry';
  edit.log.debug.push(`${host.site}/${host.folder}: ${from} + site defaults + ${files.join(' + ')} -> ${assigned.name} (${status})`);
  return { name: assigned.name, site: host.site, folder: host.folder, status, notes };
}

/** Reads, merges, prunes and validates; returns the new config text and the summary. Writes nothing. */
export function planSync(options: SyncOptions): SyncPlan {
  const { configPath, sitesDir, scope } = options;
  const config = readConfigFile(configPath);
  const log = emptyLog();
  const { folders, sites: siteSources } = readFolders(options, log);
  const edit: Edit = { doc: config.doc, log, sitesDir, isChanged: config.isNewFile, hosts: new Map(), sites: new Map() };

  const existing = existingHosts(config.doc);
  const configured = folders.filter((f) => f.isConfigured);
  const names = assignNames(
    configured.map((f) => ({ site: f.host.site, folder: f.host.folder })),
    existing.entries,
  );
  const sites = syncSites(edit, siteSources, new Set(configured.filter((f) => f.isInScope).map((f) => f.host.site)));
  const hosts: HostOutcome[] = [];
  const skipped: SkippedFolder[] = [];
  for (const state of folders) {
    const { host } = state;
    if (!state.isInScope || !state.site) continue;
    if (!state.isConfigured) {
      const reason = `no dthostmon configuration (add dthm-${host.folder}.yaml or DTHM_HOST_* lines to .env.${host.folder})`;
      skipped.push({ site: host.site, folder: host.folder, reason });
      continue;
    }
    const assigned = names.find((n) => n.site === host.site && n.folder === host.folder) as AssignedName;
    const node = assigned.existingIndex === null ? null : existing.nodes[assigned.existingIndex];
    hosts.push(syncHost(edit, state, state.site, assigned, node));
  }

  // Prune: only entries not matched to a folder in this run.
  const matched = new Set(names.flatMap((n) => (n.existingIndex === null ? [] : [n.existingIndex])));
  const candidates = findPrunable(sitesDir, existing.entries, matched, scope);
  if (options.prune && candidates.length > 0) {
    const list = section(config.doc, 'hosts');
    for (const candidate of candidates) list.items.splice(list.items.indexOf(existing.nodes[candidate.index] as never), 1);
    edit.isChanged = true;
  }

  if (config.isNewFile) {
    section(config.doc, 'sites');
    section(config.doc, 'hosts');
    config.doc.commentBefore = NEW_FILE_HEADER;
  }
  const newText = edit.isChanged ? renderDocument(config.doc, config.text) : config.text;
  if (edit.isChanged) {
    const hostsNode = isMap(config.doc.contents) ? config.doc.contents.get('hosts', true) : null;
    const finalHosts: unknown[] = isSeq(hostsNode) ? hostsNode.items : [];
    const byIndex = new Map<number, SyncedEntry>();
    for (const [node, entry] of edit.hosts) if (finalHosts.includes(node)) byIndex.set(finalHosts.indexOf(node), entry);
    log.errors.push(...validateSynced(newText, configPath, { hosts: byIndex, sites: edit.sites }));
  }
  return {
    configPath,
    sitesDir,
    isNewFile: config.isNewFile,
    oldText: config.text,
    newText,
    isChanged: newText !== config.text,
    sites,
    hosts,
    skipped,
    pruned: options.prune ? candidates : [],
    prunable: options.prune ? [] : candidates,
    log,
  };
}
