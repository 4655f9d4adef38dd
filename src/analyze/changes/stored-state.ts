import type { AuthorizedKey, HostState, Listener, PasswdUser, ServiceState, WatchedFile } from '../../types.js';

/** A config file as the baseline keeps it: its hash and its redacted, non-comment lines (null when only hashed). */
export interface StoredFile {
  hash: string | null;
  lines: string[] | null;
  unreadable?: boolean;
}

/**
 * The `state` baseline: what change detection compares the next pass with. Built from HostState with every line
 * redacted (a crontab can hold a password), and with a part that could not be read this pass carried over from the
 * previous baseline, so an unreadable file never reads as "everything removed" next time.
 */
export interface StoredState {
  version: 1;
  bootId: string | null;
  kernel: string | null;
  /** ISO time the host booted (collection time minus uptime), for the reboot's time. */
  bootedAt: string | null;
  users: PasswdUser[] | null;
  groups: Record<string, { gid: number; members: string[] }> | null;
  sudoers: Record<string, StoredFile> | null;
  cron: Record<string, StoredFile> | null;
  authorizedKeys: Record<string, AuthorizedKey[]> | null;
  watched: Record<string, WatchedFile> | null;
  /** The watch_files patterns the watched files came from: a new match of a glob already watched is a new file. */
  watchPatterns?: string[];
  packages: Record<string, string> | null;
  services: Record<string, ServiceState> | null;
  /** The unit directories' fingerprint the services were read with (the probe skips list-unit-files while it holds). */
  unitFingerprint?: string | null;
  listeners: Listener[] | null;
  images: Record<string, string> | null;
}

/** Comment and blank lines do not change what a sudoers file or crontab does. */
export function meaningfulLines(lines: readonly string[]): string[] {
  return lines.map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
}

function storeFiles(files: HostState['sudoers'], redact: (line: string) => string): Record<string, StoredFile> | null {
  if (!files) return null;
  const out: Record<string, StoredFile> = {};
  for (const [path, file] of Object.entries(files)) {
    out[path] =
      file.state === 'unreadable'
        ? { hash: null, lines: null, unreadable: true }
        : { hash: file.hash, lines: file.lines === null ? null : meaningfulLines(file.lines).map(redact) };
  }
  return out;
}

/** Reads a stored baseline defensively: anything but a version-1 object is no baseline (change detection restarts). */
export function readStoredState(data: unknown): StoredState | null {
  if (typeof data !== 'object' || data === null) return null;
  const s = data as Partial<StoredState>;
  return s.version === 1 ? (s as StoredState) : null;
}

/** The baseline to store after this pass: this pass's state, redacted, with unreadable parts carried over. */
export function toStoredState(
  state: HostState,
  facts: { kernel: string; bootedAt: string | null; watchPatterns?: readonly string[] },
  previous: StoredState | null,
  redact: (line: string) => string,
): StoredState {
  const keep = <K extends keyof StoredState>(key: K, now: StoredState[K]): StoredState[K] => (now === null ? (previous?.[key] ?? null) : now) as StoredState[K];
  const keys = state.authorizedKeys
    ? Object.fromEntries(
        Object.entries(state.authorizedKeys).map(([user, list]) => [user, list.map((k) => ({ ...k, comment: redact(k.comment), options: k.options === null ? null : redact(k.options) }))]),
      )
    : null;
  return {
    version: 1,
    bootId: keep('bootId', state.bootId),
    kernel: keep('kernel', facts.kernel || null),
    bootedAt: keep('bootedAt', facts.bootedAt),
    users: keep('users', state.users),
    groups: keep('groups', state.groups),
    sudoers: keep('sudoers', storeFiles(state.sudoers, redact)),
    cron: keep('cron', storeFiles(state.cron, redact)),
    authorizedKeys: keep('authorizedKeys', keys),
    watched: keep('watched', state.watched),
    ...(facts.watchPatterns ? { watchPatterns: [...facts.watchPatterns] } : {}),
    packages: keep('packages', state.packages),
    services: keep('services', state.services),
    // With the services it was read with: kept together when the services could not be read.
    unitFingerprint: state.services === null ? (previous?.unitFingerprint ?? null) : (state.unitFingerprint ?? null),
    listeners: keep('listeners', state.listeners),
    images: keep('images', state.images ?? null),
  };
}
