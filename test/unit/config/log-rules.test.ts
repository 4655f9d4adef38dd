import { readFileSync } from 'node:fs';
import { applyLogRules } from '../../../src/analyze/log-rules.js';
import { builtInIndex, LOG_RULES, type RuleIndex } from '../../../src/analyze/rules/index.js';
import { captureNames, compileTemplate, templatePlaceholders } from '../../../src/analyze/rules/user-rules.js';
import type { LogRecord } from '../../../src/types.js';
import { recordsFromLog, readFixture } from '../analyze/helpers.js';
import { loadText } from './fixture.js';

const THRESHOLDS = { cpuPercent: 80, memoryPercent: 85, diskPercent: 90, failedLoginAttempts: 5 };

const PAYMENT_RULE = [
  '    - id: app.payment_failed',
  '      category: service.failed',
  '      severity: warn',
  '      programs: [payments]',
  "      pattern: 'payment (?<order>\\d+) failed: (?<reason>.+)$'",
  "      title: 'Payment {order} failed: {reason}'",
  "      subject: '{order}'",
  "      recommendation: 'Check the PSP status page'",
];

function host(yaml: string[], name = 'a'): { logRules: RuleIndex } {
  const config = loadText([...yaml, 'hosts:', '  - {name: a, transport: local}', '  - {name: b, transport: local, site: s1}', ''].join('\n'));
  return config.hosts.find((h) => h.name === name) as unknown as { logRules: RuleIndex };
}

function run(index: RuleIndex, records: LogRecord[]) {
  return applyLogRules(records, index, THRESHOLDS, []);
}

const SYSLOG = recordsFromLog(readFixture('rule-engine', 'syslog.log'), '/var/log/syslog');

describe('rules written in the config', () => {
  it('compile into rules whose titles and subjects fill placeholders from the named captures', () => {
    const { logRules } = host(['global:', '  rules:', ...PAYMENT_RULE]);
    const findings = run(logRules, SYSLOG).filter((f) => f.ruleId === 'app.payment_failed');
    expect(findings.map((f) => [f.key, f.severity, f.title, f.subject, f.recommendation])).toEqual([
      ['service.failed:88412', 'warn', 'Payment 88412 failed: card declined', '88412', 'Check the PSP status page'],
      ['service.failed:88413', 'warn', 'Payment 88413 failed: card declined', '88413', 'Check the PSP status page'],
      ['service.failed:88415', 'warn', 'Payment 88415 failed: PSP timeout after 30s', '88415', 'Check the PSP status page'],
    ]);
    // Built-in rules keep working next to them.
    expect(run(logRules, SYSLOG).map((f) => f.category)).toContain('kernel.oom_kill');
  });

  it('give the rule id as subject when none is written, so two user rules never fold into one finding', () => {
    const { logRules } = host([
      'global:',
      '  rules:',
      "    - {id: app.declined, category: service.failed, severity: info, programs: [payments], pattern: 'failed: card declined', title: 'Card declined'}",
      "    - {id: app.psp, category: service.failed, severity: warn, programs: [payments], pattern: 'failed: PSP timeout', title: 'PSP timed out'}",
    ]);
    expect(run(logRules, SYSLOG).filter((f) => f.ruleId.startsWith('app.')).map((f) => [f.key, f.count, f.title])).toEqual([
      ['service.failed:app.declined', 2, 'Card declined'],
      ['service.failed:app.psp', 1, 'PSP timed out'],
    ]);
  });

  it('aggregate by a capture, with count, within, category, severity and a {count}/{value} title', () => {
    const { logRules } = host([
      'global:',
      '  rules:',
      ...PAYMENT_RULE.filter((l) => !l.includes('subject')),
      "      aggregate: {by: reason, count: 2, within: 60, severity: crit, category: service.crash_loop, title: '{count} payments failed ({value})'}",
    ]);
    const findings = run(logRules, SYSLOG).filter((f) => f.ruleId.startsWith('app.'));
    expect(findings.map((f) => [f.ruleId, f.key, f.severity, f.count, f.title])).toEqual([
      ['app.payment_failed.aggregate', 'service.crash_loop:card declined', 'crit', 2, '2 payments failed (card declined)'],
      ['app.payment_failed', 'service.failed:app.payment_failed', 'warn', 1, 'Payment 88415 failed: PSP timeout after 30s'],
    ]);
  });

  it('reach plain files through `files` (no program needed), rotated siblings included', () => {
    const { logRules } = host([
      'global:',
      '  rules:',
      '    - id: dpkg.removed',
      '      category: package.removed',
      '      severity: info',
      '      files: /var/log/dpkg.log',
      "      pattern: '^\\S+ \\S+ remove (?<pkg>[^: ]+)'",
      "      title: '{pkg} removed'",
      "      subject: '{pkg}'",
    ]);
    const records = recordsFromLog(readFixture('rule-engine', 'dpkg.log'), '/var/log/dpkg.log.1');
    expect(run(logRules, records).map((f) => [f.key, f.title])).toEqual([['package.removed:telnet', 'telnet removed']]);
  });

  it('ignore patterns drop lines (a text, or a pattern with filters)', () => {
    const { logRules } = host([
      'global:',
      '  rules:',
      "    - {id: app.health, category: service.failed, severity: info, programs: ['*'], pattern: 'healthcheck ok', title: 'health'}",
      '  ignore:',
      "    - 'CRON\\[\\d+\\]: \\(root\\) CMD \\(   cd / && run-parts --report /etc/cron\\.hourly\\)'",
      "    - {pattern: 'healthcheck ok', programs: [app]}",
    ]);
    expect(logRules.ignore).toHaveLength(2);
    const health = run(logRules, SYSLOG).find((f) => f.ruleId === 'app.health');
    expect(health?.count).toBe(1); // payments' line; app's is ignored
    expect(health?.evidence[0]?.lines?.[0]).toContain('payments[2211]');
  });
});

