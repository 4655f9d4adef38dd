import type { LogRule } from './types.js';

/** fail2ban's own log names through syslog or the journal (`logtarget = SYSLOG` / `SYSTEMD-JOURNAL`). */
const FAIL2BAN = ['fail2ban', 'fail2ban-server', 'fail2ban.actions'];

const IP = String.raw`[0-9A-Fa-f:.]{2,45}`;

const BAN_RECOMMENDATION = 'Nothing to do unless the address is yours; then `fail2ban-client set <jail> unbanip <ip>`.';

/**
 * fail2ban rules (server/actions.py: `[%s] %sBan %s`): a ban is `auth.bruteforce` (info: fail2ban already acted),
 * subject the banned IP, so it shares its key with an sshd brute-force finding for the same IP. `Unban` and
 * `Restore Ban` (bans replayed from fail2ban's database when it restarts, reported when they first happened) match
 * nothing, nor `already banned`.
 */
export const FAIL2BAN_RULES: readonly LogRule[] = [
  {
    id: 'fail2ban.ban',
    category: 'auth.bruteforce',
    severity: 'info',
    programs: FAIL2BAN,
    // Journal: MESSAGE is `[sshd] Ban 203.0.113.9`; on stdout/stderr: `... NOTICE  [sshd] Ban 203.0.113.9`.
    pattern: new RegExp(String.raw`(?:^|NOTICE\s{1,4})\[(?<jail>[^\]\s]{1,64})\] Ban (?<ip>${IP})\s*$`),
    title: (g) => `fail2ban banned ${g.ip} (jail ${g.jail})`,
    subject: (g) => g.ip ?? '',
    recommendation: BAN_RECOMMENDATION,
  },
];

/**
 * Bans in /var/log/fail2ban.log (the default logtarget), and syslog lines whose tag rsyslog could not split
 * (`logtarget = SYSLOG` pads the logger name with spaces): lines without a syslog program, which only a `*` rule
 * reaches. Register it after every program's own rules. The literal logger name comes first, so other lines cost
 * one substring scan.
 */
export const FAIL2BAN_LOGFILE_RULE: LogRule = {
  id: 'fail2ban.ban_logfile',
  category: 'auth.bruteforce',
  severity: 'info',
  programs: ['*'],
  // `2026-11-25 10:15:02,345 fail2ban.actions        [1234]: NOTICE  [sshd] Ban 203.0.113.9`
  // (format `%(asctime)s %(name)-24s[%(process)d]: %(levelname)-7s %(message)s`, helpers.getVerbosityFormat).
  pattern: new RegExp(String.raw`fail2ban\.actions\s{0,16}\[\d{1,10}\]: NOTICE\s{1,4}\[(?<jail>[^\]\s]{1,64})\] Ban (?<ip>${IP})\s*$`),
  title: (g) => `fail2ban banned ${g.ip} (jail ${g.jail})`,
  subject: (g) => g.ip ?? '',
  recommendation: BAN_RECOMMENDATION,
};
