import { KERNEL_RULES } from './kernel.js';
import { SSHD_RULES } from './sshd.js';
import type { LogRule } from './types.js';

export type { LogRule, LogRuleAggregate, RuleGroups } from './types.js';

/** Every built-in log rule, in the order they are tried (the first matching rule of a line wins). */
export const LOG_RULES: readonly LogRule[] = [...SSHD_RULES, ...KERNEL_RULES];

/** Rules by syslog program, so a line is only tried against the rules of its own program. */
export interface RuleIndex {
  /** Lower-cased program name -> its rules, with the `*` rules appended, in registry order. */
  byProgram: ReadonlyMap<string, readonly LogRule[]>;
  /** Rules declaring `programs: ['*']`: tried on every line, and the only ones tried on lines without a program. */
  wildcard: readonly LogRule[];
}

/** Builds the dispatch map once per rule set. */
export function buildRuleIndex(rules: readonly LogRule[]): RuleIndex {
  const wildcard = rules.filter((r) => r.programs.includes('*'));
  const byProgram = new Map<string, LogRule[]>();
  for (const rule of rules) {
    for (const program of rule.programs) {
      if (program === '*') continue;
      const key = program.toLowerCase();
      const list = byProgram.get(key) ?? [];
      if (!list.includes(rule)) list.push(rule);
      byProgram.set(key, list);
    }
  }
  // Wildcard rules also see lines that have a program; keep registry order within each list.
  for (const [key, list] of byProgram) {
    byProgram.set(key, rules.filter((r) => list.includes(r) || wildcard.includes(r)));
  }
  return { byProgram, wildcard };
}

/** The rules to try on a line with this syslog program (null: no syslog header). */
export function rulesFor(index: RuleIndex, program: string | null): readonly LogRule[] {
  if (program === null) return index.wildcard;
  return index.byProgram.get(program.toLowerCase()) ?? index.wildcard;
}
