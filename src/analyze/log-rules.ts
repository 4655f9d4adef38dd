import type { AlertThresholds, Evidence, Finding, LogRecord, Severity } from '../types.js';
import { createRedactor } from './redact.js';
import { buildRuleIndex, rulesFor, type RuleIndex } from './rules/index.js';
import type { LogRule, RuleGroups } from './rules/types.js';

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

interface Hit {
  rule: LogRule;
  groups: RuleGroups;
  record: LogRecord;
  weight: number;
}

interface Group {
  key: string;
  spec: FindingSpec;
  /** Event token -> weight; lines of one event (same event id) count once. */
  events: Map<string, number>;
  examples: LogRecord[];
}

function isRuleIndex(rules: readonly LogRule[] | RuleIndex): rules is RuleIndex {
  return !Array.isArray(rules);
}

function unwrapRepeated(message: string): { message: string; weight: number } {
  const m = REPEATED.exec(message);
  if (!m?.[1] || m[2] === undefined) return { message, weight: 1 };
  return { message: m[2], weight: Math.max(1, Number.parseInt(m[1], 10)) };
}

/** First matching rule of each line, tried only against the rules of the line's program. */
function matchRecords(records: readonly LogRecord[], index: RuleIndex): Hit[] {
  const hits: Hit[] = [];
  for (const record of records) {
    const candidates = rulesFor(index, record.program);
    if (candidates.length === 0) continue;
    const { message, weight } = unwrapRepeated(record.message);
    for (const rule of candidates) {
      const m = rule.pattern.exec(message);
      if (!m) continue;
      hits.push({ rule, groups: m.groups ?? {}, record, weight });
      break;
    }
  }
  return hits;
}

function ruleSpec(rule: LogRule, groups: RuleGroups): FindingSpec {
  return {
    ruleId: rule.id,
    category: rule.category,
    severity: rule.severity,
    subject: rule.subject?.(groups) ?? '',
    title: () => rule.title(groups),
    recommendation: rule.recommendation,
  };
}

/** Per aggregating rule and capture value, the hits, so the ones at or above the threshold can be folded. */
function aggregateSpecs(hits: readonly Hit[], thresholds: AlertThresholds): Map<Hit, FindingSpec> {
  const buckets = new Map<string, Hit[]>();
  for (const hit of hits) {
    const agg = hit.rule.aggregate;
    const value = agg ? hit.groups[agg.by] : undefined;
    if (!agg || value === undefined || value === '') continue;
    const bucketKey = `${hit.rule.id}\u0000${value}`;
    const bucket = buckets.get(bucketKey) ?? [];
    bucket.push(hit);
    buckets.set(bucketKey, bucket);
  }
  const specs = new Map<Hit, FindingSpec>();
  for (const bucket of buckets.values()) {
    const first = bucket[0];
    const agg = first?.rule.aggregate;
    if (!first || !agg) continue;
    const minCount = agg.minCount === 'failedLoginAttempts' ? thresholds.failedLoginAttempts : agg.minCount;
    const count = bucket.reduce((n, h) => n + h.weight, 0);
    if (count < minCount) continue;
    const value = first.groups[agg.by] ?? '';
    const spec: FindingSpec = {
      ruleId: agg.id,
      category: agg.category,
      severity: agg.severity,
      subject: value,
      title: (n) => agg.title(value, n),
      recommendation: agg.recommendation,
    };
    for (const hit of bucket) specs.set(hit, spec);
  }
  return specs;
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
  const hits = matchRecords(records, index);
  const aggregated = aggregateSpecs(hits, thresholds);
  const groups = new Map<string, Group>();
  hits.forEach((hit, i) => {
    const spec = aggregated.get(hit) ?? ruleSpec(hit.rule, hit.groups);
    const key = spec.subject ? `${spec.category}:${spec.subject}` : spec.category;
    let group = groups.get(key);
    if (!group) {
      group = { key, spec, events: new Map(), examples: [] };
      groups.set(key, group);
    } else if (SEVERITY_RANK[spec.severity] > SEVERITY_RANK[group.spec.severity]) {
      group.spec = spec;
    }
    const eventId = aggregated.has(hit) ? undefined : hit.rule.eventId?.(hit.groups);
    const token = eventId === undefined ? `line:${i}` : `event:${eventId}`;
    group.events.set(token, Math.max(group.events.get(token) ?? 0, hit.weight));
    if (group.examples.length < MAX_EXAMPLE_LINES) group.examples.push(hit.record);
  });
  const redact = createRedactor(secrets);
  return [...groups.values()].map((g) => {
    const count = [...g.events.values()].reduce((n, w) => n + w, 0);
    // Titles and subjects carry captured text (a user name may be a mistyped password), so they are redacted too.
    const finding: Finding = {
      category: g.spec.category,
      severity: g.spec.severity,
      ruleId: g.spec.ruleId,
      title: redact(g.spec.title(count)),
      key: redact(g.key),
      count,
      evidence: toEvidence(g.examples, redact),
    };
    if (g.spec.subject) finding.subject = redact(g.spec.subject);
    if (g.spec.recommendation) finding.recommendation = g.spec.recommendation;
    return finding;
  });
}
