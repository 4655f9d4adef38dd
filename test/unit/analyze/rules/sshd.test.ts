import { applyLogRules } from '../../../../src/analyze/log-rules.js';
import { SSHD_RULES } from '../../../../src/analyze/rules/sshd.js';
import type { LogRule } from '../../../../src/analyze/rules/types.js';
import { makeHost, readFixture, recordsFromLog } from '../helpers.js';

const rule = (id: string): LogRule => {
  const found = SSHD_RULES.find((r) => r.id === id);
  if (!found) throw new Error(`no rule ${id}`);
  return found;
};
// High enough that no brute-force aggregation happens: these tests look at the plain rules.
const noAggregation = { ...makeHost().thresholds, failedLoginAttempts: 1000 };

describe('sshd rules on real Debian auth.log lines', () => {
  const positive = recordsFromLog(readFixture('sshd', 'debian-positive.log'), '/var/log/auth.log');

  it('matches failed password lines, for valid and invalid users, with the source IP', () => {
    const r = rule('sshd.failed_password');
    expect(r.pattern.exec('Failed password for root from 203.0.113.9 port 52214 ssh2')?.groups).toMatchObject({
      user: 'root',
      ip: '203.0.113.9',
      port: '52214',
    });
    expect(r.pattern.exec('Failed password for invalid user admin from 198.51.100.7 port 40112 ssh2')?.groups).toMatchObject(
      { invalid: 'invalid user', user: 'admin', ip: '198.51.100.7' },
    );
    expect(r.pattern.exec('Failed password for invalid user  from 198.51.100.9 port 40999 ssh2')?.groups).toMatchObject({
      user: '',
      ip: '198.51.100.9',
    });
    expect(r.pattern.exec('Failed keyboard-interactive/pam for invalid user oracle from 198.51.100.7 port 40220 ssh2')).not.toBeNull();
  });

  it('matches invalid user, root login and max auth attempts', () => {
    expect(rule('sshd.invalid_user').pattern.exec('Invalid user admin from 198.51.100.7 port 40112')?.groups).toMatchObject({
      user: 'admin',
      ip: '198.51.100.7',
    });
    expect(rule('sshd.invalid_user').pattern.exec('Invalid user admin from 198.51.100.7')?.groups?.ip).toBe('198.51.100.7');
    expect(
      rule('sshd.root_login').pattern.exec('Accepted publickey for root from 192.0.2.10 port 50022 ssh2: ED25519 SHA256:x')?.groups,
    ).toMatchObject({ method: 'publickey', ip: '192.0.2.10' });
    expect(
      rule('sshd.max_auth_attempts').pattern.exec(
        'error: maximum authentication attempts exceeded for invalid user test from 198.51.100.8 port 41000 ssh2 [preauth]',
      )?.groups,
    ).toMatchObject({ user: 'test', ip: '198.51.100.8' });
  });

  it('turns the positive sample into the expected findings', () => {
    const findings = applyLogRules(positive, SSHD_RULES, noAggregation, []);
    const summary = findings.map((f) => [f.key, f.severity, f.count]);
    expect(summary).toEqual([
      ['auth.failed_login:203.0.113.9', 'warn', 4], // 1 + repeated x2 (failed) + 1 max-auth, merged by key
      ['auth.invalid_user:198.51.100.7', 'info', 1],
      ['auth.failed_login:198.51.100.7', 'info', 2],
      ['auth.root_login:192.0.2.10', 'warn', 1],
      ['auth.root_login:2001:db8::5', 'warn', 1],
      ['auth.failed_login:198.51.100.8', 'warn', 1],
      ['auth.failed_login:198.51.100.9', 'info', 1],
    ]);
    const root = findings.find((f) => f.key === 'auth.root_login:192.0.2.10');
    expect(root?.title).toBe('root logged in over SSH from 192.0.2.10 (publickey)');
    expect(root?.recommendation).toMatch(/PermitRootLogin/);
    expect(root?.evidence).toEqual([{ source: '/var/log/auth.log', lines: [positive[4]?.line] }]);
  });

  it('finds nothing in lines that only look similar', () => {
    const negative = recordsFromLog(readFixture('sshd', 'debian-negative.log'), '/var/log/auth.log');
    expect(negative).toHaveLength(13);
    expect(applyLogRules(negative, SSHD_RULES, noAggregation, [])).toEqual([]);
  });

  it('applies to sshd-session (OpenSSH 9.8+) as well as sshd', () => {
    expect(rule('sshd.failed_password').programs).toEqual(['sshd', 'sshd-session']);
    const session = positive.filter((r) => r.program === 'sshd-session');
    expect(applyLogRules(session, SSHD_RULES, noAggregation, []).map((f) => f.key)).toEqual([
      'auth.failed_login:198.51.100.9',
    ]);
  });
});

describe('sshd rules against user names crafted by the client', () => {
  it('takes the source from what sshd wrote, so an injected " from <ip> port <n>" cannot hide brute force', () => {
    const lines = Array.from(
      { length: 20 },
      (_, i) => `Nov 25 10:00:${String(i).padStart(2, '0')} web sshd[${i}]: Failed password for invalid user x from 10.9.9.${i} port 22 from 203.0.113.5 port 4${i} ssh2`,
    ).join('\n');
    const findings = applyLogRules(recordsFromLog(lines, '/var/log/auth.log'), SSHD_RULES, makeHost().thresholds, []);
    const brute = findings.filter((f) => f.category === 'auth.bruteforce');
    expect(brute.map((f) => [f.subject, f.count])).toEqual([['203.0.113.5', 20]]);
    expect(findings.some((f) => f.subject?.startsWith('10.9.9.'))).toBe(false);
  });

  it('an invalid user name containing a fake source is attributed to the real one', () => {
    const line = 'Nov 25 10:00:00 web sshd[1]: Invalid user a from 10.1.1.1 port 1 from 198.51.100.9 port 4000';
    const [finding] = applyLogRules(recordsFromLog(line, '/var/log/auth.log'), SSHD_RULES, noAggregation, []);
    expect(finding?.subject).toBe('198.51.100.9');
  });
});
