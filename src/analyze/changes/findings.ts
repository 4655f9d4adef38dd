import type { Change, Finding, Severity } from '../../types.js';
import { PRIVILEGED_GROUPS, ROOT_GROUPS, isLoginShell } from './detect.js';

/** Changes of one category shown one by one; past this they are one grouped finding (a mass change is one item). */
const MAX_SINGLE = 10;
/** Change lines in a grouped finding's evidence. */
const GROUP_EVIDENCE = 30;

const LOOPBACK = /^(127\.|::1$|localhost$)/;

/** How much an unexpected change matters. */
export function changeSeverity(c: Change): Severity {
  switch (c.kind) {
    case 'user': {
      if (/uid=0\b/.test(c.after ?? '') && !/uid=0\b/.test(c.before ?? '')) return 'crit';
      if (c.action === 'changed') {
        const shellNow = /shell=(\S+)/.exec(c.after ?? '')?.[1] ?? '';
        const shellBefore = /shell=(\S+)/.exec(c.before ?? '')?.[1] ?? '';
        return isLoginShell(shellNow) && !isLoginShell(shellBefore) ? 'warn' : 'info';
      }
      return 'warn';
    }
    case 'group': {
      const [group = '', member = ''] = c.subject.split(' ');
      const sign = member.charAt(0);
      if (sign === '+' && ROOT_GROUPS.has(group)) return 'crit';
      if (sign === '+' && PRIVILEGED_GROUPS.has(group)) return 'warn';
      return 'info';
    }
    case 'sudoers':
      return /NOPASSWD:\s*ALL\s*$/m.test(c.after ?? '') && !/NOPASSWD:\s*ALL\s*$/m.test(c.before ?? '') ? 'crit' : 'warn';
    case 'authorized_keys':
      if (c.action === 'removed') return 'info';
      return c.subject.startsWith('root ') ? 'crit' : 'warn';
    case 'package':
      return 'warn';
    case 'service':
      return c.category === 'service.removed' ? 'info' : 'warn';
    case 'listener':
      if (c.action === 'removed') return 'info';
      return LOOPBACK.test(c.subject.split(' ')[1] ?? '') ? 'info' : 'warn';
    case 'cron':
      return 'warn';
    case 'file':
      if (c.subject.endsWith('/etc/ld.so.preload') && c.action !== 'removed') return 'crit';
      return 'warn';
    case 'container':
    case 'image':
      return 'info';
    case 'boot':
      return 'warn';
    case 'kernel':
      return 'info';
    case 'disk':
      return 'warn';
  }
}

const RECOMMENDATIONS: Partial<Record<Change['kind'], string>> = {
  user: 'Confirm who created or changed the account (auth.log: useradd/usermod); lock it (`usermod -L`) if nobody did.',
  group: 'Check who added the member (auth.log: usermod/gpasswd) and remove it (`gpasswd -d <user> <group>`) if unplanned.',
  sudoers: 'Review the sudoers change (`visudo -c`, `git diff` if /etc is versioned); revert it if nobody planned it.',
  authorized_keys: 'Confirm the key belongs to someone who should log in; remove it from authorized_keys otherwise.',
  package: 'Find who installed it (`zgrep -h <package> /var/log/dpkg.log*`); packages changed outside apt are worth a look.',
  service: 'Check the unit (`systemctl status <unit>`, `systemctl cat <unit>`): a new enabled service survives reboots.',
  listener: 'Check what listens (`ss -ltnp`) and whether the port should be reachable; firewall it if not.',
  cron: 'Review the scheduled job: a new cron entry is a common way to keep access.',
  file: 'Review the change (`diff` with a backup, `debsums -c`); revert it if nobody planned it.',
  boot: 'Check why it rebooted (`journalctl --list-boots`, `last -x reboot`): an unplanned reboot can be a crash or power loss.',
};

function findingOf(c: Change): Finding {
  const severity = changeSeverity(c);
  return {
    category: c.category,
    severity,
    ruleId: `change.${c.kind}`,
    title: titleOf(c),
    key: `${c.category}:${c.subject}`,
    subject: c.subject,
    count: 1,
    evidence: [{ source: `state:${c.kind}`, lines: [c.detail], values: { action: c.action, ...(c.at ? { at: c.at } : {}) } }],
    ...(RECOMMENDATIONS[c.kind] ? { recommendation: RECOMMENDATIONS[c.kind] } : {}),
  };
}

