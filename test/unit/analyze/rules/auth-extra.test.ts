import { applyLogRules } from '../../../../src/analyze/log-rules.js';
import { AUTH_EXTRA_RULES, PRIVILEGED_GROUPS } from '../../../../src/analyze/rules/auth-extra.js';
import { SSHD_RULES } from '../../../../src/analyze/rules/sshd.js';
import type { Finding } from '../../../../src/types.js';
import { makeHost, readFixture, recordsFromLog } from '../helpers.js';

const thresholds = makeHost().thresholds;
const AUTH_LOG = '/var/log/auth.log';
/** The order the lead registers them in: sshd's own rules first, so their lines never reach these. */
const WITH_SSHD = [...SSHD_RULES, ...AUTH_EXTRA_RULES];

const fixture = (family: string, name: string) => recordsFromLog(readFixture('analyze', family, name), AUTH_LOG);
const run = (family: string, name: string, rules = AUTH_EXTRA_RULES): Finding[] => applyLogRules(fixture(family, name), rules, thresholds, []);
const summary = (findings: Finding[]) => findings.map((f) => [f.key, f.severity, f.count, f.ruleId]);

/** The finding one syslog line makes on its own (null: no rule matched). */
function one(line: string, rules = AUTH_EXTRA_RULES): Finding | null {
  const findings = applyLogRules(recordsFromLog(line, AUTH_LOG), rules, thresholds, []);
  expect(findings.length).toBeLessThanOrEqual(1);
  return findings[0] ?? null;
}

describe('sshd connections that end before login', () => {
  it('counts the one closing line of each connection per source IP, whatever stage it died at', () => {
    expect(summary(run('sshd-preauth', 'positive.log'))).toEqual([
      ['auth.failed_login:198.51.100.7', 'info', 1, 'sshd.preauth_disconnect'], // invalid user, after a password
      ['auth.failed_login:203.0.113.9', 'info', 1, 'sshd.preauth_disconnect'], // authenticating user root
      ['auth.failed_login:198.51.100.23', 'info', 2, 'sshd.preauth_disconnect'], // two user names tried
      // closed and reset at the banner, HTTP on port 22, reset after kex started, two old-algorithm offers
      ['auth.failed_login:192.0.2.44', 'info', 6, 'sshd.preauth_disconnect'],
      // `Received disconnect` + `Disconnected from` are one connection: only the second counts
      ['auth.failed_login:2001:db8::7', 'info', 2, 'sshd.preauth_disconnect'],
    ]);
  });

  it('shares the per-IP finding with sshd.failed_password (different lines of the same source)', () => {
    const findings = run('sshd-preauth', 'positive.log', WITH_SSHD);
    expect(summary(findings)).toEqual([
      ['auth.invalid_user:198.51.100.7', 'info', 1, 'sshd.invalid_user'],
      ['auth.failed_login:198.51.100.7', 'info', 2, 'sshd.failed_password'], // Failed password + its closing line
      ['auth.failed_login:203.0.113.9', 'info', 2, 'sshd.failed_password'],
      ['auth.invalid_user:198.51.100.23', 'info', 2, 'sshd.invalid_user'],
      ['auth.failed_login:198.51.100.23', 'info', 2, 'sshd.preauth_disconnect'],
      ['auth.failed_login:192.0.2.44', 'info', 6, 'sshd.preauth_disconnect'],
      ['auth.failed_login:2001:db8::7', 'info', 2, 'sshd.preauth_disconnect'],
    ]);
    expect(findings[4]?.title).toBe('SSH connections from 198.51.100.23 closed before login');
    expect(findings[4]?.recommendation).toMatch(/PasswordAuthentication off/);
  });

  it('captures user, address and port from every closing form', () => {
    const rule = AUTH_EXTRA_RULES.find((r) => r.id === 'sshd.preauth_disconnect');
    const groups = (message: string) => rule?.pattern.exec(message)?.groups;
    expect(groups('Connection closed by invalid user admin 198.51.100.7 port 37028 [preauth]')).toMatchObject({
      user: 'admin',
      ip: '198.51.100.7',
      port: '37028',
    });
    expect(groups('Disconnected from authenticating user root 2001:db8::7 port 40112 [preauth]')).toMatchObject({ user: 'root', ip: '2001:db8::7' });
    expect(groups('Connection closed by invalid user  198.51.100.9 port 4 [preauth]')).toMatchObject({ user: '', ip: '198.51.100.9' });
    expect(groups('banner exchange: Connection from 192.0.2.44 port 49574: invalid format')).toMatchObject({ ip: '192.0.2.44', port: '49574' });
    expect(groups('Connection reset by 192.0.2.44 port 49590')?.user).toBeUndefined();
  });

  it('takes the address sshd wrote, not one typed into the user name', () => {
    const line = 'Nov 25 10:00:00 web-01 sshd[1]: Connection closed by invalid user x 10.9.9.9 port 22 198.51.100.99 port 4000 [preauth]';
    expect(one(line)?.subject).toBe('198.51.100.99');
  });

  it('finds nothing in logouts, kex errors without an address, MaxAuthTries disconnects and other programs', () => {
    const negative = fixture('sshd-preauth', 'negative.log');
    expect(negative).toHaveLength(16);
    expect(applyLogRules(negative, AUTH_EXTRA_RULES, thresholds, [])).toEqual([]);
    expect(applyLogRules(negative, WITH_SSHD, thresholds, [])).toEqual([]);
  });
});

