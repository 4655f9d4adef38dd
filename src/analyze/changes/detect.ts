import { globToRegExpSource } from '../rules/source-filter.js';
import type { Change, ChangeKind, FindingCategory, Listener, PasswdUser } from '../../types.js';
import type { StoredFile, StoredState } from './stored-state.js';

/**
 * The differences between two `state` baselines (stored-state.ts), as Change records, not yet judged expected or
 * not (expected.ts does that). Pure. A part that is null on either side is not compared: it was not readable, and
 * "unknown" is not "removed".
 */

/** Groups whose members can become root or read what root reads. */
export const PRIVILEGED_GROUPS: ReadonlySet<string> = new Set(['root', 'sudo', 'wheel', 'admin', 'docker', 'adm', 'lxd', 'libvirt', 'disk', 'shadow']);

/** Groups that ARE root (membership = full root). */
export const ROOT_GROUPS: ReadonlySet<string> = new Set(['root', 'sudo', 'wheel', 'admin']);

const NOLOGIN = /(?:nologin|\/false|\/sync|\/shutdown|\/halt)$/;

export function isLoginShell(shell: string): boolean {
  return shell !== '' && !NOLOGIN.test(shell);
}

function change(
  kind: ChangeKind,
  action: Change['action'],
  subject: string,
  category: FindingCategory,
  detail: string,
  extra: Partial<Pick<Change, 'before' | 'after' | 'at'>> = {},
): Change {
  return { kind, action, subject, category, detail, expected: false, reason: null, ...extra };
}

function diffUsers(before: PasswdUser[], after: PasswdUser[]): Change[] {
  const old = new Map(before.map((u) => [u.name, u]));
  const now = new Map(after.map((u) => [u.name, u]));
  const out: Change[] = [];
  for (const [name, u] of now) {
    const b = old.get(name);
    if (!b) {
      out.push(change('user', 'added', name, 'account.user_added', `user ${name} added (uid ${u.uid}, shell ${u.shell}, home ${u.home})`, { after: `uid=${u.uid} shell=${u.shell}` }));
      continue;
    }
    const diffs: string[] = [];
    if (b.uid !== u.uid) diffs.push(`uid ${b.uid} -> ${u.uid}`);
    if (b.gid !== u.gid) diffs.push(`gid ${b.gid} -> ${u.gid}`);
    if (b.shell !== u.shell) diffs.push(`shell ${b.shell} -> ${u.shell}`);
    if (b.home !== u.home) diffs.push(`home ${b.home} -> ${u.home}`);
    if (diffs.length > 0) {
      out.push(change('user', 'changed', name, 'account.user_added', `user ${name}: ${diffs.join(', ')}`, { before: `uid=${b.uid} shell=${b.shell}`, after: `uid=${u.uid} shell=${u.shell}` }));
    }
  }
  for (const [name, b] of old) {
    if (!now.has(name)) out.push(change('user', 'removed', name, 'account.user_removed', `user ${name} removed (was uid ${b.uid})`, { before: `uid=${b.uid} shell=${b.shell}` }));
  }
  return out;
}

function diffGroups(before: NonNullable<StoredState['groups']>, after: NonNullable<StoredState['groups']>): Change[] {
  const out: Change[] = [];
  for (const [name, g] of Object.entries(after)) {
    const b = before[name];
    if (!b) {
      const members = g.members.length > 0 ? ` with ${g.members.join(', ')}` : '';
      out.push(change('group', 'added', name, 'account.group_changed', `group ${name} added (gid ${g.gid})${members}`, { after: g.members.join(',') }));
      continue;
    }
    const added = g.members.filter((m) => !b.members.includes(m));
    const removed = b.members.filter((m) => !g.members.includes(m));
    // One change per member, so "bob added to sudo" is its own item (and its own expected_changes subject).
    for (const m of added) out.push(change('group', 'changed', `${name} +${m}`, 'account.group_changed', `${m} added to group ${name}`, { before: b.members.join(','), after: g.members.join(',') }));
    for (const m of removed) out.push(change('group', 'changed', `${name} -${m}`, 'account.group_changed', `${m} removed from group ${name}`, { before: b.members.join(','), after: g.members.join(',') }));
    if (b.gid !== g.gid) out.push(change('group', 'changed', name, 'account.group_changed', `group ${name}: gid ${b.gid} -> ${g.gid}`));
  }
  for (const [name, b] of Object.entries(before)) {
    if (!after[name]) out.push(change('group', 'removed', name, 'account.group_changed', `group ${name} removed (gid ${b.gid})`));
  }
  return out;
}

