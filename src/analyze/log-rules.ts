import { DEFAULT_ALERT_THRESHOLDS } from '../config/schema-thresholds.js';
import type { AlertThresholds, Evidence, Finding, LogRecord, Severity } from '../types.js';
import { HitWindow, recordTimeMs } from './hit-window.js';
import { createRedactor } from './redact.js';
import { RuleDispatcher } from './rules/dispatch.js';
import { buildRuleIndex, type RuleIndex } from './rules/index.js';
import type { IgnoreRule, LogRule, LogRuleAggregate, RuleGroups } from './rules/types.js';

/** Example lines kept per finding: enough to act on, never a log dump. */
export const MAX_EXAMPLE_LINES = 5;
/**
 * User names listed per finding about an address (evidence value `users`): the names a source tried, which the
 * example lines alone would not show (logwatch lists them too).
 */
export const MAX_LISTED_USERS = 50;
/** User names listed per accumulator at most: a flood of addresses and names cannot make the lists grow memory. */
const MAX_LISTED_USERS_TOTAL = 20_000;

const SEVERITY_RANK: Record<Severity, number> = { info: 0, warn: 1, crit: 2 };

// rsyslog folds identical lines: `message repeated 3 times: [ Failed password for root from ...]` is 3 events.
const REPEATED = /^message repeated (\d+) times: \[\s?(.*)\]\s*$/;

/** What one matched line contributes to a finding. */
interface FindingSpec {
  ruleId: string;
  category: Finding['category'];
  severity: Severity;
  subject: string;
  title: (count: number) => string;
  recommendation: string | undefined;
}

/** The first rule a line matched, and how many events the line stands for. */
export interface RuleHit {
  rule: LogRule;
  groups: RuleGroups;
  weight: number;
}

/** An example line and its place in the pass (lines are numbered in the order they were read). */
interface Example {
  seq: number;
  record: LogRecord;
}

/** The user names of a finding's lines, first seen first, with their line counts; `omitted`: lines of names not kept. */
interface UserList {
  names: Map<string, { lines: number }>;
  omitted: number;
}

/** How many more user names an accumulator may list (shared by its findings). */
interface ListBudget {
  left: number;
}

/** One finding in the making: hits with the same category and subject. */
interface GroupAcc {
  key: string;
  spec: FindingSpec;
  firstSeq: number;
  /** Weight of the hits that are events of their own. */
  plain: number;
  /** Event id -> weight, for hits of a rule with `eventId` (lines of one event count once). */
  events: Map<string, number> | null;
  examples: Example[];
  /**
   * Weight per rule (spec) id, when hits of several rules share the key (`sshd.bruteforce` and `sshd.preauth_flood`
   * are both `auth.bruteforce:<ip>`): the title then counts only the winning rule's own events.
   */
  byRule: Map<string, number>;
  /** The `user` names of its lines, when the finding is about their address (`ip`); else null. */
  users: UserList | null;
}

/** Hits of one aggregating rule with one capture value: one finding if they reach the threshold, else ordinary ones. */
interface Bucket {
  aggregate: LogRuleAggregate;
  value: string;
  firstSeq: number;
  weight: number;
  examples: Example[];
  /** The ordinary findings these hits make when the bucket stays below the threshold. */
  ordinary: Map<string, GroupAcc>;
  /** With `aggregate.within`: whether enough hits fell within one window (else null: counted over the pass). */
  window: HitWindow | null;
}

function isRuleIndex(rules: readonly LogRule[] | RuleIndex): rules is RuleIndex {
  return !Array.isArray(rules);
}

function unwrapRepeated(message: string): { message: string; weight: number } {
  if (!message.startsWith('message repeated ')) return { message, weight: 1 };
  const m = REPEATED.exec(message);
  if (!m?.[1] || m[2] === undefined) return { message, weight: 1 };
  return { message: m[2], weight: Math.max(1, Number.parseInt(m[1], 10)) };
}

/**
 * The first of `rules` (a line's candidates, see RuleDispatcher) whose pattern matches the record's message, or null.
 * rsyslog's `message repeated N times: [ ... ]` is unwrapped first and counts N times.
 */
export function matchRules(rules: readonly LogRule[], record: LogRecord): RuleHit | null {
  if (rules.length === 0) return null;
  let message = record.message;
  let weight = 1;
  // Checked before unwrapping so that the common line costs no allocation.
  if (message.startsWith('message repeated ')) ({ message, weight } = unwrapRepeated(message));
  for (const rule of rules) {
    const m = rule.pattern.exec(message);
    if (m) return { rule, groups: m.groups ?? {}, weight };
  }
  return null;
}

