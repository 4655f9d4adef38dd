/**
 * Example dthm YAML and env files (FR-CONFIG-010). They use the keys dthostmon reads (`logs`, `check_docker`), explain
 * the expansion rules and the DTHM_* names, and sync cleanly as generated (a test scaffolds and syncs them).
 */

export interface ExampleNames {
  site?: string;
  host?: string;
}

const EXPANSION_NOTES = (envFile: string) => [
  `#   \${VAR}   expanded when sync runs, from ${envFile}, then the site's .env.<site>, .env.s00-shared and the`,
  '#            environment of the sync; an unset one is written as ${VAR} and resolved when dthostmon runs.',
  '#   ${{VAR}} always written as ${VAR}: dthostmon resolves it when it runs (paths and secrets of the monitoring',
  '#            machine).',
];

/** `dthm-site.yaml`. */
export function siteYamlExample(names: ExampleNames = {}): string {
  const site = names.site ?? '<site>';
  return [
    `# dthm-site.yaml: dthostmon settings of site ${site}, read by \`dthostmon sync-config\` into sites.${site} of`,
    '# dthostmon.yaml (dthostmon itself never reads this file). Keys set by hand in dthostmon.yaml stay unless set here.',
    ...EXPANSION_NOTES(`.env.${site}`),
    '# Every key can also be set in .env.<site> as DTHM_SITE_<KEY> (nested keys joined by __); the env file wins.',
    '# All keys: docs/configuration.md (sites) and docs/sync-config.md.',
    '',
    '# false disables every host of the site.',
    'enabled: true',
    '# Labels added to the tags of every host of the site.',
    'tags: [production]',
    '# Host reports: hourly, daily, weekly, monthly, never, or a cron expression.',
    'report_frequency: daily',
    '# Status bands of CPU, memory and disk usage in reports, in percent (any subset of the four).',
    'resource_thresholds:',
    '  health: "0-25"',
    '  info: "26-55"',
    '  warning: "56-84"',
    '  critical: "85-100"',
    '# Alert email for the hosts of this site (default: email.alert_recipients).',
    '# alert_recipients: [ops@example.com]',
    '# Defaults for every host of the site (a host sets its own to override):',
    '# user: monitoring',
    '',
  ].join('\n');
}

/** `dthm-<host>.yaml`. */
export function hostYamlExample(names: ExampleNames = {}): string {
  const host = names.host ?? '<host>';
  const site = names.site ?? '<site>';
  return [
    `# dthm-${host}.yaml: dthostmon settings of host ${host} (site ${site}), read by \`dthostmon sync-config\` into`,
    '# the hosts list of dthostmon.yaml (dthostmon itself never reads this file).',
    '# The host is named after its folder and belongs to its site folder: there is no name or site key here.',
    ...EXPANSION_NOTES(`.env.${host}`),
    `# Every key can also be set in .env.${host} as DTHM_HOST_<KEY> (nested keys joined by __); the env file wins.`,
    '# All keys: docs/configuration.md (hosts) and docs/sync-config.md.',
    '',
    '# false stops monitoring this host (it stays in dthostmon.yaml).',
    'enabled: true',
    '# DNS name or IP address. Default: the folder name (divtools host folders are the lower-cased hostnames).',
    '# hostname: 10.1.1.10',
    'port: 22',
    '# SSH user on the host (or set it for the whole site, or as global.user).',
    'user: monitoring',
    'tags: [linux]',
    '# List the docker containers (state, health, restarts) and read their logs.',
    'check_docker: true',
    '# Log files and globs to follow. Default: syslog, auth.log, messages, secure, apt and dpkg logs.',
    'logs:',
    '  - /var/log/syslog',
    '  - /var/log/auth.log',
    '  # - ${APP_DIR}/logs/app.log          APP_DIR from .env.<host>, expanded when sync runs',
    '  # - ${{RUNTIME_LOG_DIR}}/error.log   resolved when dthostmon runs',
    '# Private key for this host, resolved when dthostmon runs (default: ssh.key_path).',
    '# key_path: ${{DTHM_SSH_KEY_PATH}}',
    '',
  ].join('\n');
}

const ENV_NOTES = [
  '# Names: the key in upper case after the prefix, nested keys joined by __, e.g.',
  '#   DTHM_HOST_THRESHOLDS__DISK_PERCENT=95   ->  thresholds: {disk_percent: 95}',
  '#   DTHM_HOST_MONITORING__CHECK_DISK=true   ->  monitoring: {check_disk: true}',
  '# Lists are comma-separated (a,b); booleans true/false (yes/no, 1/0, on/off); export lines work.',
  '# ${VAR} is expanded when sync runs (from this file, the site file, .env.s00-shared, the environment);',
  "# '${{VAR}}' (single quotes, so bash leaves it alone) is written as ${VAR} and resolved when dthostmon runs.",
];

/** `.env.<site>`: site settings and host defaults. */
export function siteEnvExample(names: ExampleNames = {}): string {
  const site = names.site ?? '<site>';
  return [
    `# dthostmon settings of site ${site}, read by \`dthostmon sync-config\`: DTHM_SITE_* -> sites.${site},`,
    '# DTHM_HOST_* -> defaults for every host of the site (a host sets its own to override). Other lines are ignored',
    '# by sync but can be used in ${VAR}.',
    ...ENV_NOTES,
    '',
    '#### dthostmon: site settings',
    'DTHM_SITE_ENABLED=true',
    'DTHM_SITE_TAGS=production',
    'DTHM_SITE_REPORT_FREQUENCY=daily',
    '# DTHM_SITE_ALERT_RECIPIENTS=ops@example.com,admin@example.com',
    '# DTHM_SITE_RESOURCE_THRESHOLDS__CRITICAL=85-100',
    '#### dthostmon: defaults for every host of the site',
    '# DTHM_HOST_USER=monitoring',
    '# DTHM_HOST_CHECK_DOCKER=true',
    '',
  ].join('\n');
}

/** `.env.<host>`. */
export function hostEnvExample(names: ExampleNames = {}): string {
  const host = names.host ?? '<host>';
  return [
    `# dthostmon settings of host ${host}, read by \`dthostmon sync-config\` (DTHM_HOST_* lines only; they win over`,
    `# dthm-${host}.yaml). Other lines are ignored by sync but can be used in \${VAR}.`,
    ...ENV_NOTES,
    '',
    '#### dthostmon: host connection',
    'DTHM_HOST_ENABLED=true',
    '# DTHM_HOST_HOSTNAME=10.1.1.10   (default: the folder name)',
    'DTHM_HOST_PORT=22',
    'DTHM_HOST_USER=monitoring',
    '#### dthostmon: host metadata',
    'DTHM_HOST_TAGS=linux',
    'DTHM_HOST_CHECK_DOCKER=true',
    'DTHM_HOST_LOGS=/var/log/syslog,/var/log/auth.log',
    '# DTHM_HOST_THRESHOLDS__DISK_PERCENT=95',
    "# DTHM_HOST_KEY_PATH='${{DTHM_SSH_KEY_PATH}}'",
    '',
  ].join('\n');
}
