import type { Finding, FindingCategory, LogRecord } from '../types.js';

/** Packages named in a transaction's title; the rest are counted. */
const TITLE_PACKAGES = 4;
/** Package names kept per action in the evidence. */
const EVIDENCE_PACKAGES = 30;
/** Transactions kept per pass; more are counted in the last one's note (a runaway unattended-upgrades loop). */
const MAX_TRANSACTIONS = 200;

type Action = 'installed' | 'upgraded' | 'removed';

/** One apt run (`/var/log/apt/history.log` stanza) or one dpkg run (`/var/log/dpkg.log` between `startup` lines). */
export interface PackageTransaction {
  source: string;
  /** `Start-Date` of apt, or the time of the first dpkg action (`YYYY-MM-DD HH:MM:SS`). */
  start: string;
  /** `End-Date` of apt, or the time of the last dpkg action; null while unknown. */
  end: string | null;
  commandline: string | null;
  requestedBy: string | null;
  packages: Record<Action, string[]>;
  /** False when the log ended before `End-Date` (apt still running while we read). */
  isComplete: boolean;
}

const APT_HISTORY = /(?:^|\/)apt\/history\.log(?:\.\d+)?$/;
const DPKG_LOG = /(?:^|\/)dpkg\.log(?:\.\d+)?$/;

/** apt writes `2026-11-25  10:00:00` (two spaces): one space, as dpkg writes it. */
function oneSpace(text: string): string {
  return text.trim().replace(/\s+/g, ' ');
}

/** Seconds since the epoch of `YYYY-MM-DD HH:MM:SS` (host-local time, compared with the same host's times). */
function epoch(at: string | null): number {
  return at === null ? NaN : Date.parse(`${at.replace(' ', 'T')}Z`) / 1000;
}

/** Whether a record comes from a package manager log this module reads. */
export function isPackageLog(source: string): boolean {
  return APT_HISTORY.test(source) || DPKG_LOG.test(source);
}

// apt: `Install: nginx:amd64 (1.22.1-9), libnginx-mod-http-geoip:amd64 (1.22.1-9, automatic)`
const APT_FIELD = /^(Start-Date|Commandline|Requested-By|Install|Reinstall|Upgrade|Downgrade|Remove|Purge|End-Date): ?(.*)$/;
const APT_ACTIONS: Record<string, Action> = { Install: 'installed', Reinstall: 'upgraded', Upgrade: 'upgraded', Downgrade: 'upgraded', Remove: 'removed', Purge: 'removed' };
// dpkg: `2026-11-25 10:00:01 upgrade openssl:amd64 3.0.11-1~deb12u1 3.0.15-1~deb12u1`, `... startup archives unpack`
const DPKG_LINE = /^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) (install|upgrade|remove|purge|startup) (\S+)/;
const DPKG_ACTIONS: Record<string, Action> = { install: 'installed', upgrade: 'upgraded', remove: 'removed', purge: 'removed' };

/** `nginx:amd64 (1.22.1-9), libfoo:amd64 (1.0, automatic)` -> package names without the architecture. */
function aptPackages(list: string): string[] {
  const names: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i <= list.length; i++) {
    const c = list[i];
    if (c === '(') depth++;
    else if (c === ')') depth = Math.max(0, depth - 1);
    else if ((c === ',' && depth === 0) || i === list.length) {
      const name = list.slice(start, i).trim().split(/[\s:(]/, 1)[0] ?? '';
      if (name !== '') names.push(name);
      start = i + 1;
    }
  }
  return names;
}

function emptyTransaction(source: string, start: string): PackageTransaction {
  return { source, start, end: null, commandline: null, requestedBy: null, packages: { installed: [], upgraded: [], removed: [] }, isComplete: false };
}

/**
 * Reads apt's history and dpkg's log as they stream past (lines in file order) and groups them into transactions:
 * one `apt upgrade` is ONE item naming its packages, not a finding per package line. Like rule hits, a read job's
 * transactions count only when its batch is committed (see log-stream.ts). dpkg.log is used only for runs apt did
 * not log (`dpkg -i`): a dpkg run inside an apt transaction's time span is the same change.
 */
