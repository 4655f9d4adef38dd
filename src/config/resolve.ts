/**
 * Resolves every host's settings global -> site -> host (the lower level wins) and records in
 * `origin` which level each value came from, so `dthostmon config` can explain a setting.
 */
import type { AlertThresholds, BandName, DiskGrowthSettings, ExpectedChangeRule, MaintenanceWindow, Origin, ResolvedHost, ResourceThresholds } from '../types.js';
import { DEFAULT_WATCH_FILES } from '../collect/state-probe.js';
import { parseDays, type ExpectedChangeEntry, type MaintenanceWindowEntry } from './schema-changes.js';
import type { ConfigDocument, HostEntry, SiteEntry } from './schema.js';
import { DEFAULT_ALERT_THRESHOLDS, DEFAULT_RESOURCE_THRESHOLDS } from './schema-thresholds.js';
import { resolveConfigPath } from './paths.js';
import { createRuleResolver } from './resolve-rules.js';
import type { RuleIndex } from '../analyze/rules/index.js';
import { resolveMetrics } from './resolve-metrics.js';

/**
 * A resolved host plus the settings src/types.ts has no field for yet. It is a ResolvedHost, so
 * stages that only know ResolvedHost keep working.
 */
export interface ConfiguredHost extends ResolvedHost {
  /** Alert email recipients: host, then site, then `email.alert_recipients`. */
  alertRecipients: string[];
}

/** Defaults of the inheritable settings (documented in docs/configuration.md). */
export const HOST_DEFAULTS = {
  port: 22,
  user: '',
  transport: 'ssh' as ResolvedHost['transport'],
  rootfs: '/',
  // Debian's and Red Hat's system logs and Debian's package logs (apt transactions explain package changes). A
  // default log the host does not have is skipped silently; a configured one that is missing is reported.
  logs: ['/var/log/syslog', '/var/log/auth.log', '/var/log/messages', '/var/log/secure', '/var/log/apt/history.log', '/var/log/dpkg.log'],
  keyPath: '~/.ssh/id_ed25519',
  hostKeyPolicy: 'accept-new' as 'accept-new' | 'strict',
  connectTimeoutSeconds: 10,
  commandTimeoutSeconds: 60,
  logMaxBytes: 64 * 1024 * 1024,
  reportFrequency: 'daily',
  // Off by default: where rsyslog also writes the journal's messages to /var/log/syslog, reading both would count
  // every event twice. Histories are root-only files, unreadable to a non-root monitoring user.
  journal: false,
  docker: false,
  shellHistory: false,
  // Off by default: root on the host is a privilege the operator grants explicitly (a sudoers line).
  sudo: false,
  // Passes whose log templates are only learned before a never-seen one is a log.new_pattern finding.
  learningPasses: 3,
  trackChanges: true,
};

/** `watch_files` of every level over the defaults: global, then site, then host; `!path` removes a path. */
function resolveWatchFiles(levels: Levels): string[] {
  const files = new Set<string>(DEFAULT_WATCH_FILES);
  for (const level of [...levels].reverse()) {
    for (const entry of level.watch_files ?? []) {
      if (entry.startsWith('!')) files.delete(entry.slice(1));
      else files.add(entry);
    }
  }
  return [...files];
}

function minuteOf(clock: string): number {
  const [h, m] = clock.split(':');
  return Number(h) * 60 + Number(m);
}

/** The windows with their days as numbers and a label for reasons (`maintenance window sun 02:00-04:00 UTC`). */
export function resolveWindows(entries: readonly MaintenanceWindowEntry[]): MaintenanceWindow[] {
  return entries.map((w) => {
    const days = w.days === undefined || w.days.length === 0 ? [0, 1, 2, 3, 4, 5, 6] : [...new Set(w.days.flatMap((d) => parseDays(d) ?? []))].sort();
    const timezone = w.timezone ?? 'UTC';
    const when = `${w.days && w.days.length > 0 ? `${w.days.join(',')} ` : 'daily '}${w.start}-${w.end} ${timezone}`;
    return { days, startMinute: minuteOf(w.start), endMinute: minuteOf(w.end), timezone, label: w.name ? `${w.name} (${when})` : `maintenance window ${when}` };
  });
}

/** `disk_growth` per key, the lowest level that sets a key winning. */
function resolveDiskGrowth(levels: Levels): DiskGrowthSettings {
  const key = <K extends 'step' | 'full_within_days' | 'du' | 'du_depth' | 'du_timeout'>(name: K) => levels.map((l) => l.disk_growth?.[name]).find((v) => v !== undefined);
  const step = key('step');
  return {
    stepBytes: step === undefined ? 1024 ** 3 : 'bytes' in step ? step.bytes : null,
    stepPercent: step !== undefined && 'percent' in step ? step.percent : null,
    fullWithinDays: key('full_within_days') ?? 7,
    du: key('du') ?? true,
    duDepth: key('du_depth') ?? 2,
    duTimeoutSeconds: key('du_timeout') ?? 20,
  };
}

