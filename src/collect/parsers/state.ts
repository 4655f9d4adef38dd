import { createHash } from 'node:crypto';
import type { AuthorizedKey, ConfigFile, HostState, Listener, ServiceState, WatchedFile } from '../../types.js';
import type { ProbeSection } from '../parse-probe-output.js';
import type { StateSection } from '../state-probe.js';

/**
 * Parsers of the probe's state sections (state-probe.ts) into HostState. Each is total: a line it does not
 * understand is skipped, never thrown on, because the host's files are input we do not control.
 */

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** `@f`/`@h`/`@o` dumps: files with their content lines, hash-only files, and the packages owning changed files. */
export function parseFileDump(text: string): { files: Record<string, ConfigFile>; owners: Record<string, string[]> } {
  const files: Record<string, ConfigFile> = {};
  const owners: Record<string, string[]> = {};
  let current: { path: string; lines: string[] } | null = null;
  const close = (): void => {
    if (!current) return;
    const file = files[current.path];
    // The dump ends each file with a newline of its own: drop the empty line it leaves.
    while (current.lines.length > 0 && current.lines[current.lines.length - 1] === '') current.lines.pop();
    if (file) {
      file.hash = sha256(current.lines.join('\n'));
      file.lines = current.lines;
    }
    current = null;
  };
  for (const line of text.split('\n')) {
    if (line.startsWith('|')) {
      current?.lines.push(line.slice(1));
      continue;
    }
    close();
    const f = /^@f (ok|unreadable) (\S+) (\/.*)$/.exec(line);
    if (f) {
      const [, state, tag, path] = f as unknown as [string, 'ok' | 'unreadable', string, string];
      files[path] = { state, hash: null, lines: null, ...(tag !== '-' ? { tag } : {}) };
      if (state === 'ok') current = { path, lines: [] };
      continue;
    }
    const h = /^@h ([0-9a-f]{64}) (\/.*)$/.exec(line);
    if (h) {
      files[h[2]!] = { state: 'ok', hash: h[1]!, lines: null };
      continue;
    }
    const o = /^@o (\S+) (\/.*)$/.exec(line);
    if (o) (owners[o[2]!] ??= []).push(o[1]!.replace(/:[a-z0-9]+$/, ''));
  }
  close();
  return { files, owners };
}

/** `/etc/group`: name -> gid and members. */
export function parseGroups(text: string): Record<string, { gid: number; members: string[] }> {
  const groups: Record<string, { gid: number; members: string[] }> = {};
  for (const line of text.split('\n')) {
    const parts = line.split(':');
    if (parts.length < 4 || !parts[0] || parts[0].startsWith('#')) continue;
    const gid = Number(parts[2]);
    if (!Number.isInteger(gid)) continue;
    groups[parts[0]] = { gid, members: (parts[3] ?? '').split(',').map((m) => m.trim()).filter(Boolean).sort() };
  }
  return groups;
}

const KEY_TYPE = /^(ssh-(rsa|dss|ed25519)|ecdsa-sha2-nistp(256|384|521)|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com)$/;

/**
 * One authorized_keys file: each key's type, OpenSSH SHA256 fingerprint and comment, and whether it carries options
 * (`command=`, `from=`: a forced command is worth knowing). The key itself is not kept.
 */
