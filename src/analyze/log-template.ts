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

// Kinds ordered so that the word loop needs one comparison to find a word's end (kind >= BLANK) and one OR to note
// a digit (DIGIT is the only odd kind below BLANK).
const WORD = 0;
const DIGIT = 1;
const SQ = 2;
const BLANK = 4;
const DELIM = 6;
const DQ = 8;
/** The kind of every UTF-16 code unit for TemplateScan.run (one table lookup per character; non-ASCII is WORD). */
const CHAR_KIND = (() => {
  const table = new Uint8Array(65536);
  for (let c = 0; c < 128; c++) {
    table[c] = c === SPACE || c === TAB ? BLANK : c === DQUOTE ? DQ : c === SQUOTE ? SQ : isDelimiter(c) ? DELIM : isDigit(c) ? DIGIT : WORD;
  }
  return table;
})();

const QUOTED_DOUBLE = `"${WILDCARD}"`;
const QUOTED_SINGLE = `'${WILDCARD}'`;
/** FNV-1a's multiplier (the first hash of a template); the second is the polynomial h * 31 + c. */
const FNV_PRIME = 16777619;
const FNV_OFFSET = 0x811c9dc5;
const POLY_OFFSET = 0x01000193;

/**
 * One scan of a message into its template: two 32-bit hashes of the template's characters (FNV-1a and a polynomial
 * one, so two templates practically never share a key), and, when asked, the template's text. Reused for every line
 * (no object per line); the hashes continue from the state it was given.
 */
class TemplateScan {
  h1 = FNV_OFFSET;
  h2 = POLY_OFFSET;
  text = '';

  /**
   * Reduces a log message to its template: the wording that stays the same from one occurrence to the next.
   * Masked as `<*>`: every word that contains a digit (numbers, IP addresses with or without a port, IPv6, hex ids,
   * UUIDs, pids, sizes, times, device names such as `sda1`), every word longer than 40 characters (tokens, hashes),
   * the word after `user` (a login name, often an attacker's guess), and the content of quoted values (`"..."`,
   * `'...'`). Words are split at white space and at `= , ; ( ) [ ] { } < >`, which are kept, so `uid=0` becomes
   * `uid=<*>`. White space runs become one space; at most `capacity` characters. One pass over the characters, no
   * regular expression: it runs on every line read. A word's characters are hashed while it is scanned; when the
   * word turns out to be masked (a digit, its length, its place after `user`), the hash of `<*>` replaces them.
   * `isBuilding`: also append the template's text to `text` (only for a template not seen before).
   */
  run(message: string, capacity: number, isBuilding: boolean): void {
    let h1 = this.h1;
    let h2 = this.h2;
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
      const kind = CHAR_KIND[c] as number;
      if (kind === BLANK) {
        pendingSpace = wrote;
        i++;
        continue;
      }
      if (pendingSpace) {
        h1 = Math.imul(h1 ^ SPACE, FNV_PRIME);
        h2 = ((h2 << 5) - h2 + SPACE) | 0;
        if (isBuilding) this.text += ' ';
        room--;
        pendingSpace = false;
        if (room === 0) break;
      }
      wrote = true;
      // What this step adds to the template, unless the word's own characters were hashed already (kept word).
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
        let kinds = 0;
        let w1 = h1;
        let w2 = h2;
        while (i < n) {
          const d = message.charCodeAt(i);
          const k = CHAR_KIND[d] as number;
          if (k >= BLANK) break;
          kinds |= k;
          w1 = Math.imul(w1 ^ d, FNV_PRIME);
          w2 = ((w2 << 5) - w2 + d) | 0;
          i++;
        }
        end = i;
        const isUserWord = end - start === 4 && isUserKeyword(message, start);
        const isMasked = (kinds & DIGIT) !== 0 || end - start > MAX_WORD_CHARS || (afterUser && !isUserWord);
        afterUser = isUserWord;
        if (isMasked) {
          piece = WILDCARD;
          start = 0;
          end = WILDCARD.length;
        } else if (end - start <= room) {
          // The common case: the word as it is, already hashed.
          h1 = w1;
          h2 = w2;
          if (isBuilding) this.text += message.slice(start, end);
          room -= end - start;
          continue;
        }
      }
      const stop = Math.min(end, start + room);
      for (let j = start; j < stop; j++) {
        const d = piece.charCodeAt(j);
        h1 = Math.imul(h1 ^ d, FNV_PRIME);
        h2 = ((h2 << 5) - h2 + d) | 0;
      }
      if (isBuilding) this.text += start === 0 && stop === piece.length ? piece : piece.slice(start, stop);
      room -= stop - start;
    }
    this.h1 = h1;
    this.h2 = h2;
  }

  /** Continues the hashes (and the text) with `text` as it is, not scanned. */
  append(text: string, isBuilding: boolean): void {
    let h1 = this.h1;
    let h2 = this.h2;
    for (let j = 0; j < text.length; j++) {
      const d = text.charCodeAt(j);
      h1 = Math.imul(h1 ^ d, FNV_PRIME);
      h2 = ((h2 << 5) - h2 + d) | 0;
    }
    this.h1 = h1;
    this.h2 = h2;
    if (isBuilding) this.text += text;
  }

  reset(): void {
    this.h1 = FNV_OFFSET;
    this.h2 = POLY_OFFSET;
    this.text = '';
  }
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

