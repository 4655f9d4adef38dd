/**
 * The whole dthostmon.yaml, as a strict zod schema. It accepts every key of the original
 * dthostmon (including those its sync-config writes) and the keys we add. The `.describe()` texts
 * are the field documentation (they become the JSON Schema for editors), so keep them accurate.
 */
import { z } from 'zod';
import { describeValue } from './config-path.js';
import { HOST_KEY_POLICIES, frequencySchema, hostsSchema, inheritableShape, siteEntrySchema, siteKeySchema } from './schema-hosts.js';
import {
  boolean,
  duration,
  integer,
  nonEmptyText,
  oneOf,
  patternText,
  seconds,
  secondsList,
  text,
  textList,
  sizeBytes,
} from './schema-primitives.js';
import { alertThresholdsSchema } from './schema-thresholds.js';
import { aiSchema } from './schema-ai.js';
import { retentionSchema } from './schema-retention.js';

export { DEFAULT_PREFERRED_MODELS } from './schema-ai.js';

const globalSchema = z
  .strictObject({
    log_level: oneOf(['debug', 'info', 'warn', 'warning', 'error', 'critical'])
      .default('info')
      .describe('Log verbosity: debug, info, warn(ing), error, critical. Default info.'),
    monitor_interval: text()
      .optional()
      .describe('How often passes are expected (3600, "15m", "1h"): `serve`\'s /health calls the last pass stale after 2x this + pass_timeout. Cron or `serve --schedule` starts the passes. Default 1h.'),
    max_concurrent_hosts: integer(1, 1000).default(5).describe('Hosts collected at the same time. Default 5.'),
    retry_attempts: integer(0, 10)
      .optional()
      .describe('Extra connection attempts per host and pass. Default ssh.max_retries, else 3.'),
    retry_backoff: secondsList()
      .default([1, 2, 4])
      .describe('Seconds to wait before each retry; the last value repeats. Default [1, 2, 4].'),
    pass_timeout: seconds().default(300).describe('Deadline of one whole pass, in seconds. Default 300.'),
    reports_dir: nonEmptyText()
      .default('reports')
      .describe('Directory of host reports, relative to the config directory. Default "reports".'),
    templates_dir: nonEmptyText()
      .optional()
      .describe('Directory of templates overriding the built-in ones by name, relative to the config directory.'),
    outbox_dir: nonEmptyText()
      .default('outbox')
      .describe('Where emails are written as .eml files when no SMTP server is configured, relative to the config directory. Default "outbox".'),
    site_report_frequency: frequencySchema()
      .optional()
      .describe('When site reports are sent (hourly, daily, weekly, monthly, never or cron); a site may override it. Default daily.'),
    ...inheritableShape,
  })
  .describe('Pass settings, and defaults for every host (port, user, transport, rootfs, logs, ...).');

const databaseSchema = z
  .strictObject({
    type: oneOf(['sqlite', 'postgres', 'postgresql'])
      .optional()
      .describe('sqlite or postgres. Default: postgres when url or host is set, else sqlite.'),
    path: nonEmptyText()
      .optional()
      .describe('SQLite file, relative to the config directory. Default "dthostmon.db".'),
    url: nonEmptyText().optional().describe('PostgreSQL URL (postgres://user:password@host:port/name).'),
    host: nonEmptyText().optional().describe('PostgreSQL host; setting it selects PostgreSQL.'),
    port: integer(1, 65535).default(5432).describe('PostgreSQL port. Default 5432.'),
    name: nonEmptyText().default('dthostmon').describe('PostgreSQL database name. Default "dthostmon".'),
    user: nonEmptyText().optional().describe('PostgreSQL user.'),
    password: text().optional().describe('PostgreSQL password (URL-encoded for you).'),
  })
  .describe('The store. Without this section: SQLite file dthostmon.db beside the config.');

