import type { LogRecord } from '../types.js';

/** What a masked word becomes in a template. */
export const WILDCARD = '<*>';
/** Longest template kept (characters); longer messages are cut, so a hostile line cannot make a huge key. */
export const MAX_TEMPLATE_CHARS = 300;
/** A word this long is an identifier (a token, a hash, base64), not wording: masked even without a digit. */
const MAX_WORD_CHARS = 40;

const SPACE = 32;
const TAB = 9;
const DQUOTE = 34;
const SQUOTE = 39;

/** Characters that end a word (besides white space): `key=value`, `(pid 12)`, `[preauth]`, `a,b;c`. */
function isDelimiter(c: number): boolean {
  return (
    c === 61 /* = */ || c === 44 /* , */ || c === 59 /* ; */ || c === 40 /* ( */ || c === 41 /* ) */ || c === 91 /* [ */ ||
    c === 93 /* ] */ || c === 123 /* { */ || c === 125 /* } */ || c === 60 /* < */ || c === 62 /* > */
  );
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isWordChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/**
 * Reduces a log message to its template: the wording that stays the same from one occurrence to the next.
 * Masked as `<*>`: every word that contains a digit (numbers, IP addresses with or without a port, IPv6, hex ids,
 * UUIDs, pids, sizes, times, device names such as `sda1`), every word longer than 40 characters (tokens, hashes),
 * and the content of quoted values (`"..."`, `'...'`). Words are split at white space and at `= , ; ( ) [ ] { } < >`,
 * which are kept, so `uid=0` becomes `uid=<*>`. White space runs become one space. One pass over the characters, no
 * regular expression: it runs on every line read.
 */
export function templateOfMessage(message: string): string {
  let out = '';
  let i = 0;
  const n = message.length;
  let pendingSpace = false;
  while (i < n && out.length < MAX_TEMPLATE_CHARS) {
    const c = message.charCodeAt(i);
    if (c === SPACE || c === TAB) {
      pendingSpace = out.length > 0;
      i++;
      continue;
    }
    if (pendingSpace) {
      out += ' ';
      pendingSpace = false;
    }
    if (c === DQUOTE || (c === SQUOTE && (i === 0 || !isWordChar(message.charCodeAt(i - 1))))) {
      const close = message.indexOf(c === DQUOTE ? '"' : "'", i + 1);
      if (close > i) {
        out += c === DQUOTE ? `"${WILDCARD}"` : `'${WILDCARD}'`;
        i = close + 1;
        continue;
      }
      // An unclosed quote is just a character.
      out += message[i];
      i++;
      continue;
    }
    if (isDelimiter(c)) {
      out += message[i];
      i++;
      continue;
    }
    const start = i;
    let hasDigit = false;
    while (i < n) {
      const d = message.charCodeAt(i);
      if (d === SPACE || d === TAB || isDelimiter(d) || d === DQUOTE) break;
      if (isDigit(d)) hasDigit = true;
      i++;
    }
    out += hasDigit || i - start > MAX_WORD_CHARS ? WILDCARD : message.slice(start, i);
  }
  return out.length > MAX_TEMPLATE_CHARS ? out.slice(0, MAX_TEMPLATE_CHARS) : out;
}

/** The template of a record: its program (or `-`) and the template of its message. */
export function templateOf(record: Pick<LogRecord, 'program' | 'message'>): string {
  const program = record.program === null ? '-' : templateOfMessage(record.program);
  return `${program}: ${templateOfMessage(record.message)}`;
}

// Wording of an error, warning-or-worse line. Tried once per template (not per line).
const ERROR_WORDS = /\b(?:err(?:or)?s?|fail(?:ed|ure|ing)?|fatal|crit(?:ical)?|panic|emerg(?:ency)?|alert|denied|refused|timed? ?out|unable|cannot|can't|could not|segfault|exception|traceback|abort(?:ed)?|corrupt(?:ed|ion)?|exceed(?:ed|s)?)\b/i;

/** Whether a line is error-level: journal priority err or worse (<= 3), or error wording in its template. */
export function isErrorTemplate(template: string, priority?: number): boolean {
  if (priority !== undefined) return priority <= 3;
  return ERROR_WORDS.test(template);
}

/** Templates tracked per host and pass at most; lines of further new templates are only counted (hostile input). */
export const MAX_TEMPLATES_PER_PASS = 5000;
/** Example lines kept per template. */
const EXAMPLES_PER_TEMPLATE = 3;

/** One template seen in a pass: how often, whether it is error-level, and a few raw (not yet redacted) lines. */
export interface TemplateStat {
  template: string;
  count: number;
  isError: boolean;
  /** The log source of its first line. */
  source: string;
  examples: string[];
}

/**
 * The templates of the lines read in a pass (or in one read job: accumulators merge, like the rule hits, so a job's
 * templates count only when its batch is committed). Bounded: at most MAX_TEMPLATES_PER_PASS templates and
 * EXAMPLES_PER_TEMPLATE lines each; `untracked` counts lines of templates beyond the cap.
 */
export class TemplateAccumulator {
  readonly stats = new Map<string, TemplateStat>();
  lines = 0;
  errorLines = 0;
  untracked = 0;

  add(record: LogRecord): void {
    this.lines++;
    const template = templateOf(record);
    let stat = this.stats.get(template);
    if (!stat) {
      const isError = isErrorTemplate(template, record.priority);
      if (this.stats.size >= MAX_TEMPLATES_PER_PASS) {
        this.untracked++;
        if (isError) this.errorLines++;
        return;
      }
      stat = { template, count: 0, isError, source: record.source, examples: [] };
      this.stats.set(template, stat);
    }
    stat.count++;
    if (stat.isError) this.errorLines++;
    if (stat.examples.length < EXAMPLES_PER_TEMPLATE) stat.examples.push(record.line);
  }

  merge(other: TemplateAccumulator): void {
    this.lines += other.lines;
    this.errorLines += other.errorLines;
    this.untracked += other.untracked;
    for (const [template, from] of other.stats) {
      const stat = this.stats.get(template);
      if (stat) {
        stat.count += from.count;
        for (const line of from.examples) if (stat.examples.length < EXAMPLES_PER_TEMPLATE) stat.examples.push(line);
      } else if (this.stats.size < MAX_TEMPLATES_PER_PASS) {
        this.stats.set(template, { ...from, examples: [...from.examples] });
      } else {
        this.untracked += from.count;
      }
    }
  }
}
