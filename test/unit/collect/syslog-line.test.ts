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
