import { HitWindow, recordTimeMs } from '../../../src/analyze/hit-window.js';
import { applyLogRules } from '../../../src/analyze/log-rules.js';
import type { LogRule } from '../../../src/analyze/rules/types.js';
import { makeHost, recordsFromLog } from './helpers.js';

const thresholds = makeHost().thresholds;
const MINUTE = 60_000;

/** A rule that aggregates per client: 3 hits within `within` seconds -> crit. */
function burstRule(within?: number): LogRule {
  return {
    id: 'nginx.refused',
    category: 'service.failed',
    severity: 'warn',
    programs: ['nginx'],
    pattern: /connect\(\) failed \(111: Connection refused\) while connecting to upstream, client: (?<client>[0-9.]+)/,
    title: (g) => `nginx upstream refused ${g.client}`,
    subject: (g) => g.client ?? '',
    aggregate: {
      id: 'nginx.refused_burst',
      by: 'client',
      minCount: 3,
      ...(within !== undefined ? { within } : {}),
      category: 'service.crash_loop',
      severity: 'crit',
      title: (client, n) => `${n} refused upstream connections for ${client}`,
    },
  };
}

/** nginx error lines through syslog (`nginx: ` tag), one per given time `HH:MM:SS`. */
function refused(times: string[], client = '203.0.113.9'): string {
  return times
    .map(
      (t, i) =>
        `Nov 25 ${t} web-01 nginx: 2026/11/25 ${t} [error] 812#812: *${1000 + i} connect() failed (111: Connection refused) while connecting to upstream, client: ${client}, server: shop.example.org, request: "GET / HTTP/1.1", upstream: "http://127.0.0.1:8080/", host: "shop.example.org"`,
    )
    .join('\n');
}

describe('aggregate.within: a sliding window over the records time', () => {
  it('fires when N hits of one value fall within T seconds of each other', () => {
    const records = recordsFromLog(refused(['18:00:00', '18:10:00', '18:10:30', '18:10:50', '18:30:00']), '/var/log/syslog');
    const findings = applyLogRules(records, [burstRule(60)], thresholds, []);
    expect(findings.map((f) => [f.ruleId, f.category, f.severity, f.count, f.title])).toEqual([
      ['nginx.refused_burst', 'service.crash_loop', 'crit', 5, '5 refused upstream connections for 203.0.113.9'],
    ]);
  });

  it('stays ordinary findings when the hits are spread wider than the window', () => {
    const records = recordsFromLog(refused(['18:00:00', '18:01:00', '18:02:00', '18:03:00', '18:04:00']), '/var/log/syslog');
    const wide = applyLogRules(records, [burstRule(90)], thresholds, []); // at most 2 within 90 s
    expect(wide.map((f) => [f.ruleId, f.severity, f.count])).toEqual([['nginx.refused', 'warn', 5]]);
    // The same hits without `within` count over the whole pass: today's behaviour.
    expect(applyLogRules(records, [burstRule()], thresholds, []).map((f) => f.ruleId)).toEqual(['nginx.refused_burst']);
    // The window edge is inclusive: 3 hits in exactly 120 s.
    expect(applyLogRules(records, [burstRule(120)], thresholds, []).map((f) => f.ruleId)).toEqual(['nginx.refused_burst']);
  });

  it('counts per capture value', () => {
    const text = [refused(['18:00:00', '18:00:10'], '203.0.113.9'), refused(['18:00:20'], '198.51.100.7'), refused(['18:00:30'], '203.0.113.9')].join('\n');
    const findings = applyLogRules(recordsFromLog(text, '/var/log/syslog'), [burstRule(60)], thresholds, []);
    expect(findings.map((f) => [f.key, f.count])).toEqual([
      ['service.crash_loop:203.0.113.9', 3],
      ['service.failed:198.51.100.7', 1],
    ]);
  });

  it('counts records without a time as inside every window', () => {
    const [a, b, far] = recordsFromLog(refused(['18:00:00', '18:00:30', '18:30:00']), '/var/log/syslog');
    const untimed = { ...a!, time: null };
    expect(applyLogRules([a!, b!, untimed], [burstRule(60)], thresholds, [])[0]?.ruleId).toBe('nginx.refused_burst');
    expect(applyLogRules([a!, b!, far!], [burstRule(60)], thresholds, [])[0]?.ruleId).toBe('nginx.refused');
    expect(applyLogRules([far!, untimed, untimed], [burstRule(60)], thresholds, [])[0]?.ruleId).toBe('nginx.refused_burst');
  });

  it('counts "message repeated N times" as N hits at that time', () => {
    const text = [
      refused(['18:00:00']),
      'Nov 25 18:00:05 web-01 nginx: message repeated 2 times: [ 2026/11/25 18:00:05 [error] 812#812: *1002 connect() failed (111: Connection refused) while connecting to upstream, client: 203.0.113.9, server: shop.example.org]',
    ].join('\n');
    const findings = applyLogRules(recordsFromLog(text, '/var/log/syslog'), [burstRule(10)], thresholds, []);
    expect(findings.map((f) => [f.ruleId, f.count])).toEqual([['nginx.refused_burst', 3]]);
  });

  it('uses the host threshold when the count is symbolic', () => {
    const rule: LogRule = { ...burstRule(60), aggregate: { ...burstRule(60).aggregate!, minCount: 'failedLoginAttempts' } };
    const records = recordsFromLog(refused(['18:00:00', '18:00:10', '18:00:20']), '/var/log/syslog');
    expect(applyLogRules(records, [rule], { ...thresholds, failedLoginAttempts: 3 }, [])[0]?.ruleId).toBe('nginx.refused_burst');
    expect(applyLogRules(records, [rule], { ...thresholds, failedLoginAttempts: 4 }, [])[0]?.ruleId).toBe('nginx.refused');
  });
});

