import type { FindingCategory, Severity } from '../../types.js';
import type { IgnoreRule, LogRule, LogRuleAggregate, RuleGroups } from './types.js';

/** A log rule as the config writes it (`global.rules[]`, `sites.<id>.rules[]`, `hosts[].rules[]`), validated. */
export interface UserRuleDefinition {
  id: string;
  category: FindingCategory;
  severity: Severity;
  programs?: string[];
  files?: string[];
  units?: string[];
  containers?: string[];
  /** Regular expression source, tried on the message after the syslog header. */
  pattern: string;
  /** Template: `{name}` is the named capture `name`. */
  title: string;
  subject?: string;
  recommendation?: string;
  aggregate?: UserAggregateDefinition;
}

export interface UserAggregateDefinition {
  /** Default `<rule id>.aggregate`. */
  id?: string;
  by: string;
  count: number;
  within?: number;
  /** Default: the rule's. */
  category?: FindingCategory;
  /** Default: the rule's. */
  severity?: Severity;
  /** Template with `{count}`, `{value}` and `{<by>}`. */
  title?: string;
  recommendation?: string;
}

/** An ignore pattern as the config writes it (a bare string is `{ pattern }`), validated. */
export interface IgnoreDefinition {
  pattern: string;
  programs?: string[];
  files?: string[];
  units?: string[];
  containers?: string[];
}

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** The names used as `{name}` in a template, in order of appearance (duplicates kept out). */
export function templatePlaceholders(template: string): string[] {
  return [...new Set([...template.matchAll(PLACEHOLDER)].map((m) => m[1] as string))];
}

/**
 * A template as a function of a lookup: the text is split once, so a title costs a few concatenations. A capture that
 * did not take part in the match gives an empty text.
 */
export function compileTemplate(template: string): (lookup: (name: string) => string | undefined) => string {
  const parts: string[] = [];
  let last = 0;
  for (const m of template.matchAll(PLACEHOLDER)) {
    parts.push(template.slice(last, m.index), m[1] as string);
    last = (m.index ?? 0) + m[0].length;
  }
  const tail = template.slice(last);
  if (parts.length === 0) return () => tail;
  return (lookup) => {
    let out = '';
    for (let i = 0; i < parts.length; i += 2) out += (parts[i] as string) + (lookup(parts[i + 1] as string) ?? '');
    return out + tail;
  };
}

/** The named captures of a pattern (compiled with an empty alternative, so every group is listed, none matches). */
export function captureNames(pattern: string): string[] {
  const groups = new RegExp(`(?:${pattern})|`).exec('')?.groups;
  return groups ? Object.keys(groups) : [];
}

function withFilters<T extends object>(target: T, def: Pick<IgnoreDefinition, 'programs' | 'files' | 'units' | 'containers'>) {
  return {
    ...target,
    // Without a program filter a rule takes every program, and lines with none; the files etc. narrow it.
    programs: def.programs && def.programs.length > 0 ? [...def.programs] : ['*'],
    ...(def.files ? { files: [...def.files] } : {}),
    ...(def.units ? { units: [...def.units] } : {}),
    ...(def.containers ? { containers: [...def.containers] } : {}),
  };
}

function compileAggregate(def: UserRuleDefinition, agg: UserAggregateDefinition): LogRuleAggregate {
  const title = compileTemplate(agg.title ?? `${def.id}: {count} times for {value}`);
  return {
    id: agg.id ?? `${def.id}.aggregate`,
    by: agg.by,
    minCount: agg.count,
    ...(agg.within !== undefined ? { within: agg.within } : {}),
    category: agg.category ?? def.category,
    severity: agg.severity ?? def.severity,
    title: (value, count) => title((name) => (name === 'count' ? String(count) : name === 'value' || name === agg.by ? value : undefined)),
    ...(agg.recommendation !== undefined ? { recommendation: agg.recommendation } : {}),
  };
}

/**
 * A config rule as a LogRule. The definition must have been validated (config/check-log-rules.ts): the pattern
 * compiles, every placeholder is a named capture. Without `subject` the finding's subject is the rule id, so two
 * user rules of one category never fold into one finding.
 */
export function compileUserRule(def: UserRuleDefinition): LogRule {
  const title = compileTemplate(def.title);
  const subject = compileTemplate(def.subject ?? def.id);
  const lookup = (groups: RuleGroups) => (name: string) => groups[name];
  return withFilters(
    {
      id: def.id,
      category: def.category,
      severity: def.severity,
      pattern: new RegExp(def.pattern),
      title: (groups: RuleGroups) => title(lookup(groups)),
      subject: (groups: RuleGroups) => subject(lookup(groups)),
      ...(def.recommendation !== undefined ? { recommendation: def.recommendation } : {}),
      ...(def.aggregate ? { aggregate: compileAggregate(def, def.aggregate) } : {}),
    },
    def,
  );
}

export function compileIgnore(def: IgnoreDefinition): IgnoreRule {
  return withFilters({ pattern: new RegExp(def.pattern) }, def);
}
