import { applyLogRules } from '../../../../src/analyze/log-rules.js';
import { KERNEL_RULES } from '../../../../src/analyze/rules/kernel.js';
import { makeHost, readFixture, recordsFromLog } from '../helpers.js';

const thresholds = makeHost().thresholds;

describe('kernel rules on real kernel log lines', () => {
  it('reports each OOM kill once, crit, with the killed process as subject', () => {
    const records = recordsFromLog(readFixture('kernel', 'oom.log'), '/var/log/kern.log');
    const findings = applyLogRules(records, KERNEL_RULES, thresholds, []);
    expect(findings.map((f) => [f.key, f.severity, f.count, f.subject])).toEqual([
      ['kernel.oom_kill:mysqld', 'crit', 1, 'mysqld'], // oom-kill: summary + Killed process, same pid 812
      ['kernel.oom_kill:java', 'crit', 1, 'java'], // memory cgroup OOM
      ['kernel.oom_kill:node', 'crit', 1, 'node'], // old "Kill process ... or sacrifice child"
      ['kernel.oom_kill:php-fpm8.2', 'crit', 1, 'php-fpm8.2'], // RFC 3339 header, no uptime stamp
    ]);
    const mysqld = findings[0];
    expect(mysqld?.title).toBe('OOM killer killed mysqld');
    expect(mysqld?.evidence[0]?.lines).toEqual([records[1]?.line, records[2]?.line]);
    expect(mysqld?.recommendation).toMatch(/MemoryMax/);
  });

  it('reports segfaults and general protection faults per program, warn', () => {
    const records = recordsFromLog(readFixture('kernel', 'segfault.log'), '/var/log/kern.log');
    const findings = applyLogRules(records, KERNEL_RULES, thresholds, []);
    expect(findings.map((f) => [f.key, f.severity, f.count, f.ruleId])).toEqual([
      ['kernel.segfault:php-fpm8.2', 'warn', 2, 'kernel.segfault'],
      ['kernel.segfault:Web Content', 'warn', 1, 'kernel.segfault'],
      ['kernel.segfault:node', 'warn', 1, 'kernel.general_protection'],
    ]);
    expect(findings[0]?.title).toBe('php-fpm8.2 crashed with a segmentation fault');
    expect(findings[2]?.title).toBe('node crashed with a general protection fault');
  });

  it('finds nothing in kernel lines that only look similar', () => {
    const records = recordsFromLog(readFixture('kernel', 'negative.log'), '/var/log/kern.log');
    expect(records.every((r) => r.program !== null)).toBe(true);
    expect(applyLogRules(records, KERNEL_RULES, thresholds, [])).toEqual([]);
  });
});

describe('kernel rules on hostile lines', () => {
  it('stay linear on long kernel-tagged lines (no catastrophic backtracking)', () => {
    // Any local user can write such lines with `logger -t kernel`; before the bound one 8 KiB line took ~40 ms.
    const text = Array.from({ length: 20 }, (_, i) => `Nov 25 10:00:00 web kernel: ${'a'.repeat(64 * 1024)} ${i}`).join('\n');
    const started = process.hrtime.bigint();
    expect(applyLogRules(recordsFromLog(text, '/var/log/kern.log'), KERNEL_RULES, thresholds, [])).toEqual([]);
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(5000);
  });
});
