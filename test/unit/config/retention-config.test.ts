import { dirname, join } from 'node:path';
import { loadConfigText } from '../../../src/config/load.js';
import { INLINE_FILE, textError } from './fixture.js';

const HOSTS = 'hosts:\n  - {name: h1, hostname: h1, user: dtmon}\n';
const DAY = 86_400;
const load = (text: string) => loadConfigText(text + HOSTS, INLINE_FILE, { env: {}, homeDir: '/home/me' });
const errorOf = (text: string): string => textError(text + HOSTS, { env: {} }).message;

describe('retention settings', () => {
  it('defaults to 90 days, archive beside the SQLite file, metrics raw 7 d / hourly 90 d / daily 2 years', () => {
    expect(load('database:\n  path: var/dthostmon.db\n').retention).toEqual({
      enabled: true,
      days: 90,
      archive: true,
      archiveDir: join(dirname(INLINE_FILE), 'var', 'archive'),
      batchSize: 1000,
      rawMetricsSeconds: 7 * DAY,
      hourlyMetricsSeconds: 90 * DAY,
      dailyMetricsSeconds: 730 * DAY,
    });
  });

  it('archives beside the config for PostgreSQL, and reads durations, the directory and the switches', () => {
    expect(load('database:\n  url: postgres://u@db/x\n').retention.archiveDir).toBe(join(dirname(INLINE_FILE), 'archive'));
    const text = 'retention:\n  enabled: no\n  days: 30\n  archive: false\n  archive_dir: ~/dthm-archive\n  batch_size: 500\n  metrics: {raw: 2d, hourly: 4w, daily: 365d}\n';
    expect(load(text).retention).toEqual({
      enabled: false,
      days: 30,
      archive: false,
      archiveDir: '/home/me/dthm-archive',
      batchSize: 500,
      rawMetricsSeconds: 2 * DAY,
      hourlyMetricsSeconds: 28 * DAY,
      dailyMetricsSeconds: 365 * DAY,
    });
  });

  it('refuses windows out of order, days below 1 and unknown keys, naming each', () => {
    expect(errorOf('retention:\n  days: 0\n')).toMatch(/:2:9 retention\.days: expected an integer from 1 to 36500, got 0$/m);
    const order = errorOf('retention:\n  metrics: {raw: 30d, hourly: 7d, daily: 1d}\n');
    expect(order).toMatch(/retention\.metrics\.hourly: must be at least as long as metrics\.raw$/m);
    expect(order).toMatch(/retention\.metrics\.daily: must be at least as long as metrics\.hourly$/m);
    expect(errorOf('retention:\n  metrics: {raw: 10m}\n')).toMatch(/retention\.metrics\.raw: expected a duration such as 900, "15m", "24h" or "7d" of at least 3600 seconds, got 600$/m);
    expect(errorOf('retention:\n  dayz: 30\n')).toMatch(/:2:3 retention\.dayz: unknown key; did you mean "days"\?$/m);
  });
});
