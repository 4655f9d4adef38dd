import { DEFAULT_AUDIT_LIMIT, parseAuditFilter } from '../../../src/store/audit-filter.js';

const NOW = new Date('2026-03-10T12:00:00.000Z');

describe('parseAuditFilter', () => {
  it('turns durations and dates into a time, keeps host and actions, defaults the limit', () => {
    expect(parseAuditFilter({}, NOW)).toEqual({ ok: true, query: { limit: DEFAULT_AUDIT_LIMIT } });
    expect(parseAuditFilter({ since: '24h', host: 'web-01', actions: ['host', 'message.sent'], limit: '10' }, NOW)).toEqual({
      ok: true,
      query: { limit: 10, since: '2026-03-09T12:00:00.000Z', host: 'web-01', actions: ['host', 'message.sent'] },
    });
    expect(parseAuditFilter({ since: '2026-03-01' }, NOW)).toMatchObject({ query: { since: '2026-03-01T00:00:00.000Z' } });
    expect(parseAuditFilter({ since: '2026-03-01T10:30+02:00' }, NOW)).toMatchObject({ query: { since: '2026-03-01T08:30:00.000Z' } });
  });

  it('names the filter and what it expects when a value is wrong', () => {
    expect(parseAuditFilter({ since: 'yesterday' }, NOW)).toEqual({ ok: false, problem: 'since "yesterday": expected a duration such as 24h or 7d, or a date such as 2026-03-01' });
    expect(parseAuditFilter({ since: '2026-13-45' }, NOW)).toMatchObject({ ok: false });
    expect(parseAuditFilter({ limit: '0' }, NOW)).toEqual({ ok: false, problem: 'limit "0": expected a number from 1 to 10000' });
    expect(parseAuditFilter({ limit: '1e3' }, NOW)).toMatchObject({ ok: false });
    expect(parseAuditFilter({ actions: ['host', "x' or 1=1"] }, NOW)).toEqual({ ok: false, problem: `action "x' or 1=1": expected an action such as host.connected, or a group such as host` });
  });
});
