import { analyzeHost } from '../../../src/analyze/analyze-host.js';
import { applyLogRules } from '../../../src/analyze/log-rules.js';
import { LOG_RULES } from '../../../src/analyze/rules/index.js';
import { excludeMonitorSessions } from '../../../src/analyze/self-noise.js';
import type { HostSnapshot, LogRecord, MonitorIdentity } from '../../../src/types.js';
import { makeFacts, makeHost, NO_PREVIOUS, readFixture, recordsFromLog } from './helpers.js';

const AUTH = recordsFromLog(readFixture('self-noise', 'auth.log'), '/var/log/auth.log');
const THRESHOLDS = { cpuPercent: 80, memoryPercent: 85, diskPercent: 90, failedLoginAttempts: 5 };

/** Our connection in the fixture: root from 203.0.113.10 port 51234, as a dual-stack socket reports it. */
const US: MonitorIdentity = {
  user: 'root',
  addresses: ['::ffff:203.0.113.10'],
  sourcePorts: [51234],
  since: '2026-11-25T10:00:00.900Z',
  until: '2026-11-25T10:00:04.100Z',
};

const lines = (records: readonly LogRecord[]): string[] => records.map((r) => r.message);

describe('excludeMonitorSessions on a Debian auth.log', () => {
  it('leaves out exactly the lines of our own session', () => {
    const kept = excludeMonitorSessions(AUTH, [US]);
    expect(AUTH.filter((r) => !kept.includes(r)).map((r) => r.message)).toEqual([
      'Connection from 203.0.113.10 port 51234 on 10.0.0.5 port 22 rdomain ""',
      'Accepted publickey for root from 203.0.113.10 port 51234 ssh2: ED25519 SHA256:Jx0m4Jd1qk0Yt5m5Qe2c7hVb8Q2b7m0f6mX0g0a1bC4',
      'pam_unix(sshd:session): session opened for user root(uid=0) by (uid=0)',
      'Starting session: command for root from 203.0.113.10 port 51234 id 0',
      'Received disconnect from 203.0.113.10 port 51234:11: disconnected by user',
      'Disconnected from user root 203.0.113.10 port 51234',
      'pam_unix(sshd:session): session closed for user root',
    ]);
  });

  it('keeps other addresses, other source ports, other users, failed logins and errors, even on our connection', () => {
    const kept = lines(excludeMonitorSessions(AUTH, [US]));
    expect(kept).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Accepted publickey for root from 198\.51\.100\.20 port 40022/),
        expect.stringMatching(/^Accepted publickey for root from 203\.0\.113\.10 port 51300/),
        expect.stringMatching(/^Accepted publickey for alice from 203\.0\.113\.10 port 51400/),
        'Failed password for root from 203.0.113.10 port 51500 ssh2',
        'error: kex_exchange_identification: client sent invalid protocol identifier from 203.0.113.10 port 51234',
        'New session 88 of user root.',
      ]),
    );
    // The pam lines of the other root sessions (pids 4200 and 4300) stay.
    expect(kept.filter((m) => m.startsWith('pam_unix(sshd:session): session opened'))).toHaveLength(2);
  });

  it('turns the auth.root_login of our address into one for the other session only', () => {
    const rootLogins = (records: readonly LogRecord[]) =>
      applyLogRules(records, LOG_RULES, THRESHOLDS, []).filter((f) => f.key === 'auth.root_login:203.0.113.10');
    expect(rootLogins(AUTH)[0]?.count).toBe(2);
    const [after] = rootLogins(excludeMonitorSessions(AUTH, [US]));
    expect(after?.count).toBe(1);
    expect(after?.evidence[0]?.lines).toEqual([expect.stringContaining('port 51300')]);
  });

  it('without source ports, every login of our user from our address during the session is ours', () => {
    const { sourcePorts: _ports, ...noPorts } = US;
    const removed = AUTH.filter((r) => !excludeMonitorSessions(AUTH, [noPorts]).includes(r)).map((r) => r.message);
    expect(removed).toContain('Accepted publickey for root from 203.0.113.10 port 51300 ssh2: ED25519 SHA256:Qw1e2r3t4y5u6i7o8p9a0s1d2f3g4h5j6k7l8z9x0c1');
    expect(removed.some((m) => m.includes('alice') || m.includes('198.51.100.20') || m.startsWith('Failed'))).toBe(false);
  });

  it('keeps logins outside the session window (beyond the clock skew tolerance)', () => {
    const dayLater = { ...US, since: '2026-11-26T10:00:00Z', until: '2026-11-26T10:00:05Z' };
    expect(excludeMonitorSessions(AUTH, [dayLater])).toEqual(AUTH);
    const fourMinutesLate = { ...US, since: '2026-11-25T10:04:00Z', until: '2026-11-25T10:04:05Z' };
    expect(excludeMonitorSessions(AUTH, [fourMinutesLate])).toHaveLength(AUTH.length - 7);
  });

  it('claims the tail of the previous pass (disconnect lines logged after it read the log) by its source port', () => {
    const tail = AUTH.filter((r) => r.time !== null && r.time >= '2026-11-25T10:00:04');
    const kept = lines(excludeMonitorSessions(tail, [US]));
    expect(kept).toEqual([
      // Without its Accepted line the pid is unknown, and a pam line has no address: kept, it matches no rule.
      'pam_unix(sshd:session): session closed for user root',
      'Session 88 logged out. Waiting for processes to exit.',
    ]);
  });

  it('reads zone-less traditional stamps with a host-offset allowance, and changes nothing without an identity', () => {
    const traditional = recordsFromLog(readFixture('self-noise', 'auth-traditional.log'), '/var/log/auth.log');
    // The host logs local time (UTC+2 here): 12:00 local is 10:00 UTC, inside the window only with the allowance.
    const dtmon: MonitorIdentity = { user: 'dtmon', addresses: ['10.0.0.9'], since: '2026-11-25T10:00:00Z', until: '2026-11-25T10:00:05Z' };
    expect(excludeMonitorSessions(traditional, [dtmon])).toEqual([]);
    expect(excludeMonitorSessions(traditional, [{ ...dtmon, since: '2026-11-27T10:00:00Z', until: '2026-11-27T10:00:05Z' }])).toEqual(
      traditional,
    );
    expect(excludeMonitorSessions(AUTH, [])).toEqual(AUTH);
    const { sourcePorts: _ports, ...noPorts } = US;
    expect(excludeMonitorSessions(AUTH, [{ ...noPorts, user: 'nobody' }])).toEqual(AUTH);
    // A source port alone claims only lines that name no user or our user.
    const removed = AUTH.filter((r) => !excludeMonitorSessions(AUTH, [{ ...US, user: 'nobody' }]).includes(r)).map((r) => r.message);
    expect(removed).toEqual([
      'Connection from 203.0.113.10 port 51234 on 10.0.0.5 port 22 rdomain ""',
      'Received disconnect from 203.0.113.10 port 51234:11: disconnected by user',
    ]);
  });
});

