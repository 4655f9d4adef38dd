/**
 * The inheritable host settings and the `sites.<id>` and `hosts[]` entries.
 * Inheritable keys are never defaulted here: resolve.ts needs to know which level set them
 * (for `origin`), and applies the defaults itself.
 */
import { z } from 'zod';
import { describeValue } from './config-path.js';
import { ignoreSchema, rulesSchema } from './schema-rules.js';
import { changeSettingsShape } from './schema-changes.js';
import { metricsShape } from './schema-metrics.js';
import { alertThresholdsSchema, resourceThresholdsSchema } from './schema-thresholds.js';
import { parseFrequency } from '../report/schedule.js';
import {
  boolean,
  integer,
  oneOf,
  patternText,
  seconds,
  sizeBytes,
  text,
  textList,
} from './schema-primitives.js';

/** Host and site ids become file names (`reports/<host>/...`), so they are kept path-safe. */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const ID_HINT = 'expected letters, digits, ".", "_" or "-", starting with a letter or digit';

export const REPORT_FREQUENCIES = ['hourly', 'daily', 'weekly', 'monthly'] as const;

/** `report_frequency`: hourly, daily, weekly, monthly, never, or a cron expression (src/report/schedule.ts). */
export function frequencySchema() {
  return text().transform((value, ctx) => {
    try {
      // Named frequencies in their canonical spelling (`Weekly` -> `weekly`); a cron expression as written.
      const frequency = parseFrequency(value);
      return frequency.kind === 'interval' ? frequency.name : frequency.kind === 'never' ? 'never' : value.trim();
    } catch (err) {
      ctx.issues.push({ code: 'custom', message: err instanceof Error ? err.message : String(err), input: value });
      return z.NEVER;
    }
  });
}
export const TRANSPORTS = ['ssh', 'local'] as const;
export const HOST_KEY_POLICIES = ['accept-new', 'strict'] as const;

