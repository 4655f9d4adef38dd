import { lastCronTimeBetween, parseCron, parseFrequency, reportDue } from '../../../src/report/schedule.js';

const at = (iso: string): Date => new Date(iso);

describe('parseFrequency', () => {
  it('reads the named intervals of the original, never, and cron expressions', () => {
    expect(parseFrequency('daily')).toEqual({ kind: 'interval', name: 'daily', ms: 86_400_000 });
    expect(parseFrequency(' Weekly ')).toMatchObject({ kind: 'interval', name: 'weekly' });
    expect(parseFrequency('monthly')).toMatchObject({ ms: 30 * 86_400_000 });
    expect(parseFrequency('off')).toEqual({ kind: 'never' });
    expect(parseFrequency('0 7 * * mon-fri')).toMatchObject({ kind: 'cron', expression: '0 7 * * mon-fri' });
  });

  it('explains what is wrong in one line', () => {
    expect(() => parseFrequency('fortnightly')).toThrow('"fortnightly" is not a frequency: use hourly, daily, weekly, monthly, never or a cron expression');
    expect(() => parseFrequency('0 7 * *')).toThrow('expected 5 fields');
    expect(() => parseFrequency('61 7 * * *')).toThrow('minute 61 is outside 0-59');
    expect(() => parseFrequency('0 7 * * funday')).toThrow('day of week "funday" is not a number or a name');
    expect(() => parseFrequency('0 9-5 * * *')).toThrow('hour range 9-5 is reversed');
    expect(() => parseFrequency('*/0 * * * *')).toThrow('minute step "0" is not a positive number');
    expect(() => parseFrequency('CRON_TZ=Mars/Base 0 7 * * *')).toThrow('unknown time zone "Mars/Base"');
  });
});

describe('parseCron', () => {
  it('expands lists, ranges, steps, names, 7 as Sunday and macros', () => {
    const c = parseCron('*/15 8-10,18 1,15 jan-mar 7');
    expect([...c.minutes]).toEqual([0, 15, 30, 45]);
    expect([...c.hours]).toEqual([8, 9, 10, 18]);
    expect([...c.months]).toEqual([1, 2, 3]);
    expect([...c.daysOfWeek]).toEqual([0]);
    expect(c.dayOr).toBe(true);
    expect(parseCron('@weekly')).toMatchObject({ dayOr: false });
    expect([...parseCron('5/20 * * * *').minutes]).toEqual([5, 25, 45]);
  });
});

describe('lastCronTimeBetween', () => {
  it('finds the latest scheduled minute in the window, or null', () => {
    const weekdays7 = parseCron('0 7 * * 1-5');
    // Thursday 2026-11-26 09:30 UTC: today's 07:00 fired.
    expect(lastCronTimeBetween(weekdays7, at('2026-11-25T12:00:00Z'), at('2026-11-26T09:30:00Z'))).toEqual(at('2026-11-26T07:00:00Z'));
    expect(lastCronTimeBetween(weekdays7, at('2026-11-26T07:00:00Z'), at('2026-11-26T09:30:00Z'))).toBeNull();
    // Monday morning looks back over the weekend to Friday.
    expect(lastCronTimeBetween(weekdays7, at('2026-11-20T00:00:00Z'), at('2026-11-23T06:59:00Z'))).toEqual(at('2026-11-20T07:00:00Z'));
  });

  it('uses CRON_TZ, across a daylight-saving change', () => {
    const berlin = parseCron('CRON_TZ=Europe/Berlin 0 7 * * *');
    // 07:00 in Berlin is 06:00 UTC in winter and 05:00 UTC in summer.
    expect(lastCronTimeBetween(berlin, at('2026-11-25T12:00:00Z'), at('2026-11-26T09:00:00Z'))).toEqual(at('2026-11-26T06:00:00Z'));
    expect(lastCronTimeBetween(berlin, at('2026-07-01T12:00:00Z'), at('2026-07-02T09:00:00Z'))).toEqual(at('2026-07-02T05:00:00Z'));
    // 23:30 on Saturday 2026-03-28, the night before clocks go forward, is found from Sunday morning.
    const lateSaturday = parseCron('CRON_TZ=Europe/Berlin 30 23 * * sat');
    expect(lastCronTimeBetween(lateSaturday, at('2026-03-27T00:00:00Z'), at('2026-03-29T10:00:00Z'))).toEqual(at('2026-03-28T22:30:00Z'));
  });

  it('with both day fields restricted, fires on either (POSIX cron)', () => {
    const firstOrMonday = parseCron('0 0 1 * mon');
    expect(lastCronTimeBetween(firstOrMonday, at('2026-11-24T00:00:00Z'), at('2026-12-01T12:00:00Z'))).toEqual(at('2026-12-01T00:00:00Z'));
    expect(lastCronTimeBetween(firstOrMonday, at('2026-11-20T00:00:00Z'), at('2026-11-25T12:00:00Z'))).toEqual(at('2026-11-23T00:00:00Z'));
  });
});

describe('reportDue', () => {
  const firstSeen = at('2026-11-01T15:00:00Z');

  it('interval: due when never sent, or once the interval has passed (one minute early is on time)', () => {
    const daily = parseFrequency('daily');
    expect(reportDue({ frequency: daily, lastSent: null, firstSeen, now: at('2026-11-26T08:17:00Z') })).toEqual({ due: true, reason: 'never sent' });
    expect(reportDue({ frequency: daily, lastSent: at('2026-11-25T08:17:30Z'), firstSeen, now: at('2026-11-26T08:17:00Z') }).due).toBe(true);
    expect(reportDue({ frequency: daily, lastSent: at('2026-11-25T09:00:00Z'), firstSeen, now: at('2026-11-26T08:17:00Z') })).toEqual({
      due: false,
      reason: 'daily: next after 2026-11-26T09:00:00.000Z',
    });
  });

  it('cron: never sent waits for the first scheduled time after the host was first seen; a missed time is caught up once', () => {
    const seven = parseFrequency('0 7 * * *');
    const installed = at('2026-11-25T15:00:00Z');
    expect(reportDue({ frequency: seven, lastSent: null, firstSeen: installed, now: at('2026-11-25T16:00:00Z') }).due).toBe(false);
    expect(reportDue({ frequency: seven, lastSent: null, firstSeen: installed, now: at('2026-11-26T07:17:00Z') }).due).toBe(true);
    // The host was down at 07:00; the 09:17 pass sends it, and the 10:17 pass does not send it again.
    expect(reportDue({ frequency: seven, lastSent: at('2026-11-25T07:17:00Z'), firstSeen, now: at('2026-11-26T09:17:00Z') }).due).toBe(true);
    expect(reportDue({ frequency: seven, lastSent: at('2026-11-26T09:17:00Z'), firstSeen, now: at('2026-11-26T10:17:00Z') }).due).toBe(false);
  });

  it('never: no scheduled report', () => {
    expect(reportDue({ frequency: parseFrequency('never'), lastSent: null, firstSeen, now: at('2026-11-26T08:00:00Z') })).toEqual({ due: false, reason: 'report_frequency is never' });
  });
});
