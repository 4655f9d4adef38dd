import { TemplateAccumulator } from '../../../src/analyze/log-template.js';
import { MAX_NEW_PATTERN_FINDINGS, newPatternFindings, templateHash, type KnownTemplates } from '../../../src/analyze/new-patterns.js';
import type { LogRecord } from '../../../src/types.js';

const rec = (message: string, program = 'app'): LogRecord => ({
  source: '/var/log/syslog',
  line: `Nov 26 10:00:00 h ${program}: ${message}`,
  time: null,
  hostname: 'h',
  program,
  pid: null,
  message,
});

function accOf(lines: Array<[string, number, string?]>): TemplateAccumulator {
  const acc = new TemplateAccumulator();
  for (const [message, times, program] of lines) for (let i = 0; i < times; i++) acc.add(rec(message.replace('#', String(i)), program));
  return acc;
}

const options = { learningPasses: 3, redact: (l: string) => l.replaceAll('sekret', '********'), windowHours: 0.25 };
const knownOf = (acc: TemplateAccumulator, passes: number, errorsPerHour: number | null = 0): KnownTemplates => ({
  hashes: new Set([...acc.stats.values()].map((s) => templateHash(s.template))),
  passes,
  errorsPerHour,
});

describe('newPatternFindings', () => {
  const usual = accOf([
    ['job # done', 10],
    ['session opened for user root', 4, 'CRON'],
  ]);

  it('only learns during the learning period, and counts the passes', () => {
    const current = accOf([['brand new message #', 2]]);
    const result = newPatternFindings(current, knownOf(usual, 2), options);
    expect(result.findings).toEqual([]);
    expect(result.rates.passes).toBe(3);
    expect(result.seen.map((s) => s.template)).toEqual(['app: brand new message <*>']);
  });

  it('reports a never-seen template after the learning period, with count and redacted examples', () => {
    const current = accOf([
      ['job # done', 3],
      ['cannot open /etc/sekret.conf #', 2],
    ]);
    const { findings } = newPatternFindings(current, knownOf(usual, 3), options);
    expect(findings).toEqual([
      expect.objectContaining({
        category: 'log.new_pattern',
        severity: 'warn',
        subject: 'app',
        count: 2,
        key: `log.new_pattern:${templateHash('app: cannot open /etc/sekret.conf <*>')}`,
        title: 'New log message from app: cannot open /etc/********.conf <*>',
      }),
    ]);
    expect(findings[0]?.evidence[0]?.lines).toEqual(['Nov 26 10:00:00 h app: cannot open /etc/********.conf 0', 'Nov 26 10:00:00 h app: cannot open /etc/********.conf 1']);
  });

  it('a quiet pass (nothing read, or only known templates) gives nothing and keeps the rates', () => {
    const known = knownOf(usual, 5, 12);
    expect(newPatternFindings(new TemplateAccumulator(), known, options)).toMatchObject({ findings: [], rates: { passes: 5, errorsPerHour: 12 } });
    expect(newPatternFindings(accOf([['job # done', 50]]), known, options).findings).toEqual([]);
  });

  it('caps the findings, error templates first, and sums up the rest in one', () => {
    const many = accOf(Array.from({ length: MAX_NEW_PATTERN_FINDINGS + 5 }, (_, i): [string, number] => [`message kind ${'abcdefghijklmnopqrstuvwxyz'[i] ?? 'z'}${'abcdefghijklmnopqrstuvwxyz'[i % 7]} #`, 1]));
    many.add(rec('disk failed on write'));
    const { findings } = newPatternFindings(many, knownOf(usual, 3), options);
    expect(findings).toHaveLength(MAX_NEW_PATTERN_FINDINGS + 1);
    expect(findings[0]).toMatchObject({ severity: 'warn', title: 'New log message from app: disk failed on write' });
    expect(findings.at(-1)).toMatchObject({ key: 'log.new_pattern:more', title: '6 more new log messages (6 lines)' });
  });

  it('reports an error burst far above the usual rate, and learns the rate slowly', () => {
    const burst = accOf([['connect() failed (#: Connection refused)', 300, 'nginx']]);
    const known = { ...knownOf(burst, 10), errorsPerHour: 40 };
    const result = newPatternFindings(burst, known, options);
    expect(result.findings).toEqual([
      expect.objectContaining({ category: 'log.error_burst', severity: 'warn', count: 300, title: '300 error lines since the previous pass, about 10 usually' }),
    ]);
    expect(result.rates.errorsPerHour).toBeCloseTo(40 + 0.2 * (1200 - 40));
    // The usual amount of errors is not a burst, nor is a small absolute number far above a tiny rate.
    const bursts = (acc: TemplateAccumulator, errorsPerHour: number) =>
      newPatternFindings(acc, { ...knownOf(acc, 10), errorsPerHour }, options).findings.filter((f) => f.category === 'log.error_burst');
    expect(bursts(accOf([['x failed #', 10]]), 40)).toEqual([]);
    expect(bursts(accOf([['x failed #', 30]]), 0.1)).toEqual([]);
  });
});
