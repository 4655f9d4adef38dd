import { parseSyslogLine } from '../../../src/collect/parsers/syslog-line.js';
import { fixture } from './fixture.js';

const reference = new Date('2026-11-26T12:00:00Z');
const lines = (name: string): string[] => fixture('syslog-line', name).split('\n').slice(0, -1);

describe('parseSyslogLine', () => {
  it('reads the traditional format, inferring the year', () => {
    const [failed, cron, postfix, noPid, repeated] = lines('traditional').map((l) => parseSyslogLine(l, reference));
    expect(failed).toEqual({
      time: '2026-11-25T18:42:51',
      hostname: 'web-01',
      program: 'sshd',
      pid: 1234,
      message: 'Failed password for invalid user admin from 198.51.100.7 port 52144 ssh2',
    });
    expect(cron).toMatchObject({ time: '2026-11-05T08:01:02', program: 'CRON', pid: 99, message: '(root) CMD (run-parts /etc/cron.hourly)' });
    expect(postfix).toMatchObject({ time: '2026-12-31T23:59:59', program: 'postfix/smtpd', pid: 77 });
    expect(noPid).toMatchObject({ time: '2026-01-01T00:00:01', program: 'systemd', pid: null, message: 'Started Session 5 of user root.' });
    expect(repeated).toEqual({ time: '2026-11-25T18:42:51', hostname: 'web-01', program: null, pid: null, message: 'last message repeated 3 times' });
  });

  it('puts December lines read in January in the previous year', () => {
    expect(parseSyslogLine('Dec 31 23:59:59 h p: m', new Date('2027-01-01T00:10:00Z')).time).toBe('2026-12-31T23:59:59');
  });

  it('reads RFC 3339 stamps as written', () => {
    const [accepted, sudo, empty] = lines('rfc3339').map((l) => parseSyslogLine(l, reference));
    expect(accepted).toEqual({
      time: '2026-11-25T18:42:51.123456+00:00',
      hostname: 'web-01',
      program: 'sshd',
      pid: 1234,
      message: 'Accepted publickey for dtmon from 10.0.0.2 port 40000 ssh2: ED25519 SHA256:abc',
    });
    expect(sudo).toMatchObject({ time: '2026-11-25T18:42:52Z', program: 'sudo', pid: null, message: 'dtmon : TTY=pts/0 ; PWD=/home/dtmon ; USER=root ; COMMAND=/usr/bin/apt update' });
    expect(empty).toMatchObject({ time: '2026-11-25T18:42:53.5-05:00', program: 'sshd-session', pid: 88, message: '' });
  });

  it('drops the uptime stamp of kernel lines', () => {
    const [oom, ext4, plain] = lines('kernel').map((l) => parseSyslogLine(l, reference));
    expect(oom).toMatchObject({ program: 'kernel', pid: null, message: 'Out of memory: Killed process 4242 (java) total-vm:123kB' });
    expect(ext4).toMatchObject({ program: 'kernel', message: 'EXT4-fs error (device sda1): ext4_find_entry:1455' });
    expect(plain).toMatchObject({ program: 'kernel', message: 'plain kernel message without a stamp' });
  });

  it('keeps a line without a header as the whole message', () => {
    for (const line of lines('no-header')) {
      expect(parseSyslogLine(line, reference)).toEqual({ time: null, hostname: null, program: null, pid: null, message: line });
    }
  });
});

/** The regular-expression parser the fast path must agree with (the definition of the format). */
function referenceParse(line: string, reference: Date) {
  const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const TRADITIONAL = /^([A-Z][a-z]{2}) ([ \d]?\d) (\d{2}):(\d{2}):(\d{2}) (\S+) ?(.*)$/;
  const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})) (\S+) ?(.*)$/;
  const TAG = /^([^\s[\]:]+)(?:\[(\d+)\])?:(?: (.*))?$/;
  const pad = (n: number): string => String(n).padStart(2, '0');
  const splitTag = (rest: string) => {
    const tag = TAG.exec(rest);
    if (!tag) return { program: null, pid: null, message: rest };
    const [, program = '', pid, message = ''] = tag;
    return { program, pid: pid === undefined ? null : Number(pid), message: program === 'kernel' ? message.replace(/^\[\s*\d+\.\d+\]\s?/, '') : message };
  };
  const t = TRADITIONAL.exec(line);
  if (t) {
    const [, mon = '', day = '', hh, mm, ss, host = '', rest = ''] = t;
    const month = MONTHS.indexOf(mon);
    if (month >= 0) {
      const year = month - reference.getUTCMonth() > 1 ? reference.getUTCFullYear() - 1 : reference.getUTCFullYear();
      return { time: `${year}-${pad(month + 1)}-${pad(Number(day.trim()))}T${hh}:${mm}:${ss}`, hostname: host, ...splitTag(rest) };
    }
  }
  const rfc = RFC3339.exec(line);
  if (rfc) return { time: rfc[1] ?? '', hostname: rfc[2] ?? '', ...splitTag(rfc[3] ?? '') };
  return { time: null, hostname: null, program: null, pid: null, message: line };
}

