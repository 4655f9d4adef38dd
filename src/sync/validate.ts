/**
 * Structural validation of the synced dthostmon.yaml before anything is written (the original validated only in
 * test mode and wrote invalid files otherwise: GAP-S17). The text is loaded like `run` loads it, except that a
 * `${VAR}` may be unset: it is resolved at run time. Each problem in a synced site or host is reported where the
 * value came from: the folder file (and line) and the DTHM variable, so the user knows which file to fix.
 */
import { loadConfigText } from '../config/load.js';
import { ConfigError, formatProblem, type ConfigProblem } from '../errors.js';
import { where, type Origin } from './types.js';

/** A site or host entry written by this sync, for locating problems. */
export interface SyncedEntry {
  /** `s01-lab/web` or `site s01-lab`. */
  label: string;
  origins: ReadonlyMap<string, Origin>;
  /** For a host without a user: the files that could set one. */
  userHint?: string;
}

export interface SyncedEntries {
  /** By final index in `hosts`. */
  hosts: ReadonlyMap<number, SyncedEntry>;
  sites: ReadonlyMap<string, SyncedEntry>;
}

const HOST_PATH = /^hosts\[(\d+)\](.*)$/;
const SITE_PATH = /^sites(?:\.([A-Za-z0-9_-]+)|\[("(?:[^"\\]|\\.)*")\])(.*)$/;
const LAST_SEGMENT = /(?:\.[A-Za-z0-9_-]+|\[\d+\]|\["(?:[^"\\]|\\.)*"\])$/;

/** The origin of `rest` (`.logs[1]`) or of its nearest parent that has one. */
function originFor(origins: ReadonlyMap<string, Origin>, rest: string): Origin | null {
  let path = rest;
  while (path !== '') {
    const origin = origins.get(path.replace(/^\./, ''));
    if (origin) return origin;
    const shorter = path.replace(LAST_SEGMENT, '');
    if (shorter === path) break;
    path = shorter;
  }
  return null;
}

function describe(problem: ConfigProblem, configPath: string, entries: SyncedEntries): string {
  let entry: SyncedEntry | undefined;
  let rest = '';
  const host = HOST_PATH.exec(problem.path);
  const site = host ? null : SITE_PATH.exec(problem.path);
  if (host) {
    entry = entries.hosts.get(Number(host[1]));
    rest = host[2] ?? '';
  } else if (site) {
    const id = site[1] ?? (JSON.parse(site[2] ?? '""') as string);
    entry = entries.sites.get(id);
    rest = site[3] ?? '';
  }
  if (!entry) return formatProblem({ ...problem, file: configPath, line: undefined });
  if (rest === '.user' && problem.message.startsWith('required') && entry.userHint) return `${entry.label}: no SSH user: ${entry.userHint}`;
  const origin = originFor(entry.origins, rest);
  if (!origin) return `${entry.label} (${problem.path} in ${configPath}): ${problem.message}`;
  return `${where(origin)}${origin.variable ? ` ${origin.variable}` : ''}: ${problem.message} (${problem.path}, ${entry.label})`;
}

/** Problems of config `text` that would stop `dthostmon run`, located for the user; empty when it is valid. */
export function validateSynced(text: string, configPath: string, entries: SyncedEntries): string[] {
  try {
    loadConfigText(text, configPath, { env: {}, unresolved: 'collect' });
    return [];
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.problems.map((p) => describe(p, configPath, entries));
  }
}
