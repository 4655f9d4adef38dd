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
  const traditional = TRADITIONAL.exec(line);
  if (traditional) {
    const [, mon = '', day = '', hh, mm, ss, host = '', rest = ''] = traditional;
    const month = MONTHS.indexOf(mon);
    if (month >= 0) {
      const year = month - reference.getUTCMonth() > 1 ? reference.getUTCFullYear() - 1 : reference.getUTCFullYear();
      const time = `${year}-${pad(month + 1)}-${pad(Number(day.trim()))}T${hh}:${mm}:${ss}`;
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