describe('HitWindow', () => {
  const at = (minutes: number) => Date.UTC(2026, 10, 25, 18, 0, 0) + minutes * MINUTE;

  it('keeps at most N-1 hits at each end, and nothing once it fired', () => {
    const window = new HitWindow(60_000, 5);
    for (let i = 0; i < 10_000; i += 1) window.add(at(i * 2), 1, i); // one hit every 2 minutes: never 5 in a minute
    expect(window.fires(5)).toBe(false);
    expect(window.keptHits).toBeLessThanOrEqual(2 * 4);
    for (let i = 0; i < 5; i += 1) window.add(at(30_000) + i * 1000, 1, 10_000 + i);
    expect(window.fires(5)).toBe(true);
    expect(window.keptHits).toBe(0);
  });

  it('finds a window that spans two batches merged in time order (rotated remainder, then the current file)', () => {
    const older = new HitWindow(60_000, 4);
    const newer = new HitWindow(60_000, 4);
    older.add(at(0), 1, 0);
    older.add(at(10), 1, 1);
    older.add(at(20) - 20_000, 1, 2);
    older.add(at(20) - 10_000, 1, 3); // 2 hits in the last 20 s of the older batch
    newer.add(at(20) + 5_000, 1, 4);
    newer.add(at(20) + 10_000, 1, 5); // 2 in the first 10 s of the newer one
    newer.add(at(40), 1, 6);
    expect(older.fires(4)).toBe(false);
    expect(newer.fires(4)).toBe(false);
    const merged = older.clone();
    merged.merge(newer);
    expect(merged.fires(4)).toBe(true);
    // Merged the other way round (a later batch committed first) it finds the same window.
    const reversed = newer.clone();
    reversed.merge(older);
    expect(reversed.fires(4)).toBe(true);
  });

  it('does not invent a window across batches that are far apart', () => {
    const a = new HitWindow(60_000, 3);
    const b = new HitWindow(60_000, 3);
    a.add(at(0), 1, 0);
    a.add(at(0) + 1000, 1, 1);
    b.add(at(10), 1, 2);
    b.add(at(10) + 1000, 1, 3);
    a.merge(b);
    expect(a.fires(3)).toBe(false);
    a.add(at(10) + 2000, 1, 4); // continues the newer batch's window after the merge
    expect(a.fires(3)).toBe(true);
  });
});

describe('recordTimeMs', () => {
  it('reads the stamps the collector writes, zones applied; a zone-less stamp as UTC', () => {
    const utc = Date.UTC(2026, 10, 25, 18, 42, 51);
    expect(recordTimeMs('2026-11-25T18:42:51')).toBe(utc); // traditional syslog
    expect(recordTimeMs('2026-11-25T18:42:51.123456+00:00')).toBe(utc + 123.456); // rsyslog RFC 3339
    expect(recordTimeMs('2026-11-25T19:42:51.5+01:00')).toBe(utc + 500);
    expect(recordTimeMs('2026-11-25T13:42:51-0500')).toBe(utc);
    expect(recordTimeMs('2026-11-25T18:42:51.000Z')).toBe(utc); // journal
    expect(recordTimeMs('2026-11-25T18:42:51.500000000Z')).toBe(utc + 500); // docker
    expect(recordTimeMs(null)).toBeNaN();
    expect(recordTimeMs('Nov 25 18:42:51')).toBeNaN();
    expect(recordTimeMs('2026-xx-25T18:42:51')).toBeNaN();
  });
});
