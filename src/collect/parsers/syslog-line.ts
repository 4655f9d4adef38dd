import type { LogRecord } from '../../types.js';

/** The LogRecord fields a syslog header gives (everything but `source` and `line`). */
export type SyslogFields = Pick<LogRecord, 'time' | 'hostname' | 'program' | 'pid' | 'message'>;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const TRADITIONAL = /^([A-Z][a-z]{2}) ([ \d]?\d) (\d{2}):(\d{2}):(\d{2}) (\S+) ?(.*)$/;
const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})) (\S+) ?(.*)$/;
const TAG = /^([^\s[\]:]+)(?:\[(\d+)\])?:(?: (.*))?$/;
const KERNEL_TIMESTAMP = /^\[\s*\d+\.\d+\]\s?/;

/**
 * Splits a syslog line into its header fields. Understands the traditional format
 * (`Nov 25 18:42:51 host prog[pid]: msg`), the RFC 3339 one rsyslog writes by default on Debian 12
 * (`2026-11-25T18:42:51.123456+00:00 host prog[pid]: msg`), and kernel lines (`kernel: [ 12.345] msg`, whose
 * uptime stamp is dropped from the message). A line without a header is all message.
 *
 * `time` is ISO 8601. RFC 3339 stamps are kept as written. Traditional stamps carry no year and no zone: the year is
 * taken from `reference` (the previous year when the month is more than one month ahead of it) and the result has
 * no offset, because it is the host's local time.
 *
 * `isPlainAscii`: the caller knows the line holds only printable ASCII and tabs (sanitizeLine's common case), so it
 * cannot contain a line terminator; saves a scan of the line.
 */
export function parseSyslogLine(line: string, reference: Date, isPlainAscii = false): SyslogFields {
  const fast = parseTraditionalFast(line, reference, isPlainAscii);
  if (fast !== undefined) return fast;
  const traditional = TRADITIONAL.exec(line);
  if (traditional) {
    const [, mon = '', day = '', hh, mm, ss, host = '', rest = ''] = traditional;
    const month = MONTHS.indexOf(mon);
    if (month >= 0) {
      const time = `${yearOf(month, reference)}-${pad(month + 1)}-${pad(Number(day.trim()))}T${hh}:${mm}:${ss}`;
      return { time, hostname: host, ...splitTag(rest) };
    }
  }
  const rfc = RFC3339.exec(line);
  if (rfc) {
    const [, time = '', host = '', rest = ''] = rfc;
    return { time, hostname: host, ...splitTag(rest) };
  }
  return { time: null, hostname: null, program: null, pid: null, message: line };
}

/** The year of a traditional stamp: the reference's, or the previous one when the month is more than one month ahead. */
function yearOf(month: number, reference: Date): number {
  return month - reference.getUTCMonth() > 1 ? reference.getUTCFullYear() - 1 : reference.getUTCFullYear();
}

const LINE_TERMINATOR = /[\n\r\u2028\u2029]/;
/** A month's three letters as one number, `c0 << 16 | c1 << 8 | c2`: the month of a line without a string. */
const MONTH_CODES = new Map(MONTHS.map((m, i) => [(m.charCodeAt(0) << 16) | (m.charCodeAt(1) << 8) | m.charCodeAt(2), i]));
const SPACE = 32;
const COLON = 58;
const OPEN = 91;
const CLOSE = 93;
/** Digits of a pid computed as a number; longer runs go through Number() like the regular expression's. */
const MAX_EXACT_PID_DIGITS = 15;

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** `Nov 25 18:42:51 ` (16 characters) with digits where digits belong (the month is checked by the caller). */
function hasTraditionalStamp(line: string): boolean {
  if (line.length < 17) return false;
  return (
    line.charCodeAt(3) === SPACE &&
    (line.charCodeAt(4) === SPACE || isDigit(line.charCodeAt(4))) &&
    isDigit(line.charCodeAt(5)) &&
    line.charCodeAt(6) === SPACE &&
    isDigit(line.charCodeAt(7)) &&
    isDigit(line.charCodeAt(8)) &&
    line.charCodeAt(9) === COLON &&
    isDigit(line.charCodeAt(10)) &&
    isDigit(line.charCodeAt(11)) &&
    line.charCodeAt(12) === COLON &&
    isDigit(line.charCodeAt(13)) &&
    isDigit(line.charCodeAt(14)) &&
    line.charCodeAt(15) === SPACE
  );
}