export function parseAuthorizedKeys(lines: readonly string[]): AuthorizedKey[] {
  const keys: AuthorizedKey[] = [];
  for (const raw of lines) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const words = splitKeyLine(line);
    const at = words.findIndex((w) => KEY_TYPE.test(w));
    if (at < 0 || at + 1 >= words.length) continue;
    const blob = Buffer.from(words[at + 1]!, 'base64');
    if (blob.length < 16) continue;
    const fingerprint = `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
    keys.push({ type: words[at]!, fingerprint, comment: words.slice(at + 2).join(' '), options: at > 0 ? words.slice(0, at).join(' ') : null });
  }
  return keys;
}

/** Splits an authorized_keys line on blanks outside double quotes (options may quote spaces: `command="a b"`). */
function splitKeyLine(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    if (!quoted && (ch === ' ' || ch === '\t')) {
      if (word) words.push(word);
      word = '';
    } else {
      word += ch;
    }
  }
  if (word) words.push(word);
  return words;
}

/** `@w <sha256|missing|notfile|unreadable> <size> <mtime> <path>` records, plus `@o` owners. */
export function parseWatched(text: string): { files: Record<string, WatchedFile>; owners: Record<string, string[]> } {
  const files: Record<string, WatchedFile> = {};
  const owners: Record<string, string[]> = {};
  for (const line of text.split('\n')) {
    const w = /^@w (\S+) (\S+) (\S+) (\/.*)$/.exec(line);
    if (w) {
      const [, what, size, mtime, path] = w as unknown as [string, string, string, string, string];
      if (/^[0-9a-f]{64}$/.test(what)) {
        files[path] = { state: 'ok', sha256: what, size: toInt(size), mtime: toInt(mtime) };
      } else if (what === 'missing' || what === 'notfile' || what === 'unreadable') {
        files[path] = { state: what, sha256: null, size: null, mtime: null };
      }
      continue;
    }
    const o = /^@o (\S+) (\/.*)$/.exec(line);
    if (o) (owners[o[2]!] ??= []).push(o[1]!.replace(/:[a-z0-9]+$/, ''));
  }
  return { files, owners };
}

function toInt(text: string): number | null {
  const n = Number(text);
  return Number.isInteger(n) ? n : null;
}

/** dpkg-query / rpm / apk lines `name<TAB>version<TAB>status`: installed packages only (dpkg `ii`, `hi`). */
export function parsePackages(text: string): Record<string, string> {
  const packages: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const [name, version, status] = line.split('\t');
    if (!name || !version || !status) continue;
    // dpkg's abbreviation: desired (i install, h hold), status (i installed). `rc` is removed, config kept.
    if (!/^[ih]i/.test(status.trim())) continue;
    packages[name.replace(/:(amd64|i386|arm64|armhf|all)$/, '')] = version;
  }
  return packages;
}

/** `F <unit> <state> [preset]` (list-unit-files) and `U <unit> <load> <active> <sub> <description>` (list-units). */
export function parseServices(text: string): Record<string, ServiceState> {
  const services: Record<string, ServiceState> = {};
  for (const line of text.split('\n')) {
    const words = line.trim().split(/\s+/);
    const unit = words[1];
    if (!unit || !unit.endsWith('.service')) continue;
    if (words[0] === 'F' && words[2]) {
      (services[unit] ??= { enabled: null, active: null, sub: null }).enabled = words[2];
    } else if (words[0] === 'U' && words.length >= 5) {
      if (words[2] === 'not-found') continue;
      const s = (services[unit] ??= { enabled: null, active: null, sub: null });
      s.active = words[3] ?? null;
      s.sub = words[4] ?? null;
    }
  }
  return services;
}

/**
 * The services section: `@fp <fingerprint>` of the unit directories, then either `@same` (unchanged since the
 * previous pass: the unit-file states of `previous` stand, only the runtime `U` lines are new) or the `F` lines.
 */
export function parseServicesSection(
  text: string,
  previous: Readonly<Record<string, ServiceState>> | null,
): { services: Record<string, ServiceState>; fingerprint: string | null } {
  const fingerprint = /^@fp ([0-9 ]+)$/m.exec(text)?.[1] ?? null;
  const isSame = /^@same$/m.test(text);
  if (isSame && !previous) return { services: parseServices(text), fingerprint: null };
  const services = parseServices(text);
  if (isSame && previous) {
    for (const [unit, before] of Object.entries(previous)) {
      if (before.enabled === null) continue;
      (services[unit] ??= { enabled: null, active: null, sub: null }).enabled = before.enabled;
    }
  }
  return { services, fingerprint };
}

/** `S` lines of `ss -H -ltunp`, or `P <proto>` lines of /proc/net/{tcp,udp}[6] when ss is missing. */
export function parseListeners(text: string): Listener[] {
  const out = new Map<string, Listener>();
  for (const line of text.split('\n')) {
    let listener: Listener | null = null;
    if (line.startsWith('S ')) listener = parseSsLine(line.slice(2));
    else if (line.startsWith('P ')) listener = parseProcNetLine(line.slice(2));
    if (listener) out.set(`${listener.proto} ${listener.address} ${listener.port}`, listener);
  }
  const order = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);
  return [...out.values()].sort((a, b) => order(a.proto, b.proto) || a.port - b.port || order(a.address, b.address));
}

function parseSsLine(line: string): Listener | null {
  const words = line.trim().split(/\s+/);
  const proto = words[0];
  if ((proto !== 'tcp' && proto !== 'udp') || words.length < 5) return null;
  if (proto === 'tcp' && words[1] !== 'LISTEN') return null;
  const local = words[4]!;
  const colon = local.lastIndexOf(':');
  if (colon < 0) return null;
  const port = Number(local.slice(colon + 1));
  if (!Number.isInteger(port)) return null;
  const address = local.slice(0, colon).replace(/^\[|\]$/g, '').replace(/%.*$/, '').replace(/^::ffff:/, '') || '*';
  const process = /users:\(\("([^"]+)"/.exec(words.slice(6).join(' '))?.[1] ?? null;
  return { proto, address: address === '0.0.0.0' || address === '::' ? '*' : address, port, process };
}

function parseProcNetLine(line: string): Listener | null {
  const words = line.trim().split(/\s+/);
  const kind = words[0];
  const local = words[2];
  const state = words[4];
  if (!kind || !local || !state) return null;
  const proto = kind.startsWith('tcp') ? 'tcp' : kind.startsWith('udp') ? 'udp' : null;
  if (!proto) return null;
  if ((proto === 'tcp' && state !== '0A') || (proto === 'udp' && state !== '07')) return null;
  const [hexAddress, hexPort] = local.split(':');
  if (!hexAddress || !hexPort) return null;
  const port = parseInt(hexPort, 16);
  const address = hexAddress.length === 8 ? ipv4FromHex(hexAddress) : ipv6FromHex(hexAddress);
  if (!Number.isInteger(port) || address === null) return null;
  return { proto, address: address === '0.0.0.0' || address === '::' ? '*' : address, port, process: null };
}

function ipv4FromHex(hex: string): string | null {
  const n = parseInt(hex, 16);
  if (!Number.isFinite(n)) return null;
  return [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, (n >>> 24) & 255].join('.');
}

function ipv6FromHex(hex: string): string | null {
  if (hex.length !== 32) return null;
  const bytes: number[] = [];
  for (let word = 0; word < 4; word++) {
    const chunk = hex.slice(word * 8, word * 8 + 8);
    for (let b = 3; b >= 0; b--) bytes.push(parseInt(chunk.slice(b * 2, b * 2 + 2), 16));
  }
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 255 && bytes[11] === 255) return bytes.slice(12).join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  const joined = groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
  return joined.replace(/^:::?/, '::');
}

/** `docker images` lines `<id>\t<repo:tag>` -> ref -> id (dangling `<none>:<none>` images are left out). */
export function parseImages(text: string): Record<string, string> {
  const images: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const [id, ref] = line.split('\t');
    if (!id || !ref || ref.includes('<none>')) continue;
    images[ref] = id;
  }
  return images;
}

/**
 * HostState from the probe's sections. A section that failed or said `@unavailable` leaves its field null (nothing
 * to compare, never an empty list that would read as "everything removed") and is named in `unavailable`.
 */
export function stateFromProbe(
  sections: ReadonlyMap<string, ProbeSection>,
  users: HostState['users'],
  previousServices: Readonly<Record<string, ServiceState>> | null = null,
): HostState {
  const unavailable: Record<string, string> = {};
  const owners: Record<string, string[]> = {};
  const read = <T>(name: StateSection, parse: (text: string) => T): T | null => {
    const section = sections.get(name);
    if (!section) return null;
    if (section.code !== 0) {
      unavailable[name] = section.stderr.split('\n')[0] || (section.code === null ? 'cut off' : `exit status ${section.code}`);
      return null;
    }
    const why = /^@unavailable ?(.*)$/m.exec(section.stdout);
    if (why) {
      unavailable[name] = why[1] || 'unavailable';
      return null;
    }
    return parse(section.stdout);
  };
  const mergeOwners = (found: Record<string, string[]>): void => {
    for (const [path, pkgs] of Object.entries(found)) owners[path] = [...new Set([...(owners[path] ?? []), ...pkgs])];
  };
  const withOwners = <T extends { owners: Record<string, string[]> }>(r: T | null): T | null => {
    if (r) mergeOwners(r.owners);
    return r;
  };
  const keys = withOwners(read('authorized-keys', parseFileDump));
  const authorizedKeys: Record<string, AuthorizedKey[]> | null = keys ? {} : null;
  if (keys && authorizedKeys) {
    for (const [path, file] of Object.entries(keys.files)) {
      const user = file.tag ?? path;
      if (file.state !== 'ok') continue;
      authorizedKeys[user] = [...(authorizedKeys[user] ?? []), ...parseAuthorizedKeys(file.lines ?? [])];
    }
  }
  const servicesOf = (r: ReturnType<typeof parseServicesSection> | null): Pick<HostState, 'services' | 'unitFingerprint'> =>
    r ? { services: r.services, unitFingerprint: r.fingerprint } : { services: null, unitFingerprint: null };
  const images = sections.has('docker-images') ? read('docker-images', parseImages) : undefined;
  return {
    bootId: read('boot-id', (t) => t.trim() || null),
    users,
    groups: read('group', parseGroups),
    sudoers: withOwners(read('sudoers', parseFileDump))?.files ?? null,
    cron: withOwners(read('cron', parseFileDump))?.files ?? null,
    authorizedKeys,
    watched: withOwners(read('watched', parseWatched))?.files ?? null,
    packages: read('packages', parsePackages),
    ...servicesOf(read('services', (t) => parseServicesSection(t, previousServices))),
    listeners: read('ports', parseListeners),
    ...(images !== undefined ? { images } : {}),
    owners,
    unavailable,
  };
}
