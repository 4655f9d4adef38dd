import { applyLogRules, MAX_EXAMPLE_LINES } from '../../../src/analyze/log-rules.js';
import { buildRuleIndex, LOG_RULES, rulesFor } from '../../../src/analyze/rules/index.js';
import type { LogRule } from '../../../src/analyze/rules/types.js';
import type { LogRecord } from '../../../src/types.js';
import { makeHost, recordsFromLog } from './helpers.js';

const thresholds = makeHost().thresholds; // failedLoginAttempts: 5

function failures(ip: string, n: number, user = 'root'): string {
  return Array.from(
    { length: n },
    (_, i) => `Nov 25 18:40:${String(i).padStart(2, '0')} web-01 sshd[${2200 + i}]: Failed password for ${user} from ${ip} port ${50000 + i} ssh2`,
  ).join('\n');
}

/** A RegExp that counts how often it is tried, to prove dispatch. */
class CountingRegExp extends RegExp {
  tries = 0;
  override exec(text: string): RegExpExecArray | null {
    this.tries += 1;
    return super.exec(text);
  }
}

describe('applyLogRules: the user names an address tried', () => {
  const lines = (ip: string, users: string[]): string =>
    users.map((u, i) => `Nov 25 18:41:${String(i % 60).padStart(2, '0')} web-01 sshd[${3000 + i}]: Failed password for invalid user ${u} from ${ip} port ${40000 + i} ssh2`).join('\n');

  it('lists each distinct name once, in order, in the first evidence entry (beyond the 5 example lines)', () => {
    const findings = applyLogRules(recordsFromLog(lines('198.51.100.4', ['a', 'b', 'a', 'c', 'd', 'e', 'f']), '/var/log/auth.log'), LOG_RULES, thresholds, []);
    expect(findings.map((f) => [f.key, f.evidence[0]?.values])).toEqual([['auth.bruteforce:198.51.100.4', { users: 'a, b, c, d, e, f' }]]);
  });

  it('keeps at most 50 names per finding and counts the lines whose name did not fit', () => {
    const users = Array.from({ length: 53 }, (_, i) => `u${i}`);
    const [finding] = applyLogRules(recordsFromLog(lines('198.51.100.5', users), '/var/log/auth.log'), LOG_RULES, thresholds, []);
    expect(finding?.evidence[0]?.values?.users).toBe(users.slice(0, 50).join(', '));
    expect(finding?.evidence[0]?.values?.usersOmitted).toBe(3);
  });

  it('redacts the names like the lines, and gives no list where the subject is the user (sudo)', () => {
    const [finding] = applyLogRules(recordsFromLog(lines('198.51.100.6', ['hunter2secret']), '/var/log/auth.log'), LOG_RULES, thresholds, ['hunter2secret']);
    expect(finding?.evidence[0]?.values?.users).toBe('********');
    const sudo = applyLogRules(
      recordsFromLog('Nov 25 18:42:00 web-01 sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/id', '/var/log/auth.log'),
      LOG_RULES,
      thresholds,
      [],
    );
    expect(sudo.map((f) => [f.category, f.evidence[0]?.values])).toEqual([['privilege.sudo', undefined]]);
  });
});

