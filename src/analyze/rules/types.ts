import type { FindingCategory, Severity } from '../../types.js';

/** Named captures of a rule's pattern (an optional group that did not take part is undefined). */
export type RuleGroups = Readonly<Record<string, string | undefined>>;

/**
 * Turns many matches of one rule into one finding per value of a capture once they reach a threshold
 * (e.g. failed logins per source IP -> `auth.bruteforce`). Matches below the threshold stay ordinary findings.
 */
export interface LogRuleAggregate {
  /** Rule id given to the aggregated finding (`sshd.bruteforce`). */
  id: string;
  /** Name of the capture to group by (`ip`). */
  by: string;
  /** Matches per value needed, or the name of the host threshold that holds it. */
  minCount: number | 'failedLoginAttempts';
  category: FindingCategory;
  severity: Severity;
  title: (value: string, count: number) => string;
  recommendation?: string;
}

/**
 * One log rule, as data. A rule is only tried on lines whose syslog program is listed in `programs`
 * (`['*']`: every line, including lines without a syslog header).
 */
export interface LogRule {
  /** Stable id (`sshd.failed_password`), stored with the finding. */
  id: string;
  category: FindingCategory;
  severity: Severity;
  /** Dispatch key: syslog program names (`sshd`, `kernel`), compared case-insensitively, or `*`. */
  programs: string[];
  /** Tried on the message after the syslog header; use named captures. */
  pattern: RegExp;
  title: (groups: RuleGroups) => string;
  /** What the finding is about (an IP, a user, a program). Matches with the same category and subject are grouped. */
  subject?: (groups: RuleGroups) => string;
  /**
   * Identity of the event a line belongs to, when one event logs several matching lines (the OOM killer logs
   * `oom-kill:` and `Killed process` for the same pid). Lines with the same event id count once.
   */
  eventId?: (groups: RuleGroups) => string | undefined;
  recommendation?: string;
  aggregate?: LogRuleAggregate;
}
