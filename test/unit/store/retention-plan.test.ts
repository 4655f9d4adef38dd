import { defaultRetentionSettings } from '../../../src/config/retention-settings.js';
import { archiveMonth, dayBucket, hourBucket, retentionCutoffs } from '../../../src/store/retention-plan.js';

describe('retention cutoffs and buckets', () => {
  it('counts the windows back from now; the metric cutoffs are whole hours and days', () => {
    const settings = { ...defaultRetentionSettings('/data'), days: 30, rawMetricsSeconds: 36 * 3600, hourlyMetricsSeconds: 10 * 86_400, dailyMetricsSeconds: 400 * 86_400 };
    expect(retentionCutoffs(new Date('2026-06-15T12:34:56.789Z'), settings)).toEqual({
      history: '2026-05-16T12:34:56.789Z',
      raw: '2026-06-14T00:00:00.000Z',
      hourly: '2026-06-05T00:00:00.000Z',
      daily: '2025-05-11T00:00:00.000Z',
    });
  });

  it('names the hour, day and month file of a stored time', () => {
    expect(hourBucket('2026-01-02T03:04:05.678Z')).toBe('2026-01-02T03:00:00.000Z');
    expect(dayBucket('2026-01-02T03:04:05.678Z')).toBe('2026-01-02T00:00:00.000Z');
    expect(archiveMonth('2026-01-31T23:59:59.999Z')).toBe('2026-01');
    expect(archiveMonth(null)).toBe('undated');
    expect(archiveMonth('yesterday')).toBe('undated');
  });
});
