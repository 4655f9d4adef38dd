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
 */
export function parseSyslogLine(line: string, reference: Date): SyslogFields {
  const fast = parseTraditionalFast(line, reference);
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
const MONTH_INDEX = new Map(MONTHS.map((m, i) => [m, i]));
const SPACE = 32;
const COLON = 58;
const OPEN = 91;
const CLOSE = 93;

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** `Nov 25 18:42:51 ` (16 characters) with a known month and digits where digits belong. */
function hasTraditionalStamp(line: string): boolean {
  if (line.length < 17) return false;
  const c = (i: number): number => line.charCodeAt(i);
  return (
    c(3) === SPACE &&
    (c(4) === SPACE || isDigit(c(4))) &&
    isDigit(c(5)) &&
    c(6) === SPACE &&
    isDigit(c(7)) &&
    isDigit(c(8)) &&
    c(9) === COLON &&
    isDigit(c(10)) &&
    isDigit(c(11)) &&
    c(12) === COLON &&
    isDigit(c(13)) &&
    isDigit(c(14)) &&
    c(15) === SPACE
  );
}

/**
 * The common case without regular expressions: a traditional stamp padded to two day digits, a plain ASCII host
 * name ended by a space, a tag of plain ASCII. Returns undefined for anything else, which the regular expressions
 * then read exactly as before (the result is the same either way; test/unit/collect/syslog-line.test.ts compares
 * the two on many lines).
 */
function parseTraditionalFast(line: string, reference: Date): SyslogFields | undefined {
  if (!hasTraditionalStamp(line)) return undefined;
  const month = MONTH_INDEX.get(line.slice(0, 3));
  if (month === undefined) return undefined;
  // `.` in the regular expressions stops at line separators; leave such lines to them.
  if (LINE_TERMINATOR.test(line)) return undefined;
  let i = 16;
  for (; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === SPACE) break;
    if (c < SPACE || c >= 0x7f) return undefined;
  }
  if (i === 16) return undefined;
  const hostname = line.slice(16, i);
  const rest = i < line.length ? line.slice(i + 1) : '';
  const day = line.charCodeAt(4) === SPACE ? `0${line[5]}` : line.slice(4, 6);
  const time = `${yearOf(month, reference)}-${pad(month + 1)}-${day}T${line.slice(7, 15)}`;
  const tag = splitTagFast(rest);
  if (tag === undefined) return { time, hostname, ...splitTag(rest) };
  return { time, hostname, program: tag.program, pid: tag.pid, message: tag.message };
}

/** splitTag for a plain ASCII tag; undefined when the regular expression must decide. */
function splitTagFast(rest: string): Pick<SyslogFields, 'program' | 'pid' | 'message'> | undefined {
  let i = 0;
  for (; i < rest.length; i++) {
    const c = rest.charCodeAt(i);
    if (c === SPACE || c === OPEN || c === CLOSE || c === COLON) break;
    if (c < SPACE || c >= 0x7f) return undefined;
  }
  if (i === 0 || i === rest.length) return { program: null, pid: null, message: rest };
  const program = rest.slice(0, i);
  let pid: number | null = null;
  if (rest.charCodeAt(i) === OPEN) {
    let j = i + 1;
    while (j < rest.length && isDigit(rest.charCodeAt(j))) j++;
    if (j === i + 1 || rest.charCodeAt(j) !== CLOSE) return { program: null, pid: null, message: rest };
    pid = Number(rest.slice(i + 1, j));
    i = j + 1;
  }
  if (rest.charCodeAt(i) !== COLON) return { program: null, pid: null, message: rest };
  i++;
  let message: string;
  if (i === rest.length) message = '';
  else if (rest.charCodeAt(i) === SPACE) message = rest.slice(i + 1);
  else return { program: null, pid: null, message: rest };
  return { program, pid, message: program === 'kernel' ? message.replace(KERNEL_TIMESTAMP, '') : message };
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
