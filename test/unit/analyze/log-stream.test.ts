import { HostLogStream } from '../../../src/analyze/log-stream.js';
import { buildRuleIndex, LOG_RULES } from '../../../src/analyze/rules/index.js';
import type { IgnoreRule, LogRule } from '../../../src/analyze/rules/types.js';
import type { LogRecord, MonitorIdentity } from '../../../src/types.js';
import { makeHost, readFixture, recordsFromLog } from './helpers.js';

const host = makeHost(); // failedLoginAttempts: 5

/** Our connection in the self-noise fixture: root from 203.0.113.10 port 51234. */
const US: MonitorIdentity = {
  user: 'root',
  addresses: ['203.0.113.10'],
  sourcePorts: [51234],
  since: '2026-11-25T10:00:00.900Z',
  until: '2026-11-25T10:00:04.100Z',
};

function feed(stream: HostLogStream, source: string, records: readonly LogRecord[], how: 'commit' | 'discard' = 'commit'): void {
  const batch = stream.batchFor(source);
  for (const record of records) batch.add(record);
  if (how === 'commit') batch.commit();
  else batch.discard();
}

function failures(times: string[], ip = '203.0.113.9'): string {
  return times.map((t, i) => `Nov 25 ${t} web-01 sshd[${2200 + i}]: Failed password for root from ${ip} port ${50000 + i} ssh2`).join('\n');
}

describe('HostLogStream: ignore, own session, rules', () => {
  const auth = recordsFromLog(readFixture('self-noise', 'auth.log'), '/var/log/auth.log');

  it('drops ignored lines first, then our own session, then applies the rules', () => {
    const jumpHost: IgnoreRule = { programs: ['sshd'], pattern: /Accepted publickey for root from 198\.51\.100\.20 port \d+ / };
    const stream = new HostLogStream({ identity: US, rules: buildRuleIndex(LOG_RULES, [jumpHost]) });
    feed(stream, '/var/log/auth.log', auth);
    const findings = stream.findings(host.thresholds, []);
    // Left: another root login from our address but another port, and a failed password. Not: the jump host, us.
    expect(findings.map((f) => [f.category, f.subject, f.count])).toEqual([
      ['auth.root_login', '203.0.113.10', 1],
      ['auth.failed_login', '203.0.113.10', 1],
    ]);
    expect(findings[0]?.evidence[0]?.lines?.[0]).toContain('port 51300');
    expect(stream.ignored).toBe(1);
  });

  it('ignores before the own-session filter looks at a line', () => {
    const ours: IgnoreRule = { programs: ['*'], pattern: /203\.0\.113\.10 port 51234\b/ };
    const stream = new HostLogStream({ identity: US, rules: buildRuleIndex(LOG_RULES, [ours]) });
    feed(stream, '/var/log/auth.log', auth);
    // Connection from, Accepted, Starting session, an error line, Received disconnect, Disconnected: 6 lines.
    expect(stream.ignored).toBe(6);
  });

  it("applies the host's rule set (host.logRules), else the built-in one", () => {
    const custom: LogRule = {
      id: 'app.logind',
      category: 'service.failed',
      severity: 'info',
      programs: ['systemd-logind'],
      pattern: /^Session (?<id>\d+) logged out/,
      title: (g) => `session ${g.id} logged out`,
    };
    const withRules = new HostLogStream({ host: { ...host, logRules: buildRuleIndex([custom]) } });
    feed(withRules, '/var/log/auth.log', auth);
    expect(withRules.findings(host.thresholds, []).map((f) => f.ruleId)).toEqual(['app.logind']);
    const builtIn = new HostLogStream({ host });
    feed(builtIn, '/var/log/auth.log', auth);
    expect(builtIn.findings(host.thresholds, []).map((f) => f.ruleId)).toEqual(['sshd.root_login', 'sshd.root_login', 'sshd.failed_password']);
  });
});

describe('HostLogStream: window aggregation across read jobs', () => {
  const windowed: LogRule = {
    ...(LOG_RULES.find((r) => r.id === 'sshd.failed_password') as LogRule),
    aggregate: { ...(LOG_RULES.find((r) => r.id === 'sshd.failed_password')!.aggregate!), within: 60 },
  };
  const rules = buildRuleIndex([windowed]);

  it('finds a burst that straddles the rotated remainder and the current file', () => {
    const stream = new HostLogStream({ host, rules });
    // 3 within a minute at the end of the old file, 2 at the start of the new one: 5 within 55 s.
    feed(stream, '/var/log/auth.log.1', recordsFromLog(failures(['17:00:00', '18:00:00', '18:00:20', '18:00:40']), '/var/log/auth.log.1'));
    feed(stream, '/var/log/auth.log', recordsFromLog(failures(['18:00:50', '18:00:55', '19:00:00']), '/var/log/auth.log'));
    const [finding, ...rest] = stream.findings(host.thresholds, []);
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ ruleId: 'sshd.bruteforce', category: 'auth.bruteforce', count: 7 });
  });

  it('keeps ordinary findings when no minute holds 5, however many hits the pass has', () => {
    const stream = new HostLogStream({ host, rules });
    const times = Array.from({ length: 40 }, (_, i) => `18:${String(i).padStart(2, '0')}:00`); // one a minute
    feed(stream, '/var/log/auth.log', recordsFromLog(failures(times), '/var/log/auth.log'));
    expect(stream.findings(host.thresholds, []).map((f) => [f.ruleId, f.count])).toEqual([['sshd.failed_password', 40]]);
  });

  it('forgets the hits of a discarded batch, window included', () => {
    const stream = new HostLogStream({ host, rules });
    feed(stream, '/var/log/auth.log.1', recordsFromLog(failures(['18:00:00', '18:00:10', '18:00:20']), '/var/log/auth.log.1'), 'discard');
    feed(stream, '/var/log/auth.log', recordsFromLog(failures(['18:00:30', '18:00:40']), '/var/log/auth.log'));
    expect(stream.findings(host.thresholds, []).map((f) => [f.ruleId, f.count])).toEqual([['sshd.failed_password', 2]]);
  });
});
