import { applyLogRules } from '../../../../src/analyze/log-rules.js';
import { RuleDispatcher } from '../../../../src/analyze/rules/dispatch.js';
import { buildRuleIndex, LOG_RULES } from '../../../../src/analyze/rules/index.js';
import { globToRegExpSource } from '../../../../src/analyze/rules/source-filter.js';
import type { IgnoreRule, LogRule } from '../../../../src/analyze/rules/types.js';
import type { LogRecord } from '../../../../src/types.js';
import { makeHost, readFixture, recordsFromLog } from '../helpers.js';

const thresholds = makeHost().thresholds;

/** A RegExp that counts how often it is tried, to prove dispatch. */
class CountingRegExp extends RegExp {
  tries = 0;
  override exec(text: string): RegExpExecArray | null {
    this.tries += 1;
    return super.exec(text);
  }
}

function rule(id: string, filter: Partial<LogRule>, pattern: RegExp): LogRule {
  return {
    id,
    category: 'service.failed',
    severity: 'warn',
    programs: ['*'],
    pattern,
    title: () => id,
    subject: () => id,
    ...filter,
  };
}

/** A journal record as journald.ts makes it (`line` is `program[pid]: message`). */
function journal(program: string, unit: string | undefined, message: string, time = '2026-11-25T18:40:00.000Z'): LogRecord {
  return { source: 'journal', line: `${program}[1]: ${message}`, time, hostname: 'web-01', program, pid: 1, message, ...(unit ? { unit } : {}) };
}

/** A docker record as docker-logs.ts makes it (the container name is the program). */
function docker(container: string, message: string): LogRecord {
  return { source: `docker:${container}`, line: message, time: '2026-11-25T18:40:00.000000000Z', hostname: null, program: container, pid: null, message };
}

