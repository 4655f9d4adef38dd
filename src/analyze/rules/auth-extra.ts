import type { FindingCategory } from '../../types.js';
import type { LogRule, RuleGroups } from './types.js';

/**
 * Auth, privilege and account rules: sshd connections that end before login, sudo, su and the shadow-utils tools
 * (useradd, usermod, gpasswd, passwd, ...). Register AFTER SSHD_RULES: a line matches one rule only, and
 * `Failed password` / `Invalid user` / `maximum authentication attempts` lines belong to the sshd rules.
 *
 * Every pattern is anchored at the start of the message and written from the program's own format string
 * (OpenSSH packet.c/sshd.c, sudo lib/eventlog + plugins/sudoers/logging.c, util-linux su-common.c, shadow src/*.c);
 * the fixtures hold lines captured from the real programs on Debian 12.
 *
 * Counting: where a program and PAM both log one event (a failed `su` logs `pam_unix(su:auth): authentication
 * failure` and `FAILED SU`), both lines count: counts are log lines, as for the sshd rules. Where a second line only
 * repeats what another already said, it is left out on purpose: sshd's `Received disconnect` (always followed by
 * `Disconnected from`), `kex_exchange_identification:` errors (no address; always followed by the line that has it),
 * `pam_unix(...:session)` lines of sudo and su (the command / `(to root)` line says it), `add ... to shadow group`
 * (gshadow twin of `add ... to group`), and the group lines of useradd/userdel (part of the user they add or delete).
 */

const SSHD = ['sshd', 'sshd-session'];

/** A capture that took part, from the first name that has one (alternatives of one pattern cannot share a name). */
function pick(g: RuleGroups, ...names: string[]): string {
  for (const name of names) {
    const value = g[name];
    if (value !== undefined && value !== '') return value;
  }
  return '';
}

// ---------------------------------------------------------------------------------------------------------------
// sshd: connections that end before authentication
// ---------------------------------------------------------------------------------------------------------------

/**
 * The one line OpenSSH writes when a connection dies before login (sshpkt_fatal: `Connection closed by`,
 * `Connection reset by`, `Disconnected from`, `banner exchange: Connection from`, `Unable to negotiate with`). Before
 * a user name is sent the peer is `<ip> port <n>`; after it `authenticating user <u> <ip> port <n>` or `invalid user
 * ...`; after login `user <u> ...`, which is not matched (a normal logout). The user name is the client's and may
 * contain spaces or a fake ` <ip> port <n>`: the greedy user part and the end anchor take the address sshd wrote.
 */
const PREAUTH_END =
  /^(?:(?:Connection (?:closed|reset) by|Disconnected from) (?:(?:authenticating|invalid) user (?<user>.*) )?|(?:banner exchange: Connection from|Unable to negotiate with) )(?<ip>[0-9A-Fa-f:.]+) port (?<port>\d+)(?:: | \[preauth\]\s*$|\s*$)/;

// ---------------------------------------------------------------------------------------------------------------
// sudo (syslog format `%8s : %s`: the invoking user right-aligned to 8 columns, then `reason ; ` and the fields)
// ---------------------------------------------------------------------------------------------------------------

/**
 * An allowed command: `alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/apt update`. TTY, PWD
 * (and HOST, CHROOT) come before USER, GROUP/TSID/ENV after it; each field ends at ` ; `, so the repetitions are
 * bounded and cannot backtrack into each other. `(command continued)` lines of long commands do not match. Commands
 * run by root are left out: root needs no sudo to be root (scripts and cron jobs use `sudo -u` all the time).
 */
const SUDO_COMMAND =
  /^ *(?!root : )(?<user>[^\s:]+) : (?:(?:HOST|TTY|CHROOT|PWD|CWD)=[^;]* ; ){0,5}USER=(?<runas>[^\s;]+) ; (?:(?:GROUP|TSID|ENV)=[^;]* ; ){0,3}COMMAND=(?<command>\S+)/;

/** pam_unix (or sssd) refusing a password; the fields are fixed by pam_unix's format, `user=` follows two spaces. */
const pamAuthFailure = (services: string): RegExp =>
  new RegExp(
    `^pam_(?:unix|sss)\\((?<service>${services}):auth\\): authentication failure; logname=\\S* uid=(?<uid>\\d+) euid=\\d+ tty=\\S* ruser=(?<ruser>\\S*) rhost=\\S* +user=(?<user>\\S+)`,
  );

// ---------------------------------------------------------------------------------------------------------------
// shadow-utils
// ---------------------------------------------------------------------------------------------------------------