const emailSchema = z
  .strictObject({
    smtp_host: nonEmptyText().optional().describe('SMTP server. Without it no email is sent.'),
    smtp_port: integer(1, 65535).default(587).describe('SMTP port. Default 587.'),
    smtp_auth_user: text().optional().describe('SMTP user name.'),
    smtp_auth_password: text().optional().describe('SMTP password.'),
    smtp_auth_required: boolean().default(true).describe('Log in to the SMTP server. Default true.'),
    use_tls: boolean()
      .default(true)
      .describe('Encrypt: STARTTLS (required, never a silent fallback to clear text), or implicit TLS on port 465. Default true.'),
    allow_insecure: boolean()
      .default(false)
      .describe('Allow plain SMTP when use_tls is false (a relay on localhost). Without it use_tls: false is an error. Default false.'),
    tls_verify: boolean()
      .default(true)
      .describe("Verify the SMTP server's TLS certificate. Default true."),
    timeout: seconds().default(30).describe('SMTP connection and command timeout, in seconds. Default 30.'),
    from_address: text().optional().describe('From address.'),
    reply_to_address: text().optional().describe('Reply-To address. Default from_address.'),
    alert_recipients: textList({ splitCommas: true })
      .default([])
      .describe('Alert recipients (and the default for hosts and sites).'),
    report_recipients: textList({ splitCommas: true })
      .optional()
      .describe('Report recipients. Default alert_recipients.'),
  })
  .superRefine((email, ctx) => {
    // Port 465 is implicit TLS whatever use_tls says; anything else in clear text needs an explicit yes.
    if (email.smtp_host !== undefined && !email.use_tls && email.smtp_port !== 465 && !email.allow_insecure) {
      ctx.addIssue({
        code: 'custom',
        path: ['use_tls'],
        message: 'sends mail (and the SMTP password) in clear text; add allow_insecure: true to allow it (e.g. a relay on localhost), or use STARTTLS (587) or TLS (465)',
      });
    }
  })
  .describe('Outgoing email for alerts and reports.');

const pushoverSchema = z
  .strictObject({
    enabled: boolean().default(false).describe('Send alerts through Pushover. Default false.'),
    api_token: text().optional().describe('Pushover application token (required when enabled).'),
    user_key: text().optional().describe('Pushover user or group key (required when enabled).'),
    min_severity: oneOf(['info', 'warn', 'crit']).default('crit').describe('Lowest alert severity pushed. Default crit.'),
    priority: integer(-2, 2)
      .default(1)
      .describe('Pushover priority of crit alerts (-2..2; warn and info are sent at 0). 2 (emergency) needs retry and expire, else 1 is sent. Default 1.'),
    retry: integer(30, 10_800).optional().describe('Emergency priority: seconds between repeats (at least 30).'),
    expire: integer(30, 10_800).optional().describe('Emergency priority: seconds until repeats stop (at most 10800).'),
    base_url: patternText(/^https?:\/\/[^\s]+$/, 'expected an http(s) URL such as https://api.pushover.net')
      .default('https://api.pushover.net')
      .describe('Pushover API base URL (a proxy or a test server). Default https://api.pushover.net.'),
  })
  .superRefine((pushover, ctx) => {
    if (!pushover.enabled) return;
    for (const key of ['api_token', 'user_key'] as const) {
      if (!pushover[key]) ctx.addIssue({ code: 'custom', path: [key], message: `required when pushover.enabled is true` });
    }
  })
  .describe('Pushover push notifications for alerts.');

