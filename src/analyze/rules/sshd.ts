import type { LogRule } from './types.js';

/** OpenSSH 9.8+ logs per-connection messages as `sshd-session`, older versions as `sshd`. */
const SSHD_PROGRAMS = ['sshd', 'sshd-session'];

/**
 * sshd rules (Debian/Ubuntu auth.log, RHEL secure). Patterns are not anchored: the collector hands us the message
 * after the syslog header, and rsyslog may wrap it in `message repeated N times: [ ... ]`.
 */
export const SSHD_RULES: readonly LogRule[] = [
  {
    id: 'sshd.failed_password',
    category: 'auth.failed_login',
    severity: 'info',
    programs: SSHD_PROGRAMS,
    // Only password guesses count: `Failed publickey` is a client offering the wrong key, not an attack.
    // The user name is typed by the client and may itself contain " from <ip> port <n>": the greedy user part and
    // the end anchor make the LAST "from ... port ..." (the one sshd wrote) the source, so nobody can frame an IP.
    pattern:
      /\bFailed (?<method>password|keyboard-interactive\/pam) for (?:(?<invalid>invalid user) )?(?<user>.*) from (?<ip>[0-9A-Fa-f:.]+) port (?<port>\d+)(?: ssh2)?(?: \[preauth\])?\s*$/,
    title: (g) => `Failed SSH password logins from ${g.ip}`,
    subject: (g) => g.ip ?? '',
    recommendation: 'Disable password authentication (PasswordAuthentication no) where keys are in use.',
    aggregate: {
      id: 'sshd.bruteforce',
      by: 'ip',
      minCount: 'failedLoginAttempts',
      category: 'auth.bruteforce',
      severity: 'crit',
      title: (ip, count) => `SSH brute force from ${ip}: ${count} failed password logins`,
      recommendation:
        'Block the source (firewall, fail2ban), make sure PasswordAuthentication is off and check for a successful login from it.',
    },
  },
  {
    id: 'sshd.invalid_user',
    category: 'auth.invalid_user',
    severity: 'info',
    programs: SSHD_PROGRAMS,
    pattern: /\bInvalid user (?<user>.*) from (?<ip>[0-9A-Fa-f:.]+)(?: port (?<port>\d+))?(?: \[preauth\])?\s*$/,
    title: (g) => `SSH logins for unknown user names from ${g.ip}`,
    subject: (g) => g.ip ?? '',
  },
  {
    id: 'sshd.root_login',
    category: 'auth.root_login',
    severity: 'warn',
    programs: SSHD_PROGRAMS,
    pattern: /\bAccepted (?<method>\S+) for root from (?<ip>[0-9A-Fa-f:.]+) port (?<port>\d+)/,
    title: (g) => `root logged in over SSH from ${g.ip} (${g.method})`,
    subject: (g) => g.ip ?? '',
    recommendation: 'Log in with a named account and use sudo; set PermitRootLogin no (or prohibit-password).',
  },
  {
    id: 'sshd.max_auth_attempts',
    category: 'auth.failed_login',
    severity: 'warn',
    programs: SSHD_PROGRAMS,
    pattern:
      /\bmaximum authentication attempts exceeded for (?:(?<invalid>invalid user) )?(?<user>.*) from (?<ip>[0-9A-Fa-f:.]+) port (?<port>\d+)(?: ssh2)?(?: \[preauth\])?\s*$/,
    title: (g) => `Too many SSH authentication attempts in one connection from ${g.ip}`,
    subject: (g) => g.ip ?? '',
    recommendation: 'Block the source if it is not yours; lower MaxAuthTries or use fail2ban.',
  },
];