function resolveExpected(levels: Levels): ExpectedChangeRule[] {
  const entries: ExpectedChangeEntry[] = [...levels].reverse().flatMap((l) => l.expected_changes ?? []);
  return entries.map((e) => ({ kind: e.kind, subject: e.subject ?? '*', action: e.action ?? null, reason: e.reason }));
}

type Levels = [host: Partial<SiteEntry> & Partial<HostEntry>, site: Partial<SiteEntry>, global: Partial<SiteEntry>];
const LEVEL_NAMES: Origin[] = ['host', 'site', 'global'];

/** The first level (host, site, global) that sets the value, else the default. */
function pick<T>(values: (T | undefined)[], fallback: T): [T, Origin] {
  for (const [i, value] of values.entries()) {
    if (value !== undefined) return [value, LEVEL_NAMES[i] as Origin];
  }
  return [fallback, 'default'];
}

/** `logs` and `log_paths` of one level, merged (the original sync wrote `log_paths`: GAP-S2). */
function levelLogs(level: Partial<SiteEntry>): string[] | undefined {
  if (level.logs === undefined && level.log_paths === undefined) return undefined;
  return [...new Set([...(level.logs ?? []), ...(level.log_paths ?? [])])];
}

function resolveBands(levels: Levels, origin: Record<string, Origin>): ResourceThresholds {
  const out = { ...DEFAULT_RESOURCE_THRESHOLDS };
  for (const band of Object.keys(DEFAULT_RESOURCE_THRESHOLDS) as BandName[]) {
    const [value, from] = pick(
      levels.map((l) => l.resource_thresholds?.[band]),
      DEFAULT_RESOURCE_THRESHOLDS[band],
    );
    out[band] = { ...value };
    origin[`resourceThresholds.${band}`] = from;
  }
  return out;
}

function resolveAlertThresholds(
  levels: [HostEntry['thresholds'], SiteEntry['thresholds'], ConfigDocument['thresholds']],
  origin: Record<string, Origin>,
): AlertThresholds {
  const keys: [keyof AlertThresholds, 'cpu_percent' | 'memory_percent' | 'disk_percent' | 'failed_login_attempts'][] = [
    ['cpuPercent', 'cpu_percent'],
    ['memoryPercent', 'memory_percent'],
    ['diskPercent', 'disk_percent'],
    ['failedLoginAttempts', 'failed_login_attempts'],
  ];
  const out = { ...DEFAULT_ALERT_THRESHOLDS };
  for (const [field, key] of keys) {
    const [value, from] = pick(levels.map((l) => l?.[key]), DEFAULT_ALERT_THRESHOLDS[field]);
    out[field] = value;
    origin[`thresholds.${field}`] = from;
  }
  return out;
}

function resolveEnabled(host: HostEntry, site: Partial<SiteEntry>): [boolean, Origin] {
  // A disabled site disables its hosts whatever they say; otherwise the lower level wins.
  if (host.enabled === false) return [false, 'host'];
  if (site.enabled === false) return [false, 'site'];
  return pick([host.enabled, site.enabled], true);
}