describe('sshd preauth floods', () => {
  /** `count` real-format closing lines from one IP, `gapSeconds` apart, starting 10:00:00. */
  const flood = (ip: string, count: number, gapSeconds: number, withPassword = false) =>
    Array.from({ length: count }, (_, i) => {
      const t = new Date(Date.UTC(2026, 10, 25, 10, 0, i * gapSeconds)).toISOString().slice(11, 19);
      const closing = `Nov 25 ${t} web-01 sshd[${3000 + i}]: Connection closed by authenticating user root ${ip} port ${40000 + i} [preauth]`;
      return withPassword ? `Nov 25 ${t} web-01 sshd[${3000 + i}]: Failed password for root from ${ip} port ${40000 + i} ssh2\n${closing}` : closing;
    }).join('\n');

  it('turns 20 closed connections from one IP within 10 minutes into one auth.bruteforce finding (warn)', () => {
    const findings = applyLogRules(recordsFromLog(flood('203.0.113.50', 25, 5), AUTH_LOG), AUTH_EXTRA_RULES, thresholds, []);
    expect(summary(findings)).toEqual([['auth.bruteforce:203.0.113.50', 'warn', 25, 'sshd.preauth_flood']]);
    expect(findings[0]?.title).toBe('SSH connection flood from 203.0.113.50: 25 connections closed before login');
    expect(findings[0]?.evidence[0]?.lines).toHaveLength(5);
  });

  it('stays an info finding below 20, or when the connections are spread out over more than 10 minutes', () => {
    const few = applyLogRules(recordsFromLog(flood('203.0.113.51', 19, 5), AUTH_LOG), AUTH_EXTRA_RULES, thresholds, []);
    expect(summary(few)).toEqual([['auth.failed_login:203.0.113.51', 'info', 19, 'sshd.preauth_disconnect']]);
    const slow = applyLogRules(recordsFromLog(flood('203.0.113.52', 25, 60), AUTH_LOG), AUTH_EXTRA_RULES, thresholds, []);
    expect(summary(slow)).toEqual([['auth.failed_login:203.0.113.52', 'info', 25, 'sshd.preauth_disconnect']]);
  });

  it('merges with sshd.bruteforce for an IP that also guesses passwords: one crit auth.bruteforce finding', () => {
    const findings = applyLogRules(recordsFromLog(flood('203.0.113.53', 25, 5, true), AUTH_LOG), WITH_SSHD, thresholds, []);
    expect(findings.map((f) => [f.key, f.severity])).toEqual([['auth.bruteforce:203.0.113.53', 'crit']]);
    expect(findings[0]?.ruleId).toBe('sshd.bruteforce');
  });
});

