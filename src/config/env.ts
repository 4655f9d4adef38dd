/**
 * `${VAR}` substitution and the `.env` file beside the config.
 *
 * Substitution runs on each text value after YAML parsing (see load.ts), never on the raw file:
 * the original substituted the text first, so a secret containing `: ` or ` #` broke or truncated
 * the YAML (GAP-R1), and an unset variable silently became "" (now an error naming it).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage } from '../errors.js';

export type Environment = Readonly<Record<string, string | undefined>>;

export interface SubstitutionResult {
  value: string;
  /** Variables referenced without a default that are not set. */
  missing: string[];
  /** A malformed reference (`${}`, `${A`, `${a b}`), or null. */
  malformed: string | null;
  /** Whether the text contained any `${...}` reference. */
  hadReference: boolean;
}

/** Original accepted names: letters, digits and underscores. */
export const VARIABLE_NAME = /^[A-Za-z0-9_]+$/;

/** Index of the `}` closing the `${` whose body starts at `from`, honouring nested `${...}` (also sync-config's). */
export function closingBrace(text: string, from: number): number {
  let depth = 0;
  for (let i = from; i < text.length; i += 1) {
    if (text[i] === '$' && text[i + 1] === '{') {
      depth += 1;
      i += 1;
    } else if (text[i] === '}') {
      if (depth === 0) return i;
      depth -= 1;
    }
  }
  return -1;
}

/**
 * Replaces `${VAR}` and `${VAR:-default}` (default used when VAR is unset or empty; it may itself
 * contain references) and turns `$${...}` into a literal `${...}`. Other `$` are kept as they are.
 */
export function substituteValue(text: string, env: Environment): SubstitutionResult {
  const missing: string[] = [];
  let malformed: string | null = null;
  let hadReference = false;
  let out = '';
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('$${', i)) {
      out += '${';
      i += 3;
      continue;
    }
    if (!text.startsWith('${', i)) {
      out += text[i];
      i += 1;
      continue;
    }
    hadReference = true;
    const end = closingBrace(text, i + 2);
    if (end < 0) {
      malformed ??= `unterminated variable reference "${text.slice(i, i + 40)}"`;
      out += text.slice(i);
      break;
    }
    const body = text.slice(i + 2, end);
    const sep = body.indexOf(':-');
    const name = sep >= 0 ? body.slice(0, sep) : body;
    if (!VARIABLE_NAME.test(name)) {
      malformed ??= `malformed variable reference "\${${body}}" (expected \${NAME} or \${NAME:-default})`;
      out += text.slice(i, end + 1);
    } else {
      const current = env[name];
      if (current !== undefined && (current !== '' || sep < 0)) {
        out += current;
      } else if (sep >= 0) {
        const fallback = substituteValue(body.slice(sep + 2), env);
        missing.push(...fallback.missing);
        malformed ??= fallback.malformed;
        out += fallback.value;
      } else {
        missing.push(name);
      }
    }
    i = end + 1;
  }
  return { value: out, missing, malformed, hadReference };
}

export interface DotenvProblem {
  line: number;
  message: string;
}

export interface DotenvResult {
  values: Record<string, string>;
  problems: DotenvProblem[];
}

const ASSIGNMENT = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=[ \t]*/;
const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\', $: '$' };

/** Reads a quoted value starting at `text[start]` (the quote); returns it and the index after it. */
function readQuoted(text: string, start: number): { value: string; next: number } | null {
  const quote = text[start];
  let value = '';
  for (let i = start + 1; i < text.length; i += 1) {
    const ch = text[i] as string;
    if (ch === quote) return { value, next: i + 1 };
    if (quote === '"' && ch === '\\' && i + 1 < text.length) {
      const escaped = text[i + 1] as string;
      value += ESCAPES[escaped] ?? `\\${escaped}`;
      i += 1;
    } else {
      value += ch;
    }
  }
  return null;
}