/**
 * Groups whose members are root in all but name: sudo/wheel/admin (sudoers), docker and lxd (mount / into a
 * container), root, disk (raw block devices), shadow (reads password hashes), adm (reads every log, auth.log too).
 */
export const PRIVILEGED_GROUPS = ['sudo', 'wheel', 'admin', 'docker', 'lxd', 'root', 'disk', 'shadow', 'adm'];
const PRIV = PRIVILEGED_GROUPS.join('|');

/**
 * The taxonomy has no `account.user_changed`. Changes to an existing account (UID, shell, lock state, password,
 * expiry, name) go under `account.user_added`: the closest meaning ("an account you did not have before exists now":
 * a service account that gets a login shell, a second UID 0, an unlocked or re-passworded account are exactly
 * that), and the key stays `account.user_added:<user>`, so a user created and then modified in one pass is one
 * finding. Not auth.* (those are login attempts) nor account.group_changed (group membership). Severity carries the
 * weight: a routine password change is info. If the taxonomy gains `account.user_changed`, change it here.
 */
const ACCOUNT_CHANGED: FindingCategory = 'account.user_added';

const NOLOGIN = String.raw`(?:/usr)?/s?bin/(?:nologin|false)`;

const GUESSING =
  'A wrong password now and then is a typo; several in a row, or at odd hours, is someone guessing: ask the account owner.';
const PRIVILEGED_GROUP_RECOMMENDATION =
  'Members of this group are root in all but name. Confirm the change was intended; if not, remove the user ' +
  '(gpasswd -d USER GROUP) and find out who added them (the lines just before this one).';

