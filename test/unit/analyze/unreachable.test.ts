import { unreachableFinding } from '../../../src/analyze/unreachable.js';

const AT = '2026-03-01T13:00:00.000Z';
const SINCE = '2026-03-01T11:00:00.000Z';
const options = { secrets: [] };
const refused = 'connect: ssh dtmon@10.0.0.5:22: connection refused (after 4 attempts)';
const failed = { isFailed: true, error: refused, at: AT };
const reached = { isFailed: false, error: null, at: AT };

describe('unreachableFinding', () => {
  it('raises nothing for the first and second failed pass in a row', () => {
    expect(unreachableFinding('web-01', { consecutiveFailures: 0 }, failed, options)).toBeNull();
    expect(unreachableFinding('web-01', { consecutiveFailures: 1, failingSince: SINCE }, failed, options)).toBeNull();
  });

  it('raises crit host.unreachable on the third failed pass, with the count, since when and the last error', () => {
    expect(unreachableFinding('web-01', { consecutiveFailures: 2, failingSince: SINCE }, failed, options)).toEqual({
      category: 'host.unreachable',
      severity: 'crit',
      ruleId: 'host.unreachable',
      title: `web-01 unreachable for 3 consecutive passes (since ${SINCE})`,
      key: 'host.unreachable',
      subject: 'web-01',
      count: 3,
      evidence: [{ source: 'connect', lines: [refused], values: { failedPasses: 3, since: SINCE, lastError: refused } }],
      recommendation: expect.stringContaining('sshd') as unknown as string,
    });
  });

  it('keeps raising it while the host stays down, counting on', () => {
    const finding = unreachableFinding('web-01', { consecutiveFailures: 9, failingSince: SINCE }, failed, options);
    expect(finding).toMatchObject({ severity: 'crit', count: 10, title: `web-01 unreachable for 10 consecutive passes (since ${SINCE})` });
  });

  it('resolves with an info finding of the same key when a host that had it comes back', () => {
    expect(unreachableFinding('web-01', { consecutiveFailures: 3, failingSince: SINCE }, reached, options)).toEqual({
      category: 'host.unreachable',
      severity: 'info',
      ruleId: 'host.unreachable',
      title: 'web-01 reachable again after 3 failed passes',
      key: 'host.unreachable',
      subject: 'web-01',
      count: 3,
      evidence: [{ source: 'connect', values: { failedPasses: 3, since: SINCE, recoveredAt: AT } }],
    });
  });

  it('says nothing when a host comes back before it was ever unreachable, or was never down', () => {
    expect(unreachableFinding('web-01', { consecutiveFailures: 2, failingSince: SINCE }, reached, options)).toBeNull();
    expect(unreachableFinding('web-01', { consecutiveFailures: 0, failingSince: null }, reached, options)).toBeNull();
  });

  it('uses this pass as the start when the store does not know it, and a generic reason without an error', () => {
    const finding = unreachableFinding('web-01', { consecutiveFailures: 2 }, { isFailed: true, error: null, at: AT }, options);
    expect(finding?.evidence).toEqual([{ source: 'connect', lines: ['failed'], values: { failedPasses: 3, since: AT, lastError: 'failed' } }]);
  });

  it('honours another threshold, and masks config secrets in the error', () => {
    const error = 'connect: sudo wanted a password: hunter2-secret';
    const finding = unreachableFinding('web-01', { consecutiveFailures: 0 }, { isFailed: true, error, at: AT }, {
      secrets: ['hunter2-secret'],
      afterFailedPasses: 1,
    });
    expect(finding?.severity).toBe('crit');
    expect(JSON.stringify(finding)).not.toContain('hunter2-secret');
    expect(finding?.evidence[0]?.lines).toEqual(['connect: sudo wanted a password: ********']);
  });
});