function makeSnapshot(over: Partial<HostSnapshot>): HostSnapshot {
  const base: HostSnapshot = {
    host: 'web-01',
    collectedAt: '2026-11-25T10:00:04.100Z',
    durationMs: 3200,
    reachable: true,
    facts: makeFacts(),
    logs: [],
    logSources: [],
    cursors: [],
    failures: [],
  };
  return { ...base, ...over };
}

describe('analyzeHost with the snapshot monitor identity', () => {
  it('raises no auth.root_login for our own login, and still one for somebody else', () => {
    const host = makeHost();
    const withoutUs = AUTH.filter((r) => !r.message.includes('port 51300') && !r.message.includes('198.51.100.20'));
    const plain = analyzeHost(host, makeSnapshot({ logs: withoutUs }), NO_PREVIOUS, { secrets: [] });
    expect(plain.findings.map((f) => f.key)).toContain('auth.root_login:203.0.113.10');

    const ours = analyzeHost(host, makeSnapshot({ logs: withoutUs, monitorIdentity: US }), NO_PREVIOUS, { secrets: [] });
    expect(ours.findings.filter((f) => f.category === 'auth.root_login')).toEqual([]);
    expect(ours.score).toBeGreaterThan(plain.score);

    const all = analyzeHost(host, makeSnapshot({ logs: AUTH, monitorIdentity: US }), NO_PREVIOUS, { secrets: [] });
    expect(all.findings.find((f) => f.key === 'auth.root_login:203.0.113.10')?.count).toBe(1);
  });
});

describe('our own sudo (sudo: true)', () => {
  const sudoLines = (user: string, time: string, command = '/usr/bin/sh -s'): LogRecord[] => [
    { source: '/var/log/auth.log', line: 'x', time, hostname: 'h', program: 'sudo', pid: null, message: `   ${user} : PWD=/home/${user} ; USER=root ; COMMAND=${command}` },
    { source: '/var/log/auth.log', line: 'x', time, hostname: 'h', program: 'sudo', pid: 7, message: `pam_unix(sudo:session): session opened for user root(uid=0) by ${user}(uid=1001)` },
  ];

  it('leaves out our shell and its session lines, and keeps everything else', () => {
    const during = '2026-11-25T10:00:02.000Z';
    const ours = sudoLines('root', during);
    const other = sudoLines('alice', during);
    const otherCommand = sudoLines('root', during, '/usr/bin/apt update');
    const later = sudoLines('root', '2026-11-25T12:00:00.000Z');
    const kept = excludeMonitorSessions([...ours, ...other, ...otherCommand, ...later], [US]);
    expect(kept).toEqual([...other, otherCommand[0], ...later]);
  });
});