export class PackageTransactions {
  readonly apt: PackageTransaction[] = [];
  readonly dpkg: PackageTransaction[] = [];
  dropped = 0;
  private aptOpen: PackageTransaction | null = null;
  private dpkgOpen: PackageTransaction | null = null;

  add(record: LogRecord): void {
    const line = record.line;
    if (APT_HISTORY.test(record.source)) this.addApt(record.source, line);
    else if (DPKG_LOG.test(record.source)) this.addDpkg(record.source, line);
  }

  private keep(list: PackageTransaction[], tx: PackageTransaction): void {
    if (list.length < MAX_TRANSACTIONS) list.push(tx);
    else this.dropped++;
  }

  private addApt(source: string, line: string): void {
    const m = APT_FIELD.exec(line);
    if (!m) return;
    const [, field = '', value = ''] = m;
    if (field === 'Start-Date') {
      if (this.aptOpen) this.keep(this.apt, this.aptOpen);
      this.aptOpen = emptyTransaction(source, oneSpace(value));
      return;
    }
    const tx = this.aptOpen;
    if (!tx) return;
    if (field === 'End-Date') {
      tx.isComplete = true;
      tx.end = oneSpace(value);
      this.keep(this.apt, tx);
      this.aptOpen = null;
    } else if (field === 'Commandline') {
      tx.commandline = value.trim();
    } else if (field === 'Requested-By') {
      tx.requestedBy = value.trim();
    } else {
      const action = APT_ACTIONS[field];
      if (action) tx.packages[action].push(...aptPackages(value));
    }
  }

  private addDpkg(source: string, line: string): void {
    const m = DPKG_LINE.exec(line);
    if (!m) return;
    const [, at = '', verb = '', what = ''] = m;
    if (verb === 'startup') {
      // `startup archives unpack` begins a run; `startup packages configure` is the same run's second half.
      if (what === 'archives' && this.dpkgOpen) this.closeDpkg();
      return;
    }
    const action = DPKG_ACTIONS[verb];
    if (!action) return;
    this.dpkgOpen ??= emptyTransaction(source, at);
    this.dpkgOpen.end = at;
    this.dpkgOpen.packages[action].push(what.split(':', 1)[0] ?? what);
  }

  private closeDpkg(): void {
    if (!this.dpkgOpen) return;
    this.dpkgOpen.isComplete = true;
    this.keep(this.dpkg, this.dpkgOpen);
    this.dpkgOpen = null;
  }

  /** Ends the job: a dpkg run ends with its log; an apt stanza without End-Date is kept as incomplete. */
  finish(): void {
    this.closeDpkg();
    if (this.aptOpen) {
      this.keep(this.apt, this.aptOpen);
      this.aptOpen = null;
    }
  }

  merge(other: PackageTransactions): void {
    for (const tx of other.apt) this.keep(this.apt, tx);
    for (const tx of other.dpkg) this.keep(this.dpkg, tx);
    this.dropped += other.dropped;
  }
}

/** On a host's first pass, transactions older than this before the pass are history, summarised in one item. */
const FIRST_PASS_RECENT_SECONDS = 48 * 3600;

/** One info item for the package history a first pass read: how many transactions, from when to when. */
function historyFinding(old: PackageTransaction[]): Finding {
  const starts = old.map((tx) => tx.start).sort();
  const packages = old.reduce((n, tx) => n + tx.packages.installed.length + tx.packages.upgraded.length + tx.packages.removed.length, 0);
  return {
    category: 'package.upgraded',
    severity: 'info',
    ruleId: 'package.history',
    title: `${old.length} earlier package transactions (${starts[0]} to ${starts[starts.length - 1]}) read on the first pass: history, not listed one by one`,
    key: 'package.upgraded:history',
    subject: 'history',
    count: packages,
    evidence: [{ source: old[0]!.source, values: { transactions: old.length, packages, first: starts[0]!, last: starts[starts.length - 1]! } }],
  };
}

const CATEGORY: Record<Action, FindingCategory> = { installed: 'package.installed', upgraded: 'package.upgraded', removed: 'package.removed' };