describe('applyLogRules: brute-force aggregation', () => {
  it('keeps 4 failures from one IP as a failed_login finding (threshold 5)', () => {
    const findings = applyLogRules(recordsFromLog(failures('203.0.113.9', 4), '/var/log/auth.log'), LOG_RULES, thresholds, []);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ category: 'auth.failed_login', severity: 'info', count: 4, key: 'auth.failed_login:203.0.113.9' });
  });

  it('turns 5 failures from one IP into ONE auth.bruteforce crit finding with the count and example lines', () => {
    const records = recordsFromLog(failures('203.0.113.9', 5), '/var/log/auth.log');
    const findings = applyLogRules(records, LOG_RULES, thresholds, []);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      category: 'auth.bruteforce',
      severity: 'crit',
      ruleId: 'sshd.bruteforce',
      key: 'auth.bruteforce:203.0.113.9',
      subject: '203.0.113.9',
      count: 5,
      title: 'SSH brute force from 203.0.113.9: 5 failed password logins',
    });
    expect(findings[0]?.evidence).toEqual([{ source: '/var/log/auth.log', lines: records.map((r) => r.line), values: { users: 'root' } }]);
    expect(findings[0]?.recommendation).toMatch(/fail2ban/);
  });

  it('counts per source IP, keeps example lines to 5, and honours the configured threshold', () => {
    const text = [failures('203.0.113.9', 30), failures('198.51.100.7', 2)].join('\n');
    const records = recordsFromLog(text, '/var/log/auth.log');
    const findings = applyLogRules(records, LOG_RULES, thresholds, []);
    expect(findings.map((f) => [f.key, f.count])).toEqual([
      ['auth.bruteforce:203.0.113.9', 30],
      ['auth.failed_login:198.51.100.7', 2],
    ]);
    expect(findings[0]?.evidence[0]?.lines).toHaveLength(MAX_EXAMPLE_LINES);
    const strict = applyLogRules(records, LOG_RULES, { ...thresholds, failedLoginAttempts: 2 }, []);
    expect(strict.map((f) => f.key)).toEqual(['auth.bruteforce:203.0.113.9', 'auth.bruteforce:198.51.100.7']);
  });

  it('counts rsyslog "message repeated N times" as N failures', () => {
    const text = [
      failures('203.0.113.9', 2),
      'Nov 25 18:41:20 web-01 sshd[2320]: message repeated 3 times: [ Failed password for root from 203.0.113.9 port 52214 ssh2]',
    ].join('\n');
    const findings = applyLogRules(recordsFromLog(text, '/var/log/auth.log'), LOG_RULES, thresholds, []);
    expect(findings.map((f) => [f.key, f.count])).toEqual([['auth.bruteforce:203.0.113.9', 5]]);
  });

  it('supports a numeric minCount', () => {
    const rule: LogRule = {
      id: 'test.fail',
      category: 'auth.failed_login',
      severity: 'info',
      programs: ['app'],
      pattern: /fail from (?<ip>\S+)/,
      title: (g) => `fail from ${g.ip}`,
      subject: (g) => g.ip ?? '',
      aggregate: { id: 'test.burst', by: 'ip', minCount: 2, category: 'log.error_burst', severity: 'warn', title: (ip, n) => `${n} from ${ip}` },
    };
    const text = ['Nov 25 18:00:00 h app: fail from a', 'Nov 25 18:00:01 h app: fail from a', 'Nov 25 18:00:02 h app: fail from b'].join('\n');
    const findings = applyLogRules(recordsFromLog(text, '/x.log'), [rule], thresholds, []);
    expect(findings.map((f) => [f.key, f.title, f.severity])).toEqual([
      ['log.error_burst:a', '2 from a', 'warn'],
      ['auth.failed_login:b', 'fail from b', 'info'],
    ]);
  });
});

