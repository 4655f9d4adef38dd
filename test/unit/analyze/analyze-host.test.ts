import { analyzeHost } from '../../../src/analyze/analyze-host.js';
import { buildRuleIndex } from '../../../src/analyze/rules/index.js';
import { compareFindings } from '../../../src/analyze/order.js';
import { loadSnapshotFixture, makeHost, NO_PREVIOUS } from './helpers.js';

describe('analyzeHost', () => {
  const host = makeHost();
  const snapshot = loadSnapshotFixture('analyze-host', 'mixed');

  it('combines log rules, resources and collection failures, in a deterministic order', () => {
    const analysis = analyzeHost(host, snapshot, NO_PREVIOUS, { secrets: [] });
    expect(analysis.findings.map((f) => [f.severity, f.key, f.count])).toEqual([
      ['crit', 'auth.bruteforce:203.0.113.9', 5],
      ['crit', 'disk.usage:/', 1],
      ['crit', 'kernel.oom_kill:mysqld', 1],
      ['warn', 'auth.root_login:192.0.2.10', 1],
      ['warn', 'memory.usage', 1],
      ['info', 'auth.failed_login:198.51.100.7', 1],
      ['info', 'auth.invalid_user:198.51.100.7', 1],
      ['info', 'collect.source_failed:/var/log/nginx/*.log', 1],
      ['info', 'collect.source_failed:/var/log/secure', 1],
      ['info', 'collect.source_failed:facts:docker', 1],
    ]);
    expect([...analysis.findings].sort(compareFindings)).toEqual(analysis.findings);
  });

  it('scores the host with the reasons', () => {
    const analysis = analyzeHost(host, snapshot, NO_PREVIOUS, { secrets: [] });
    // 3 crit in 3 categories (75) + 2 warn (16) = 91 points lost.
    expect(analysis.score).toBe(9);
    expect(analysis.status).toBe('critical');
    expect(analysis.reasons.map((r) => `-${r.points} ${r.reason}`)).toEqual([
      '-25 auth.bruteforce: SSH brute force from 203.0.113.9: 5 failed password logins',
      '-25 disk.usage: Disk / is 94% full',
      '-25 kernel.oom_kill: OOM killer killed mysqld',
      '-8 auth.root_login: root logged in over SSH from 192.0.2.10 (publickey)',
      '-8 memory.usage: Memory 85% used',
    ]);
  });

  it('makes one redacted collect.source_failed per failure and per unreadable source, with the note as evidence', () => {
    // The value mask swallows the closing parenthesis: over-redaction, never a leak.
    const analysis = analyzeHost(host, snapshot, NO_PREVIOUS, { secrets: ['Dock3rPw'] });
    const failed = analysis.findings.filter((f) => f.category === 'collect.source_failed');
    expect(failed.map((f) => [f.subject, f.title, f.evidence])).toEqual([
      ['/var/log/nginx/*.log', 'Log /var/log/nginx/*.log is missing', [{ source: '/var/log/nginx/*.log', lines: ['no file matches'] }]],
      ['/var/log/secure', 'Log /var/log/secure is unreadable', [{ source: '/var/log/secure', lines: ['unreadable'] }]],
      [
        'facts:docker',
        'Could not collect facts:docker',
        [{ source: 'facts:docker', lines: ['docker: permission denied while connecting to unix:///var/run/docker.sock (password=********'] }],
      ],
    ]);
    expect(JSON.stringify(analysis)).not.toContain('Dock3rPw');
  });

  it('takes the host thresholds and a custom rule set', () => {
    const lenient = makeHost({ thresholds: { ...host.thresholds, failedLoginAttempts: 6 } });
    const keys = analyzeHost(lenient, snapshot, NO_PREVIOUS, { secrets: [] }).findings.map((f) => f.key);
    expect(keys).toContain('auth.failed_login:203.0.113.9');
    expect(keys).not.toContain('auth.bruteforce:203.0.113.9');
    const noRules = analyzeHost(host, snapshot, NO_PREVIOUS, { secrets: [], rules: buildRuleIndex([]) });
    expect(noRules.findings.some((f) => f.category.startsWith('auth.'))).toBe(false);
  });

  it('analyzes an unreachable snapshot without facts (the caller reports its score as null)', () => {
    const dead = {
      ...snapshot,
      reachable: false,
      facts: null,
      logs: [],
      logSources: [],
      failures: [{ source: 'connect', message: 'connect ETIMEDOUT 10.0.0.5:22' }],
    };
    const analysis = analyzeHost(host, dead, NO_PREVIOUS, { secrets: [] });
    expect(analysis.findings.map((f) => f.key)).toEqual(['collect.source_failed:connect']);
    expect(analysis.score).toBe(100);
  });
});

describe('collect.source_failed identity', () => {
  it('an unreadable log that is also a collection failure gives ONE finding (keys stay unique)', () => {
    const base = loadSnapshotFixture('analyze-host', 'mixed');
    const snap = {
      ...base,
      failures: [{ source: '/var/log/adir', message: 'is a directory' }],
      logSources: [{ pattern: '/var/log/adir', path: '/var/log/adir', status: 'error' as const, bytesRead: 0, linesRead: 0, skippedBytes: 0, note: 'is a directory' }],
    };
    const failed = analyzeHost(makeHost(), snap, NO_PREVIOUS, { secrets: [] }).findings.filter(
      (f) => f.category === 'collect.source_failed' && f.subject === '/var/log/adir',
    );
    expect(failed).toHaveLength(1);
    expect(failed[0]!.evidence).toEqual([{ source: '/var/log/adir', lines: ['is a directory'] }]);
    const keys = failed.map((f) => f.key);
    expect(new Set(keys).size).toBe(keys.length);
  });
});
