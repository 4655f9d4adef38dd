/**
 * Field types of the config schema. The YAML is read with every scalar as text (see yaml-tree.ts),
 * so each field decides how its text becomes a value: coercion is chosen by the schema key,
 * never guessed from the value (the original turned `port: "1"` into `true`: GAP-S5).
 */
import { z } from 'zod';
import { describeValue } from './config-path.js';

interface IssueInput {
  input?: unknown;
}

const TRUE_WORDS = new Set(['true', 'yes', 'on', '1']);
const FALSE_WORDS = new Set(['false', 'no', 'off', '0']);
const DIGITS = /^\s*\d+\s*$/;
const DECIMAL = /^\s*\d+(\.\d+)?\s*$/;

const SIZE_UNITS_BYTES: Record<string, number> = {
  b: 1,
  k: 1024,
  kb: 1000,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1000 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1000 ** 3,
  gib: 1024 ** 3,
};
const SIZE = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i;

function expected(what: string) {
  return (issue: IssueInput): string => `expected ${what}, got ${describeValue(issue.input)}`;
}

/** An integer in [min, max]; digits-only text (`"5432"` from `${DB_PORT}`) is accepted. */
export function integer(min: number, max?: number) {
  const what = max === undefined ? `an integer of at least ${min}` : `an integer from ${min} to ${max}`;
  const error = expected(what);
  const base = z.number({ error }).int({ error }).min(min, { error });
  return z.preprocess(
    (v) => (typeof v === 'string' && DIGITS.test(v) ? Number(v) : v),
    max === undefined ? base : base.max(max, { error }),
  );
}

/** A decimal number in [min, max]; numeric text is accepted. */
export function decimal(min: number, max: number, what: string) {
  const error = expected(what);
  return z.preprocess(
    (v) => (typeof v === 'string' && DECIMAL.test(v) ? Number(v) : v),
    z.number({ error }).min(min, { error }).max(max, { error }),
  );
}

/**
 * Longest duration accepted: one day. Node timers treat anything above 2^31-1 ms (24.8 days) as 1 ms, so an
 * unbounded value would make a deadline fire at once.
 */
export const MAX_SECONDS = 86_400;

/** A duration in seconds (fractions allowed), greater than 0 and at most one day. */
export function seconds() {
  const error = expected(`a number of seconds greater than 0 and at most ${MAX_SECONDS}`);
  return z.preprocess(
    (v) => (typeof v === 'string' && DECIMAL.test(v) ? Number(v) : v),
    z.number({ error }).positive({ error }).max(MAX_SECONDS, { error }),
  );
}

/** A boolean; `true/yes/on/1` and `false/no/off/0` in any case are accepted. */
export function boolean() {
  return z.preprocess(
    (v) => {
      if (typeof v === 'number' && (v === 0 || v === 1)) return v === 1;
      if (typeof v !== 'string') return v;
      const word = v.trim().toLowerCase();
      if (TRUE_WORDS.has(word)) return true;
      if (FALSE_WORDS.has(word)) return false;
      return v;
    },
    z.boolean({ error: expected('true or false (yes/no, on/off and 1/0 also work)') }),
  );
}

/** A text value. Numbers handed in by callers that build documents in code become text. */
export function text() {
  return z.preprocess(
    (v) => (typeof v === 'number' ? String(v) : v),
    z.string({ error: expected('a text value') }),
  );
}

/** A text value that must not be empty. */
export function nonEmptyText() {
  return z.preprocess(
    (v) => (typeof v === 'number' ? String(v) : v),
    z.string({ error: expected('a text value') }).min(1, { error: 'must not be empty' }),
  );
}

/** Text matching `pattern`, with `hint` explaining the rule. */
export function patternText(pattern: RegExp, hint: string) {
  const error = (issue: IssueInput) => `${hint}, got ${describeValue(issue.input)}`;
  return z.preprocess((v) => (typeof v === 'number' ? String(v) : v), z.string({ error }).regex(pattern, { error }));
}

/** One of `values`, compared case-insensitively; the output is the canonical spelling. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  const listed = values.map((v) => `"${v}"`).join(', ');
  return z.preprocess(
    (v) => (typeof v === 'string' ? v.trim().toLowerCase() : v),
    z.enum(values, { error: expected(`one of ${listed}`) }),
  );
}

/**
 * A list of non-empty texts. A single text is accepted as a one-item list (the original sync wrote
 * `tags: development`: GAP-S4); with `splitCommas` it is split on commas instead, empty items dropped.
 */
export function textList(options: { splitCommas: boolean }) {
  return z.preprocess(
    (v) => {
      if (typeof v !== 'string') return v;
      if (!options.splitCommas) return [v];
      return v
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '');
    },
    z.array(nonEmptyText(), { error: expected('a list of texts') }),
  );
}

/** Parses `8MiB`, `512 KiB`, `1.5GB`, `1048576` into bytes; anything else is left for the error. */
export function parseSizeBytes(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const match = SIZE.exec(value);
  if (!match) return value;
  const factor = SIZE_UNITS_BYTES[(match[2] ?? '').toLowerCase() || 'b'];
  if (factor === undefined) return value;
  return Math.round(Number(match[1]) * factor);
}

/** A byte count, given as an integer or as text with a unit (`8MiB`, `512KiB`, `10MB`). */
export function sizeBytes() {
  const error = expected('a size in bytes such as 8388608, "8MiB" or "512KiB"');
  return z.preprocess(parseSizeBytes, z.number({ error }).int({ error }).positive({ error }));
}

/** A list of decimals (seconds), each zero or more and at most one day. */
export function secondsList() {
  const error = expected('a list of seconds such as [1, 2, 4]');
  const item = z.preprocess(
    (v) => (typeof v === 'string' && DECIMAL.test(v) ? Number(v) : v),
    z.number({ error }).min(0, { error }).max(MAX_SECONDS, { error }),
  );
  return z.array(item, { error });
}

const DURATION = /^\s*(\d+(?:\.\d+)?)\s*(s|sec|secs|seconds?|m|min|mins|minutes?|h|hours?|d|days?|w|weeks?)?\s*$/i;
const DURATION_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 7 * 86_400 };

/** `90`, `"90s"`, `"15m"`, `"24h"`, `"7d"`, `"2w"` -> seconds; anything else is left for the error. */
export function parseDurationSeconds(value: unknown): unknown {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return value;
  const match = DURATION.exec(value);
  if (!match) return value;
  const unit = (match[2] ?? 's').toLowerCase().replace(/^min.*/, 'm');
  return Number(match[1]) * (DURATION_UNITS[unit[0] as string] ?? 1);
}

/** A duration of at least `min` seconds: seconds, or text with a unit (`15m`, `24h`, `7d`, `2w`). */
export function duration(min = 0) {
  const error = expected(`a duration such as 900, "15m", "24h" or "7d"${min > 0 ? ` of at least ${min} seconds` : ''}`);
  return z.preprocess(parseDurationSeconds, z.number({ error }).min(min, { error }));
}