describe('sudo rules on real sudo 1.9 lines', () => {
  it('reports commands per invoking user, auth failures, denials and disallowed commands', () => {
    const findings = run('sudo', 'positive.log');
    expect(summary(findings)).toEqual([
      // apt-get, systemctl, id, id as carol, sudo -i, the long echo (its `(command continued)` line is not counted)
      ['privilege.sudo:alice', 'info', 6, 'sudo.command'],
      // 3 pam_unix first-failure lines (info) + 2 sudo verdicts `3 incorrect password attempts`, `1 incorrect ...` (warn)
      ['auth.failed_login:alice', 'warn', 5, 'sudo.auth_failed'],
      ['auth.failed_login:robert', 'info', 1, 'sudo.pam_auth_failure'],
      ['privilege.sudo:robert', 'crit', 1, 'sudo.not_in_sudoers'],
      ['privilege.sudo:carol', 'warn', 2, 'sudo.command_not_allowed'], // whoami refused + id allowed
      ['privilege.sudo:deploy', 'info', 1, 'sudo.command'], // from a script: no TTY field
    ]);
    const byKey = new Map(findings.map((f) => [f.key, f]));
    expect(byKey.get('privilege.sudo:alice')?.title).toBe('alice ran commands with sudo');
    expect(byKey.get('auth.failed_login:alice')?.title).toBe('sudo refused alice after 3 wrong passwords');
    expect(byKey.get('privilege.sudo:robert')?.title).toBe('robert tried to use sudo without being allowed to');
    expect(byKey.get('privilege.sudo:robert')?.recommendation).toMatch(/compromised/);
    expect(byKey.get('privilege.sudo:carol')?.title).toBe('carol tried to run /usr/bin/whoami with sudo, which sudoers does not allow');
    expect(byKey.get('privilege.sudo:alice')?.evidence[0]?.lines).toHaveLength(5);
  });

  it('captures the invoking user, the target user and the command', () => {
    const rule = AUTH_EXTRA_RULES.find((r) => r.id === 'sudo.command');
    expect(rule?.pattern.exec('   alice : TTY=pts/0 ; PWD=/home/alice ; USER=carol ; GROUP=sudo ; COMMAND=/usr/bin/id')?.groups).toMatchObject({
      user: 'alice',
      runas: 'carol',
      command: '/usr/bin/id',
    });
    expect(one("Nov 25 02:23:12 web-01 sudo:    alice : 1 incorrect password attempt ; TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/id")?.title).toBe(
      'sudo refused alice after 1 wrong password',
    );
    expect(one('Nov 25 02:23:15 web-01 sudo:   robert : user NOT authorized on host ; TTY=pts/0 ; PWD=/home/robert ; USER=root ; COMMAND=/bin/sh')?.ruleId).toBe(
      'sudo.not_in_sudoers',
    );
    expect(one('Nov 25 02:23:15 web-01 sudo: robert is not in the sudoers file.  This incident will be reported.')?.severity).toBe('crit');
    expect(
      one('Nov 25 02:23:16 web-01 sudo: pam_unix(sudo-i:auth): authentication failure; logname=alice uid=1001 euid=0 tty=/dev/pts/0 ruser=alice rhost=  user=alice')
        ?.key,
    ).toBe('auth.failed_login:alice');
  });

  it("finds nothing in sudo's session lines, root's own sudo use, sudo -n refusals and lines of other programs", () => {
    const negative = fixture('sudo', 'negative.log');
    expect(negative).toHaveLength(18);
    expect(applyLogRules(negative, AUTH_EXTRA_RULES, thresholds, [])).toEqual([]);
  });
});

describe('su rules on real util-linux su lines (and shadow su)', () => {
  it('reports switches to root (warn) and to other users (info) by the invoking user, and failures', () => {
    const findings = run('su', 'positive.log');
    expect(summary(findings)).toEqual([
      ['privilege.su:alice', 'warn', 3, 'su.root'], // (to root) twice + (to carol)
      ['auth.failed_login:alice', 'warn', 4, 'su.failed'], // pam_unix(su:auth) + FAILED SU, twice
      ['privilege.su:dave', 'warn', 1, 'su.root'], // shadow su: Successful su for root by dave
      ['auth.failed_login:mallory', 'warn', 1, 'su.failed'], // shadow su: FAILED su for root by mallory
    ]);
    expect(findings[0]?.title).toBe('alice became root with su');
    expect(findings[1]?.title).toBe('alice failed to su to root');
    expect(findings[0]?.recommendation).toMatch(/Prefer sudo/);
  });

  it('titles a switch to another user and a PAM failure with both users', () => {
    expect(one('Nov 25 02:23:26 web-01 su[12814]: (to carol) alice on pts/0')?.title).toBe('alice switched to carol with su');
    const pam = one('Nov 25 02:23:28 web-01 su: pam_unix(su-l:auth): authentication failure; logname= uid=1001 euid=0 tty=/dev/pts/0 ruser=alice rhost=  user=carol');
    expect([pam?.key, pam?.severity, pam?.title]).toEqual(['auth.failed_login:alice', 'info', 'alice typed a wrong password for su to carol']);
  });

  it("finds nothing in root's su to service accounts, session lines, runuser and lines of other programs", () => {
    const negative = fixture('su', 'negative.log');
    expect(negative).toHaveLength(17);
    expect(applyLogRules(negative, AUTH_EXTRA_RULES, thresholds, [])).toEqual([]);
  });
});

