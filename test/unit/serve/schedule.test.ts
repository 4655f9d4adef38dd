import { nextFireTime, parseSchedule, scheduleIntervalMs, startScheduler, type TickOutcome } from '../../../src/serve/schedule.js';
import { memoryLogs } from '../../helpers/logs.js';

const at = (iso: string) => new Date(iso);

describe('parseSchedule', () => {
  it('reads @every durations and cron expressions', () => {
    expect(parseSchedule('@every 30s')).toEqual({ kind: 'every', text: '@every 30s', ms: 30_000 });
    expect(parseSchedule(' @every 5m ')).toMatchObject({ kind: 'every', ms: 300_000 });
    expect(parseSchedule('@every 1h')).toMatchObject({ kind: 'every', ms: 3_600_000 });
    expect(parseSchedule('17 * * * *')).toMatchObject({ kind: 'cron', text: '17 * * * *' });
    expect(parseSchedule('@hourly')).toMatchObject({ kind: 'cron' });
  });

  it('one-line reasons for bad schedules', () => {
    expect(() => parseSchedule('@every 0s')).toThrow('"@every 0s": expected @every with a duration of at least 1s, such as @every 30s, @every 5m or @every 1h');
    expect(() => parseSchedule('@every soon')).toThrow(/expected @every/);
    expect(() => parseSchedule('* * *')).toThrow('"* * *": expected 5 fields (minute hour day-of-month month day-of-week), got 3 (or use @every 30s, @every 5m)');
    expect(() => parseSchedule('61 * * * *')).toThrow(/minute 61 is outside 0-59/);
    expect(() => parseSchedule('0 0 31 2 *')).toThrow('"0 0 31 2 *": never fires within a year');
  });
});

describe('nextFireTime', () => {
  it('cron: the first time strictly after, minute resolution', () => {
    const every15 = parseSchedule('*/15 * * * *');
    expect(nextFireTime(every15, at('2026-11-20T10:07:30Z'))).toEqual(at('2026-11-20T10:15:00Z'));
    expect(nextFireTime(every15, at('2026-11-20T10:15:00Z'))).toEqual(at('2026-11-20T10:30:00Z'));
    expect(nextFireTime(parseSchedule('* * * * *'), at('2026-11-20T10:15:00.001Z'))).toEqual(at('2026-11-20T10:16:00Z'));
    // Weekdays at 07:00: Friday 08:00 -> Monday 07:00.
    expect(nextFireTime(parseSchedule('0 7 * * 1-5'), at('2026-11-20T08:00:00Z'))).toEqual(at('2026-11-23T07:00:00Z'));
    expect(nextFireTime(parseSchedule('0 0 1 1 *'), at('2026-11-20T08:00:00Z'))).toEqual(at('2027-01-01T00:00:00Z'));
    // 07:00 in Berlin is 06:00 UTC in November.
    expect(nextFireTime(parseSchedule('CRON_TZ=Europe/Berlin 0 7 * * *'), at('2026-11-20T08:00:00Z'))).toEqual(at('2026-11-21T06:00:00Z'));
  });

  it('@every: after plus the interval; the interval for /health', () => {
    const s = parseSchedule('@every 2s');
    expect(nextFireTime(s, at('2026-11-20T10:00:00Z'))).toEqual(at('2026-11-20T10:00:02Z'));
    expect(scheduleIntervalMs(s, new Date())).toBe(2000);
    expect(scheduleIntervalMs(parseSchedule('17 * * * *'), at('2026-11-20T10:00:00Z'))).toBe(3_600_000);
    expect(scheduleIntervalMs(parseSchedule('0 7 * * *'), at('2026-11-20T10:00:00Z'))).toBe(86_400_000);
  });
});

describe('startScheduler', () => {
  it('never runs two passes at once: a tick during a pass is skipped and logged', async () => {
    const logs = memoryLogs();
    let active = 0;
    let maxActive = 0;
    let passes = 0;
    const scheduler = startScheduler({
      schedule: parseSchedule('@every 1s'),
      log: logs.logger,
      runPass: async (): Promise<TickOutcome> => {
        active += 1;
        passes += 1;
        maxActive = Math.max(maxActive, active);
        await new Promise((r) => setTimeout(r, 1500));
        active -= 1;
        return { kind: 'done', message: `pass ${passes}`, fields: { runId: passes } };
      },
    });
    await new Promise((r) => setTimeout(r, 3300));
    expect(scheduler.isRunning()).toBe(true);
    expect(await scheduler.stop(3000)).toBe(true);
    expect(scheduler.next()).toBeNull();
    expect(maxActive).toBe(1);
    expect(passes).toBe(2);
    const skipped = logs.events.filter((e) => e.msg.includes('skipped: the previous pass is still running'));
    expect(skipped).toHaveLength(1);
    expect(skipped[0]).toMatchObject({ level: 'warn', tick: expect.stringMatching(/Z$/) });
    // Each pass: its start, then its end with the outcome's fields.
    const passEvents = logs.events.filter((e) => !e.msg.includes('skipped'));
    expect(passEvents.map((e) => [e.level, e.msg.replace(/tick at \S+Z/, 'tick at T')])).toEqual([
      ['info', 'schedule: tick at T: starting a pass'],
      ['info', 'schedule: pass 1'],
      ['info', 'schedule: tick at T: starting a pass'],
      ['info', 'schedule: pass 2'],
    ]);
    expect(passEvents[1]).toMatchObject({ outcome: 'done', runId: 1 });
  });

  it('a pass that throws is logged as failed; stop() reports a pass still running', async () => {
    const logs = memoryLogs();
    let calls = 0;
    const scheduler = startScheduler({
      schedule: parseSchedule('@every 1s'),
      log: logs.logger,
      runPass: async () => {
        calls += 1;
        if (calls === 1) throw new Error('boom\nsecond line');
        await new Promise((r) => setTimeout(r, 2000));
        return { kind: 'done', message: 'late' };
      },
    });
    await new Promise((r) => setTimeout(r, 2200));
    expect(logs.events.find((e) => e.outcome === 'failed')).toMatchObject({ level: 'error', msg: 'schedule: failed: boom' });
    expect(await scheduler.stop(100)).toBe(false);
    expect(await scheduler.stop(3000)).toBe(true);
  });
});