describe('source filters: files', () => {
  const nginx = rule('nginx.upstream', { files: ['/var/log/nginx/*.log'] }, /\[error\] \d+#\d+: \*\d+ (?<what>connect\(\) failed|upstream timed out) /);
  const dpkg = rule('dpkg.remove', { files: ['/var/log/dpkg.log'], category: 'package.removed' }, /^\S+ \S+ remove (?<pkg>[^: ]+)/);

  it('reaches plain app logs and dpkg.log, whose lines have no syslog program', () => {
    const records = [
      ...recordsFromLog(readFixture('rule-engine', 'nginx-error.log'), '/var/log/nginx/error.log'),
      ...recordsFromLog(readFixture('rule-engine', 'dpkg.log'), '/var/log/dpkg.log'),
    ];
    expect(records.every((r) => r.program === null)).toBe(true);
    const findings = applyLogRules(records, [nginx, dpkg], thresholds, []);
    expect(findings.map((f) => [f.ruleId, f.category, f.count])).toEqual([
      ['nginx.upstream', 'service.failed', 3],
      ['dpkg.remove', 'package.removed', 1],
    ]);
  });

  it('matches the rotated siblings of a file, and nothing outside the glob', () => {
    const text = readFixture('rule-engine', 'nginx-error.log');
    const rotated = recordsFromLog(text, '/var/log/nginx/error.log.1');
    const dated = recordsFromLog(text, '/var/log/nginx/error.log-20261125');
    const deeper = recordsFromLog(text, '/var/log/nginx/old/error.log');
    const elsewhere = recordsFromLog(text, '/srv/nginx/error.log');
    expect(applyLogRules(rotated, [nginx], thresholds, [])[0]?.count).toBe(3);
    expect(applyLogRules(dated, [nginx], thresholds, [])[0]?.count).toBe(3);
    expect(applyLogRules([...deeper, ...elsewhere], [nginx], thresholds, [])).toEqual([]);
  });

  it('ANDs programs with files: an sshd rule for /var/log/secure ignores sshd lines of auth.log', () => {
    const secure = rule('secure.only', { programs: ['sshd'], files: ['/var/log/secure'] }, /Failed password for (?<user>\S+)/);
    const line = 'Nov 25 18:40:01 web-01 sshd[2200]: Failed password for root from 203.0.113.9 port 50000 ssh2';
    expect(applyLogRules(recordsFromLog(line, '/var/log/auth.log'), [secure], thresholds, [])).toEqual([]);
    expect(applyLogRules(recordsFromLog(line, '/var/log/secure'), [secure], thresholds, [])).toHaveLength(1);
    const cron = 'Nov 25 18:40:01 web-01 CRON[41230]: Failed password for root';
    expect(applyLogRules(recordsFromLog(cron, '/var/log/secure'), [secure], thresholds, [])).toEqual([]);
  });

  it('turns globs into anchored expressions: * and ? stop at /, ** does not, [..] is a class', () => {
    const re = (glob: string) => new RegExp(`^${globToRegExpSource(glob)}$`);
    expect(re('/var/log/*.log').test('/var/log/app.log')).toBe(true);
    expect(re('/var/log/*.log').test('/var/log/a/app.log')).toBe(false);
    expect(re('/var/log/**.log').test('/var/log/a/app.log')).toBe(true);
    expect(re('/var/log/app?.log').test('/var/log/app1.log')).toBe(true);
    expect(re('/var/log/app[0-9].log').test('/var/log/app7.log')).toBe(true);
    expect(re('/var/log/app[!0-9].log').test('/var/log/app7.log')).toBe(false);
    expect(re('/srv/a+b (1).log').test('/srv/a+b (1).log')).toBe(true);
    expect(re('/srv/a+b (1).log').test('/srv/aab (1).log')).toBe(false);
  });
});

describe('source filters: units and containers', () => {
  const pgAuth = rule('pg.auth', { units: ['postgresql@*-main'] }, /FATAL: {2}password authentication failed for user "(?<user>[^"]+)"/);
  const web = rule('web.error', { containers: ['web', 'web-*'] }, /\[error\] \d+#\d+: (?<what>.+)$/);

  it('takes journal lines of the named units only (a name without a dot is a .service)', () => {
    const message = '2026-11-25 18:40:00.123 UTC [5512] app@shop FATAL:  password authentication failed for user "app"';
    const records = [
      journal('postgres', 'postgresql@15-main.service', message),
      journal('postgres', 'postgresql@15-replica.service', message),
      journal('postgres', undefined, message),
      { ...recordsFromLog(`Nov 25 18:40:00 db-01 postgres[5512]: ${message}`, '/var/log/syslog')[0]! },
    ];
    const findings = applyLogRules(records, [pgAuth], thresholds, []);
    expect(findings.map((f) => [f.ruleId, f.count, f.evidence[0]?.source])).toEqual([['pg.auth', 1, 'journal']]);
  });

  it('takes the log lines of the named containers only', () => {
    const line = '2026/11/25 18:40:01 [error] 29#29: *7 open() "/usr/share/nginx/html/wp-login.php" failed (2: No such file or directory)';
    const records = [docker('web', line), docker('web-canary', line), docker('db', line), ...recordsFromLog(line, '/var/log/nginx/error.log')];
    const findings = applyLogRules(records, [web], thresholds, []);
    expect(findings[0]?.count).toBe(2);
    expect(findings[0]?.evidence.map((e) => e.source)).toEqual(['docker:web', 'docker:web-canary']);
  });

  it('ORs the kinds of source of one rule: a file OR a container OR a unit', () => {
    const both = rule('nginx.any', { files: ['/var/log/nginx/error.log'], containers: ['web'] }, /\[error\]/);
    const line = '2026/11/25 18:40:01 [error] 29#29: *7 open() "/x" failed (2: No such file or directory)';
    const records = [docker('web', line), ...recordsFromLog(line, '/var/log/nginx/error.log'), docker('db', line)];
    expect(applyLogRules(records, [both], thresholds, [])[0]?.count).toBe(2);
  });
});

describe('dispatch: each line is tried only against the rules that can take it', () => {
  it('tries a files rule only on its file, a unit rule only on its unit, a program rule only on its program', () => {
    const byFile = new CountingRegExp('^\\S+ \\S+ remove (?<pkg>[^: ]+)');
    const byUnit = new CountingRegExp('FATAL');
    const byProgram = new CountingRegExp('payment (?<order>\\d+) failed');
    const rules = [
      rule('f', { files: ['/var/log/dpkg.log'] }, byFile),
      rule('u', { units: ['postgresql@15-main.service'] }, byUnit),
      rule('p', { programs: ['payments'] }, byProgram),
    ];
    const records = [
      ...recordsFromLog(readFixture('rule-engine', 'dpkg.log'), '/var/log/dpkg.log'), // 6 lines, no program
      ...recordsFromLog(readFixture('rule-engine', 'syslog.log'), '/var/log/syslog'), // 7 lines, 4 of payments
      journal('postgres', 'postgresql@15-main.service', 'FATAL:  password authentication failed for user "app"'),
      journal('systemd', 'init.scope', 'Started postgresql@15-main.service - PostgreSQL Cluster 15-main.'),
      journal('payments', 'payments.service', 'payment 9 failed: card declined'),
    ];
    const findings = applyLogRules(records, rules, thresholds, []);
    expect(findings.map((f) => [f.ruleId, f.count])).toEqual([
      ['f', 1],
      ['p', 4],
      ['u', 1],
    ]);
    expect(byFile.tries).toBe(6);
    expect(byUnit.tries).toBe(1);
    expect(byProgram.tries).toBe(5); // 4 syslog lines of payments (one a healthcheck), 1 journal line
  });

  it('builds the candidate list once per (source, unit, program) and hands back the same list', () => {
    const index = buildRuleIndex([...LOG_RULES, rule('u', { units: ['nginx.service'] }, /x/)]);
    const dispatcher = new RuleDispatcher(index);
    const [a, b] = recordsFromLog(
      [
        'Nov 25 18:40:01 web-01 sshd[1]: Failed password for root from 203.0.113.9 port 1 ssh2',
        'Nov 25 18:40:02 web-01 sshd[2]: Invalid user pi from 203.0.113.9 port 2',
      ].join('\n'),
      '/var/log/auth.log',
    );
    const first = dispatcher.candidates(a!);
    expect(dispatcher.candidates(b!)).toBe(first);
    expect(first.rules.map((r) => r.id)).toEqual(LOG_RULES.filter((r) => r.programs.includes('sshd') || r.programs.includes('*')).map((r) => r.id));
    // Another source, then back: still the cached list.
    dispatcher.candidates(journal('nginx', 'nginx.service', 'x'));
    expect(dispatcher.candidates(a!)).toBe(first);
    // The unit is part of the key only when some rule filters on units.
    const n1 = dispatcher.candidates(journal('nginx', 'nginx.service', 'x'));
    const n2 = dispatcher.candidates(journal('nginx', 'php8.2-fpm.service', 'x'));
    const wildcards = LOG_RULES.filter((r) => r.programs.includes('*')).map((r) => r.id);
    expect(n1.rules.map((r) => r.id)).toEqual([...wildcards, 'u']);
    expect(n2.rules.map((r) => r.id)).toEqual(wildcards);
  });

  it('compares programs case-insensitively without lower-casing each line', () => {
    const p = rule('p', { programs: ['Payments'] }, /payment (?<order>\d+) failed/);
    const records = recordsFromLog('Nov 25 18:20:02 web-01 PAYMENTS[2211]: payment 88412 failed: card declined', '/var/log/syslog');
    expect(applyLogRules(records, [p], thresholds, [])).toHaveLength(1);
  });

  it('still gives "*" rules every line, with or without a program, from any source', () => {
    const any = new CountingRegExp('No space left on device');
    const records = [
      ...recordsFromLog(readFixture('rule-engine', 'syslog.log'), '/var/log/syslog'),
      ...recordsFromLog(readFixture('rule-engine', 'dpkg.log'), '/var/log/dpkg.log'),
      journal('postgres', 'postgresql@15-main.service', 'could not write to file "pg_wal/xlogtemp.5512": No space left on device'),
      docker('web', 'No space left on device'),
    ];
    const findings = applyLogRules(records, [rule('any', {}, any)], thresholds, []);
    expect(any.tries).toBe(records.length);
    expect(findings[0]?.count).toBe(2);
  });
});

describe('ignore patterns', () => {
  const cronHourly: IgnoreRule = { programs: ['*'], pattern: /CRON\[\d+\]: \(root\) CMD \( {3}cd \/ && run-parts --report \/etc\/cron\.hourly\)/ };
  const healthcheck: IgnoreRule = { programs: ['app'], pattern: /healthcheck ok$/ };

  it('drop matching lines (whole line, header included) before any rule is tried', () => {
    const everything = new CountingRegExp('.');
    const index = buildRuleIndex([rule('all', {}, everything)], [cronHourly, healthcheck]);
    const records = recordsFromLog(readFixture('rule-engine', 'syslog.log'), '/var/log/syslog');
    const findings = applyLogRules(records, index, thresholds, []);
    // The cron line and app's healthcheck are gone; payments' own "healthcheck ok" is not app's, so it stays.
    expect(everything.tries).toBe(records.length - 2);
    expect(findings[0]?.count).toBe(records.length - 2);
  });

  it('match against the header too, as logcheck patterns do', () => {
    const byHost: IgnoreRule = { programs: ['*'], pattern: /^\w{3} [ :0-9]{11} web-01 payments\[\d+\]: / };
    const index = buildRuleIndex(LOG_RULES, [byHost]);
    const records = recordsFromLog(readFixture('rule-engine', 'syslog.log'), '/var/log/syslog');
    const kept = applyLogRules(records, index, thresholds, []);
    expect(kept.map((f) => f.category)).toEqual(['kernel.oom_kill']);
  });

  it('take source filters like rules', () => {
    const onlyDpkg: IgnoreRule = { programs: ['*'], files: ['/var/log/dpkg.log'], pattern: /^\S+ \S+ status / };
    const st = new CountingRegExp('status');
    const index = buildRuleIndex([rule('st', {}, st)], [onlyDpkg]);
    const dpkg = recordsFromLog(readFixture('rule-engine', 'dpkg.log'), '/var/log/dpkg.log');
    const copy = recordsFromLog(readFixture('rule-engine', 'dpkg.log'), '/var/log/dpkg.log.copy');
    applyLogRules([...dpkg, ...copy], index, thresholds, []);
    expect(st.tries).toBe(dpkg.length - 3 + copy.length);
  });
});