/** Lines added and removed between two versions of a file (as sets: order changes are not news). */
export function lineDiff(before: readonly string[] | null, after: readonly string[] | null): { added: string[]; removed: string[] } {
  const b = new Set(before ?? []);
  const a = new Set(after ?? []);
  return { added: [...a].filter((l) => !b.has(l)), removed: [...b].filter((l) => !a.has(l)) };
}

function describeLines(diff: { added: string[]; removed: string[] }): string {
  const parts = [...diff.added.slice(0, 3).map((l) => `+ ${l}`), ...diff.removed.slice(0, 3).map((l) => `- ${l}`)];
  const more = diff.added.length + diff.removed.length - parts.length;
  return parts.length === 0 ? 'content changed (comments or order only)' : `${parts.join(' | ')}${more > 0 ? ` | (${more} more)` : ''}`;
}

function diffFiles(kind: 'sudoers' | 'cron', category: FindingCategory, before: Record<string, StoredFile>, after: Record<string, StoredFile>): Change[] {
  const out: Change[] = [];
  for (const [path, f] of Object.entries(after)) {
    const b = before[path];
    if (f.unreadable || b?.unreadable) continue;
    if (!b) {
      const lines = f.lines ? `: ${describeLines({ added: f.lines, removed: [] })}` : '';
      out.push(change(kind, 'added', path, category, `${path} added${lines}`, { after: (f.lines ?? []).join('\n') || f.hash }));
    } else if (b.hash !== f.hash) {
      const diff = lineDiff(b.lines, f.lines);
      // Only comments or blank lines changed: the file does the same thing, not worth an item.
      if (f.lines !== null && b.lines !== null && diff.added.length === 0 && diff.removed.length === 0) continue;
      const what = f.lines !== null && b.lines !== null ? describeLines(diff) : 'content changed';
      out.push(change(kind, 'changed', path, category, `${path} changed: ${what}`, { before: (b.lines ?? []).join('\n') || b.hash, after: (f.lines ?? []).join('\n') || f.hash }));
    }
  }
  for (const [path, b] of Object.entries(before)) {
    if (!after[path] && !b.unreadable) out.push(change(kind, 'removed', path, category, `${path} removed`, { before: (b.lines ?? []).join('\n') || b.hash }));
  }
  return out;
}

function diffKeys(before: NonNullable<StoredState['authorizedKeys']>, after: NonNullable<StoredState['authorizedKeys']>): Change[] {
  const out: Change[] = [];
  const users = new Set([...Object.keys(before), ...Object.keys(after)]);
  for (const user of [...users].sort()) {
    const b = new Map((before[user] ?? []).map((k) => [k.fingerprint, k]));
    const a = new Map((after[user] ?? []).map((k) => [k.fingerprint, k]));
    for (const [fp, k] of a) {
      if (b.has(fp)) continue;
      const label = `${k.type} ${fp}${k.comment ? ` ${k.comment}` : ''}${k.options ? ` (options: ${k.options})` : ''}`;
      out.push(change('authorized_keys', 'added', `${user} ${fp}`, 'ssh.authorized_keys_changed', `key added for ${user}: ${label}`, { after: label }));
    }
    for (const [fp, k] of b) {
      if (a.has(fp)) continue;
      const label = `${k.type} ${fp}${k.comment ? ` ${k.comment}` : ''}`;
      out.push(change('authorized_keys', 'removed', `${user} ${fp}`, 'ssh.authorized_keys_changed', `key removed for ${user}: ${label}`, { before: label }));
    }
  }
  return out;
}

function diffPackages(before: Record<string, string>, after: Record<string, string>): Change[] {
  const out: Change[] = [];
  for (const [name, version] of Object.entries(after)) {
    const b = before[name];
    if (b === undefined) out.push(change('package', 'added', name, 'package.installed', `${name} ${version} installed`, { after: version }));
    else if (b !== version) out.push(change('package', 'changed', name, 'package.upgraded', `${name} ${b} -> ${version}`, { before: b, after: version }));
  }
  for (const [name, b] of Object.entries(before)) {
    if (after[name] === undefined) out.push(change('package', 'removed', name, 'package.removed', `${name} ${b} removed`, { before: b }));
  }
  return out;
}

