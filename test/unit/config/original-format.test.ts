import { loadConfig } from '../../../src/config/load.js';
import type { ConfiguredHost } from '../../../src/config/resolve.js';
import { fixture } from './fixture.js';

/** What an original deployment had in its environment (the example's `${...}` variables). */
const ENV = {
  MONITOR_INTERVAL: '3600',
  MAX_CONCURRENT_HOSTS: '4',
  DB_HOST: 'db.internal',
  DB_PORT: '5432',
  DB_NAME: 'dthostmon',
  DB_USER: 'dthostmon',
  DB_PASSWORD: 'pa:ss #1',
  SMTP_HOST: 'mail.internal',
  SMTP_PORT: '25',
  SMTP_AUTH_USER: 'mailer',
  SMTP_AUTH_PASSWORD: 'smtp-secret',
  SMTP_FROM: 'dthostmon@example.org',
  SMTP_REPLY_TO: '',
  PUSHOVER_ENABLED: 'false',
  PUSHOVER_API_TOKEN: '',
  PUSHOVER_USER_KEY: '',
  SSH_KEY_PATH: '~/.ssh/id_ed25519',
  SSH_TIMEOUT: '10',
  API_PORT: '8080',
  API_KEY: 'api-secret',
};

async function load(shape: 'example' | 'synced', env: Record<string, string> = ENV) {
  return loadConfig(fixture(`original-format/${shape}/dthostmon.yaml`), { env, homeDir: '/home/mon' });
}

describe('configs written for the original dthostmon keep loading', () => {
  test('the commented example layout, with `s02-boise: pass` written over two lines', async () => {
    const config = await load('example');
    const file = fixture('original-format/example/dthostmon.yaml');
    expect(config.warnings).toEqual([`${file}:76:5 sites.s02-boise: is not a map (got "pass"); treated as a site without settings`]);
    expect(config.store).toEqual({
      dialect: 'postgres',
      url: 'postgres://dthostmon:pa%3Ass%20%231@db.internal:5432/dthostmon',
      display: 'postgres://dthostmon@db.internal:5432/dthostmon',
    });
    expect(config.pass.maxConcurrentHosts).toBe(4);
    expect(config.hosts.map((h) => [h.name, h.site, h.enabled, h.reportFrequency])).toEqual([
      ['den-db-01', 's01-denver', true, 'daily'],
      ['boise-app-01', 's02-boise', true, 'daily'],
      ['lone-01', null, false, 'daily'],
    ]);
    expect(config.hosts[0]?.resourceThresholds.critical).toEqual({ low: 85, high: 100 });
    expect(config.hosts[0]?.ssh.keyPath).toBe('/home/mon/.ssh/id_ed25519');
    expect(config.secrets).toEqual(expect.arrayContaining(['pa:ss #1', 'smtp-secret', 'api-secret']));
  });

  test('the layout the original sync-config wrote, with its extra keys', async () => {
    const config = await load('synced');
    const hosts = config.hosts as ConfiguredHost[];
    const lab = hosts.find((h) => h.name === 'lab-db-01');
    // log_paths (sync) becomes logs; the site's partial bands merge over global (no KeyError).
    expect(lab).toMatchObject({
      site: 's03-lab',
      tags: ['lab', 'critical', 'database'],
      logs: ['/var/log/syslog', '/var/log/postgresql/postgresql-14-main.log'],
      reportFrequency: 'daily',
      alertRecipients: ['dba@example.org'],
      resourceThresholds: {
        health: { low: 0, high: 25 },
        info: { low: 31, high: 60 },
        warning: { low: 70, high: 89 },
        critical: { low: 90, high: 100 },
      },
    });
    expect(lab?.origin['resourceThresholds.info']).toBe('global');
    // `tags: development` (a single value written as text) is a one-item list.
    expect(hosts.find((h) => h.name === 'dev-web-01')).toMatchObject({ tags: ['development', 'webserver'], port: 2222, reportFrequency: 'weekly' });
    // A disabled host stays in the list, disabled (GAP-R2).
    expect(hosts.find((h) => h.name === 'devbox')).toMatchObject({ enabled: false, site: null, port: 22 });
    const doc = config.document as { hosts: Record<string, unknown>[]; email: Record<string, unknown>; pushover: Record<string, unknown> };
    expect(doc.hosts[1]).toMatchObject({ monitoring: { check_disk: true, check_services: ['postgresql', 'docker'] }, check_docker: true, alert_level: 'warn', timeout: 30 });
    expect(doc.email.reply_to_address).toBeUndefined();
    expect(doc.pushover).toEqual({ enabled: false, min_severity: 'crit', priority: 1, base_url: 'https://api.pushover.net' });
  });

  test('an unset MONITOR_INTERVAL is only a warning, as the runtime ignores it', async () => {
    const { MONITOR_INTERVAL: _unused, ...env } = ENV;
    const config = await load('synced', env);
    expect(config.warnings[0]).toMatch(/:3:21 global\.monitor_interval: environment variable MONITOR_INTERVAL is not set/);
  });
});