describe('applyLogRules: dispatch by program', () => {
  it('never tries a kernel line against sshd rules, nor an sshd line against kernel rules', () => {
    const sshd = new CountingRegExp('Failed password for (?<user>\\S+) from (?<ip>\\S+)');
    const kernel = new CountingRegExp('Out of memory: Killed process (?<pid>\\d+) \\((?<name>[^)]*)\\)');
    const rules: LogRule[] = [
      { id: 's', category: 'auth.failed_login', severity: 'info', programs: ['sshd'], pattern: sshd, title: () => 's', subject: (g) => g.ip ?? '' },
      { id: 'k', category: 'kernel.oom_kill', severity: 'crit', programs: ['kernel'], pattern: kernel, title: () => 'k', subject: (g) => g.name ?? '' },
    ];
    const text = [
      // A kernel line carrying sshd text, and an sshd line carrying kernel text: neither may match.
      'Nov 25 18:00:00 h kernel: [1.0] Failed password for root from 203.0.113.9 port 1 ssh2',
      'Nov 25 18:00:01 h sshd[1]: Out of memory: Killed process 1 (x)',
      'Nov 25 18:00:02 h kernel: [2.0] Out of memory: Killed process 812 (mysqld)',
    ].join('\n');
    const findings = applyLogRules(recordsFromLog(text, '/var/log/syslog'), rules, thresholds, []);
    expect(findings.map((f) => f.key)).toEqual(['kernel.oom_kill:mysqld']);
    expect(sshd.tries).toBe(1); // only the sshd line
    expect(kernel.tries).toBe(2); // only the two kernel lines
  });

  it('gives lines without a program only to "*" rules, and "*" rules every line', () => {
    const any: LogRule = {
      id: 'any',
      category: 'log.error_burst',
      severity: 'info',
      programs: ['*'],
      pattern: /PANIC (?<what>\w+)/,
      title: (g) => `panic ${g.what}`,
      subject: (g) => g.what ?? '',
    };
    const index = buildRuleIndex([...LOG_RULES, any]);
    const builtInWildcards = LOG_RULES.filter((r) => r.programs.includes('*'));
    expect(rulesFor(index, null)).toEqual([...builtInWildcards, any]);
    expect(rulesFor(index, 'SSHD').map((r) => r.id)).toContain('any');
    expect(rulesFor(index, 'nginx')).toEqual([...builtInWildcards, any]);
    const plain = [
      'Failed password for root from 203.0.113.9 port 1 ssh2',
      'PANIC disk',
      'Nov 25 18:00:02 h app[3]: PANIC queue',
    ].join('\n');
    const findings = applyLogRules(recordsFromLog(plain, '/srv/app.log'), index, thresholds, []);
    expect(findings.map((f) => f.key)).toEqual(['log.error_burst:disk', 'log.error_burst:queue']);
  });

  it('finds nothing for lines without a program when no "*" rule exists', () => {
    const records = recordsFromLog('Failed password for root from 203.0.113.9 port 1 ssh2', '/srv/app.log');
    expect(applyLogRules(records, LOG_RULES, thresholds, [])).toEqual([]);
  });
});

describe('applyLogRules: grouping and redaction', () => {
  it('groups identical findings with the count and at most 5 examples, across sources', () => {
    const line = (i: number): string =>
      `Nov 25 18:35:0${i} web-01 kernel: [ 50${i}.0] php-fpm[${100 + i}]: segfault at 0 ip 0 sp 0 error 4 in libc.so.6[7f+1]`;
    const records: LogRecord[] = [
      ...recordsFromLog([0, 1, 2].map(line).join('\n'), '/var/log/kern.log.1'),
      ...recordsFromLog([3, 4, 5, 6].map(line).join('\n'), '/var/log/kern.log'),
    ];
    const [finding, ...rest] = applyLogRules(records, LOG_RULES, thresholds, []);
    expect(rest).toEqual([]);
    expect(finding?.count).toBe(7);
    expect(finding?.evidence.map((e) => [e.source, e.lines?.length])).toEqual([
      ['/var/log/kern.log.1', 3],
      ['/var/log/kern.log', 2],
    ]);
  });

  it('redacts evidence lines with the config secrets and built-in patterns', () => {
    const text = [
      'Nov 25 18:40:01 web-01 sshd[1]: Failed password for invalid user Sup3rS3cret! from 203.0.113.9 port 1 ssh2',
      'Nov 25 18:40:02 web-01 sshd[2]: Failed password for invalid user token=abcdef123 from 203.0.113.9 port 2 ssh2',
    ].join('\n');
    const [finding] = applyLogRules(recordsFromLog(text, '/var/log/auth.log'), LOG_RULES, thresholds, ['Sup3rS3cret!']);
    const lines = finding?.evidence[0]?.lines ?? [];
    expect(lines.join('\n')).not.toMatch(/Sup3rS3cret|abcdef123/);
    expect(lines[0]).toContain('invalid user ******** from');
    expect(lines[1]).toContain('token=********');
  });

  it('lets the first matching rule of a line win', () => {
    const first: LogRule = { id: 'a', category: 'kernel.error', severity: 'warn', programs: ['kernel'], pattern: /boom/, title: () => 'a' };
    const second: LogRule = { id: 'b', category: 'kernel.panic', severity: 'crit', programs: ['kernel'], pattern: /boom/, title: () => 'b' };
    const records = recordsFromLog('Nov 25 18:00:00 h kernel: boom', '/k');
    expect(applyLogRules(records, [first, second], thresholds, []).map((f) => [f.ruleId, f.key])).toEqual([['a', 'kernel.error']]);
  });
});