export const AUTH_EXTRA_RULES: readonly LogRule[] = [
  {
    id: 'sshd.preauth_disconnect',
    category: 'auth.failed_login',
    severity: 'info',
    programs: SSHD,
    pattern: PREAUTH_END,
    title: (g) => `SSH connections from ${g.ip} closed before login`,
    subject: (g) => g.ip ?? '',
    recommendation:
      'Nothing got in: these connections ended before authentication (scanners, bots trying user names or keys). ' +
      'Keep PasswordAuthentication off; block sources that keep coming back.',
    aggregate: {
      id: 'sshd.preauth_flood',
      by: 'ip',
      // A bot's flood, not a client retrying: 20 connections within 10 minutes (one pass usually covers an hour).
      minCount: 20,
      within: 600,
      category: 'auth.bruteforce',
      // warn, not crit: closing a connection guesses no password (password guesses make sshd.bruteforce, crit).
      severity: 'warn',
      title: (ip, count) => `SSH connection flood from ${ip}: ${count} connections closed before login`,
      recommendation:
        'Block the source (firewall, fail2ban with the sshd "aggressive" mode), keep PasswordAuthentication off and ' +
        'check MaxStartups: a flood can crowd out real logins.',
    },
  },

  // sudo -------------------------------------------------------------------------------------------------------
  {
    id: 'sudo.not_in_sudoers',
    category: 'privilege.sudo',
    severity: 'crit',
    programs: ['sudo'],
    // `is not in the sudoers file` is sudo's message to the user, matched for the rare log that keeps sudo's stderr.
    pattern: /^ *(?<user>[^\s:]+)(?: : user NOT (?:in sudoers|authorized on host) ; | is not in the sudoers file)/,
    title: (g) => `${g.user} tried to use sudo without being allowed to`,
    subject: (g) => g.user ?? '',
    recommendation:
      "Ask the account's owner; if it was not them, treat the account as compromised (lock it, check its logins and " +
      'authorized_keys).',
  },
  {
    id: 'sudo.command_not_allowed',
    category: 'privilege.sudo',
    severity: 'warn',
    programs: ['sudo'],
    pattern: /^ *(?<user>[^\s:]+) : command not allowed ; .*?\bCOMMAND=(?<command>\S+)/,
    title: (g) => `${g.user} tried to run ${g.command} with sudo, which sudoers does not allow`,
    subject: (g) => g.user ?? '',
    recommendation: 'Confirm with the user what they needed; repeated attempts at other commands are probing.',
  },
  {
    id: 'sudo.auth_failed',
    category: 'auth.failed_login',
    severity: 'warn',
    programs: ['sudo'],
    // Logged once per refused sudo (all tries wrong, or aborted after a wrong one), with the command.
    pattern: /^ *(?<user>[^\s:]+) : (?<tries>\d+) incorrect password attempts? ; /,
    title: (g) => `sudo refused ${g.user} after ${g.tries} wrong password${g.tries === '1' ? '' : 's'}`,
    subject: (g) => g.user ?? '',
    recommendation: GUESSING,
  },
  {
    id: 'sudo.pam_auth_failure',
    category: 'auth.failed_login',
    // info: pam_unix logs the first wrong password of a sudo run even when the next try succeeds (a typo). When sudo
    // gives up, sudo.auth_failed (warn) follows and raises the finding.
    severity: 'info',
    programs: ['sudo'],
    pattern: pamAuthFailure('sudo|sudo-i'),
    title: (g) => `${pick(g, 'ruser', 'user')} typed a wrong sudo password`,
    subject: (g) => pick(g, 'ruser', 'user'),
    recommendation: GUESSING,
  },
  {
    id: 'sudo.command',
    category: 'privilege.sudo',
    severity: 'info',
    programs: ['sudo'],
    pattern: SUDO_COMMAND,
    title: (g) => `${g.user} ran commands with sudo`,
    subject: (g) => g.user ?? '',
  },

  // su (util-linux: `(to root) alice on pts/0`, `FAILED SU (to root) alice on pts/0`; shadow's su, older
  // distributions: `Successful su for root by alice`, `FAILED su for root by alice`). Switches made by root are
  // left out: root needs no password, and scripts do `su - postgres -c ...` all day.
  {
    id: 'su.root',
    category: 'privilege.su',
    // warn, unlike sudo commands (info): it takes root's own password, shared by whoever knows it, and the shell it
    // opens leaves no per-command trail. Like sshd.root_login, a root shell is worth a look.
    severity: 'warn',
    programs: ['su'],
    pattern: /^(?:\(to root\) (?!root )(?<user>\S+) on \S+|Successful su for root by (?!root$)(?<suser>\S+))$/,
    title: (g) => `${pick(g, 'user', 'suser')} became root with su`,
    subject: (g) => pick(g, 'user', 'suser'),
    recommendation:
      'Prefer sudo (per-user, per-command audit trail) to a shared root password; if several people know the root ' +
      'password, change it.',
  },
  {
    id: 'su.user',
    category: 'privilege.su',
    severity: 'info',
    programs: ['su'],
    pattern:
      /^(?:\(to (?<target>[^\s)]+)\) (?!root )(?<user>\S+) on \S+|Successful su for (?<starget>\S+) by (?!root$)(?<suser>\S+))$/,
    title: (g) => `${pick(g, 'user', 'suser')} switched to ${pick(g, 'target', 'starget')} with su`,
    subject: (g) => pick(g, 'user', 'suser'),
  },
  {
    id: 'su.failed',
    category: 'auth.failed_login',
    severity: 'warn',
    programs: ['su'],
    pattern:
      /^(?:FAILED SU \(to (?<target>[^\s)]+)\) (?!root )(?<user>\S+) on \S+|FAILED su for (?<starget>\S+) by (?!root$)(?<suser>\S+))$/,
    title: (g) => `${pick(g, 'user', 'suser')} failed to su to ${pick(g, 'target', 'starget')}`,
    subject: (g) => pick(g, 'user', 'suser'),
    recommendation: GUESSING,
  },
  {
    id: 'su.pam_auth_failure',
    category: 'auth.failed_login',
    // info: the same failure is the `FAILED SU` line (warn), which su writes right after this one.
    severity: 'info',
    programs: ['su'],
    pattern: pamAuthFailure('su|su-l'),
    title: (g) => `${pick(g, 'ruser') || `uid ${g.uid}`} typed a wrong password for su to ${g.user}`,
    subject: (g) => pick(g, 'ruser') || `uid ${g.uid}`,
    recommendation: GUESSING,
  },

  // shadow-utils: accounts ------------------------------------------------------------------------------------
  {
    id: 'account.uid0_user_added',
    category: 'account.user_added',
    severity: 'crit',
    programs: ['useradd'],
    pattern: /^new user: name=(?<user>[^,\s]+), UID=0, GID=\d+, home=.*, shell=(?<shell>[^,]*), from=(?<from>\S*)$/,
    title: (g) => `New account ${g.user} with UID 0 (a second root)`,
    subject: (g) => g.user ?? '',
    recommendation:
      'A second UID 0 account is a classic backdoor: lock it now (usermod -L -e 1 USER) and find out who created it.',
  },
  {
    id: 'account.system_user_added',
    category: 'account.user_added',
    // Packages create these (adduser --system) when they are installed; without a shell nobody logs in as them.
    severity: 'info',
    programs: ['useradd'],
    pattern: new RegExp(String.raw`^new user: name=(?<user>[^,\s]+), UID=(?<uid>\d{1,3}), GID=\d+, home=.*, shell=(?<shell>${NOLOGIN}), from=\S*$`),
    title: (g) => `New system account ${g.user} (UID ${g.uid}, no login shell)`,
    subject: (g) => g.user ?? '',
  },
  {
    id: 'account.user_added',
    category: 'account.user_added',
    severity: 'warn',
    programs: ['useradd'],
    pattern: /^new user: name=(?<user>[^,\s]+), UID=(?<uid>\d+), GID=\d+, home=.*, shell=(?<shell>[^,]*), from=(?<from>\S*)$/,
    title: (g) => `New user account ${g.user} (UID ${g.uid}, shell ${g.shell || 'default'})`,
    subject: (g) => g.user ?? '',
    recommendation:
      'Confirm someone on the team created it (from= names the terminal useradd ran on); if not, lock it ' +
      '(usermod -L -e 1 USER) and check its authorized_keys.',
  },
  {
    id: 'account.user_removed',
    category: 'account.user_removed',
    severity: 'warn',
    programs: ['userdel'],
    pattern: /^delete user '(?<user>[^']+)'$/,
    title: (g) => `User account ${g.user} deleted`,
    subject: (g) => g.user ?? '',
    recommendation: 'Make sure the removal was planned: deleting an account also removes who did what with it.',
  },
  // shadow-utils: groups (subject `group:user`, so a removal, info, resolves the alert its addition opened). The
  // privileged rule comes before the usermod rules below: `GID ... to '0'` (primary group root) is a group change.
  {
    id: 'account.privileged_group_member',
    category: 'account.group_changed',
    severity: 'crit',
    programs: ['useradd', 'usermod', 'gpasswd'],
    pattern: new RegExp(
      String.raw`^(?:add '(?<user>[^']+)' to group '(?<group>${PRIV})'` +
        String.raw`|user (?<guser>\S+) added by (?<by>\S+) to group (?<ggroup>${PRIV})(?: in \S+)?` +
        String.raw`|members of group (?<mgroup>${PRIV}) set by \S+ to (?<members>\S*)(?: in \S+)?` +
        String.raw`|change user '(?<puser>[^']+)' GID from '\d+' to '0')$`,
    ),
    title: (g) =>
      g.mgroup !== undefined
        ? `Members of privileged group ${g.mgroup} set to ${g.members || '(nobody)'}`
        : `${pick(g, 'user', 'guser', 'puser')} added to privileged group ${pick(g, 'group', 'ggroup') || 'root'}`,
    subject: (g) => (g.mgroup !== undefined ? g.mgroup : `${pick(g, 'group', 'ggroup') || 'root'}:${pick(g, 'user', 'guser', 'puser')}`),
    recommendation: PRIVILEGED_GROUP_RECOMMENDATION,
  },
  // shadow-utils: changes to existing accounts (category: see ACCOUNT_CHANGED) -----------------------------------
  {
    id: 'account.uid0',
    category: ACCOUNT_CHANGED,
    severity: 'crit',
    programs: ['usermod'],
    pattern: /^change user '(?<user>[^']+)' UID from '(?<from>-?\d+)' to '0'$/,
    title: (g) => `${g.user} now has UID 0 (was ${g.from}): a second root`,
    subject: (g) => g.user ?? '',
    recommendation: 'Nobody but root should have UID 0: revert it (usermod -u) and find out who changed it.',
  },
  {
    id: 'account.login_shell',
    category: ACCOUNT_CHANGED,
    severity: 'warn',
    programs: ['usermod'],
    pattern: new RegExp(String.raw`^change user '(?<user>[^']+)' shell from '(?<from>${NOLOGIN})' to '(?!${NOLOGIN}')(?<to>[^']*)'$`),
    title: (g) => `${g.user} can log in now: shell changed from ${g.from} to ${g.to}`,
    subject: (g) => g.user ?? '',
    recommendation: 'A service account that can log in is a foothold: confirm it was intended.',
  },
  {
    id: 'account.unlocked',
    category: ACCOUNT_CHANGED,
    severity: 'warn',
    programs: ['usermod'],
    pattern: /^unlock user '(?<user>[^']+)' password$/,
    title: (g) => `Password login of ${g.user} unlocked (usermod -U)`,
    subject: (g) => g.user ?? '',
    recommendation: 'Confirm the account is meant to be usable again.',
  },
  {
    id: 'account.user_modified',
    category: ACCOUNT_CHANGED,
    severity: 'info',
    programs: ['usermod'],
    pattern:
      /^(?:change user '(?<user>[^']+)' (?<field>UID|GID|home|shell|inactive|expiration) from '(?<from>[^']*)' to '(?<to>[^']*)'|change user name '(?<olduser>[^']+)' to '(?<newuser>[^']+)')$/,
    title: (g) =>
      g.newuser !== undefined ? `User ${g.olduser} renamed to ${g.newuser}` : `${g.user}: ${g.field} changed from ${g.from} to ${g.to}`,
    subject: (g) => pick(g, 'user', 'newuser'),
  },
  {
    id: 'account.root_password',
    category: ACCOUNT_CHANGED,
    severity: 'warn',
    programs: ['passwd', 'chpasswd', 'newusers', 'usermod'],
    pattern:
      /^(?:pam_unix\((?:passwd|chpasswd|newusers):chauthtok\): password changed for root|password for 'root' changed by '[^']*'|change user 'root' password)$/,
    title: () => `root's password was changed`,
    subject: () => 'root',
    recommendation:
      'If nobody on the team changed it, someone with root access did: find out who (the lines before this one) ' +
      'and change it again.',
  },
  {
    id: 'account.password',
    category: ACCOUNT_CHANGED,
    // info: users change their own passwords, provisioning sets them (chpasswd); root's is account.root_password.
    severity: 'info',
    programs: ['passwd', 'chpasswd', 'newusers', 'usermod', 'chage'],
    pattern:
      /^(?:pam_unix\((?:passwd|chpasswd|newusers):chauthtok\): password changed for (?<user>\S+)|password for '(?<puser>[^']+)' changed by '(?<by>[^']+)'|(?<action>lock|change) user '(?<uuser>[^']+)' password|changed password expiry for (?<cuser>\S+))$/,
    title: (g) => {
      if (g.uuser !== undefined) return g.action === 'lock' ? `Password login of ${g.uuser} locked (usermod -L)` : `Password of ${g.uuser} set with usermod -p`;
      if (g.cuser !== undefined) return `Password expiry of ${g.cuser} changed (chage)`;
      if (g.puser !== undefined) return `Password of ${g.puser} changed by ${g.by}`;
      return `Password of ${g.user} changed`;
    },
    subject: (g) => pick(g, 'user', 'puser', 'uuser', 'cuser'),
  },

  // shadow-utils: other group changes ----------------------------------------------------------------------
  {
    id: 'account.group_member',
    category: 'account.group_changed',
    severity: 'warn',
    programs: ['useradd', 'usermod', 'gpasswd'],
    pattern:
      /^(?:add '(?<user>[^']+)' to group '(?<group>[^']+)'|user (?<guser>\S+) added by (?<by>\S+) to group (?<ggroup>\S+)(?: in \S+)?|members of group (?<mgroup>\S+) set by \S+ to (?<members>\S*)(?: in \S+)?)$/,
    title: (g) =>
      g.mgroup !== undefined ? `Members of group ${g.mgroup} set to ${g.members || '(nobody)'}` : `${pick(g, 'user', 'guser')} added to group ${pick(g, 'group', 'ggroup')}`,
    subject: (g) => (g.mgroup !== undefined ? g.mgroup : `${pick(g, 'group', 'ggroup')}:${pick(g, 'user', 'guser')}`),
  },
  {
    id: 'account.group_member_removed',
    category: 'account.group_changed',
    // info: losing a group takes rights away. userdel's own `delete 'bob' from group` lines are not matched.
    severity: 'info',
    programs: ['usermod', 'gpasswd'],
    pattern: /^(?:delete '(?<user>[^']+)' from group '(?<group>[^']+)'|user (?<guser>\S+) removed by (?<by>\S+) from group (?<ggroup>\S+)(?: in \S+)?)$/,
    title: (g) => `${pick(g, 'user', 'guser')} removed from group ${pick(g, 'group', 'ggroup')}`,
    subject: (g) => `${pick(g, 'group', 'ggroup')}:${pick(g, 'user', 'guser')}`,
  },
  {
    id: 'account.group_added',
    category: 'account.group_changed',
    severity: 'info',
    programs: ['groupadd'],
    pattern: /^new group: name=(?<group>[^,\s]+), GID=(?<gid>\d+)$/,
    title: (g) => `New group ${g.group} (GID ${g.gid})`,
    subject: (g) => g.group ?? '',
  },
  {
    id: 'account.group_removed',
    category: 'account.group_changed',
    severity: 'info',
    programs: ['groupdel'],
    pattern: /^group '(?<group>[^']+)' removed$/,
    title: (g) => `Group ${g.group} deleted`,
    subject: (g) => g.group ?? '',
  },
];