/** Whether one of the ignore patterns matches the whole line (syslog header included, as logcheck does). */
export function isIgnored(ignore: readonly IgnoreRule[], line: string): boolean {
  for (const rule of ignore) {
    if (rule.pattern.test(line)) return true;
  }
  return false;
}

/** The aggregate's threshold for these host thresholds. */
function minCountOf(agg: LogRuleAggregate, thresholds: AlertThresholds): number {
  return agg.minCount === 'failedLoginAttempts' ? thresholds.failedLoginAttempts : agg.minCount;
}

function ruleSpec(rule: LogRule, groups: RuleGroups, subject: string): FindingSpec {
  return {
    ruleId: rule.id,
    category: rule.category,
    severity: rule.severity,
    subject,
    title: () => rule.title(groups),
    recommendation: rule.recommendation,
  };
}

function aggregateSpec(agg: LogRuleAggregate, value: string): FindingSpec {
  return {
    ruleId: agg.id,
    category: agg.category,
    severity: agg.severity,
    subject: value,
    title: (n) => agg.title(value, n),
    recommendation: agg.recommendation,
  };
}

function groupKey(spec: FindingSpec): string {
  return spec.subject ? `${spec.category}:${spec.subject}` : spec.category;
}

/** Adds `weight` lines naming `name` to the list, if it still has room (in the finding and in the budget). */
function listUser(list: UserList, name: string, weight: number, budget: ListBudget | null): void {
  const known = list.names.get(name);
  if (known !== undefined) {
    known.lines += weight;
  } else if (list.names.size < MAX_LISTED_USERS && (budget === null || budget.left > 0)) {
    list.names.set(name, { lines: weight });
    if (budget) budget.left--;
  } else {
    list.omitted += weight;
  }
}

/** Folds `from` into `into` (either may be null); the result is a new list or `into`. */
function mergeUsers(into: UserList | null, from: UserList | null, budget: ListBudget | null): UserList | null {
  if (from === null) return into;
  const list = into ?? { names: new Map(), omitted: 0 };
  list.omitted += from.omitted;
  for (const [name, { lines }] of from.names) listUser(list, name, lines, budget);
  return list;
}

/** The first MAX_EXAMPLE_LINES examples of both lists, in reading order. */
function mergeExamples(a: Example[], b: Example[]): Example[] {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  return [...a, ...b].sort((x, y) => x.seq - y.seq).slice(0, MAX_EXAMPLE_LINES);
}

/**
 * Adds a hit of an ordinary (not aggregated) finding; its spec object is made only when the group needs it. A finding
 * about an address (its subject is the line's `ip`) lists the line's `user`: the names tried from there.
 */
function addHitTo(groups: Map<string, GroupAcc>, hit: RuleHit, record: LogRecord, seq: number, budget: ListBudget): void {
  const { rule, groups: captures, weight } = hit;
  const subject = rule.subject?.(captures) ?? '';
  const key = subject ? `${rule.category}:${subject}` : rule.category;
  let group = groups.get(key);
  if (!group) {
    group = { key, spec: ruleSpec(rule, captures, subject), firstSeq: seq, plain: 0, events: null, examples: [], byRule: new Map(), users: null };
    groups.set(key, group);
  } else if (SEVERITY_RANK[rule.severity] > SEVERITY_RANK[group.spec.severity]) {
    group.spec = ruleSpec(rule, captures, subject);
  }
  group.byRule.set(rule.id, (group.byRule.get(rule.id) ?? 0) + weight);
  const eventId = rule.eventId?.(captures);
  if (eventId === undefined) {
    group.plain += weight;
  } else {
    group.events ??= new Map();
    group.events.set(eventId, Math.max(group.events.get(eventId) ?? 0, weight));
  }
  if (group.examples.length < MAX_EXAMPLE_LINES) group.examples.push({ seq, record });
  const user = captures.user;
  if (user !== undefined && user !== '' && subject !== '' && subject === captures.ip) {
    group.users ??= { names: new Map(), omitted: 0 };
    listUser(group.users, user, weight, budget);
  }
}

/**
 * Folds `from` into `into` (same key): counts add up, a higher severity wins, the earliest examples stay, user lists
 * join (within `budget` when given).
 */
