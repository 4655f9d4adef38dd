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
  /**
   * Seconds (optional): the matches must fall within this many seconds of each other (a sliding window over the
   * records' time; records without a time count as inside every window). Without it, matches count over the pass.
   */
  within?: number;
  category: FindingCategory;
  severity: Severity;
  title: (value: string, count: number) => string;
  recommendation?: string;
}

/**
 * Where a rule (or an ignore pattern) applies. A record must pass `programs`, AND, when the rule has any of
 * `files`, `units` or `containers`, at least one of those: each names one kind of source (a log file, a journal
 * unit, a container), and a record comes from exactly one of them.
 */
export interface SourceFilter {
  /** Dispatch key: syslog program names (`sshd`, `kernel`), compared case-insensitively, or `*` (any, or none). */
  programs: string[];
  /**
   * Globs on `record.source` (`/var/log/nginx/*.log`; `*` and `?` stop at `/`, `**` does not). A glob also matches
   * the rotated siblings of what it names (`.1`, `-20261125`), whose remainder is read once after a rotation.
   */
  files?: string[];
  /** Globs on the systemd unit of journal records (`nginx.service`, `docker-*.scope`); a name without a dot gets `.service`. */
  units?: string[];
  /** Globs on the names of docker containers (records whose source is `docker:<name>`). */
  containers?: string[];
}

/**
 * One log rule, as data. A rule is only tried on lines whose syslog program is listed in `programs`
 * (`['*']`: every line, including lines without a syslog header) and that pass its source filters.
 */
export interface LogRule extends SourceFilter {
  /** Stable id (`sshd.failed_password`), stored with the finding. */
  id: string;
  category: FindingCategory;
  severity: Severity;
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

/**
 * A logcheck-style ignore pattern: a line it matches (the WHOLE line, syslog header included, as logcheck does)
 * never reaches the own-session filter nor the rules.
 */
export interface IgnoreRule extends SourceFilter {
  pattern: RegExp;
}
