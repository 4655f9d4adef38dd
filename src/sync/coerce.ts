/**
 * Per-key types for values read from text (env files, and YAML read with every scalar as text): the key's kind in the
 * schema decides, never the value's look. Booleans take true/yes/1/on and false/no/0/off, integers digits only,
 * lists are always lists (a text is split on commas, items trimmed, empty items dropped). A value still holding a
 * `${VAR}` stays text: it is resolved when dthostmon runs.
 */
import { elementInfo, type KeyInfo } from './schema-keys.js';

const TRUE_WORDS = new Set(['true', 'yes', 'on', '1']);
const FALSE_WORDS = new Set(['false', 'no', 'off', '0']);
const DIGITS = /^\s*\d+\s*$/;
const DECIMAL = /^\s*\d+(\.\d+)?\s*$/;
const PLAIN_NUMBER = /^-?\d+(\.\d+)?$/;

/** A text as the scalar kind wants it; text it cannot be is kept, and validation names it with its file. */
export function coerceText(info: KeyInfo, text: string): unknown {
  if (text.includes('${')) return text;
  switch (info.kind) {
    case 'boolean': {
      const word = text.trim().toLowerCase();
      if (TRUE_WORDS.has(word)) return true;
      if (FALSE_WORDS.has(word)) return false;
      return text;
    }
    case 'integer':
      return DIGITS.test(text) ? Number(text) : text;
    case 'number':
      return DECIMAL.test(text) ? Number(text) : text;
    case 'other':
      // Values the schema parses itself (a band "0-30", a step "1GiB"): only a plain number is written as one.
      return PLAIN_NUMBER.test(text) ? Number(text) : text;
    default:
      return text;
  }
}

/** `a, b,,c` -> `[a, b, c]`. */
export function splitList(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** A list key's value: a text becomes a list, and each item gets the item kind. */
export function coerceList(info: KeyInfo, value: string | unknown[]): unknown[] {
  const items = typeof value === 'string' ? splitList(value) : value;
  const element = elementInfo(info);
  return items.map((item) => (typeof item === 'string' && element ? coerceText(element, item) : item));
}
