/**
 * Each host's log rule set: the built-in rules, then the `rules` and `ignore` of global, the host's site and the host
 * (lists are added up level by level; a rule whose id is already defined replaces that rule in its place;
 * `enabled: false` switches an id off, a lower level may switch it back on). Each level is compiled once, and hosts
 * that end up with the same rules share one RuleIndex: 500 hosts of one site without rules of their own compile
 * nothing more than their site.
 */
import { buildRuleIndex, builtInIndex, LOG_RULES, type RuleIndex } from '../analyze/rules/index.js';
import type { IgnoreRule, LogRule } from '../analyze/rules/types.js';
import { compileIgnore, compileUserRule, type UserRuleDefinition } from '../analyze/rules/user-rules.js';
import type { ConfigDocument, HostEntry } from './schema.js';
import type { IgnoreEntry, RuleEntry } from './schema-rules.js';

/** The rules in force after some levels. Immutable: a level that adds nothing returns the same object. */
interface RuleState {
  rules: readonly LogRule[];
  disabled: ReadonlySet<string>;
  ignore: readonly IgnoreRule[];
}

const BUILT_IN: RuleState = { rules: LOG_RULES, disabled: new Set(), ignore: [] };

interface Level {
  rules?: RuleEntry[] | undefined;
  ignore?: IgnoreEntry[] | undefined;
}

function hasAny(level: Level | undefined): level is Level {
  return (level?.rules?.length ?? 0) > 0 || (level?.ignore?.length ?? 0) > 0;
}

function applyLevel(state: RuleState, level: Level | undefined): RuleState {
  if (!hasAny(level)) return state;
  const rules = [...state.rules];
  const disabled = new Set(state.disabled);
  for (const entry of level.rules ?? []) {
    if (entry.pattern !== undefined) {
      // Validated by check-log-rules.ts: a full rule has category, severity, pattern and title.
      const rule = compileUserRule(entry as UserRuleDefinition);
      const at = rules.findIndex((r) => r.id === rule.id);
      if (at >= 0) rules[at] = rule;
      else rules.push(rule);
    }
    if (entry.enabled === false) disabled.add(entry.id);
    else disabled.delete(entry.id);
  }
  return { rules, disabled, ignore: [...state.ignore, ...(level.ignore ?? []).map(compileIgnore)] };
}

function toIndex(state: RuleState): RuleIndex {
  if (state === BUILT_IN) return builtInIndex();
  const rules: LogRule[] = [];
  for (const rule of state.rules) {
    if (state.disabled.has(rule.id)) continue;
    if (rule.aggregate && state.disabled.has(rule.aggregate.id)) {
      // Switching off an aggregate id keeps the rule, without aggregation: its hits stay ordinary findings.
      const { aggregate: _dropped, ...plain } = rule;
      rules.push(plain);
    } else rules.push(rule);
  }
  return buildRuleIndex(rules, state.ignore);
}

/**
 * A function giving each host of `doc` its RuleIndex. It compiles the global level once, each site once (on first
 * use) and each host that has rules or ignore patterns of its own; indexes are shared between hosts with the same
 * levels.
 */
export function createRuleResolver(doc: ConfigDocument): (host: HostEntry) => RuleIndex {
  const global = applyLevel(BUILT_IN, doc.global);
  const sites = new Map<string, RuleState>();
  const indexes = new Map<RuleState, RuleIndex>();
  return (host) => {
    let state = global;
    const site = host.site !== undefined ? doc.sites[host.site] : undefined;
    if (host.site !== undefined && site) {
      let siteState = sites.get(host.site);
      if (!siteState) {
        siteState = applyLevel(global, site);
        sites.set(host.site, siteState);
      }
      state = siteState;
    }
    state = applyLevel(state, host);
    let index = indexes.get(state);
    if (!index) {
      index = toIndex(state);
      indexes.set(state, index);
    }
    return index;
  };
}