const KIND_NOUN: Record<Change['kind'], string> = {
  user: 'User', group: 'Group', sudoers: 'Sudoers', authorized_keys: 'SSH key', package: 'Package', service: 'Service',
  listener: 'Listener', cron: 'Crontab', container: 'Container', image: 'Image', file: 'File', disk: 'Disk', kernel: 'Kernel', boot: 'Host',
};

/** `Service nginx.service stopped ...`: a noun first, so the subject keeps its own case (`tcp`, `nginx.service`). */
function titleOf(c: Change): string {
  const noun = KIND_NOUN[c.kind];
  if (c.detail.toLowerCase().startsWith(noun.toLowerCase())) return noun + c.detail.slice(noun.length);
  return c.kind === 'boot' ? `${noun} ${c.detail}` : `${noun}: ${c.detail}`;
}

function grouped(category: Change['category'], list: Change[], note: string): Finding {
  const severity = list.map(changeSeverity).reduce<Severity>((a, b) => (a === 'crit' || b === 'crit' ? 'crit' : a === 'warn' || b === 'warn' ? 'warn' : 'info'), 'info');
  const kind = list[0]!.kind;
  const shown = list.slice(0, 4).map((c) => c.subject).join(', ');
  return {
    category,
    severity,
    ruleId: `change.${kind}`,
    title: `${list.length} ${kind} changes${note}: ${shown}${list.length > 4 ? ', ...' : ''}`,
    key: `${category}:${kind}s`,
    subject: `${list.length} ${kind}s`,
    count: list.length,
    evidence: [{ source: `state:${kind}`, lines: [...list.slice(0, GROUP_EVIDENCE).map((c) => c.detail), ...(list.length > GROUP_EVIDENCE ? [`(${list.length - GROUP_EVIDENCE} more)`] : [])] }],
    ...(RECOMMENDATIONS[kind] ? { recommendation: RECOMMENDATIONS[kind] } : {}),
  };
}

export interface ChangeFindingOptions {
  /** Keys of the findings log analysis already made (a useradd line): the same change is not reported twice. */
  existingKeys: ReadonlySet<string>;
  /** Whether an apt/dpkg log was read this pass: package changes without a transaction are then suspicious. */
  packageLogsRead: boolean;
}

/**
 * Findings for the UNEXPECTED changes (expected ones are recorded, not raised). One finding per change, except that
 * more than {@link MAX_SINGLE} of one category are one grouped item, and package changes no transaction explains
 * are always one item: with the package logs read, that is a change made around apt (warn); without them, the
 * list is all we know (info).
 */
export function changeFindings(changes: readonly Change[], options: ChangeFindingOptions): Finding[] {
  const unexpected = changes.filter((c) => !c.expected);
  const findings: Finding[] = [];
  const packages = unexpected.filter((c) => c.kind === 'package');
  if (packages.length > 0) {
    const note = options.packageLogsRead ? ' outside any logged apt/dpkg transaction' : ' (no apt/dpkg log read: add /var/log/apt/history.log to logs to see who and how)';
    const f = grouped(packages.some((c) => c.action === 'removed') ? 'package.removed' : packages.some((c) => c.action === 'added') ? 'package.installed' : 'package.upgraded', packages, note);
    if (!options.packageLogsRead) f.severity = 'info';
    f.key = `${f.category}:untracked`;
    f.subject = 'untracked';
    findings.push(f);
  }
  const byCategory = new Map<Change['category'], Change[]>();
  for (const c of unexpected) {
    if (c.kind === 'package' || c.kind === 'image') continue;
    if (options.existingKeys.has(`${c.category}:${c.subject}`)) continue;
    const list = byCategory.get(c.category) ?? [];
    list.push(c);
    byCategory.set(c.category, list);
  }
  for (const [category, list] of byCategory) {
    if (list.length > MAX_SINGLE) findings.push(grouped(category, list, ''));
    else findings.push(...list.map(findingOf));
  }
  return findings;
}