describe('parseSyslogLine fast path', () => {
  const tricky = [
    'Nov 25 18:42:51 web-01 sshd[1234]: Failed password for root from 198.51.100.7 port 1 ssh2',
    'Nov  5 08:01:02 web-01 CRON[99]: (root) CMD (x)',
    'Nov 5 08:01:02 web-01 CRON[99]: single-digit day',
    'Nov 25 18:42:51 web-01',
    'Nov 25 18:42:51 web-01 ',
    'Nov 25 18:42:51 web-01  two spaces: x',
    'Nov 25 18:42:51 web-01\tprog: tab after host',
    'Nov 25 18:42:51 wéb-01 prog: non-ASCII host',
    'Nov 25 18:42:51 h prog:',
    'Nov 25 18:42:51 h prog: ',
    'Nov 25 18:42:51 h prog:x',
    'Nov 25 18:42:51 h prog[]: empty pid',
    'Nov 25 18:42:51 h prog[12a]: bad pid',
    'Nov 25 18:42:51 h prog[12]x: junk after pid',
    'Nov 25 18:42:51 h prog[12] : space before colon',
    'Nov 25 18:42:51 h [12]: no program',
    'Nov 25 18:42:51 h ]x: bracket',
    'Nov 25 18:42:51 h prög: non-ASCII program',
    'Nov 25 18:42:51 h prog\u00a0x: nbsp',
    'Nov 25 18:42:51 h kernel: [ 12.345] oom',
    'Nov 25 18:42:51 h kernel: [12.345]oom',
    'Nov 25 18:42:51 h prog: line\u2028separator',
    'Nov 25 18:42:51 h prog: carriage\rreturn',
    'Foo 25 18:42:51 h prog: not a month',
    'nov 25 18:42:51 h prog: lower case',
    'Nov 25 18:42:5 h prog: short seconds',
    'Nov 25 1842:51 h prog: no colon',
    'Dec 31 23:59:59 h p: m',
    'Jan  1 00:00:01 h systemd: Started.',
    'message repeated 3 times: [ x]',
    '2026-11-25T18:42:51.123456+00:00 web-01 sshd[1234]: Accepted publickey',
    '',
    'Nov 25 18:42:51 h prog: ' + 'x'.repeat(70_000),
  ];
  it('agrees with the regular expressions on tricky lines', () => {
    for (const ref of [reference, new Date('2027-01-01T00:10:00Z')]) {
      for (const line of tricky) expect([line, parseSyslogLine(line, ref)]).toEqual([line, referenceParse(line, ref)]);
    }
  });

  it('agrees with the regular expressions on random mutations of real lines', () => {
    const seeds = [...lines('traditional'), ...lines('rfc3339'), ...lines('kernel'), ...tricky.slice(0, 10)];
    const alphabet = [' ', '[', ']', ':', '1', 'a', '\t', 'é', '\u2028', 'N', '-'];
    let state = 42;
    const random = (n: number): number => {
      state = (state * 1103515245 + 12345) % 2147483648;
      return state % n;
    };
    for (let k = 0; k < 5000; k++) {
      const seed = seeds[random(seeds.length)] ?? '';
      const chars = [...seed];
      for (let m = random(3) + 1; m > 0; m--) {
        const at = random(Math.max(1, Math.min(chars.length, 40)));
        const op = random(3);
        const ch = alphabet[random(alphabet.length)] ?? ' ';
        if (op === 0) chars.splice(at, 1);
        else if (op === 1) chars.splice(at, 0, ch);
        else chars[at] = ch;
      }
      const line = chars.join('');
      expect([line, parseSyslogLine(line, reference)]).toEqual([line, referenceParse(line, reference)]);
    }
  });
});
