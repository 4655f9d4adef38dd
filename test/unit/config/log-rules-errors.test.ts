import { FINDING_CATEGORIES } from '../../../src/types.js';
import { LOG_RULES } from '../../../src/analyze/rules/index.js';
import { regexProblem, regexShape } from '../../../src/config/regex-safety.js';
import { fixture, loadError, loadText, textError } from './fixture.js';

const withHost = (yaml: string[]) => [...yaml, 'hosts:', '  - {name: a, transport: local}', ''].join('\n');

/** The one-line messages (`line:col path: message`) of a config given as text. */
function problems(yaml: string[]): string[] {
  return textError(withHost(yaml)).problems.map((p) => `${p.line}:${p.col} ${p.path}: ${p.message}`);
}

const RULE = (extra: string) => [`global:`, `  rules:`, `    - {id: app.x, category: service.failed, severity: warn, programs: [app], title: 'x', ${extra}}`];

describe('rules and ignore patterns are validated strictly, every problem located', () => {
  it('reports every mistake of a file at once, each as file:line:col path: message', async () => {
    const file = fixture('log-rules/mistakes/dthostmon.yaml');
    const err = await loadError(file);
    expect(err.message.split('\n')).toEqual([
      `${file}:4:17 global.rules[0].category: unknown finding category "service.faild"; did you mean "service.failed"?`,
      `${file}:5:17 global.rules[0].severity: expected one of "info", "warn", "crit", got "warning"`,
      `${file}:8:14 global.rules[0].title: unknown placeholder {ordr}; did you mean {order}?`,
      `${file}:9:16 global.rules[0].subject: unknown placeholder {customer} (the pattern's named captures: {order}, {reason})`,
      `${file}:10:23 global.rules[0].aggregate.by: "rason" is not a named capture of the pattern; did you mean "reason"?`,
      `${file}:10:60 global.rules[0].aggregate.title: unknown placeholder {order} (an aggregate title has: {count}, {value})`,
      `${file}:11:11 global.rules[1].id: duplicate rule id "app.payment_failed" (first used by global.rules[0] on line 3)`,
      `${file}:15:16 global.rules[1].pattern: invalid regular expression: Unterminated group`,
      `${file}:17:7 global.rules[2].programs: a rule needs programs, files, units or containers (programs: ["*"] for every line)`,
      `${file}:20:16 global.rules[2].pattern: nested repetition "(\\w+\\s?)+" can backtrack exponentially on a long line; repeat the group or its content, not both (or bound the outer one, e.g. {1,5})`,
      `${file}:23:17 global.rules[3].category: unknown finding category "bogus" (the categories are listed in docs/configuration.md#log-rules-and-ignore-patterns)`,
      `${file}:26:16 global.rules[3].pattern: 3 unbounded wildcards (.* or .+) can backtrack for minutes on a long line; keep at most 2, and use [^ ]+ or \\S+ where a field ends`,
      `${file}:28:12 global.rules[4].id: no built-in or configured rule has id "sshd.failed_pasword"; did you mean "sshd.failed_password"?`,
      `${file}:29:7 global.rules[5].severity: required key "severity" is missing`,
      `${file}:29:7 global.rules[5].pattern: required key "pattern" is missing (or give only id and enabled to switch an inherited rule off or on)`,
      `${file}:29:7 global.rules[5].title: required key "title" is missing`,
      `${file}:33:7 global.ignore[0]: nested repetition "(a+)+" can backtrack exponentially on a long line; repeat the group or its content, not both (or bound the outer one, e.g. {1,5})`,
      `${file}:34:17 global.ignore[1].pattern: invalid regular expression: Unterminated character class`,
      `${file}:39:14 sites.s1.rules[1].id: duplicate rule id "app.ok" (first used by sites.s1.rules[0] on line 38)`,
      `${file}:40:14 sites.s1.rules[2].id: no built-in or configured rule has id "nope"`,
      `${file}:41:9 sites.s1.rules[3].pattern: required key "pattern" is missing (or give only id and enabled to switch an inherited rule off or on)`,
      `${file}:46:9 hosts[0].rules[0].title: required key "title" is missing`,
      `${file}:51:9 hosts[0].rules[0].titel: unknown key; did you mean "title"?`,
      `${file}:52:14 hosts[0].ignore[0]: must not be empty (an empty pattern matches every line)`,
    ]);
  });

  it.each([
    ["pattern: '(.*)*'", 'global.rules[0].pattern: nested repetition "(.*)*" can backtrack exponentially on a long line; repeat the group or its content, not both (or bound the outer one, e.g. {1,5})'],
    ["pattern: '(?<a>x)(?<a>y)'", 'global.rules[0].pattern: invalid regular expression: Duplicate capture group name'],
    ["pattern: '(?<a>x)', aggregate: {by: a, count: 0}", 'global.rules[0].aggregate.count: expected an integer from 1 to 10000, got 0'],
    ["pattern: '(?<a>x)', aggregate: {by: a, count: 3, within: -5}", 'global.rules[0].aggregate.within: expected a number of seconds greater than 0 and at most 86400, got "-5"'],
    ["pattern: 'x', aggregate: {by: a, count: 3}", 'global.rules[0].aggregate.by: "a" is not a named capture of the pattern (it has none)'],
    ["pattern: '(?<a>x)', aggregate: {by: a, count: 3, severity: huge}", 'global.rules[0].aggregate.severity: expected one of "info", "warn", "crit", got "huge"'],
    ["pattern: 'x', files: [var/log/app.log]", 'global.rules[0].files[0]: expected an absolute path or glob such as /var/log/nginx/*.log, got "var/log/app.log"'],
    ["pattern: 'x', ignore_case: true", 'global.rules[0].ignore_case: unknown key'],
  ])('%s', (extra, message) => {
    const found = problems(RULE(extra));
    expect(found.map((p) => p.replace(/^\d+:\d+ /, ''))).toEqual([message]);
    expect(found[0]).toMatch(/^3:\d+ /);
  });

  it('rejects a rules section that is not a list, and ignore items that are not texts or maps', () => {
    expect(problems(['global:', '  rules: {id: x}'])).toEqual(['2:10 global.rules: expected a list of rules, got a map']);
    expect(problems(['global:', '  ignore: [[a, b]]'])).toEqual(['2:12 global.ignore[0]: expected a map, got a list']);
  });

  it('accepts what it documents: bounded repetition, two wildcards, a disabled built-in, a bare text ignore', () => {
    const config = loadText(
      withHost([
        'global:',
        '  rules:',
        "    - {id: app.args, category: service.failed, severity: info, programs: [app], pattern: 'cmd(?:\\s\\S+){1,5} failed: (?<why>.*) after (?<t>.+)$', title: '{why}'}",
        '    - {id: sshd.bruteforce, enabled: false}',
        "  ignore: ['healthcheck ok']",
      ]),
    );
    expect(config.hosts[0]?.logRules?.rules.map((r) => r.id)).toContain('app.args');
  });
});

