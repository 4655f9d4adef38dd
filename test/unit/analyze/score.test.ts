import { DEFAULT_SCORE_WEIGHTS, healthStatus, scoreHost } from '../../../src/analyze/score.js';
import type { Finding, Severity } from '../../../src/types.js';
import { DEFAULT_BANDS, makeFacts } from './helpers.js';

function finding(category: Finding['category'], severity: Severity, subject: string, title = `${category} ${subject}`): Finding {
  return { category, severity, ruleId: 'test', title, key: `${category}:${subject}`, subject, count: 1, evidence: [] };
}

describe('scoreHost', () => {
  it('is 100 with nothing found and healthy facts', () => {
    expect(scoreHost([], makeFacts(), DEFAULT_BANDS)).toEqual({ score: 100, status: 'healthy', reasons: [] });
  });

  it('takes 25 per crit, 8 per warn, 0 per info, and gives every lost point a reason', () => {
    const result = scoreHost(
      [
        finding('auth.root_login', 'warn', '192.0.2.10', 'root logged in over SSH from 192.0.2.10 (publickey)'),
        finding('kernel.oom_kill', 'crit', 'mysqld', 'OOM killer killed mysqld'),
        finding('auth.failed_login', 'info', '203.0.113.9'),
      ],
      makeFacts(),
      DEFAULT_BANDS,
    );
    expect(result.score).toBe(67);
    expect(result.status).toBe('critical');
    expect(result.reasons).toEqual([
      { points: 25, reason: 'kernel.oom_kill: OOM killer killed mysqld', category: 'kernel.oom_kill' },
      { points: 8, reason: 'auth.root_login: root logged in over SSH from 192.0.2.10 (publickey)', category: 'auth.root_login' },
    ]);
    expect(result.reasons.reduce((n, r) => n + r.points, 0)).toBe(100 - result.score);
  });

  it('caps each category at 40 points, so one noisy category cannot zero the score', () => {
    const brute = ['a', 'b', 'c', 'd', 'e'].map((ip) => finding('auth.bruteforce', 'crit', ip));
    const result = scoreHost(brute, makeFacts(), DEFAULT_BANDS);
    expect(result.score).toBe(60);
    expect(result.reasons.map((r) => r.points)).toEqual([25, 15]);
    expect(result.reasons[1]?.reason).toBe('auth.bruteforce: auth.bruteforce b (category cap reached)');
  });

  it('floors at 0', () => {
    const categories: Finding['category'][] = ['auth.bruteforce', 'kernel.oom_kill', 'kernel.panic', 'kernel.io_error'];
    const many = categories.flatMap((c) => [finding(c, 'crit', 'x'), finding(c, 'crit', 'y')]);
    const result = scoreHost(many, makeFacts(), DEFAULT_BANDS);
    expect(result.score).toBe(0);
    expect(result.status).toBe('critical');
    expect(result.reasons.reduce((n, r) => n + r.points, 0)).toBe(160);
  });

  it('scores resources from the facts and bands, once, with category "resource"', () => {
    const facts = makeFacts({
      disks: [
        { mount: '/', filesystem: '/dev/sda1', sizeBytes: 100, usedBytes: 95, availBytes: 5, usedPercent: 95 },
        { mount: '/var', filesystem: '/dev/sda2', sizeBytes: 100, usedBytes: 70, availBytes: 30, usedPercent: 70 },
      ],
    });
    // A disk finding in the list (even a stale or wrong one) does not count twice.
    const result = scoreHost([{ ...finding('disk.usage', 'crit', '/'), ruleId: 'resource.disk' }], facts, DEFAULT_BANDS);
    expect(result.reasons).toEqual([
      { points: 25, reason: 'disk.usage: Disk / is 95% full', category: 'resource' },
      { points: 8, reason: 'disk.usage: Disk /var is 70% full', category: 'resource' },
    ]);
    expect(result.score).toBe(67);
    expect(scoreHost([{ ...finding('disk.usage', 'crit', '/'), ruleId: 'resource.disk' }], null, DEFAULT_BANDS).score).toBe(100);
  });

  it('accepts other weights', () => {
    const result = scoreHost([finding('auth.failed_login', 'info', 'x')], null, DEFAULT_BANDS, { ...DEFAULT_SCORE_WEIGHTS, info: 1 });
    expect(result.score).toBe(99);
  });
});

describe('healthStatus', () => {
  it.each([
    [100, 'healthy'],
    [90, 'healthy'],
    [89, 'minor'],
    [70, 'minor'],
    [69, 'critical'],
    [0, 'critical'],
  ])('%d -> %s', (score, status) => {
    expect(healthStatus(score)).toBe(status);
  });

  it('charges a log rule\'s disk.usage ("No space left on device"): only band findings are recomputed', () => {
    const noSpace = { ...finding('disk.usage', 'crit', 'no space left on device', 'postgres: No space left on device'), ruleId: 'system.no_space_left' };
    expect(scoreHost([noSpace], makeFacts(), DEFAULT_BANDS)).toMatchObject({
      score: 75,
      reasons: [{ points: 25, reason: 'disk.usage: postgres: No space left on device', category: 'disk.usage' }],
    });
  });
});