function resolveOne(
  doc: ConfigDocument,
  host: HostEntry,
  configDir: string,
  homeDir: string,
  logRules: (host: HostEntry) => RuleIndex,
): ConfiguredHost {
  const site: Partial<SiteEntry> = (host.site !== undefined ? doc.sites[host.site] : undefined) ?? {};
  const levels: Levels = [host, site, doc.global];
  const origin: Record<string, Origin> = {};
  const take = <T>(name: string, values: (T | undefined)[], fallback: T): T => {
    const [value, from] = pick(values, fallback);
    origin[name] = from;
    return value;
  };

  const alertRecipients = take('alertRecipients', [host.alert_recipients, site.alert_recipients, doc.email?.alert_recipients], []);
  const transport = take('transport', levels.map((l) => l.transport), HOST_DEFAULTS.transport);
  const hostname = take('hostname', [host.hostname], transport === 'local' ? 'localhost' : '');
  const keyPath = take<string | null>(
    'ssh.keyPath',
    [host.key_path, site.key_path, doc.ssh.key_path],
    HOST_DEFAULTS.keyPath,
  );
  const connectTimeoutSeconds = take(
    'ssh.connectTimeoutMs',
    [undefined, undefined, doc.ssh.connect_timeout ?? doc.ssh.timeout],
    HOST_DEFAULTS.connectTimeoutSeconds,
  );
  const [enabled, enabledFrom] = resolveEnabled(host, site);
  origin.enabled = enabledFrom;
  const tags = [...new Set([...(site.tags ?? []), ...(host.tags ?? [])])];
  origin.tags = host.tags !== undefined ? 'host' : site.tags !== undefined ? 'site' : 'default';

  return {
    name: host.name,
    hostname,
    port: take('port', levels.map((l) => l.port), HOST_DEFAULTS.port),
    user: take('user', levels.map((l) => l.user), HOST_DEFAULTS.user),
    site: host.site ?? null,
    tags,
    enabled,
    transport,
    rootfs: take('rootfs', levels.map((l) => l.rootfs), HOST_DEFAULTS.rootfs),
    logs: take('logs', levels.map(levelLogs), HOST_DEFAULTS.logs),
    ssh: {
      keyPath: keyPath === null ? null : resolveConfigPath(configDir, keyPath, homeDir),
      connectTimeoutMs: Math.round(connectTimeoutSeconds * 1000),
      useAgent: doc.ssh.use_agent,
      passphraseEnv: doc.ssh.key_passphrase_env ?? null,
      hostKeyPolicy: take('ssh.hostKeyPolicy', [host.host_key_policy, site.host_key_policy, doc.ssh.host_key_policy], HOST_DEFAULTS.hostKeyPolicy),
      knownHostsPath: resolveConfigPath(configDir, doc.ssh.known_hosts, homeDir),
    },
    commandTimeoutMs: Math.round(
      take('commandTimeoutMs', levels.map((l) => l.command_timeout), HOST_DEFAULTS.commandTimeoutSeconds) * 1000,
    ),
    logMaxBytesPerPass: take('logMaxBytesPerPass', levels.map((l) => l.log_max_bytes), HOST_DEFAULTS.logMaxBytes),
    journal: take('journal', levels.map((l) => l.journal), HOST_DEFAULTS.journal),
    // `monitoring.check_docker` is where the original sync-config wrote it: it counts as the host level.
    docker: take(
      'docker',
      [host.check_docker ?? host.monitoring?.check_docker, site.check_docker, doc.global.check_docker],
      HOST_DEFAULTS.docker,
    ),
    shellHistory: take('shellHistory', levels.map((l) => l.shell_history), HOST_DEFAULTS.shellHistory),
    sudo: take('sudo', levels.map((l) => l.sudo), HOST_DEFAULTS.sudo),
    learningPasses: take('learningPasses', levels.map((l) => l.learning_passes), HOST_DEFAULTS.learningPasses),
    trackChanges: take('trackChanges', levels.map((l) => l.track_changes), HOST_DEFAULTS.trackChanges),
    watchFiles: resolveWatchFiles(levels),
    diskGrowth: resolveDiskGrowth(levels),
    maintenanceWindows: resolveWindows(take<MaintenanceWindowEntry[]>('maintenanceWindows', levels.map((l) => l.maintenance_windows), [])),
    expectedChanges: resolveExpected(levels),
    resourceThresholds: resolveBands(levels, origin),
    thresholds: resolveAlertThresholds([host.thresholds, site.thresholds, doc.thresholds], origin),
    reportFrequency: take('reportFrequency', levels.map((l) => l.report_frequency), HOST_DEFAULTS.reportFrequency),
    alertRecipients,
    sendHostReports: take('sendHostReports', levels.map((l) => l.send_host_reports), true),
    // Reports: the report lists (host, site, email), else the alert recipients (the original's fallback).
    reportRecipients: take('reportRecipients', [host.report_recipients, site.report_recipients, doc.email?.report_recipients], alertRecipients),
    origin,
    logRules: logRules(host),
    metrics: resolveMetrics(levels, { name: host.name, hostname, site: host.site ?? null }, configDir, homeDir, origin),
  };
}

/**
 * Every host of a validated document, in file order, disabled ones included (the original dropped
 * them before its DB sync, so a host disabled in YAML stayed enabled in the DB: GAP-R2). Each gets its log rule
 * set (`logRules`, resolve-rules.ts), shared between hosts with the same rules.
 * Relative key paths resolve against `configDir`; `~` is `homeDir`.
 */
export function resolveHosts(doc: ConfigDocument, configDir: string, homeDir: string): ConfiguredHost[] {
  const logRules = createRuleResolver(doc);
  return doc.hosts.map((host) => resolveOne(doc, host, configDir, homeDir, logRules));
}