/** Transient units (systemd-run, per-login instances) come and go by design: their changes are not news. */
function isTransient(unit: string): boolean {
  return /^run-|^user@\d+\.service$|^user-runtime-dir@|^session-|^systemd-fsck@|^systemd-backlight@|^getty@tty\d|^serial-getty@|^autovt@/.test(unit);
}

function diffServices(before: NonNullable<StoredState['services']>, after: NonNullable<StoredState['services']>): Change[] {
  const out: Change[] = [];
  for (const [unit, s] of Object.entries(after)) {
    if (isTransient(unit)) continue;
    const b = before[unit];
    const hasFile = s.enabled !== null;
    if (!b) {
      if (hasFile && !unit.endsWith('@.service')) out.push(change('service', 'added', unit, 'service.added', `${unit} added (${s.enabled}${s.active ? `, ${s.active}` : ''})`, { after: s.enabled }));
      continue;
    }
    if (b.enabled !== null && s.enabled !== null && b.enabled !== s.enabled) {
      const nowEnabled = s.enabled === 'enabled';
      out.push(change('service', 'changed', unit, nowEnabled ? 'service.added' : 'service.removed', `${unit} ${s.enabled} (was ${b.enabled})`, { before: b.enabled, after: s.enabled }));
    }
    // A running service that stopped: failed, or stopped while it is meant to run (enabled).
    if (b.sub === 'running' && s.sub !== 'running' && s.active !== null) {
      if (s.active === 'failed') out.push(change('service', 'changed', unit, 'service.failed', `${unit} failed (was running)`, { before: 'running', after: 'failed' }));
      else if (s.enabled === 'enabled') out.push(change('service', 'changed', unit, 'service.failed', `${unit} stopped (was running; enabled at boot)`, { before: 'running', after: `${s.active}/${s.sub}` }));
    }
  }
  for (const [unit, b] of Object.entries(before)) {
    if (isTransient(unit) || after[unit] || b.enabled === null || unit.endsWith('@.service')) continue;
    out.push(change('service', 'removed', unit, 'service.removed', `${unit} removed (was ${b.enabled})`, { before: b.enabled }));
  }
  return out;
}

/** The first port of the kernel's default ephemeral range (net.ipv4.ip_local_port_range). */
const EPHEMERAL_FROM = 32768;

/**
 * A listener's identity: proto, address and port; but a socket on an ephemeral port (a UDP client socket, an RPC
 * service's random port) is identified by its process, so a restart that picks another port is not news.
 */
function listenerKey(l: Listener): string {
  return l.port >= EPHEMERAL_FROM ? `${l.proto} ${l.address} ephemeral ${l.process ?? '?'}` : `${l.proto} ${l.address}:${l.port}`;
}

export function listenerSubject(l: Listener): string {
  return `${l.proto} ${l.address}:${l.port}`;
}

function diffListeners(before: Listener[], after: Listener[]): Change[] {
  const b = new Map(before.map((l) => [listenerKey(l), l]));
  const a = new Map(after.map((l) => [listenerKey(l), l]));
  const out: Change[] = [];
  for (const [key, l] of a) {
    const old = b.get(key);
    const who = l.process ? ` (${l.process})` : '';
    if (!old) out.push(change('listener', 'added', listenerSubject(l), 'network.listener_added', `${listenerSubject(l)} now listening${who}`, { after: l.process }));
    else if (old.process && l.process && old.process !== l.process) {
      out.push(change('listener', 'changed', listenerSubject(l), 'network.listener_added', `${listenerSubject(l)} now served by ${l.process} (was ${old.process})`, { before: old.process, after: l.process }));
    }
  }
  for (const [key, l] of b) {
    if (!a.has(key)) out.push(change('listener', 'removed', listenerSubject(l), 'network.listener_removed', `${listenerSubject(l)} no longer listening${l.process ? ` (${l.process})` : ''}`, { before: l.process }));
  }
  return out;
}