describe('shadow-utils rules on real shadow 4.13 lines', () => {
  it('reports a new admin: the user, its privileged groups (crit) and the groups created for it', () => {
    const findings = run('shadow-utils', 'new-admin.log');
    expect(summary(findings)).toEqual([
      ['account.group_changed:docker', 'info', 1, 'account.group_added'],
      ['account.user_added:bob', 'warn', 2, 'account.user_added'], // useradd + its chpasswd (the same account)
      ['account.group_changed:sudo:bob', 'crit', 1, 'account.privileged_group_member'],
      ['account.group_changed:docker:bob', 'crit', 1, 'account.privileged_group_member'],
      ['account.group_changed:devs', 'warn', 2, 'account.group_member'], // groupadd + gpasswd -M
    ]);
    const byKey = new Map(findings.map((f) => [f.key, f]));
    expect(byKey.get('account.user_added:bob')?.title).toBe('New user account bob (UID 1002, shell /bin/bash)');
    expect(byKey.get('account.group_changed:sudo:bob')?.title).toBe('bob added to privileged group sudo');
    expect(byKey.get('account.group_changed:sudo:bob')?.recommendation).toMatch(/gpasswd -d/);
    expect(byKey.get('account.group_changed:devs')?.title).toBe('Members of group devs set to alice,bob');
  });

  it('reports changes to existing accounts and groups, one finding per account or membership', () => {
    const findings = run('shadow-utils', 'changes.log');
    expect(summary(findings)).toEqual([
      ['account.group_changed:devs:carol', 'warn', 1, 'account.group_member'],
      ['account.group_changed:lxd:carol', 'crit', 2, 'account.privileged_group_member'], // gpasswd -a, then -d (info)
      // shell, UID, home, expiry, chage, passwd (pam + shadow's line), lock, unlock (warn), usermod -p
      ['account.user_added:carol', 'warn', 10, 'account.unlocked'],
      ['account.group_changed:sudo:carol', 'info', 1, 'account.group_member_removed'],
      ['account.user_added:franklin', 'info', 1, 'account.user_modified'],
      ['account.user_removed:dave', 'warn', 1, 'account.user_removed'],
      ['account.group_changed:developers', 'info', 1, 'account.group_removed'],
      ['account.user_added:svcacct', 'info', 1, 'account.system_user_added'],
    ]);
    const byKey = new Map(findings.map((f) => [f.key, f]));
    expect(byKey.get('account.user_added:franklin')?.title).toBe('User frank renamed to franklin');
    expect(byKey.get('account.user_removed:dave')?.title).toBe('User account dave deleted');
    expect(byKey.get('account.user_added:svcacct')?.title).toBe('New system account svcacct (UID 999, no login shell)');
  });

  it('titles each kind of account change concretely', () => {
    const title = (message: string, program = 'usermod') => one(`Nov 25 02:22:14 web-01 ${program}[8410]: ${message}`)?.title;
    expect(title("change user 'carol' shell from '/bin/bash' to '/bin/sh'")).toBe('carol: shell changed from /bin/bash to /bin/sh');
    expect(title("change user 'carol' UID from '1001' to '2001'")).toBe('carol: UID changed from 1001 to 2001');
    expect(title("lock user 'carol' password")).toBe('Password login of carol locked (usermod -L)');
    expect(title("change user 'carol' password")).toBe('Password of carol set with usermod -p');
    expect(title('changed password expiry for carol', 'chage')).toBe('Password expiry of carol changed (chage)');
    expect(title("password for 'carol' changed by 'root'", 'passwd')).toBe('Password of carol changed by root');
    expect(title('pam_unix(passwd:chauthtok): password changed for carol', 'passwd')).toBe('Password of carol changed');
    expect(title('user carol removed by root from group lxd', 'gpasswd')).toBe('carol removed from group lxd');
    // Back to nologin: still worth a line (info), but not the warn of gaining a shell.
    const revert = one("Nov 25 02:25:59 web-01 usermod[20129]: change user 'daemon' shell from '/bin/bash' to '/usr/sbin/nologin'");
    expect([revert?.severity, revert?.ruleId]).toEqual(['info', 'account.user_modified']);
  });

  it('treats a second root, a service account with a shell, the root group and root password changes as such', () => {
    const findings = run('shadow-utils', 'backdoor.log');
    expect(summary(findings)).toEqual([
      ['account.user_added:toor', 'crit', 1, 'account.uid0_user_added'],
      ['account.user_added:daemon', 'warn', 1, 'account.login_shell'],
      ['account.group_changed:root:alice', 'crit', 1, 'account.privileged_group_member'], // primary GID 0
      ['account.user_added:alice', 'crit', 1, 'account.uid0'],
      ['account.user_added:root', 'warn', 1, 'account.root_password'],
    ]);
    expect(findings.map((f) => f.title)).toEqual([
      'New account toor with UID 0 (a second root)',
      'daemon can log in now: shell changed from /usr/sbin/nologin to /bin/bash',
      'alice added to privileged group root',
      'alice now has UID 0 (was 1001): a second root',
      "root's password was changed",
    ]);
  });

  it('knows every privileged group, and no others', () => {
    for (const group of PRIVILEGED_GROUPS) {
      expect(one(`Nov 25 02:22:14 web-01 usermod[1]: add 'eve' to group '${group}'`)?.severity).toBe('crit');
    }
    for (const group of ['sudoers', 'dockerx', 'users', 'www-data', 'admins']) {
      expect(one(`Nov 25 02:22:14 web-01 usermod[1]: add 'eve' to group '${group}'`)?.severity).toBe('warn');
    }
  });

  it("finds nothing in the gshadow twins, useradd/userdel's own group lines, groupmod and other programs", () => {
    const negative = fixture('shadow-utils', 'negative.log');
    expect(negative).toHaveLength(15);
    expect(applyLogRules(negative, AUTH_EXTRA_RULES, thresholds, [])).toEqual([]);
  });
});

