import type { LogRule } from './types.js';

const CRON = ['cron', 'crond'];

/** The crontab owner cron names in `(<user>) ...`: `CRON` is the daemon itself. */
function cronSubject(user: string | undefined): string {
  return !user || user === 'CRON' ? 'cron' : `cron:${user}`;
}

/**
 * cron rules (Debian cron 3.0pl1 logs as `cron`/`CRON`, cronie as `crond`/`CROND`; pam_unix through them; the
 * format is log_it()'s `(<user>) <EVENT> (<detail>)`). A cron job that fails, or a crontab cron refuses to run, is a scheduled service that does not do its
 * work: `service.failed`, with subject `cron` (the job is not named in the line; its `CRON[<pid>]: (<user>) CMD`
 * line carries the pid) or `cron:<user>` when the line names the crontab's owner. Routine lines (`(root) CMD
 * (...)`, `pam_unix(cron:session): session opened/closed`, `(CRON) INFO (...)`, `RELOAD`, `(CRON) info (No MTA
 * installed, discarding output)`) match nothing.
 */
export const CRON_RULES: readonly LogRule[] = [
  {
    id: 'cron.job_failed',
    category: 'service.failed',
    severity: 'warn',
    programs: CRON,
    // Debian do_command.c, with job failure logging on (`-L 4`, e.g. EXTRA_OPTS="-L 15" in /etc/default/cron).
    pattern: /^\(CRON\) error \(grandchild #(?<pid>\d+) (?:failed with exit status (?<status>\d+)|terminated by signal (?<signal>\d+))/,
    title: (g) =>
      g.status !== undefined
        ? `A cron job failed (exit status ${g.status}, pid ${g.pid})`
        : `A cron job was killed by signal ${g.signal} (pid ${g.pid})`,
    subject: () => 'cron',
    recommendation: 'Find the job by its pid (`CRON[<pid>]: (<user>) CMD (...)` just before) and run it by hand.',
  },
  {
    id: 'cron.crontab_rejected',
    category: 'service.failed',
    severity: 'warn',
    programs: CRON,
    // database.c check_open() (Debian and cronie): cron skips the whole crontab.
    pattern:
      /^\((?<user>[^()\s]{1,64})\) (?<why>INSECURE MODE \(mode 0600 expected\)|INSECURE MODE \(group\/other writable\)|WRONG FILE OWNER|BAD FILE MODE|NOT A REGULAR FILE|NOT REGULAR|NUMBER OF HARD LINKS > 1|BAD LINK COUNT|WRONG SYMLINK OWNER) \((?<file>[^()\n]{1,256})\)/,
    title: (g) => `cron ignores the crontab ${g.file}: ${(g.why ?? '').toLowerCase()}`,
    subject: (g) => cronSubject(g.user),
    recommendation: 'Fix the owner and mode of the crontab (`crontab -e` writes it right; files in /etc/cron.d: root, 0644).',
  },
  {
    id: 'cron.error',
    category: 'service.failed',
    severity: 'warn',
    programs: CRON,
    // `(root) ERROR (getpwnam() failed)`, Debian's `(*system*php) ERROR (Syntax error, this crontab file will be
    // ignored)`, cronie's `(CRON) ERROR chdir failed (/home/bob): ...` and `(bob) FAILED to authorize user with PAM
    // (Authentication token is no longer valid; new one required)`.
    pattern:
      /^\((?<user>[^()\s]{1,64})\) (?<event>ERROR(?: [a-z][a-z ]{0,40})?|FAILED to authorize user with PAM|FAILED to open PAM security session) \((?<detail>[^\n]{1,300})\)/,
    title: (g) => {
      const event = (g.event ?? 'ERROR').replace(/^ERROR ?/, '').replace(/^FAILED/, 'failed');
      return `cron error${g.user === 'CRON' ? '' : ` for ${g.user}`}: ${event ? `${event} (${g.detail})` : g.detail}`;
    },
    subject: (g) => cronSubject(g.user),
    recommendation: 'The jobs of this crontab do not run until this is fixed.',
  },
  {
    id: 'cron.orphan',
    category: 'service.failed',
    // The user was deleted and the crontab left behind: its jobs do not run, which is usually what was wanted.
    severity: 'info',
    programs: CRON,
    pattern: /^\((?<user>[^()\s]{1,64})\) ORPHAN \(no passwd entry\)/,
    title: (g) => `cron ignores the crontab of ${g.user}: no such user`,
    subject: (g) => cronSubject(g.user),
    recommendation: 'Remove the crontab (/var/spool/cron/crontabs/<user>) if the account is gone for good.',
  },
  {
    id: 'cron.account_expired',
    category: 'service.failed',
    severity: 'warn',
    programs: CRON,
    // pam_unix_acct.c through cron's PAM account check: the user's jobs are refused until the account is fixed.
    pattern:
      /^pam_unix\(crond?:account\): (?:account (?<user>\S{1,64}) has expired \((?<why>[^)\n]{1,40})\)|expired password for user (?<user2>\S{1,64}) \((?<why2>[^)\n]{1,40})\)|password for user (?<user3>\S{1,64}) is inactive)/,
    title: (g) => {
      const user = g.user ?? g.user2 ?? g.user3;
      const why = g.user ? 'the account has expired' : g.user2 ? 'the password has expired' : 'the password is inactive';
      return `cron jobs of ${user} are refused: ${why}`;
    },
    subject: (g) => cronSubject(g.user ?? g.user2 ?? g.user3),
    recommendation: 'Extend the account or password (`chage -l <user>`), or set a non-expiring password for service accounts.',
  },
];
