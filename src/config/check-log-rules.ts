/**
 * Cross-field checks of the `rules` and `ignore` lists at every level (global, sites, hosts), on the raw document
 * like rules.ts, so they are reported together with the schema's problems. Values of the wrong type are left to
 * the schema.
 */
import { LOG_RULES } from '../analyze/rules/index.js';
import { captureNames, templatePlaceholders } from '../analyze/rules/user-rules.js';
import type { ConfigProblem } from '../errors.js';
import { formatPath, type PathSegment } from './config-path.js';
import { closestKey } from './did-you-mean.js';
import { problemAt, type ProblemSource } from './issues.js';
import { regexProblem } from './regex-safety.js';

type Raw = Record<string, unknown>;

function isRecord(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every place that may hold `rules` and `ignore`: global, each site, each host. */
function levels(doc: Raw): PathSegment[][] {
  const out: PathSegment[][] = [['global']];
  if (isRecord(doc.sites)) for (const id of Object.keys(doc.sites)) out.push(['sites', id]);
  if (Array.isArray(doc.hosts)) doc.hosts.forEach((_, i) => out.push(['hosts', i]));
  return out;
}

function at(doc: Raw, path: readonly PathSegment[]): unknown {
  let value: unknown = doc;
  for (const segment of path) {
    if (typeof segment === 'number') value = Array.isArray(value) ? value[segment] : undefined;
    else value = isRecord(value) ? value[segment] : undefined;
  }
  return value;
}

const REQUIRED = ['category', 'severity', 'pattern', 'title'] as const;
const FILTER_KEYS = ['programs', 'files', 'units', 'containers'];

/** Only `id` and `enabled`: switches an inherited rule off or on. */
function isToggle(entry: Raw): boolean {
  return entry.enabled !== undefined && Object.keys(entry).every((k) => k === 'id' || k === 'enabled');
}

function aggregateId(entry: Raw): string | undefined {
  if (typeof entry.id !== 'string') return undefined;
  const agg = entry.aggregate;
  if (!isRecord(agg)) return undefined;
  return typeof agg.id === 'string' ? agg.id : `${entry.id}.aggregate`;
}

function placeholderMessage(name: string, allowed: readonly string[], what: string): string {
  const suggestion = closestKey(name, allowed);
  if (suggestion) return `unknown placeholder {${name}}; did you mean {${suggestion}}?`;
  if (allowed.length === 0) return `unknown placeholder {${name}} (the pattern has no named captures)`;
  return `unknown placeholder {${name}} (${what}: ${allowed.map((n) => `{${n}}`).join(', ')})`;
}

class Checker {
  readonly errors: ConfigProblem[] = [];
  /** Ids a toggle may name: built-in rules and aggregates, and every rule written anywhere in the config. */
  private readonly known = new Set<string>();
  private readonly toggles: { path: PathSegment[]; id: string }[] = [];

  constructor(
    private readonly doc: Raw,
    private readonly source: ProblemSource,
  ) {
    for (const rule of LOG_RULES) {
      this.known.add(rule.id);
      if (rule.aggregate) this.known.add(rule.aggregate.id);
    }
  }

  private error(path: PathSegment[], message: string, key = false): void {
    const { tree } = this.source;
    this.errors.push(problemAt(this.source, key ? tree.keyPosition(path) : tree.valuePosition(path), path, message));
  }

  private pattern(path: PathSegment[], value: unknown): string | null {
    if (typeof value !== 'string') return null;
    const problem = value.trim() === '' ? 'must not be empty (an empty pattern matches every line)' : regexProblem(value);
    if (problem) this.error(path, problem);
    return problem ? null : value;
  }

  private placeholders(path: PathSegment[], template: unknown, allowed: readonly string[], what: string): void {
    if (typeof template !== 'string') return;
    for (const name of templatePlaceholders(template)) {
      if (!allowed.includes(name)) this.error(path, placeholderMessage(name, allowed, what));
    }
  }

  private rule(path: PathSegment[], entry: Raw): void {
    if (isToggle(entry)) {
      if (typeof entry.id === 'string') this.toggles.push({ path: [...path, 'id'], id: entry.id });
      return;
    }
    if (typeof entry.id === 'string') this.known.add(entry.id);
    const aggId = aggregateId(entry);
    if (aggId) this.known.add(aggId);
    if (Object.keys(entry).every((k) => k === 'id' || k === 'enabled')) {
      // `- id: x` alone: one problem, not five.
      this.error([...path, 'pattern'], 'required key "pattern" is missing (or give only id and enabled to switch an inherited rule off or on)');
      return;
    }
    for (const key of REQUIRED) {
      if (entry[key] !== undefined) continue;
      const hint = key === 'pattern' ? ' (or give only id and enabled to switch an inherited rule off or on)' : '';
      this.error([...path, key], `required key "${key}" is missing${hint}`);
    }
    if (FILTER_KEYS.every((k) => entry[k] === undefined)) {
      this.error([...path, 'programs'], 'a rule needs programs, files, units or containers (programs: ["*"] for every line)');
    }
    const pattern = this.pattern([...path, 'pattern'], entry.pattern);
    if (pattern === null) return;
    const names = captureNames(pattern);
    this.placeholders([...path, 'title'], entry.title, names, "the pattern's named captures");
    this.placeholders([...path, 'subject'], entry.subject, names, "the pattern's named captures");
    const agg = entry.aggregate;
    if (!isRecord(agg)) return;
    if (typeof agg.by === 'string' && agg.by !== '' && !names.includes(agg.by)) {
      const suggestion = closestKey(agg.by, names);
      const hint = suggestion ? `; did you mean "${suggestion}"?` : names.length > 0 ? ` (${names.join(', ')})` : ' (it has none)';
      this.error([...path, 'aggregate', 'by'], `"${agg.by}" is not a named capture of the pattern${hint}`);
    }
    const aggNames = ['count', 'value', ...(typeof agg.by === 'string' && names.includes(agg.by) ? [agg.by] : [])];
    this.placeholders([...path, 'aggregate', 'title'], agg.title, aggNames, 'an aggregate title has');
  }

  level(base: PathSegment[]): void {
    const rules = at(this.doc, [...base, 'rules']);
    if (Array.isArray(rules)) {
      const firstById = new Map<string, number>();
      rules.forEach((entry, i) => {
        if (!isRecord(entry)) return;
        const path = [...base, 'rules', i];
        if (typeof entry.id === 'string') {
          const first = firstById.get(entry.id);
          if (first === undefined) firstById.set(entry.id, i);
          else {
            const line = this.source.tree.valuePosition([...base, 'rules', first, 'id']).line;
            const firstPath = formatPath([...base, 'rules', first]);
            this.error([...path, 'id'], `duplicate rule id "${entry.id}" (first used by ${firstPath} on line ${line})`);
          }
        }
        this.rule(path, entry);
      });
    }
    const ignore = at(this.doc, [...base, 'ignore']);
    if (Array.isArray(ignore)) {
      ignore.forEach((entry, i) => {
        const path = [...base, 'ignore', i];
        if (typeof entry === 'string') this.pattern(path, entry);
        else if (isRecord(entry)) this.pattern([...path, 'pattern'], entry.pattern);
      });
    }
  }

  /** A toggle must name a rule that exists somewhere: a typo would silently leave the rule on. */
  toggleIds(): void {
    const known = [...this.known];
    for (const { path, id } of this.toggles) {
      if (this.known.has(id)) continue;
      const suggestion = closestKey(id, known);
      this.error(path, `no built-in or configured rule has id "${id}"${suggestion ? `; did you mean "${suggestion}"?` : ''}`);
    }
  }
}

/** Problems of the `rules` and `ignore` lists of every level. */
export function checkLogRules(raw: Raw, source: ProblemSource): ConfigProblem[] {
  const checker = new Checker(raw, source);
  for (const base of levels(raw)) checker.level(base);
  checker.toggleIds();
  return checker.errors;
}