function mergeGroupInto(into: Map<string, GroupAcc>, from: GroupAcc, budget: ListBudget | null): void {
  const group = into.get(from.key);
  if (!group) {
    into.set(from.key, {
      ...from,
      events: from.events ? new Map(from.events) : null,
      examples: [...from.examples],
      byRule: new Map(from.byRule),
      users: mergeUsers(null, from.users, budget),
    });
    return;
  }
  for (const [id, weight] of from.byRule) group.byRule.set(id, (group.byRule.get(id) ?? 0) + weight);
  const laterIsFirst = from.firstSeq < group.firstSeq;
  if (SEVERITY_RANK[from.spec.severity] > SEVERITY_RANK[group.spec.severity] || (laterIsFirst && from.spec.severity === group.spec.severity)) {
    group.spec = from.spec;
  }
  group.firstSeq = Math.min(group.firstSeq, from.firstSeq);
  group.plain += from.plain;
  if (from.events) {
    group.events ??= new Map();
    for (const [id, weight] of from.events) group.events.set(id, Math.max(group.events.get(id) ?? 0, weight));
  }
  group.examples = mergeExamples(group.examples, from.examples);
  group.users = mergeUsers(group.users, from.users, budget);
}

/**
 * The findings of log rules, built up hit by hit without keeping the lines: per finding only its counts and at most
 * {@link MAX_EXAMPLE_LINES} example lines. Accumulators can be merged, so the hits of one read job can be kept apart
 * until the job is known to be whole (see RecordBatch) and then folded into the host's.
 */
export class LogRuleAccumulator {
  private readonly groups = new Map<string, GroupAcc>();
  /** By aggregating rule id, then capture value: no key string is built per hit. */
  private readonly buckets = new Map<string, Map<string, Bucket>>();
  private readonly budget: ListBudget = { left: MAX_LISTED_USERS_TOTAL };

  /**
   * @param thresholds the host's thresholds: a time window needs its aggregate's count while hits arrive (it keeps
   *   that many hits at most). `findings()` decides with its own thresholds argument.
   */
  constructor(private readonly thresholds: AlertThresholds = DEFAULT_ALERT_THRESHOLDS) {}

  /** Adds the hit of the line numbered `seq` (reading order). */
  add(hit: RuleHit, record: LogRecord, seq: number): void {
    const agg = hit.rule.aggregate;
    const value = agg ? hit.groups[agg.by] : undefined;
    if (!agg || value === undefined || value === '') {
      addHitTo(this.groups, hit, record, seq, this.budget);
      return;
    }
    let byValue = this.buckets.get(hit.rule.id);
    if (!byValue) {
      byValue = new Map();
      this.buckets.set(hit.rule.id, byValue);
    }
    let bucket = byValue.get(value);
    if (!bucket) {
      const window = agg.within === undefined ? null : new HitWindow(agg.within * 1000, Math.max(1, minCountOf(agg, this.thresholds)));
      bucket = { aggregate: agg, value, firstSeq: seq, weight: 0, examples: [], ordinary: new Map(), window };
      byValue.set(value, bucket);
    }
    bucket.weight += hit.weight;
    bucket.window?.add(recordTimeMs(record.time), hit.weight, seq);
    if (bucket.examples.length < MAX_EXAMPLE_LINES) bucket.examples.push({ seq, record });
    addHitTo(bucket.ordinary, hit, record, seq, this.budget);
  }

  /** Folds another accumulator's hits into this one. */
  merge(other: LogRuleAccumulator): void {
    for (const group of other.groups.values()) mergeGroupInto(this.groups, group, this.budget);
    for (const [ruleId, fromByValue] of other.buckets) {
      let byValue = this.buckets.get(ruleId);
      if (!byValue) {
        byValue = new Map();
        this.buckets.set(ruleId, byValue);
      }
      for (const [value, from] of fromByValue) {
        const bucket = byValue.get(value);
        if (!bucket) {
          const ordinary = new Map<string, GroupAcc>();
          for (const group of from.ordinary.values()) mergeGroupInto(ordinary, group, this.budget);
          byValue.set(value, { ...from, examples: [...from.examples], ordinary, window: from.window?.clone() ?? null });
          continue;
        }
        bucket.firstSeq = Math.min(bucket.firstSeq, from.firstSeq);
        bucket.weight += from.weight;
        if (bucket.window && from.window) bucket.window.merge(from.window);
        bucket.examples = mergeExamples(bucket.examples, from.examples);
        for (const group of from.ordinary.values()) mergeGroupInto(bucket.ordinary, group, this.budget);
      }
    }
  }