describe('levels: global + site + host', () => {
  const LEVELS = [
    'global:',
    '  rules:',
    ...PAYMENT_RULE,
    '  ignore: [global-noise]',
    'sites:',
    '  s1:',
    '    rules:',
    "      - {id: site.rule, category: service.failed, severity: info, programs: [app], pattern: 'healthcheck ok', title: 'site rule'}",
    '    ignore: [site-noise]',
  ];

  it('adds rules and ignore patterns level by level', () => {
    const config = loadText(
      [
        ...LEVELS,
        'hosts:',
        '  - {name: a, transport: local}',
        '  - {name: b, transport: local, site: s1}',
        '  - name: c',
        '    transport: local',
        '    site: s1',
        '    ignore: [host-noise]',
        '    rules:',
        "      - {id: host.rule, category: kernel.error, severity: warn, programs: [kernel], pattern: 'Out of memory', title: 'host rule'}",
        '',
      ].join('\n'),
    );
    const [a, b, c] = config.hosts.map((h) => h.logRules as RuleIndex);
    const ids = (index: RuleIndex) => index.rules.map((r) => r.id).filter((id) => !LOG_RULES.some((r) => r.id === id));
    expect(ids(a!)).toEqual(['app.payment_failed']);
    expect(ids(b!)).toEqual(['app.payment_failed', 'site.rule']);
    expect(ids(c!)).toEqual(['app.payment_failed', 'site.rule', 'host.rule']);
    expect(c!.ignore.map((i) => i.pattern.source)).toEqual(['global-noise', 'site-noise', 'host-noise']);
    // User rules come after the built-ins: `kernel.oom_killed_process` still wins the OOM line.
    expect(run(c!, SYSLOG).find((f) => f.category === 'kernel.oom_kill')?.ruleId).toBe('kernel.oom_killed_process');
  });

  it('shares one index between hosts with the same rules, and uses the built-in index when nothing is configured', () => {
    const yaml = [...LEVELS, 'hosts:', ...Array.from({ length: 6 }, (_, i) => `  - {name: h${i}, transport: local${i % 2 ? ', site: s1' : ''}}`)];
    yaml.push('  - {name: own, transport: local, site: s1, ignore: [x]}', '');
    const config = loadText(yaml.join('\n'));
    const indexes = new Set(config.hosts.map((h) => h.logRules));
    expect(indexes.size).toBe(3); // global only, site s1, the host with its own ignore
    const plain = loadText('hosts:\n  - {name: a, transport: local}\n  - {name: b, transport: local}\n');
    expect(plain.hosts[0]?.logRules).toBe(builtInIndex());
    expect(plain.hosts[1]?.logRules).toBe(builtInIndex());
  });

  it('replaces a rule with the same id in place (built-ins included), and disables ids with enabled: false', () => {
    const { logRules } = host([
      'global:',
      '  rules:',
      ...PAYMENT_RULE,
      '    - id: sshd.failed_password',
      '      category: auth.failed_login',
      '      severity: warn',
      '      programs: [sshd]',
      "      pattern: 'Failed password for (?<user>\\S+) from (?<ip>\\S+)'",
      "      title: 'Failed password for {user}'",
      "      subject: '{ip}'",
      '    - {id: kernel.oom_killed_process, enabled: false}',
      'sites:',
      '  s1:',
      '    rules:',
      "      - {id: app.payment_failed, category: service.failed, severity: crit, programs: [payments], pattern: 'payment (?<order>\\d+) failed', title: 'site payment {order}'}",
    ], 'b');
    const ids = logRules.rules.map((r) => r.id);
    expect(ids.indexOf('sshd.failed_password')).toBe(LOG_RULES.findIndex((r) => r.id === 'sshd.failed_password'));
    expect(ids).not.toContain('kernel.oom_killed_process');
    expect(ids.filter((id) => id === 'app.payment_failed')).toHaveLength(1);
    const text = 'Nov 25 18:40:01 web-01 sshd[2200]: Failed password for root from 203.0.113.9 port 50000 ssh2';
    const [ssh] = run(logRules, recordsFromLog(text, '/var/log/auth.log'));
    expect(ssh).toMatchObject({ ruleId: 'sshd.failed_password', severity: 'warn', title: 'Failed password for root' });
    const findings = run(logRules, SYSLOG);
    expect(findings.find((f) => f.ruleId === 'app.payment_failed')).toMatchObject({ severity: 'crit', title: 'site payment 88412' });
    // With kernel.oom_killed_process off, the `Killed process` line is found by nothing (no `oom-kill:` line here).
    expect(findings.some((f) => f.category === 'kernel.oom_kill')).toBe(false);
  });

  it('lets a lower level switch a disabled rule back on, and an aggregate id off (its hits stay ordinary)', () => {
    const yaml = [
      'global:',
      '  rules:',
      '    - {id: sshd.failed_password, enabled: false}',
      'sites:',
      '  s1:',
      '    rules:',
      '      - {id: sshd.failed_password, enabled: true}',
      '      - {id: sshd.bruteforce, enabled: false}',
    ];
    const failures = Array.from({ length: 6 }, (_, i) => `Nov 25 18:40:0${i} web-01 sshd[${2200 + i}]: Failed password for root from 203.0.113.9 port ${50000 + i} ssh2`);
    const records = recordsFromLog(failures.join('\n'), '/var/log/auth.log');
    expect(run(host(yaml, 'a').logRules, records)).toEqual([]);
    expect(run(host(yaml, 'b').logRules, records).map((f) => [f.ruleId, f.count])).toEqual([['sshd.failed_password', 6]]);
    expect(run(builtInIndex(), records).map((f) => f.ruleId)).toEqual(['sshd.bruteforce']);
  });
});

