import { CRON_RULES } from './cron.js';
import { FAIL2BAN_LOGFILE_RULE, FAIL2BAN_RULES } from './fail2ban.js';
import { SMARTD_RULES } from './smartd.js';
import { SYSTEMD_RULES } from './systemd.js';
import type { LogRule } from './types.js';

/**
 * "No space left on device" from any program (`programs: ['*']`), including log files without a syslog header
 * (nginx, PostgreSQL and MySQL error logs). It is tried on every line, after the line's own program's rules.
 */
export const NO_SPACE_LEFT_RULE: LogRule = {
  id: 'system.no_space_left',
  category: 'disk.usage',
  severity: 'crit',
  programs: ['*'],
  // strerror(ENOSPC) as programs print it: `...: No space left on device` (%m, Go's lower-case `no space`),
  // `(28: No space left on device)` (nginx), `[Errno 28] No space...` (Python), `(OS errno 28 - No space...)`
  // (MySQL), `(No space left on device)` (dpkg). The separator before it keeps out commands that merely
  // mention it (`grep "No space left on device" ...` in a shell history or a sudo/cron command line).
  // The literal comes first so the engine finds lines with it by a fast substring scan; the lookbehind then
  // checks what precedes it (a leading alternation instead made every line about twice as expensive).
  pattern: /o space left on device(?<=(?:[:\]-] |\((?:\d{1,3}: )?)[Nn]o space left on device)/,
  title: () => 'Writes failed: no space left on device',
  // The program that failed would be the right subject, but a rule's subject sees only the captures of the
  // message, not the line's program or source: all programs share one finding, their lines are the evidence.
  subject: () => 'no space left on device',
  recommendation:
    'A filesystem (or its inodes: `df -i`) was full when this was written. Free space, find what grew ' +
    '(`du -xh --max-depth=2 /`), and check the program recovered (databases may have stopped).',
};

/**
 * Built-in rules for the system around the kernel: systemd units, cron, fail2ban, smartd, and "No space left on
 * device" from any program. The two `*` rules come last; register SYSTEM_RULES after the other families, so that a
 * line's own program's rules are tried first (the registry keeps its order within each program's candidates).
 */
export const SYSTEM_RULES: readonly LogRule[] = [
  ...SYSTEMD_RULES,
  ...CRON_RULES,
  ...FAIL2BAN_RULES,
  ...SMARTD_RULES,
  NO_SPACE_LEFT_RULE,
  FAIL2BAN_LOGFILE_RULE,
];