  /** The findings, in the order of their first line; titles, subjects and evidence redacted. */
  findings(thresholds: AlertThresholds, secrets: string[]): Finding[] {
    const final = new Map<string, GroupAcc>();
    for (const group of this.groups.values()) mergeGroupInto(final, group, null);
    for (const byValue of this.buckets.values()) {
      for (const bucket of byValue.values()) {
        const agg = bucket.aggregate;
        const minCount = minCountOf(agg, thresholds);
        const fired = bucket.window ? bucket.window.fires(minCount) : bucket.weight >= minCount;
        if (fired) {
          const spec = aggregateSpec(agg, bucket.value);
          // Its user names are those of the ordinary findings it replaces.
          let users: UserList | null = null;
          for (const group of bucket.ordinary.values()) users = mergeUsers(users, group.users, null);
          mergeGroupInto(
            final,
            {
              key: groupKey(spec),
              spec,
              firstSeq: bucket.firstSeq,
              plain: bucket.weight,
              events: null,
              examples: bucket.examples,
              byRule: new Map([[spec.ruleId, bucket.weight]]),
              users,
            },
            null,
          );
        } else {
          for (const group of bucket.ordinary.values()) mergeGroupInto(final, group, null);
        }
      }
    }
    const redact = createRedactor(secrets);
    return [...final.values()]
      .sort((a, b) => a.firstSeq - b.firstSeq)
      .map((g) => {
        let count = g.plain;
        for (const weight of g.events?.values() ?? []) count += weight;
        // Titles and subjects carry captured text (a user name may be a mistyped password), so they are redacted too.
        const finding: Finding = {
          category: g.spec.category,
          severity: g.spec.severity,
          ruleId: g.spec.ruleId,
          // Several rules in one finding: the title counts what it names (the winning rule's events); `count` all.
          title: redact(g.spec.title(g.byRule.size > 1 ? (g.byRule.get(g.spec.ruleId) ?? count) : count)),
          key: redact(g.key),
          count,
          evidence: toEvidence(
            g.examples.map((e) => e.record),
            redact,
            g.users,
          ),
        };
        if (g.spec.subject) finding.subject = redact(g.spec.subject);
        if (g.spec.recommendation) finding.recommendation = g.spec.recommendation;
        return finding;
      });
  }
}

/**
 * The example lines by source; the user names (when listed) go with the first source as values: `users` (first seen
 * first) and `usersOmitted` (lines whose name did not fit in the list).
 */
function toEvidence(examples: readonly LogRecord[], redact: (line: string) => string, users: UserList | null): Evidence[] {
  const bySource = new Map<string, string[]>();
  for (const record of examples) {
    const lines = bySource.get(record.source) ?? [];
    lines.push(redact(record.line));
    bySource.set(record.source, lines);
  }
  const evidence: Evidence[] = [...bySource].map(([source, lines]) => ({ source, lines }));
  const first = evidence[0];
  if (users !== null && users.names.size > 0 && first) {
    first.values = { users: [...users.names.keys()].map(redact).join(', ') };
    if (users.omitted > 0) first.values.usersOmitted = users.omitted;
  }
  return evidence;
}

/**
 * Applies log rules to the new log lines of one host.
 *
 * - Ignore: a line matching one of the rule set's ignore patterns (whole line) is dropped first.
 * - Dispatch: a line is tried only against the rules whose filters take it: its syslog program (plus `*` rules; lines
 *   without a program only `*` rules) and, for rules with `files`, `units` or `containers`, its source. The
 *   candidates are cached per (source, unit, program) by a RuleDispatcher. The first matching rule wins.
 * - Aggregation: hits of an aggregating rule with the same capture value (e.g. failed logins per source IP) that
 *   reach the threshold (over the pass, or within `aggregate.within` seconds of each other) become ONE finding of
 *   the aggregate's category instead of ordinary findings.
 * - Grouping: hits with the same category and subject are one finding (highest severity wins), with the number of
 *   events and at most {@link MAX_EXAMPLE_LINES} redacted example lines.
 *
 * Findings come in the order of their first line.
 */
export function applyLogRules(
  records: readonly LogRecord[],
  rules: readonly LogRule[] | RuleIndex,
  thresholds: AlertThresholds,
  secrets: string[],
): Finding[] {
  const dispatcher = new RuleDispatcher(isRuleIndex(rules) ? rules : buildRuleIndex(rules));
  const accumulator = new LogRuleAccumulator(thresholds);
  records.forEach((record, seq) => {
    const candidates = dispatcher.candidates(record);
    if (candidates.ignore.length > 0 && isIgnored(candidates.ignore, record.line)) return;
    const hit = matchRules(candidates.rules, record);
    if (hit) accumulator.add(hit, record, seq);
  });
  return accumulator.findings(thresholds, secrets);
}