/** One absolute path or glob, or a list of them. */
function logList(what: string) {
  const item = patternText(/^\//, 'expected an absolute path or glob such as /var/log/syslog');
  return z
    .preprocess(
      (v) => (typeof v === 'string' ? [v] : v),
      z.array(item, { error: (issue) => `expected a list of ${what}, got ${describeValue(issue.input)}` }),
    )
    .optional();
}

/** Keys a host can inherit from `global` and from its site. */
export const inheritableShape = {
  port: integer(1, 65535).optional().describe('SSH port. Default 22.'),
  user: patternText(/^\S+$/, 'expected a user name without spaces')
    .optional()
    .describe('SSH user. Required for ssh hosts unless inherited from global or the site.'),
  transport: oneOf(TRANSPORTS)
    .optional()
    .describe('"ssh" (default) or "local": run the collector on this machine, no SSH.'),
  rootfs: patternText(/^\//, 'expected an absolute directory such as /')
    .optional()
    .describe('Directory under which every host file is read (like node_exporter --path.rootfs). Default "/".'),
  logs: logList('log paths').describe('Log files and globs to follow. Default: syslog, auth.log, messages, secure, apt/history.log, dpkg.log under /var/log (those a host lacks are skipped).'),
  log_paths: logList('log paths').describe('Same as logs (the name written by the original sync-config); both are merged.'),
  report_frequency: frequencySchema()
    .optional()
    .describe('When a host report is sent: hourly, daily, weekly, monthly, never, or a cron expression ("0 7 * * 1-5", "CRON_TZ=Europe/Berlin 0 7 * * *"). Default daily.'),
  send_host_reports: boolean()
    .optional()
    .describe('Send scheduled host reports by email (they are also written to reports_dir). Default true.'),
  resource_thresholds: resourceThresholdsSchema.optional(),
  command_timeout: seconds().optional().describe('Timeout of one remote command, in seconds. Default 60.'),
  log_max_bytes: sizeBytes()
    .optional()
    .describe('Bytes read per log source per pass at most: an integer or "8MiB", "512KiB". Default 64MiB.'),
  journal: boolean()
    .optional()
    .describe('Read the systemd journal incrementally (journalctl --after-cursor). Default false.'),
  check_docker: boolean()
    .optional()
    .describe('List docker containers (state, health, restarts) and read their logs. Default false.'),
  learning_passes: integer(0, 1000)
    .optional()
    .describe('Passes whose log messages are only learned before a never-seen one is reported (log.new_pattern). Default 3.'),
  shell_history: boolean()
    .optional()
    .describe('Follow the bash and zsh histories of root and of /home/* users. Default false.'),
  sudo: boolean()
    .optional()
    .describe('Run the probe and the read as root through "sudo -n sh -s" (root-only logs); needs NOPASSWD for sh. Default false.'),
  rules: rulesSchema,
  ignore: ignoreSchema,
  ...changeSettingsShape,
  ...metricsShape,
};

const siteOrHostShape = {
  ...inheritableShape,
  thresholds: alertThresholdsSchema.optional(),
  key_path: text()
    .nullable()
    .optional()
    .describe('Private key file (~ expanded, relative to the config directory); null = SSH agent only.'),
  host_key_policy: oneOf(HOST_KEY_POLICIES)
    .optional()
    .describe('Overrides ssh.host_key_policy: accept-new (pin on first use) or strict (known_hosts entry required).'),
  enabled: boolean().optional().describe('false disables (a disabled site disables all its hosts). Default true.'),
  tags: textList({ splitCommas: true })
    .optional()
    .describe('Labels. A host gets its site tags plus its own. "a,b" is read as [a, b].'),
  alert_recipients: textList({ splitCommas: true })
    .optional()
    .describe('Email addresses for alerts about these hosts (crit and warn). Default alerts.recipients, then email.alert_recipients.'),
  report_recipients: textList({ splitCommas: true })
    .optional()
    .describe('Email addresses for the reports of these hosts (and of the site). Default email.report_recipients, then the alert recipients.'),
};

/** `sites.<id>`: defaults for the hosts of a site. */
export const siteSchema = z
  .strictObject({
    ...siteOrHostShape,
    send_site_reports: boolean().optional().describe('Send the site report for this site. Default true.'),
    site_report_frequency: frequencySchema()
      .optional()
      .describe('When the site report is sent (like report_frequency). Default global.site_report_frequency, else daily.'),
  })
  .describe('A site: host defaults shared by every host whose `site` is this id.');

export const siteIdSchema = patternText(ID_PATTERN, `site id: ${ID_HINT}`);

/** Keys of `sites` (a record key must be a plain string schema). */
export const siteKeySchema = z.string().regex(ID_PATTERN, { error: `site id: ${ID_HINT}` });

/** `sites.<id>` value: a null or plain-text value (`s02-austin: pass`) is read as an empty site (load.ts warns). */
export const siteEntrySchema = z.preprocess((v) => (v === null || typeof v === 'string' ? {} : v), siteSchema);

const monitoringSchema = z
  .strictObject({
    check_docker: boolean()
      .optional()
      .describe("The original sync-config's name for check_docker; the host's own check_docker wins."),
    check_apt: boolean().optional().describe('Written by the original sync-config; accepted, not used.'),
    check_disk: boolean().optional().describe('Written by the original sync-config; accepted, not used.'),
    check_services: textList({ splitCommas: true })
      .optional()
      .describe('Written by the original sync-config; accepted, not used.'),
  })
  .describe('Written by the original sync-config; check_docker is used, the other keys are accepted, not used.');

/** One `hosts[]` entry. */
export const hostSchema = z
  .strictObject({
    name: patternText(ID_PATTERN, `host name: ${ID_HINT}`).describe('Unique host id (used in reports and the store).'),
    hostname: patternText(/^[A-Za-z0-9._:%[\]-]+$/, 'expected a DNS name or an IP address')
      .optional()
      .describe('DNS name or IP address. Required for ssh; defaults to "localhost" for transport local.'),
    site: siteIdSchema.optional().describe('Id of the site (a key of `sites`) whose defaults apply.'),
    ...siteOrHostShape,
    monitoring: monitoringSchema.optional(),
    check_apt: boolean().optional().describe('Written by the original sync-config; accepted, not used.'),
    alert_level: oneOf(['info', 'warn', 'warning', 'error', 'critical'])
      .optional()
      .describe('Written by the original sync-config; accepted, not used.'),
    timeout: seconds().optional().describe('Written by the original sync-config; accepted, not used.'),
  })
  .describe('A monitored host; unset keys inherit from its site, then from global.');

export const hostsSchema = z.array(hostSchema, {
  error: (issue) => `expected a list of hosts, got ${describeValue(issue.input)}`,
});
