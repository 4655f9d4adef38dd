import type { Change, ExpectedChangeRule, MaintenanceWindow } from '../../types.js';
import type { PackageTransaction } from '../packages.js';
import { PRIVILEGED_GROUPS, isLoginShell } from './detect.js';

/**
 * Judges each change expected or not, with the reason (issue #4, "expected vs unexpected"), in this order:
 * 1. an `expected_changes` rule of the config matches it;
 * 2. a package transaction read this pass explains it: the packages it installed/upgraded/removed, the files those
 *    packages own (from the dpkg lists: `owners`), the system accounts and groups its install scripts created, the
 *    services and listeners of the packages it installed;
 * 3. other changes of this pass explain it: /etc/passwd and /etc/group change when accounts change; a new kernel
 *    that is an installed package is booted by a reboot;
 * 4. it happened inside a maintenance window (its own time when known, else the time of this pass).
 * Pure: mutates and returns the given changes.
 */
export interface ExpectedContext {
  rules: readonly ExpectedChangeRule[];
  windows: readonly MaintenanceWindow[];
  /** The transactions of this pass (apt history, dpkg runs apt did not log). */
  transactions: readonly PackageTransaction[];
  /** Path -> packages that own it (watched files and crontabs changed since the previous pass). */
  owners: Readonly<Record<string, string[]>>;
  /** Installed packages now (to tell a booted kernel that is an installed package). */
  packages: Readonly<Record<string, string>> | null;
  /** Time of this pass and of the previous one. */
  now: Date;
  previousPassAt: Date | null;
  /** Accounts whose creation this pass is already explained (filled by markExpected as it goes). */
  explainedAccounts?: Set<string>;
}

/** `*` any run of characters, `?` one; the rest literal; whole-subject match. */
export function globMatch(glob: string, text: string): boolean {
  const re = new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 's');
  return re.test(text);
}

/** Minutes since midnight and weekday of `at` in a time zone. */
function localTime(at: Date, timeZone: string): { day: number; minute: number } {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(at);
  const get = (type: string): string => parts.find((p) => p.type === type)?.value ?? '';
  const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(get('weekday'));
  return { day, minute: Number(get('hour')) * 60 + Number(get('minute')) };
}

/** The window `at` falls in, if any. A window whose end is before its start runs past midnight into the next day. */
export function windowAt(windows: readonly MaintenanceWindow[], at: Date): MaintenanceWindow | null {
  for (const w of windows) {
    const { day, minute } = localTime(at, w.timezone);
    if (w.startMinute <= w.endMinute) {
      if (w.days.includes(day) && minute >= w.startMinute && minute < w.endMinute) return w;
    } else {
      if (w.days.includes(day) && minute >= w.startMinute) return w;
      if (w.days.includes((day + 6) % 7) && minute < w.endMinute) return w;
    }
  }
  return null;
}

function describeTx(tx: PackageTransaction): string {
  const how = tx.commandline ?? (tx.source.includes('dpkg') ? 'dpkg' : 'apt');
  return `${how}${tx.requestedBy ? ` by ${tx.requestedBy.replace(/\s*\(\d+\)$/, '')}` : ''} at ${tx.start}`;
}

/** The transaction that touched a package, and how. */
function txOfPackage(transactions: readonly PackageTransaction[], name: string): PackageTransaction | null {
  for (const tx of transactions) {
    if (tx.packages.installed.includes(name) || tx.packages.upgraded.includes(name) || tx.packages.removed.includes(name)) return tx;
  }
  return null;
}

/** A name a service or process shares with an installed package: `nginx` for nginx.service and nginx-common. */
function baseName(name: string): string {
  return name.replace(/\.service$/, '').replace(/@.*$/, '').replace(/[-_.]?(server|daemon|d)$/, '').toLowerCase();
}

function txOfProgram(transactions: readonly PackageTransaction[], program: string): PackageTransaction | null {
  const base = baseName(program);
  if (base.length < 3) return null;
  for (const tx of transactions) {
    const names = [...tx.packages.installed, ...tx.packages.upgraded, ...tx.packages.removed];
    // `postgres` (the process) is of postgresql; a prefix needs 4 letters so `nc` or `sh` match nothing.
    if (names.some((n) => n.toLowerCase() === base || baseName(n) === base || (base.length >= 4 && n.toLowerCase().startsWith(base)))) return tx;
  }
  return null;
}