/**
 * Parses a `.env` file: `KEY=value` and `export KEY=value` lines, `#` comments, blank lines,
 * single quotes (literal) and double quotes (`\n`, `\t`, `\"` escapes; may span lines), and
 * ` # comments` after unquoted values. Unquoted and double-quoted values may use `${VAR}`, looked
 * up in `baseEnv` first, then in earlier lines (as python-dotenv did for the original).
 */
export function parseDotenv(text: string, baseEnv: Environment = {}): DotenvResult {
  const values: Record<string, string> = Object.create(null) as Record<string, string>;
  const problems: DotenvProblem[] = [];
  const source = text.replace(/^\uFEFF/, '').replace(/\r\n/g, '\n');
  let pos = 0;
  while (pos < source.length) {
    const lineNo = source.slice(0, pos).split('\n').length;
    const eol = source.indexOf('\n', pos) < 0 ? source.length : source.indexOf('\n', pos);
    const line = source.slice(pos, eol);
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) {
      pos = eol + 1;
      continue;
    }
    const indent = line.length - line.trimStart().length;
    const match = ASSIGNMENT.exec(line.slice(indent));
    if (!match) {
      problems.push({ line: lineNo, message: 'ignored: expected KEY=value' });
      pos = eol + 1;
      continue;
    }
    const key = match[1] as string;
    const valueStart = pos + indent + match[0].length;
    let value: string;
    let interpolate = true;
    const first = source[valueStart];
    if (first === '"' || first === "'") {
      const quoted = readQuoted(source, valueStart);
      if (!quoted) {
        problems.push({ line: lineNo, message: `ignored ${key}: missing closing ${first}` });
        pos = eol + 1;
        continue;
      }
      const restEnd = source.indexOf('\n', quoted.next) < 0 ? source.length : source.indexOf('\n', quoted.next);
      const rest = source.slice(quoted.next, restEnd).trim();
      if (rest !== '' && !rest.startsWith('#')) problems.push({ line: lineNo, message: `${key}: text after the closing quote ignored` });
      value = quoted.value;
      interpolate = first === '"';
      pos = restEnd + 1;
    } else {
      value = source.slice(valueStart, eol).replace(/\s+#.*$/, '').trim();
      pos = eol + 1;
    }
    if (interpolate && value.includes('${')) {
      const result = substituteValue(value, { ...values, ...definedOnly(baseEnv) });
      for (const name of result.missing) problems.push({ line: lineNo, message: `${key}: \${${name}} is not set (left empty)` });
      if (result.malformed) problems.push({ line: lineNo, message: `${key}: ${result.malformed}` });
      value = result.value;
    }
    values[key] = value;
  }
  return { values, problems };
}

function definedOnly(env: Environment): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

export interface EnvironmentResult {
  env: Record<string, string>;
  /** Path of the `.env` file that was read, or null. */
  dotenvPath: string | null;
  /** `.env:7: ignored: expected KEY=value`-style notes. */
  warnings: string[];
}

/**
 * The environment for substitution: `processEnv` plus `<configDir>/.env` when it exists.
 * Variables already in the process environment win, as with the original's python-dotenv.
 */
export function readEnvironment(configDir: string, processEnv: Environment): EnvironmentResult {
  const dotenvPath = join(configDir, '.env');
  const env = definedOnly(processEnv);
  let text: string;
  try {
    text = readFileSync(dotenvPath, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { env, dotenvPath: null, warnings: [] };
    return { env, dotenvPath: null, warnings: [`${dotenvPath}: not read: ${errorMessage(err)}`] };
  }
  const parsed = parseDotenv(text, env);
  for (const [key, value] of Object.entries(parsed.values)) if (env[key] === undefined) env[key] = value;
  const warnings = parsed.problems.map((p) => `${dotenvPath}:${p.line}: ${p.message}`);
  return { env, dotenvPath, warnings };
}