/**
 * `YYYY-MM-DDT` of the last day seen: the lines of a log come in order, so most lines repeat the previous line's
 * day (and year, which depends on the reference too).
 */
const lastDay = { key: -1, referenceMs: Number.NaN, prefix: '' };

/** `YYYY-MM-DDT` for the stamp at the start of `line` (month already known, day digits already checked). */
function datePrefix(line: string, month: number, reference: Date): string {
  const d1 = line.charCodeAt(4);
  const d2 = line.charCodeAt(5);
  const key = (month << 16) | (d1 << 8) | d2;
  const referenceMs = reference.getTime();
  if (key !== lastDay.key || referenceMs !== lastDay.referenceMs) {
    const day = d1 === SPACE ? `0${line[5]}` : line.slice(4, 6);
    lastDay.prefix = `${yearOf(month, reference)}-${pad(month + 1)}-${day}T`;
    lastDay.key = key;
    lastDay.referenceMs = referenceMs;
  }
  return lastDay.prefix;
}

/**
 * The common case without regular expressions: a traditional stamp padded to two day digits, a plain ASCII host
 * name ended by a space, a tag of plain ASCII (splitTag's rules, read in place). Returns undefined for anything else, which the regular expressions
 * then read exactly as before (the result is the same either way; test/unit/collect/syslog-line.test.ts compares
 * the two on many lines).
 */
function parseTraditionalFast(line: string, reference: Date, isPlainAscii: boolean): SyslogFields | undefined {
  if (!hasTraditionalStamp(line)) return undefined;
  const month = MONTH_CODES.get((line.charCodeAt(0) << 16) | (line.charCodeAt(1) << 8) | line.charCodeAt(2));
  if (month === undefined) return undefined;
  // `.` in the regular expressions stops at line separators; leave such lines to them.
  if (!isPlainAscii && LINE_TERMINATOR.test(line)) return undefined;
  let i = 16;
  for (; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === SPACE) break;
    if (c < SPACE || c >= 0x7f) return undefined;
  }
  if (i === 16) return undefined;
  const hostname = line.slice(16, i);
  const time = datePrefix(line, month, reference) + line.slice(7, 15);
  // The tag is read in place: `rest` (what follows the host) starts at `r`, and only the parts kept are sliced.
  const n = line.length;
  const r = i < n ? i + 1 : n;
  let j = r;
  for (; j < n; j++) {
    const c = line.charCodeAt(j);
    if (c === SPACE || c === OPEN || c === CLOSE || c === COLON) break;
    // Not plain ASCII: the regular expression decides.
    if (c < SPACE || c >= 0x7f) return { time, hostname, ...splitTag(line.slice(r)) };
  }
  if (j === r || j === n) return { time, hostname, program: null, pid: null, message: line.slice(r) };
  const program = line.slice(r, j);
  let pid: number | null = null;
  if (line.charCodeAt(j) === OPEN) {
    let k = j + 1;
    let value = 0;
    for (; k < n; k++) {
      const c = line.charCodeAt(k);
      if (!isDigit(c)) break;
      value = value * 10 + (c - 48);
    }
    if (k === j + 1 || line.charCodeAt(k) !== CLOSE) return { time, hostname, program: null, pid: null, message: line.slice(r) };
    pid = k - j - 1 <= MAX_EXACT_PID_DIGITS ? value : Number(line.slice(j + 1, k));
    j = k + 1;
  }
  if (line.charCodeAt(j) !== COLON) return { time, hostname, program: null, pid: null, message: line.slice(r) };
  j++;
  let message: string;
  if (j === n) message = '';
  else if (line.charCodeAt(j) === SPACE) message = line.slice(j + 1);
  else return { time, hostname, program: null, pid: null, message: line.slice(r) };
  return { time, hostname, program, pid, message: program === 'kernel' ? message.replace(KERNEL_TIMESTAMP, '') : message };
}

function splitTag(rest: string): Pick<SyslogFields, 'program' | 'pid' | 'message'> {
  const tag = TAG.exec(rest);
  if (!tag) return { program: null, pid: null, message: rest };
  const [, program = '', pid, message = ''] = tag;
  return {
    program,
    pid: pid === undefined ? null : Number(pid),
    message: program === 'kernel' ? message.replace(KERNEL_TIMESTAMP, '') : message,
  };
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
