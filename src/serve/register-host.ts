/**
 * Self-registration against the config file: read the file as it is now (not the copy `serve` loaded at start: the
 * operator or an earlier registration may have changed it), decide created / exists / conflict, add the entry, check
 * the new text with the loader `run` uses, and only then replace the file atomically. Never throws: every outcome is
 * data for the route to turn into a status.
 */
import { readFile } from 'node:fs/promises';
import { isDeepStrictEqual } from 'node:util';
import { parseDocument } from 'yaml';
import { loadConfigText } from '../config/load.js';
import type { Environment } from '../config/env.js';
import { ConfigError, errorMessage } from '../errors.js';
import { writeConfigAtomically } from '../sync/write.js';
import type { RegistrationRequest } from './register-body.js';
import { withFileLock } from './register-lock.js';
import { addHostEntry, entryData, type RegisteredHostEntry } from './register-yaml.js';

/** A host as the API shows it after registration (the config's values, `${VAR}` substituted). */
export interface RegisteredHost {
  name: string;
  hostname: string | null;
  port: number;
  user: string | null;
  site: string | null;
  tags: string[];
  enabled: boolean;
}

export type RegisterOutcome =
  | { kind: 'created'; host: RegisteredHost }
  /** Same name in the same site: nothing written. `differences` lists the fields the request asked otherwise. */
  | { kind: 'exists'; host: RegisteredHost; differences: string[] }
  /** Same name in another site (host names are unique across sites). */
  | { kind: 'conflict'; site: string | null }
  | { kind: 'unknown_site'; site: string; known: string[] }
  /** The new entry does not validate (e.g. no SSH user set anywhere); the file is unchanged. */
  | { kind: 'invalid'; message: string }
  /** The file on disk does not validate now: nothing is written until the operator fixes it. */
  | { kind: 'config_invalid'; problems: number }
  | { kind: 'failed'; message: string };

export interface RegisterOptions {
  /** For `${VAR}` when validating (default process.env; the `.env` beside the config is read too). */
  env?: Environment;
  homeDir?: string;
  /** Written in the comment above the entry. */
  now: Date;
  remoteAddress: string;
}

type DocHost = {
  name: string;
  hostname?: string;
  port?: number;
  user?: string;
  site?: string;
  tags?: string[];
  enabled?: boolean;
};

function summary(host: DocHost): RegisteredHost {
  return {
    name: host.name,
    hostname: host.hostname ?? null,
    port: host.port ?? 22,
    user: host.user ?? null,
    site: host.site ?? null,
    tags: host.tags ?? [],
    enabled: host.enabled ?? true,
  };
}

/** Fields the request set to something else than the existing entry (only those the request named). */
function differences(existing: DocHost, request: RegistrationRequest): string[] {
  const out: string[] = [];
  if (existing.hostname !== request.hostname) out.push('hostname');
  if (request.port !== undefined && (existing.port ?? 22) !== request.port) out.push('port');
  if (request.user !== undefined && existing.user !== request.user) out.push('user');
  return out;
}

/** A client address safe in a YAML comment (IPv4, IPv6, `::ffff:` forms). */
function commentAddress(address: string): string {
  const safe = address.replace(/[^0-9A-Za-z:.%]/g, '');
  return safe === '' ? 'an unknown address' : safe;
}

/** The problems of a ConfigError as one line for the client: `hosts[3].user: required ...` (no file paths). */
function problemLine(err: ConfigError): string {
  return err.problems
    .slice(0, 3)
    .map((p) => (p.path ? `${p.path}: ${p.message}` : p.message))
    .join('; ');
}

/** An errno code from a write failure (`EACCES`), for a message that names no path. */
function failureReason(err: unknown): string {
  const code = /\b(E[A-Z]{2,})\b/.exec(errorMessage(err))?.[1];
  return code ? ` (${code})` : '';
}

async function registerUnlocked(configPath: string, request: RegistrationRequest, options: RegisterOptions): Promise<RegisterOutcome> {
  const load = { env: options.env ?? process.env, ...(options.homeDir ? { homeDir: options.homeDir } : {}) };
  let text: string;
  try {
    text = await readFile(configPath, 'utf8');
  } catch (err) {
    return { kind: 'failed', message: `cannot read the config file${failureReason(err)}` };
  }
  let current;
  try {
    current = loadConfigText(text, configPath, load);
  } catch (err) {
    if (err instanceof ConfigError) return { kind: 'config_invalid', problems: err.problems.length };
    return { kind: 'failed', message: 'cannot validate the config file' };
  }
  const document = current.document as { hosts: DocHost[]; sites?: Record<string, unknown> };
  const existing = document.hosts.find((h) => h.name === request.name);
  if (existing) {
    if ((existing.site ?? null) !== (request.site ?? null)) return { kind: 'conflict', site: existing.site ?? null };
    return { kind: 'exists', host: summary(existing), differences: differences(existing, request) };
  }
  const known = Object.keys(document.sites ?? {});
  if (request.site !== undefined && !known.includes(request.site)) return { kind: 'unknown_site', site: request.site, known };

  const entry: RegisteredHostEntry = { ...request };
  const comment = `added by POST /api/v1/hosts/register from ${commentAddress(options.remoteAddress)} at ${options.now.toISOString()}`;
  const next = addHostEntry(text, entry, comment);
  // The splice must have added exactly this entry and nothing else, whatever the file's layout was.
  const before = (parseDocument(text).toJS() as { hosts?: unknown[] } | null)?.hosts ?? [];
  const after = (parseDocument(next).toJS() as { hosts?: unknown[] } | null)?.hosts ?? [];
  if (after.length !== before.length + 1 || !isDeepStrictEqual(after[after.length - 1], entryData(entry))) {
    return { kind: 'failed', message: 'could not add the entry to the config text; the file was not changed' };
  }
  let added;
  try {
    added = loadConfigText(next, configPath, load);
  } catch (err) {
    if (err instanceof ConfigError) return { kind: 'invalid', message: problemLine(err) };
    return { kind: 'failed', message: 'cannot validate the new config' };
  }
  try {
    writeConfigAtomically(configPath, next);
  } catch (err) {
    return { kind: 'failed', message: `cannot write the config file${failureReason(err)}; it was not changed` };
  }
  const hosts = (added.document as { hosts: DocHost[] }).hosts;
  return { kind: 'created', host: summary(hosts.find((h) => h.name === request.name) ?? { ...request }) };
}

/**
 * Registers `request` in the config at `configPath` (see the file comment). Concurrent calls for the same file run
 * one after another.
 */
export function registerHost(configPath: string, request: RegistrationRequest, options: RegisterOptions): Promise<RegisterOutcome> {
  return withFileLock(configPath, () => registerUnlocked(configPath, request, options));
}
