/**
 * Reads a divtools env file (`.env.<site>`, `.env.<host>`, `.env.s00-shared`). These files are sourced by bash, so
 * they use `export KEY=...` blocks, quotes and inline `# comments` (the original ignored export lines and kept the
 * comments in the values: GAP-S6); parseDotenv handles all of that.
 *
 * Two readings of the same text:
 * - the variables, for `${VAR}` expansion: `${...}` inside the file is interpolated as bash would (from earlier
 *   lines, then from the levels below: site, shared, environment);
 * - the raw DTHM_* values, with their `${VAR}` and `${{VAR}}` left as written, so the sync expansion (expand.ts)
 *   treats them exactly like YAML values.
 */
import { readFileSync } from 'node:fs';
import { parseDotenv } from '../config/env.js';
import type { Variables } from './expand.js';

/** A DTHM_* assignment as written. */
export interface DthmLine {
  key: string;
  value: string;
  line: number;
}

export interface EnvFile {
  path: string;
  /** Every variable of the file, interpolated (for `${VAR}` in YAML and DTHM values). */
  vars: Record<string, string>;
  /** DTHM_* assignments, raw, in file order (a key assigned twice: the last one). */
  dthm: DthmLine[];
  /** `file:line: message` for lines that could not be read. */
  problems: string[];
}

/** A private-use character standing in for `$` of `${` while parseDotenv reads the raw values. */
const HIDDEN_DOLLAR = '\uE000';
const ASSIGNMENT_LINE = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/;

/** Line of the last assignment of each key (a later duplicate wins, as in bash). */
function assignmentLines(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  text.split(/\r?\n/).forEach((line, i) => {
    const match = ASSIGNMENT_LINE.exec(line);
    if (match) lines.set(match[1] as string, i + 1);
  });
  return lines;
}

/**
 * Parses env file `text` read from `path`. `below` are the variables of the lower levels; the file's own earlier
 * lines win over them, as when bash sources the files in order.
 */
export function parseEnvFile(path: string, text: string, below: Variables): EnvFile {
  const own = new Set(Object.keys(parseDotenv(text).values));
  const base: Record<string, string> = {};
  for (const [key, value] of Object.entries(below)) if (value !== undefined && !own.has(key)) base[key] = value;
  const vars = { ...base, ...parseDotenv(text, base).values };

  const raw = parseDotenv(text.split('${').join(`${HIDDEN_DOLLAR}{`));
  const lines = assignmentLines(text);
  const dthm = Object.entries(raw.values)
    .filter(([key]) => key.startsWith('DTHM_'))
    .map(([key, value]) => ({ key, value: value.split(`${HIDDEN_DOLLAR}{`).join('${'), line: lines.get(key) ?? 1 }))
    .sort((a, b) => a.line - b.line);
  const problems = raw.problems.map((p) => `${path}:${p.line}: ${p.message.split(`${HIDDEN_DOLLAR}{`).join('${')}`);
  return { path, vars, dthm, problems };
}

/** Reads and parses the env file at `path` (see parseEnvFile). */
export function readEnvFile(path: string, below: Variables): EnvFile {
  return parseEnvFile(path, readFileSync(path, 'utf8'), below);
}