describe('auth-extra rules on hostile lines', () => {
  it('stay linear on 64 KiB lines shaped to make each pattern backtrack', () => {
    const k = 64 * 1024;
    const bodies: [string, string][] = [
      ['sshd', `Connection closed by authenticating user ${'a '.repeat(k / 2)}`],
      ['sshd', `Connection closed by invalid user ${' 1'.repeat(k / 2)} port x`],
      ['sshd', `Disconnected from authenticating user ${'1.2.3.4 port 5 '.repeat(k / 16)}!`],
      ['sudo', `   alice : ${'TTY=x ; '.repeat(k / 8)}`],
      ['sudo', `alice : TTY=${'a'.repeat(k)}`],
      ['sudo', `alice : command not allowed ; ${'COMMAND'.repeat(k / 7)}`],
      ['sudo', `pam_unix(sudo:auth): authentication failure; logname=${'a'.repeat(k)}`],
      ['su', `(to root) ${'a'.repeat(k)} on`],
      ['useradd', `new user: name=x, UID=1, GID=1, home=${', shell='.repeat(k / 8)}`],
      ['usermod', `change user '${"'".repeat(k)}`],
      ['gpasswd', `user x added by root to group ${' in x'.repeat(k / 5)}`],
    ];
    const text = bodies.map(([program, body], i) => `Nov 25 10:00:${String(i).padStart(2, '0')} web-01 ${program}[1]: ${body}`).join('\n');
    const records = recordsFromLog(text, AUTH_LOG);
    const started = process.hrtime.bigint();
    for (let i = 0; i < 5; i++) applyLogRules(records, AUTH_EXTRA_RULES, thresholds, []);
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(2000);
  });
});