/** `12 upgraded (openssl, libssl3, ...), 1 installed (linux-image-6.1.0-28-amd64)` */
function summary(tx: PackageTransaction): string {
  const parts: string[] = [];
  for (const action of ['upgraded', 'installed', 'removed'] as const) {
    const names = tx.packages[action];
    if (names.length === 0) continue;
    const shown = names.slice(0, TITLE_PACKAGES).join(', ');
    parts.push(`${names.length} ${action} (${shown}${names.length > TITLE_PACKAGES ? ', ...' : ''})`);
  }
  return parts.join(', ');
}

/**
 * One `package.*` finding per transaction (info): the category of its most notable action (removed, then installed,
 * then upgraded), the command that ran it, who asked, and the packages by action. dpkg runs that start inside an apt
 * transaction (Start-Date to End-Date) are the apt transaction's own and are not repeated.
 */
export function packageFindings(
  all: PackageTransactions,
  redact: (line: string) => string,
  options: { firstPassAt?: Date | null } = {},
): Finding[] {
  // A dpkg run that starts within an apt transaction (a few seconds of slack) is that transaction's own.
  const aptSpans = all.apt.map((tx) => [epoch(tx.start) - 5, epoch(tx.end ?? tx.start) + 5] as const);
  const insideApt = (tx: PackageTransaction): boolean => aptSpans.some(([from, to]) => epoch(tx.start) >= from && epoch(tx.start) <= to);
  let transactions = [...all.apt, ...all.dpkg.filter((tx) => !insideApt(tx))];
  const history: Finding[] = [];
  if (options.firstPassAt) {
    // A host's first pass reads the end of its package logs: months of history are not news, the last two days
    // are (host-local times, compared as UTC: the slack covers any time zone).
    const since = options.firstPassAt.getTime() / 1000 - FIRST_PASS_RECENT_SECONDS;
    const old = transactions.filter((tx) => epoch(tx.end ?? tx.start) < since);
    transactions = transactions.filter((tx) => !old.includes(tx));
    if (old.length > 0) history.push(historyFinding(old));
  }
  const keys = new Set<string>();
  return [...history, ...transactions
    .filter((tx) => tx.packages.installed.length + tx.packages.upgraded.length + tx.packages.removed.length > 0)
    .map((tx) => {
      const action: Action = tx.packages.removed.length > 0 ? 'removed' : tx.packages.installed.length > 0 ? 'installed' : 'upgraded';
      const count = tx.packages.installed.length + tx.packages.upgraded.length + tx.packages.removed.length;
      const how = tx.commandline ? `${tx.commandline}` : 'dpkg';
      const lines = [
        ...(tx.commandline ? [`Commandline: ${tx.commandline}`] : []),
        ...(tx.requestedBy ? [`Requested-By: ${tx.requestedBy}`] : []),
        ...(['upgraded', 'installed', 'removed'] as const)
          .filter((a) => tx.packages[a].length > 0)
          .map((a) => `${a}: ${tx.packages[a].slice(0, EVIDENCE_PACKAGES).join(' ')}${tx.packages[a].length > EVIDENCE_PACKAGES ? ` (+${tx.packages[a].length - EVIDENCE_PACKAGES} more)` : ''}`),
        ...(tx.isComplete ? [] : ['(still running when the log was read: the rest arrives next pass)']),
      ];
      let key = `${CATEGORY[action]}:${tx.start}`;
      for (let n = 2; keys.has(key); n++) key = `${CATEGORY[action]}:${tx.start}#${n}`;
      keys.add(key);
      return {
        category: CATEGORY[action],
        severity: 'info' as const,
        ruleId: `package.${tx.source.includes('dpkg') ? 'dpkg' : 'apt'}_transaction`,
        title: redact(`Packages changed at ${tx.start} by ${how}: ${summary(tx)}`),
        key,
        subject: tx.start,
        count,
        evidence: [
          {
            source: tx.source,
            lines: lines.map(redact),
            values: { installed: tx.packages.installed.length, upgraded: tx.packages.upgraded.length, removed: tx.packages.removed.length },
          },
        ],
      };
    })];
}