function diffWatched(before: NonNullable<StoredState['watched']>, after: NonNullable<StoredState['watched']>, patterns: readonly string[]): Change[] {
  const out: Change[] = [];
  // A path the baseline does not have is new when a glob that was already watched matches it (a new drop-in); a
  // path new to the config is only a new baseline entry.
  const globs = patterns.filter((p) => /[*?[]/.test(p)).map((p) => new RegExp(`^${globToRegExpSource(p)}$`));
  for (const [path, f] of Object.entries(after)) {
    const b = before[path] ?? (f.state === 'ok' && globs.some((g) => g.test(path)) ? { state: 'missing' as const, sha256: null, size: null, mtime: null } : undefined);
    if (!b || f.state === 'unreadable' || b.state === 'unreadable') continue;
    const at = f.mtime !== null ? new Date(f.mtime * 1000).toISOString() : null;
    if (b.state !== 'ok' && f.state === 'ok') out.push(change('file', 'added', path, 'file.changed', `${path} appeared (sha256 ${f.sha256?.slice(0, 12)})`, { after: f.sha256, at }));
    else if (b.state === 'ok' && f.state !== 'ok') out.push(change('file', 'removed', path, 'file.changed', `${path} is ${f.state} (was sha256 ${b.sha256?.slice(0, 12)})`, { before: b.sha256 }));
    else if (b.state === 'ok' && b.sha256 !== f.sha256) {
      const size = b.size !== null && f.size !== null && b.size !== f.size ? `, ${b.size} -> ${f.size} bytes` : '';
      out.push(change('file', 'changed', path, 'file.changed', `${path} changed (sha256 ${b.sha256?.slice(0, 12)} -> ${f.sha256?.slice(0, 12)}${size})`, { before: b.sha256, after: f.sha256, at }));
    }
  }
  return out;
}

function diffImages(before: Record<string, string>, after: Record<string, string>): Change[] {
  const out: Change[] = [];
  for (const [ref, id] of Object.entries(after)) {
    const b = before[ref];
    if (b === undefined) out.push(change('image', 'added', ref, 'docker.container_added', `image ${ref} pulled (${id.slice(0, 19)})`, { after: id }));
    else if (b !== id) out.push(change('image', 'changed', ref, 'docker.container_added', `image ${ref} updated (${b.slice(0, 19)} -> ${id.slice(0, 19)})`, { before: b, after: id }));
  }
  for (const [ref, id] of Object.entries(before)) {
    if (after[ref] === undefined) out.push(change('image', 'removed', ref, 'docker.container_removed', `image ${ref} removed (${id.slice(0, 19)})`, { before: id }));
  }
  return out;
}

/** The boot and the running kernel. */
function diffBoot(before: StoredState, after: StoredState): Change[] {
  const out: Change[] = [];
  if (before.bootId && after.bootId && before.bootId !== after.bootId) {
    out.push(change('boot', 'changed', 'boot', 'host.rebooted', `rebooted${after.bootedAt ? ` at ${after.bootedAt}` : ''}${before.bootedAt ? ` (previous boot ${before.bootedAt})` : ''}`, { at: after.bootedAt }));
  }
  if (before.kernel && after.kernel && before.kernel !== after.kernel) {
    out.push(change('kernel', 'changed', after.kernel, 'host.rebooted', `kernel ${before.kernel} -> ${after.kernel}`, { before: before.kernel, after: after.kernel, at: after.bootedAt }));
  }
  return out;
}

/** Every change between the previous baseline and this pass's state (both in stored form). */
export function detectChanges(before: StoredState, after: StoredState): Change[] {
  const both = <T>(b: T | null | undefined, a: T | null | undefined, diff: (b: T, a: T) => Change[]): Change[] => (b != null && a != null ? diff(b, a) : []);
  return [
    ...diffBoot(before, after),
    ...both(before.users, after.users, diffUsers),
    ...both(before.groups, after.groups, diffGroups),
    ...both(before.sudoers, after.sudoers, (b, a) => diffFiles('sudoers', 'account.sudoer_changed', b, a)),
    ...both(before.authorizedKeys, after.authorizedKeys, diffKeys),
    ...both(before.packages, after.packages, diffPackages),
    ...both(before.services, after.services, diffServices),
    ...both(before.listeners, after.listeners, diffListeners),
    ...both(before.cron, after.cron, (b, a) => diffFiles('cron', 'cron.changed', b, a)),
    ...both(before.watched, after.watched, (b, a) => diffWatched(b, a, before.watchPatterns ?? [])),
    ...both(before.images, after.images, diffImages),
  ];
}