describe('regexProblem', () => {
  it('refuses nested repetition, three wildcards, long patterns and patterns that do not compile', () => {
    expect(regexShape('(a+)+').nested).toBe('(a+)+');
    expect(regexShape('x((?:ab)*)*y').nested).toBe('((?:ab)*)*');
    expect(regexShape('(a{2,3})+').nested).toBe('(a{2,3})+');
    expect(regexShape('(?<n>[^)]+)*').nested).toBe('(?<n>[^)]+)*');
    expect(regexShape('(?:\\s\\S+){1,5}').nested).toBeNull();
    expect(regexShape('(?:ab?)+').nested).toBeNull();
    expect(regexShape('\\(a+\\)+').nested).toBeNull();
    expect(regexShape('[(]+(a)+').nested).toBeNull();
    expect(regexShape('a.*b.+c.*?d').wildcards).toBe(3);
    expect(regexShape('a[.]*b\\.*c.{1,9}').wildcards).toBe(0);
    expect(regexProblem('x'.repeat(1001))).toBe('pattern is longer than 1000 characters');
    expect(regexProblem('a(')).toBe('invalid regular expression: Unterminated group');
  });

  it('passes every built-in rule (the same bar as user rules)', () => {
    for (const rule of LOG_RULES) expect([rule.id, regexProblem(rule.pattern.source)]).toEqual([rule.id, null]);
  });

  it('names every taxonomy category as valid', () => {
    const yaml = FINDING_CATEGORIES.map((c, i) => `    - {id: r${i}, category: ${c}, severity: info, programs: [x], pattern: 'x', title: 't'}`);
    expect(loadText(withHost(['global:', '  rules:', ...yaml])).hosts[0]?.logRules?.rules).toHaveLength(LOG_RULES.length + yaml.length);
  });
});
