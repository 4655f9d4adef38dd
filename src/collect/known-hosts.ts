/**
 * OpenSSH known_hosts files (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"): plain and hashed (`|1|salt|hash`) host names,
 * `[host]:port` for ports other than 22, comma-separated patterns with `*`, `?` and `!` negation, several key types per
 * host, and the `@revoked` marker. `@cert-authority` lines are kept but never match a plain host key: dthostmon does
 * not verify host certificates.
 */
import { createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';

export type KnownHostsMarker = 'revoked' | 'cert-authority' | null;

/** One key line of a known_hosts file. */
export interface KnownHostsEntry {
  /** 1-based line number, for messages. */
  line: number;
  marker: KnownHostsMarker;
  /** The host field as written: `name,[name]:port,!pattern` or `|1|salt|hash`. */
  hosts: string;
  /** `ssh-ed25519`, `ssh-rsa`, `ecdsa-sha2-nistp256`, ... */
  algorithm: string;
  /** Base64 public key blob. */
  key: string;
}

/** A parsed known_hosts file. */
export interface KnownHosts {
  /** The file path, or '' when none was read. */
  file: string;
  entries: KnownHostsEntry[];
}

/** A key known_hosts lists for one host, with where it was found. */
export interface KnownHostKey extends KnownHostsEntry {
  file: string;
}

/** The name OpenSSH looks up: `host` on port 22, `[host]:port` otherwise; lower case. */
export function knownHostsName(hostname: string, port: number): string {
  const host = hostname.toLowerCase();
  return port === 22 ? host : `[${host}]:${port}`;
}

/** Parses known_hosts text. Comment, blank and malformed lines are skipped, as ssh skips them. Pure. */
export function parseKnownHosts(text: string, file: string): KnownHosts {
  const entries: KnownHostsEntry[] = [];
  for (const [index, raw] of text.split('\n').entries()) {
    const fields = raw.trim().split(/\s+/);
    if (fields[0] === undefined || fields[0] === '' || fields[0].startsWith('#')) continue;
    let marker: KnownHostsMarker = null;
    if (fields[0].startsWith('@')) {
      const name = fields.shift();
      if (name === '@revoked') marker = 'revoked';
      else if (name === '@cert-authority') marker = 'cert-authority';
      else continue;
    }
    const [hosts, algorithm, key] = fields;
    if (!hosts || !algorithm || !key || !/^[A-Za-z0-9+/]+=*$/.test(key)) continue;
    entries.push({ line: index + 1, marker, hosts, algorithm, key });
  }
  return { file, entries };
}

/** `*` and `?` wildcards of an OpenSSH host pattern, matched case-insensitively against the whole name. */
function wildcardMatches(pattern: string, name: string): boolean {
  const regex = pattern
    .toLowerCase()
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${regex}$`).test(name);
}

/** Whether a host field names `name`: a hashed entry by HMAC-SHA1, a pattern list with `!` negations otherwise. */
export function hostFieldMatches(hosts: string, name: string): boolean {
  if (hosts.startsWith('|1|')) {
    const [, , salt = '', hash = ''] = hosts.split('|');
    const digest = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
    return digest === hash;
  }
  let isMatched = false;
  for (const pattern of hosts.split(',')) {
    if (pattern.startsWith('!')) {
      // A matching negation rejects the line, whatever else matches.
      if (wildcardMatches(pattern.slice(1), name)) return false;
    } else if (wildcardMatches(pattern, name)) {
      isMatched = true;
    }
  }
  return isMatched;
}

/** Every entry (revoked ones included) that names this host and port. Pure. */
export function findKnownHostKeys(known: KnownHosts, hostname: string, port: number): KnownHostKey[] {
  const name = knownHostsName(hostname, port);
  return known.entries.filter((e) => e.marker !== 'cert-authority' && hostFieldMatches(e.hosts, name)).map((e) => ({ ...e, file: known.file }));
}

/**
 * Reads a known_hosts file. A file that does not exist is an empty list (OpenSSH's first connection); one that exists
 * but cannot be read is an error, because silently ignoring it would weaken verification.
 */
export async function readKnownHosts(path: string): Promise<KnownHosts> {
  try {
    return parseKnownHosts(await readFile(path, 'utf8'), path);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ENOENT') return { file: path, entries: [] };
    throw new Error(`cannot read known_hosts ${path}: ${code === 'EACCES' ? 'permission denied' : (code ?? 'unreadable')}`);
  }
}
