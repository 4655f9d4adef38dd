import { AUTH_EXTRA_RULES } from './auth-extra.js';
import { KERNEL_RULES } from './kernel.js';
import { KERNEL_EXTRA_RULES } from './kernel-extra.js';
import { compileFilter, type CompiledFilter, acceptsProgram } from './source-filter.js';
import { SSHD_RULES } from './sshd.js';
import { SYSTEM_RULES } from './system.js';
import type { IgnoreRule, LogRule } from './types.js';

export type { IgnoreRule, LogRule, LogRuleAggregate, RuleGroups, SourceFilter } from './types.js';

/**
 * Every built-in log rule, in the order they are tried (the first matching rule of a line wins): each program's own
 * rules first (sshd before the preauth and sudo/su/account rules of auth-extra), the `*` rules of system.ts last, so
 * no catch-all shadows a specific rule.
 */
export const LOG_RULES: readonly LogRule[] = [...SSHD_RULES, ...AUTH_EXTRA_RULES, ...KERNEL_RULES, ...KERNEL_EXTRA_RULES, ...SYSTEM_RULES];

/**
 * A rule set ready to apply: the rules and ignore patterns in order, with their source filters compiled. Built once
 * per distinct rule set and shared (every host without rules of its own shares its site's, or the global, index);
 * it holds no per-pass state, so it can be shared by concurrent hosts. Which rules a line is tried against is
 * decided by a {@link RuleDispatcher} (dispatch.ts), one per host stream, that caches the candidates per source.
 */
export interface RuleIndex {
  readonly rules: readonly LogRule[];
  readonly ignore: readonly IgnoreRule[];
  /** `rules[i]`'s compiled filter. */
  readonly ruleFilters: readonly CompiledFilter[];
  /** `ignore[i]`'s compiled filter. */
  readonly ignoreFilters: readonly CompiledFilter[];
  /** Whether any rule or ignore pattern filters on the journal unit (candidates then depend on the unit too). */
  readonly hasUnitFilters: boolean;
}

/** Compiles the source filters of a rule set once. `ignore` patterns are applied before every rule. */
export function buildRuleIndex(rules: readonly LogRule[], ignore: readonly IgnoreRule[] = []): RuleIndex {
  const ruleFilters = rules.map(compileFilter);
  const ignoreFilters = ignore.map(compileFilter);
  return {
    rules: [...rules],
    ignore: [...ignore],
    ruleFilters,
    ignoreFilters,
    hasUnitFilters: [...ruleFilters, ...ignoreFilters].some((f) => f.units !== null),
  };
}

/**
 * The rules whose program filter takes this syslog program (null: a line without a syslog header), in order,
 * regardless of source filters. For inspection and tests; lines are dispatched by {@link RuleDispatcher}.
 */
export function rulesFor(index: RuleIndex, program: string | null): readonly LogRule[] {
  const key = program === null ? null : program.toLowerCase();
  return index.rules.filter((_, i) => acceptsProgram(index.ruleFilters[i] as CompiledFilter, key));
}

let builtIn: RuleIndex | null = null;

/** The built-in rules' index, built once per process (hosts without user rules or ignore patterns share it). */
export function builtInIndex(): RuleIndex {
  builtIn ??= buildRuleIndex(LOG_RULES);
  return builtIn;
}
