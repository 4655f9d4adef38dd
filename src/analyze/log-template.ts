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

const WORD = 0;
const BLANK = 1;
const DELIM = 2;
const DQ = 3;
const SQ = 4;
const DIGIT = 5;
/** The kind of each ASCII character for scanTemplate (one table lookup per character). */
const CHAR_KIND = (() => {
  const table = new Uint8Array(128);
  for (let c = 0; c < 128; c++) {
    table[c] = c === SPACE || c === TAB ? BLANK : c === DQUOTE ? DQ : c === SQUOTE ? SQ : isDelimiter(c) ? DELIM : isDigit(c) ? DIGIT : WORD;
  }
  return table;
})();

/** Where a template's pieces go: built into a string, or hashed without building it. */
interface TemplateSink {
  /** `text[start, end)` is the next piece of the template. */
  put(text: string, start: number, end: number): void;
}

const QUOTED_DOUBLE = `"${WILDCARD}"`;
const QUOTED_SINGLE = `'${WILDCARD}'`;

/**
 * Reduces a log message to its template: the wording that stays the same from one occurrence to the next.
 * Masked as `<*>`: every word that contains a digit (numbers, IP addresses with or without a port, IPv6, hex ids,
 * UUIDs, pids, sizes, times, device names such as `sda1`), every word longer than 40 characters (tokens, hashes),
 * the word after `user` (a login name, often an attacker's guess), and the content of quoted values (`"..."`, `'...'`). Words are split at white space and at `= , ; ( ) [ ] { } < >`,
 * which are kept, so `uid=0` becomes `uid=<*>`. White space runs become one space; at most MAX_TEMPLATE_CHARS
 * characters. One pass over the characters, no regular expression: it runs on every line read. The pieces go to
 * `sink`, so the same scan gives the template's text ({@link templateOfMessage}) or its hash ({@link templateKey}).
 */
function scanTemplate(message: string, sink: TemplateSink, capacity: number): number {
  let room = capacity;
  let i = 0;
  const n = message.length;
  let pendingSpace = false;
  let wrote = false;
  // The word after `user` is a name (often typed by an attacker: `Invalid user oracle`): masked, or every guessed
  // name would be a template, and a new pattern, of its own.
  let afterUser = false;
  while (i < n && room > 0) {
    const c = message.charCodeAt(i);
    const kind = c < 128 ? (CHAR_KIND[c] as number) : WORD;
    if (kind === BLANK) {
      pendingSpace = wrote;
      i++;
      continue;
    }
    if (pendingSpace) {
      sink.put(' ', 0, 1);
      room--;
      pendingSpace = false;
      if (room === 0) break;
    }
    wrote = true;
    let piece = message;
    let start = i;
    let end: number;
    if (kind === DQ || (kind === SQ && (i === 0 || !isWordChar(message.charCodeAt(i - 1))))) {
      // A quoted name after `user` is masked as a quoted value; the word after it is wording again.
      afterUser = false;
      const close = message.indexOf(kind === DQ ? '"' : "'", i + 1);
      if (close > i) {
        piece = kind === DQ ? QUOTED_DOUBLE : QUOTED_SINGLE;
        start = 0;
        end = piece.length;
        i = close + 1;
      } else {
        // An unclosed quote is just a character.
        end = ++i;
      }
    } else if (kind === DELIM) {
      // `user=alice` masks alice; any other delimiter ends the name's place (`user(s)`, `user,`).
      if (c !== 61) afterUser = false;
      end = ++i;
    } else {
      let hasDigit = false;
      while (i < n) {
        const d = message.charCodeAt(i);
        const k = d < 128 ? (CHAR_KIND[d] as number) : WORD;
        if (k === BLANK || k === DELIM || k === DQ) break;
        if (k === DIGIT) hasDigit = true;
        i++;
      }
      end = i;
      const isUserWord = end - start === 4 && isUserKeyword(message, start);
      if (hasDigit || end - start > MAX_WORD_CHARS || (afterUser && !isUserWord)) {
        piece = WILDCARD;
        start = 0;
        end = WILDCARD.length;
      }
      afterUser = isUserWord;
    }
    const stop = Math.min(end, start + room);
    sink.put(piece, start, stop);
    room -= stop - start;
  }
  return capacity - room;
}

/** `user` in any case at `start` (the caller checked the word has 4 characters). */
function isUserKeyword(text: string, start: number): boolean {
  return (
    (text.charCodeAt(start) | 32) === 117 &&
    (text.charCodeAt(start + 1) | 32) === 115 &&
    (text.charCodeAt(start + 2) | 32) === 101 &&
    (text.charCodeAt(start + 3) | 32) === 114
  );
}