const sshSchema = z
  .strictObject({
    key_path: text()
      .nullable()
      .optional()
      .describe('Private key for every host (~ expanded, relative to the config directory). Default ~/.ssh/id_ed25519; null = agent only.'),
    timeout: seconds().optional().describe('The original connect timeout, in seconds; connect_timeout wins.'),
    connect_timeout: seconds().optional().describe('Connect timeout, in seconds. Default timeout, else 10.'),
    max_retries: integer(0, 10).optional().describe('Connection retries; global.retry_attempts wins. Default 3.'),
    key_passphrase_env: patternText(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name such as DTHOSTMON_KEY_PASSPHRASE')
      .optional()
      .describe('Name of the environment variable holding the passphrase of encrypted keys (never the passphrase itself).'),
    use_agent: boolean()
      .default(false)
      .describe('Also offer the keys of the ssh-agent at SSH_AUTH_SOCK (always used when key_path is null). Default false.'),
    host_key_policy: oneOf(HOST_KEY_POLICIES)
      .optional()
      .describe('accept-new: pin unknown hosts on first use, refuse changed keys; strict: require a known_hosts entry. Default accept-new.'),
    known_hosts: nonEmptyText()
      .default('~/.ssh/known_hosts')
      .describe('OpenSSH known_hosts file checked before the store pins (~ expanded). Default ~/.ssh/known_hosts.'),
  })
  .describe('SSH settings shared by every host.');

const apiSchema = z
  .strictObject({
    port: integer(1, 65535).default(8080).describe('HTTP port of `dthostmon serve`. Default 8080.'),
    bind: patternText(/^[0-9A-Fa-f:.]+$|^localhost$/, 'expected an IP address such as 127.0.0.1 or 0.0.0.0')
      .default('127.0.0.1')
      .describe('Address `dthostmon serve` listens on; 0.0.0.0 (or ::) for the LAN. Default 127.0.0.1.'),
    api_key: text().optional().describe('Key that API clients must send (X-API-Key or Authorization: Bearer); write it as ${VAR}. `serve` refuses to start without it.'),
    registration_token: text()
      .optional()
      .describe('Separate token for POST /api/v1/hosts/register (self-registration); write it as ${VAR}. Without it registration is off.'),
    tls_cert: text().optional().describe('PEM certificate (chain) file: with tls_key, `serve` speaks HTTPS (relative to the config).'),
    tls_key: text().optional().describe('PEM private key file of tls_cert (relative to the config).'),
    rate_limit: integer(1, 1_000_000)
      .default(600)
      .describe('Requests per minute per client address; more get 429 with Retry-After. Default 600.'),
    max_body: sizeBytes().default(64 * 1024).describe('Largest request body accepted ("64KiB"); larger gets 413. Default 64KiB.'),
    enable_docs: boolean().default(true).describe("The original's key (its FastAPI docs page); accepted, not used: the API is described in docs/serve.md."),
    public_url: patternText(/^https?:\/\/[^\s]+$/, 'expected an http(s) URL such as https://monitor.example.com')
      .optional()
      .describe('Public URL of `dthostmon serve`; alerts then link to the full host report.'),
  })
  .describe('The optional read-only HTTP API (`dthostmon serve`).');

const severity = () => oneOf(['info', 'warn', 'crit']);

const alertsSchema = z
  .strictObject({
    enabled: boolean().default(true).describe('Send alert notifications (they are always recorded). Default true.'),
    min_severity: severity().default('warn').describe('Lowest severity notified by email. Default warn.'),
    for_passes: integer(1, 100)
      .default(1)
      .describe('Passes a condition (disk full, unhealthy container, ...) must last before it is notified; events notify at once. Default 1.'),
    renotify_after: duration(0)
      .default(86_400)
      .describe('Remind of an alert still open after this long ("24h"); 0 never reminds. Default 24h.'),
    notify_recovery: boolean().default(true).describe('Send a notice when a notified alert resolves. Default true.'),
    flap_window: duration(0)
      .default(7200)
      .describe('An alert back within this long after resolving continues silently ("2h"). Default 2h.'),
    recipients: z
      .strictObject({
        crit: textList({ splitCommas: true }).optional().describe('Crit alerts. Default the host\'s alert_recipients, then email.alert_recipients.'),
        warn: textList({ splitCommas: true }).optional().describe('Warn alerts. Default as crit.'),
        info: textList({ splitCommas: true }).optional().describe('Info alerts (when min_severity is info). Default none.'),
        sms: textList({ splitCommas: true })
          .optional()
          .describe('Email-to-SMS gateway addresses: crit alerts only, one short plain-text line each. Default none.'),
      })
      .prefault({})
      .describe('Recipient lists by severity.'),
    admin_recipients: textList({ splitCommas: true })
      .optional()
      .describe('Told directly (at most once per hour) when a pass cannot complete at all. Default email.alert_recipients.'),
  })
  .describe('Alert notifications: when to notify, remind and recover, and who gets what.');

const silenceSchema = z
  .strictObject({
    category: text().optional().describe('Finding category or glob ("disk.*"). Default any.'),
    host: text().optional().describe('Host name or glob. Default any.'),
    site: text().optional().describe('Site id. Default any.'),
    until: text()
      .refine((v) => Number.isFinite(Date.parse(v)), { error: (issue) => `expected a date and time such as "2026-12-01T08:00:00Z", got ${describeValue(issue.input)}` })
      .describe('When the silence ends (ISO date-time; a date alone is midnight UTC).'),
    reason: nonEmptyText().describe('Why (shown with what it muted).'),
  })
  .describe('Mutes the notifications it matches until a time; the findings are still recorded and reported.');

/** The complete config file. */
export const configSchema = z
  .strictObject({
    global: globalSchema.prefault({}),
    database: databaseSchema.optional(),
    email: emailSchema.optional(),
    pushover: pushoverSchema.prefault({}),
    ai: aiSchema.prefault({}),
    ssh: sshSchema.prefault({}),
    api: apiSchema.prefault({}),
    sites: z
      .record(siteKeySchema, siteEntrySchema, {
        error: (issue) => `expected a map of sites (id: settings), got ${describeValue(issue.input)}`,
      })
      .prefault({})
      .describe('Sites by id (sNN-name): host defaults per site.'),
    hosts: hostsSchema.prefault([]).describe('The monitored hosts.'),
    thresholds: alertThresholdsSchema.optional(),
    alerts: alertsSchema.prefault({}),
    silences: z
      .array(silenceSchema, { error: (issue) => `expected a list of silences, got ${describeValue(issue.input)}` })
      .prefault([])
      .describe('Silences: mute matching alert notifications until a time.'),
    retention: retentionSchema.prefault({}),
  })
  .describe('dthostmon configuration (dthostmon.yaml).');

/** The validated document, defaults applied. */
export type ConfigDocument = z.output<typeof configSchema>;
export type HostEntry = ConfigDocument['hosts'][number];
export type SiteEntry = ConfigDocument['sites'][string];
export type GlobalSection = ConfigDocument['global'];