describe('templates', () => {
  it('lists placeholders and fills them; a capture that did not take part is empty', () => {
    expect(templatePlaceholders('{a} and {b_2} and {a} {not valid} {}')).toEqual(['a', 'b_2']);
    const t = compileTemplate('Payment {order} failed: {reason}{missing}!');
    expect(t((n) => ({ order: '7', reason: 'x' })[n])).toBe('Payment 7 failed: x!');
    expect(compileTemplate('plain')(() => 'never')).toBe('plain');
    expect(captureNames('payment (?<order>\\d+)(?: failed: (?<reason>.+))?$')).toEqual(['order', 'reason']);
    expect(captureNames('no captures (\\d+)')).toEqual([]);
  });
});

describe('docs/configuration.md', () => {
  it('has a rules example that loads and does what it says', () => {
    const doc = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');
    const section = doc.slice(doc.indexOf('### Log rules and ignore patterns'));
    const yaml = /```yaml\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
    const config = loadText(`${yaml}hosts:\n  - {name: shop-01, transport: local, site: s01-shop}\n`);
    const index = config.hosts[0]!.logRules!;
    expect(index.rules.map((r) => r.id)).toEqual(expect.arrayContaining(['app.payment_failed', 'nginx.upstream_refused']));
    expect(index.rules.map((r) => r.id)).not.toContain('sshd.invalid_user');
    const nginx = recordsFromLog(readFixture('rule-engine', 'nginx-error.log'), '/var/log/nginx/error.log');
    const cron = recordsFromLog(readFixture('rule-engine', 'syslog.log'), '/var/log/syslog');
    const findings = run(index, [...cron, ...nginx]);
    expect(findings.filter((f) => f.ruleId === 'nginx.upstream_refused').map((f) => [f.subject, f.title, f.count])).toEqual([
      ['shop.example.org', 'nginx cannot reach the upstream of shop.example.org', 1],
      ['api.example.org', 'nginx cannot reach the upstream of api.example.org', 1],
    ]);
    expect(index.ignore.some((i) => i.pattern.test(cron[0]!.line))).toBe(true);
  });
});