class StringSink implements TemplateSink {
  text = '';
  put(text: string, start: number, end: number): void {
    this.text += start === 0 && end === text.length ? text : text.slice(start, end);
  }
}

/** Two 32-bit hashes of the characters (FNV-1a and a polynomial one), so two templates practically never share a key. */
class HashSink implements TemplateSink {
  h1 = 0x811c9dc5;
  h2 = 0x01000193;
  put(text: string, start: number, end: number): void {
    let h1 = this.h1;
    let h2 = this.h2;
    for (let i = start; i < end; i++) {
      const c = text.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 16777619);
      h2 = ((h2 << 5) - h2 + c) | 0;
    }
    this.h1 = h1;
    this.h2 = h2;
  }
}

/** The template of a message (see scanTemplate). */
export function templateOfMessage(message: string): string {
  const sink = new StringSink();
  scanTemplate(message, sink, MAX_TEMPLATE_CHARS);
  return sink.text;
}

/** The template of a record: its program (or `-`) and the template of its message. */
export function templateOf(record: Pick<LogRecord, 'program' | 'message'>): string {
  const program = record.program === null ? '-' : templateOfMessage(record.program);
  return `${program}: ${templateOfMessage(record.message)}`;
}

const PROGRAM_SEPARATOR = ': ';
const hashSink = new HashSink();

/**
 * A 53-bit number identifying `templateOf(record)` without building it (no string per line): equal templates give
 * equal keys; different ones collide with a probability around 2^-53 per pair.
 */
export function templateKey(record: Pick<LogRecord, 'program' | 'message'>): number {
  const sink = hashSink;
  sink.h1 = 0x811c9dc5;
  sink.h2 = 0x01000193;
  if (record.program === null) sink.put('-', 0, 1);
  else scanTemplate(record.program, sink, MAX_TEMPLATE_CHARS);
  sink.put(PROGRAM_SEPARATOR, 0, PROGRAM_SEPARATOR.length);
  scanTemplate(record.message, sink, MAX_TEMPLATE_CHARS);
  return (sink.h1 >>> 0) * 2 ** 21 + ((sink.h2 >>> 0) & 0x1fffff);
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
  /** Lines of it that a log rule matched (their finding already reports them). */
  ruled?: number;
}

/**
 * The templates of the lines read in a pass (or in one read job: accumulators merge, like the rule hits, so a job's
 * templates count only when its batch is committed). Bounded: at most MAX_TEMPLATES_PER_PASS templates and
 * EXAMPLES_PER_TEMPLATE lines each; `untracked` counts lines of templates beyond the cap.
 */
export class TemplateAccumulator {
  /** By templateKey (a number: no template string is built for a line whose template is already known). */
  readonly stats = new Map<number, TemplateStat>();
  lines = 0;
  errorLines = 0;
  untracked = 0;

  add(record: LogRecord): void {
    this.lines++;
    const key = templateKey(record);
    let stat = this.stats.get(key);
    if (!stat) {
      const template = templateOf(record);
      const isError = isErrorTemplate(template, record.priority);
      if (this.stats.size >= MAX_TEMPLATES_PER_PASS) {
        this.untracked++;
        if (isError) this.errorLines++;
        return;
      }
      stat = { template, count: 0, isError, source: record.source, examples: [] };
      this.stats.set(key, stat);
    }
    stat.count++;
    if (stat.isError) this.errorLines++;
    if (stat.examples.length < EXAMPLES_PER_TEMPLATE) stat.examples.push(record.line);
  }

  /** The line (just added) was matched by a log rule: a template all of whose lines a rule reports is no news. */
  markRuled(record: LogRecord): void {
    const stat = this.stats.get(templateKey(record));
    if (stat) stat.ruled = (stat.ruled ?? 0) + 1;
  }

  merge(other: TemplateAccumulator): void {
    this.lines += other.lines;
    this.errorLines += other.errorLines;
    this.untracked += other.untracked;
    for (const [key, from] of other.stats) {
      const stat = this.stats.get(key);
      if (stat) {
        stat.count += from.count;
        if (from.ruled) stat.ruled = (stat.ruled ?? 0) + from.ruled;
        for (const line of from.examples) if (stat.examples.length < EXAMPLES_PER_TEMPLATE) stat.examples.push(line);
      } else if (this.stats.size < MAX_TEMPLATES_PER_PASS) {
        this.stats.set(key, { ...from, examples: [...from.examples] });
      } else {
        this.untracked += from.count;
      }
    }
  }
}
