import type { AlertThresholds, Evidence, Finding, LogRecord, Severity } from '../types.js';
import { createRedactor } from './redact.js';
import { buildRuleIndex, rulesFor, type RuleIndex } from './rules/index.js';
import type { LogRule, LogRuleAggregate, RuleGroups } from './rules/types.js';

/** Example lines kept per finding: enough to act on, never a log dump. */
export const MAX_EXAMPLE_LINES = 5;

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

/** The first matching rule of a line, tried only against the rules of the line's program; null when none matches. */
export function matchRecord(record: LogRecord, index: RuleIndex): RuleHit | null {
  const candidates = rulesFor(index, record.program);
  if (candidates.length === 0) return null;
  const { message, weight } = unwrapRepeated(record.message);
  for (const rule of candidates) {
    const m = rule.pattern.exec(message);
    if (m) return { rule, groups: m.groups ?? {}, weight };
  }
  return null;
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

/** The first MAX_EXAMPLE_LINES examples of both lists, in reading order. */
function mergeExamples(a: Example[], b: Example[]): Example[] {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  return [...a, ...b].sort((x, y) => x.seq - y.seq).slice(0, MAX_EXAMPLE_LINES);
}

/** Adds a hit of an ordinary (not aggregated) finding; its spec object is made only when the group needs it. */
function addHitTo(groups: Map<string, GroupAcc>, hit: RuleHit, record: LogRecord, seq: number): void {
  const { rule, groups: captures, weight } = hit;
  const subject = rule.subject?.(captures) ?? '';
  const key = subject ? `${rule.category}:${subject}` : rule.category;
  let group = groups.get(key);
  if (!group) {
    group = { key, spec: ruleSpec(rule, captures, subject), firstSeq: seq, plain: 0, events: null, examples: [] };
    groups.set(key, group);
  } else if (SEVERITY_RANK[rule.severity] > SEVERITY_RANK[group.spec.severity]) {
    group.spec = ruleSpec(rule, captures, subject);
  }
  const eventId = rule.eventId?.(captures);
  if (eventId === undefined) {
    group.plain += weight;
  } else {
    group.events ??= new Map();
    group.events.set(eventId, Math.max(group.events.get(eventId) ?? 0, weight));
  }
  if (group.examples.length < MAX_EXAMPLE_LINES) group.examples.push({ seq, record });
}

/** Folds `from` into `into` (same key): counts add up, a higher severity wins, the earliest examples stay. */
function mergeGroupInto(into: Map<string, GroupAcc>, from: GroupAcc): void {
  const group = into.get(from.key);
  if (!group) {
    into.set(from.key, { ...from, events: from.events ? new Map(from.events) : null, examples: [...from.examples] });
    return;
  }
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
}

/**
 * The findings of log rules, built up hit by hit without keeping the lines: per finding only its counts and at most
 * {@link MAX_EXAMPLE_LINES} example lines. Accumulators can be merged, so the hits of one read job can be kept apart
 * until the job is known to be whole (see RecordBatch) and then folded into the host's.
 */
export class LogRuleAccumulator {
  private readonly groups = new Map<string, GroupAcc>();
  private readonly buckets = new Map<string, Bucket>();

  /** Adds the hit of the line numbered `seq` (reading order). */
  add(hit: RuleHit, record: LogRecord, seq: number): void {
    const agg = hit.rule.aggregate;
    const value = agg ? hit.groups[agg.by] : undefined;
    if (!agg || value === undefined || value === '') {
      addHitTo(this.groups, hit, record, seq);
      return;
    }
    const bucketKey = `${hit.rule.id}\u0000${value}`;
    let bucket = this.buckets.get(bucketKey);
    if (!bucket) {
      bucket = { aggregate: agg, value, firstSeq: seq, weight: 0, examples: [], ordinary: new Map() };
      this.buckets.set(bucketKey, bucket);
    }
    bucket.weight += hit.weight;
    if (bucket.examples.length < MAX_EXAMPLE_LINES) bucket.examples.push({ seq, record });
    addHitTo(bucket.ordinary, hit, record, seq);
  }

  /** Folds another accumulator's hits into this one. */
  merge(other: LogRuleAccumulator): void {
    for (const group of other.groups.values()) mergeGroupInto(this.groups, group);
    for (const [key, from] of other.buckets) {
      const bucket = this.buckets.get(key);
      if (!bucket) {
        const ordinary = new Map<string, GroupAcc>();
        for (const group of from.ordinary.values()) mergeGroupInto(ordinary, group);
        this.buckets.set(key, { ...from, examples: [...from.examples], ordinary });
        continue;
      }
      bucket.firstSeq = Math.min(bucket.firstSeq, from.firstSeq);
      bucket.weight += from.weight;
      bucket.examples = mergeExamples(bucket.examples, from.examples);
      for (const group of from.ordinary.values()) mergeGroupInto(bucket.ordinary, group);
    }
  }

  /** The findings, in the order of their first line; titles, subjects and evidence redacted. */
  findings(thresholds: AlertThresholds, secrets: string[]): Finding[] {
    const final = new Map<string, GroupAcc>();
    for (const group of this.groups.values()) mergeGroupInto(final, group);
    for (const bucket of this.buckets.values()) {
      const agg = bucket.aggregate;
      const minCount = agg.minCount === 'failedLoginAttempts' ? thresholds.failedLoginAttempts : agg.minCount;
      if (bucket.weight >= minCount) {
        const spec = aggregateSpec(agg, bucket.value);
        mergeGroupInto(final, { key: groupKey(spec), spec, firstSeq: bucket.firstSeq, plain: bucket.weight, events: null, examples: bucket.examples });
      } else {
        for (const group of bucket.ordinary.values()) mergeGroupInto(final, group);
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
          title: redact(g.spec.title(count)),
          key: redact(g.key),
          count,
          evidence: toEvidence(
            g.examples.map((e) => e.record),
            redact,
          ),
        };
        if (g.spec.subject) finding.subject = redact(g.spec.subject);
        if (g.spec.recommendation) finding.recommendation = g.spec.recommendation;
        return finding;
      });
  }
}

function toEvidence(examples: readonly LogRecord[], redact: (line: string) => string): Evidence[] {
  const bySource = new Map<string, string[]>();
  for (const record of examples) {
    const lines = bySource.get(record.source) ?? [];
    lines.push(redact(record.line));
    bySource.set(record.source, lines);
  }
  return [...bySource].map(([source, lines]) => ({ source, lines }));
}

/**
 * Applies log rules to the new log lines of one host.
 *
 * - Dispatch: a line is tried only against the rules of its syslog program (plus `*` rules); lines without a
 *   program only against `*` rules. The first matching rule wins.
 * - Aggregation: hits of an aggregating rule with the same capture value (e.g. failed logins per source IP) that
 *   reach the threshold become ONE finding of the aggregate's category instead of ordinary findings.
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
  const index = isRuleIndex(rules) ? rules : buildRuleIndex(rules);
  const accumulator = new LogRuleAccumulator();
  records.forEach((record, seq) => {
    const hit = matchRecord(record, index);
    if (hit) accumulator.add(hit, record, seq);
  });
  return accumulator.findings(thresholds, secrets);
}