/** The template of a message (see TemplateScan.run). */
export function templateOfMessage(message: string): string {
  const scan = new TemplateScan();
  scan.run(message, MAX_TEMPLATE_CHARS, true);
  return scan.text;
}

/** The template of a record: its program (or `-`) and the template of its message. */
export function templateOf(record: Pick<LogRecord, 'program' | 'message'>): string {
  const program = record.program === null ? '-' : templateOfMessage(record.program);
  return `${program}: ${templateOfMessage(record.message)}`;
}

const PROGRAM_SEPARATOR = ': ';
const keyScan = new TemplateScan();

/**
 * The hash state after `<program template>: `, per program name: it depends on the program alone, and a log has few
 * programs, so each line scans only its message. Bounded (a hostile log may name a new program on every line).
 */
const programStates = new Map<string | null, { h1: number; h2: number }>();
const MAX_PROGRAM_STATES = 1024;

function programState(program: string | null): { h1: number; h2: number } {
  let state = programStates.get(program);
  if (state === undefined) {
    keyScan.reset();
    if (program === null) keyScan.append('-', false);
    else keyScan.run(program, MAX_TEMPLATE_CHARS, false);
    keyScan.append(PROGRAM_SEPARATOR, false);
    state = { h1: keyScan.h1, h2: keyScan.h2 };
    if (programStates.size >= MAX_PROGRAM_STATES) programStates.clear();
    programStates.set(program, state);
  }
  return state;
}

/**
 * A 53-bit number identifying `templateOf(record)` without building it (no string per line): equal templates give
 * equal keys; different ones collide with a probability around 2^-53 per pair.
 */
export function templateKey(record: Pick<LogRecord, 'program' | 'message'>): number {
  const start = programState(record.program);
  const scan = keyScan;
  scan.h1 = start.h1;
  scan.h2 = start.h2;
  scan.run(record.message, MAX_TEMPLATE_CHARS, false);
  return (scan.h1 >>> 0) * 2 ** 21 + ((scan.h2 >>> 0) & 0x1fffff);
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
  /** The record last added and its template's stat (null: untracked), so markRuled does not scan it again. */
  private lastRecord: LogRecord | null = null;
  private lastStat: TemplateStat | null = null;

  add(record: LogRecord): void {
    this.lines++;
    const key = templateKey(record);
    let stat = this.stats.get(key);
    this.lastRecord = record;
    this.lastStat = null;
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
    this.lastStat = stat;
    stat.count++;
    if (stat.isError) this.errorLines++;
    if (stat.examples.length < EXAMPLES_PER_TEMPLATE) stat.examples.push(record.line);
  }

  /** The line (just added) was matched by a log rule: a template all of whose lines a rule reports is no news. */
  markRuled(record: LogRecord): void {
    const stat = record === this.lastRecord ? this.lastStat : this.stats.get(templateKey(record));
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
