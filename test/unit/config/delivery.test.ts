import { loadConfigText } from '../../../src/config/load.js';
import { INLINE_FILE, textError } from './fixture.js';

const load = (text: string) => loadConfigText(text, INLINE_FILE, { env: {}, homeDir: '/home/me' });
const errorOf = (text: string): string => textError(text).message;
const HOSTS = 'hosts:\n  - {name: h1, hostname: h1, user: dtmon}\n';

describe('delivery settings (email, pushover, alerts, silences, report schedules)', () => {
  it('defaults: no SMTP (messages become .eml files beside the config), no Pushover, warn+ alerts, daily reports', () => {
    const config = load(HOSTS);
    const d = config.delivery;
    expect(d.smtp).toBeNull();
    expect(d.pushover).toBeNull();
    expect(d.outboxDir).toBe(`${config.dir}/outbox`);
    expect(d.from).toBe('dthostmon <dthostmon@localhost>');
    expect(d.alerts).toMatchObject({ enabled: true, minSeverity: 'warn', policy: { forPasses: 1, renotifyAfterMs: 86_400_000, notifyRecovery: true, flapWindowMs: 7_200_000 } });
    expect(d.defaultSiteReportFrequency).toBe('daily');
    expect(config.hosts[0]).toMatchObject({ reportFrequency: 'daily', sendHostReports: true, reportRecipients: [] });
  });

  it("keeps the original's email keys: STARTTLS by default, implicit TLS on 465, auth only when required and set", () => {
    const base = 'email:\n  smtp_host: mail.example.com\n  smtp_auth_user: mon\n  smtp_auth_password: s3cret\n  from_address: mon@example.com\n  alert_recipients: ops@example.com, oncall@example.com\n';
    const starttls = load(base + HOSTS).delivery;
    expect(starttls.smtp).toEqual({ host: 'mail.example.com', port: 587, security: 'starttls', auth: { user: 'mon', pass: 's3cret' }, tlsVerify: true, timeoutMs: 30_000 });
    expect(starttls.replyTo).toBe('mon@example.com');
    expect(starttls.alertRecipients).toEqual(['ops@example.com', 'oncall@example.com']);
    expect(load(base + HOSTS).hosts[0]?.reportRecipients).toEqual(['ops@example.com', 'oncall@example.com']);
    expect(load(base + '  smtp_port: 465\n  use_tls: false\n' + HOSTS).delivery.smtp?.security).toBe('tls');
    expect(load(base + '  smtp_auth_required: "no"\n' + HOSTS).delivery.smtp?.auth).toBeNull();
    expect(load(base + '  smtp_port: 25\n  use_tls: false\n  allow_insecure: yes\n' + HOSTS).delivery.smtp?.security).toBe('none');
  });

  it('refuses clear-text SMTP without allow_insecure, and Pushover without its keys, naming the key and line', () => {
    const plain = 'email:\n  smtp_host: relay\n  smtp_port: 25\n  use_tls: false\n' + HOSTS;
    expect(errorOf(plain)).toMatch(/yaml:4:\d+ email\.use_tls: sends mail \(and the SMTP password\) in clear text; add allow_insecure: true/);
    expect(errorOf('pushover:\n  enabled: true\n  user_key: u123\n' + HOSTS)).toMatch(/pushover\.api_token: required when pushover\.enabled is true/);
  });

  it('reads alerts, silences, Pushover options, public_url and frequencies (named or cron) at every level', () => {
    const config = load(
      [
        'global:',
        '  site_report_frequency: weekly',
        '  report_frequency: "0 7 * * 1-5"',
        'email: {smtp_host: mail, alert_recipients: [ops@x], report_recipients: [boss@x]}',
        'pushover: {enabled: true, api_token: tok, user_key: usr, priority: 2, retry: 60, expire: 3600, base_url: "http://127.0.0.1:9/"}',
        'api: {public_url: "https://mon.example.com/"}',
        'alerts:',
        '  min_severity: crit',
        '  for_passes: 3',
        '  renotify_after: 0',
        '  flap_window: 30m',
        '  recipients: {sms: "555@sms.example.com", info: []}',
        'silences:',
        '  - {category: "disk.*", host: "web-*", until: "2026-12-01", reason: migration}',
        'sites:',
        '  s01: {site_report_frequency: "CRON_TZ=Europe/Berlin 0 8 * * mon", alert_recipients: [s01@x], send_site_reports: no}',
        'hosts:',
        '  - {name: h1, hostname: h1, user: u, site: s01, report_frequency: Never}',
        '  - {name: h2, hostname: h2, user: u, send_host_reports: off}',
      ].join('\n'),
    );
    const d = config.delivery;
    expect(d.pushover).toEqual({ token: 'tok', user: 'usr', baseUrl: 'http://127.0.0.1:9', minSeverity: 'crit', priority: 2, retrySeconds: 60, expireSeconds: 3600 });
    expect(d.publicUrl).toBe('https://mon.example.com');
    expect(d.alerts).toMatchObject({ minSeverity: 'crit', policy: { forPasses: 3, renotifyAfterMs: null, flapWindowMs: 1_800_000 }, recipients: { sms: ['555@sms.example.com'], info: [] }, adminRecipients: ['ops@x'] });
    expect(d.silences).toEqual([{ category: 'disk.*', host: 'web-*', until: '2026-12-01T00:00:00.000Z', reason: 'migration' }]);
    expect(d.sites.s01).toEqual({ sendSiteReports: false, siteReportFrequency: 'CRON_TZ=Europe/Berlin 0 8 * * mon', reportRecipients: ['s01@x'] });
    expect(d.defaultSiteReportFrequency).toBe('weekly');
    expect(config.hosts[0]).toMatchObject({ reportFrequency: 'never', alertRecipients: ['s01@x'], reportRecipients: ['boss@x'] });
    expect(config.hosts[1]).toMatchObject({ reportFrequency: '0 7 * * 1-5', sendHostReports: false });
  });

  it('explains a bad frequency, duration or silence in one line', () => {
    expect(errorOf('global: {report_frequency: fortnightly}\n' + HOSTS)).toMatch(/global\.report_frequency: "fortnightly" is not a frequency/);
    expect(errorOf('global: {report_frequency: "0 25 * * *"}\n' + HOSTS)).toMatch(/hour 25 is outside 0-23/);
    expect(errorOf('alerts: {renotify_after: soon}\n' + HOSTS)).toMatch(/alerts\.renotify_after: expected a duration such as 900, "15m", "24h" or "7d"/);
    expect(errorOf('silences: [{until: tomorrow, reason: x}]\n' + HOSTS)).toMatch(/silences\[0\]\.until: expected a date and time/);
    expect(errorOf('silences: [{until: "2026-12-01"}]\n' + HOSTS)).toMatch(/silences\[0\]\.reason/);
  });
});