function explainByPackages(change: Change, ctx: ExpectedContext): string | null {
  const tx = ctx.transactions;
  if (tx.length === 0) return null;
  switch (change.kind) {
    case 'package': {
      const t = txOfPackage(tx, change.subject);
      return t ? `part of the package transaction ${describeTx(t)}` : null;
    }
    case 'file':
    case 'cron': {
      for (const pkg of ctx.owners[change.subject] ?? []) {
        const t = txOfPackage(tx, pkg);
        if (t) return `file of package ${pkg}, changed by ${describeTx(t)}`;
      }
      return null;
    }
    case 'user':
    case 'group': {
      // Install scripts create system accounts (adduser --system) and their groups; never a login account or a
      // membership of a root group.
      const installs = tx.filter((t) => t.packages.installed.length > 0 || t.packages.upgraded.length > 0);
      if (installs.length === 0) return null;
      if (change.kind === 'user' && change.action === 'added') {
        const uid = Number(/uid=(\d+)/.exec(change.after ?? '')?.[1]);
        const shell = /shell=(\S+)/.exec(change.after ?? '')?.[1] ?? '';
        if (uid > 0 && uid < 1000 && !isLoginShell(shell)) return `system account created by ${describeTx(installs[0]!)}`;
        // A system account with a shell, named after a package of the transaction (postgres of postgresql).
        const own = uid > 0 && uid < 1000 ? txOfProgram(installs, change.subject) : null;
        if (own) return `system account of a package of ${describeTx(own)}`;
        return null;
      }
      if (change.kind === 'group') {
        // A group a package created, or joined, for the system accounts its scripts created in this same pass.
        const [group = '', member = ''] = change.subject.split(' ');
        if (PRIVILEGED_GROUPS.has(group)) return null;
        const members = change.action === 'added' ? (change.after ?? '').split(',').filter(Boolean) : member.startsWith('+') ? [member.slice(1)] : null;
        if (members === null) return null;
        if (members.every((m) => ctx.explainedAccounts?.has(m))) return `system group of ${describeTx(installs[0]!)}`;
      }
      return null;
    }
    case 'service': {
      if (change.category === 'service.failed') return null;
      const t = txOfProgram(tx, change.subject);
      return t ? `unit of a package of ${describeTx(t)}` : null;
    }
    case 'listener': {
      const program = change.after ?? change.before;
      const t = program ? txOfProgram(tx, program) : null;
      return t ? `${program} of ${describeTx(t)}` : null;
    }
    default:
      return null;
  }
}

/** Changes explained by other changes of the same pass. */
function explainByChanges(change: Change, all: readonly Change[], ctx: ExpectedContext): string | null {
  if (change.kind === 'file' && change.action === 'changed') {
    if (change.subject.endsWith('/etc/passwd') && all.some((c) => c.kind === 'user')) return 'the account changes of this pass';
    if (change.subject.endsWith('/etc/group') && all.some((c) => c.kind === 'group' || c.kind === 'user')) return 'the group changes of this pass';
  }
  if (change.kind === 'kernel' && ctx.packages) {
    const release = change.after ?? '';
    const pkg = Object.keys(ctx.packages).find((p) => p === `linux-image-${release}` || p === `kernel-core.${release.replace(/^.*\./, '')}` || (p.startsWith('linux-image') && p.endsWith(release)));
    if (pkg) return `booted the installed kernel package ${pkg}`;
  }
  if (change.kind === 'boot') {
    const kernel = all.find((c) => c.kind === 'kernel');
    if (kernel?.expected) return `reboot into the new kernel (${kernel.reason})`;
  }
  return null;
}

export function markExpected(changes: Change[], ctx: ExpectedContext): Change[] {
  // Kernels before boots: a boot is explained by an expected kernel change.
  const order = (c: Change): number => (c.kind === 'kernel' ? 0 : c.kind === 'boot' ? 2 : 1);
  for (const change of [...changes].sort((a, b) => order(a) - order(b))) {
    const rule = ctx.rules.find((r) => r.kind === change.kind && (r.action === null || r.action === change.action) && globMatch(r.subject, change.subject));
    let reason = rule ? `expected_changes: ${rule.reason}` : explainByPackages(change, ctx) ?? explainByChanges(change, changes, ctx);
    if (reason === null && ctx.windows.length > 0) {
      const at = change.at ? new Date(change.at) : null;
      const w = at && Number.isFinite(at.getTime()) ? windowAt(ctx.windows, at) : windowAt(ctx.windows, ctx.now);
      if (w) reason = `inside ${w.label}`;
    }
    if (reason !== null) {
      change.expected = true;
      change.reason = reason;
      if (change.kind === 'user' && change.action === 'added') (ctx.explainedAccounts ??= new Set()).add(change.subject);
    }
  }
  return changes;
}
