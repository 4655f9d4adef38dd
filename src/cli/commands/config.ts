import { stringify } from 'yaml';
import Table from 'cli-table3';
import { writeFile } from 'node:fs/promises';
import { ConfigError, EXIT, UsageError, errorMessage, formatProblem } from '../../errors.js';
import { findConfigPath } from '../../config/find-config.js';
import { loadConfig } from '../../config/load.js';
import { maskSecrets, redactText } from '../../config/mask.js';
import { configJsonSchema } from '../../config/json-schema.js';
import type { LoadedConfig } from '../../config/types.js';
import type { Origin, ResolvedHost } from '../../types.js';
import { createOutput } from '../output.js';
import type { GlobalOptions } from '../program.js';

export interface ConfigOptions extends GlobalOptions {
  showSecrets: boolean;
  /** Only these hosts' resolved settings (and no document dump). */
  hosts: string[];
}

/** One resolved setting of a host: the config key, its value as text and the level it came from. */
export interface SettingRow {
  key: string;
  value: string;
  origin: Origin;
}

function list(values: readonly string[]): string {
  return values.length === 0 ? '(none)' : values.join(', ');
}

function seconds(ms: number): string {
  return `${ms / 1000}s`;
}

/** A host's resolved settings under their config key names, in the order a reader checks them. */
export function hostSettings(host: ResolvedHost, credentials: Readonly<Record<string, string>> = {}): SettingRow[] {
  const o = (name: string): Origin => host.origin[name] ?? 'default';
  const rows: SettingRow[] = [
    { key: 'enabled', value: String(host.enabled), origin: o('enabled') },
    { key: 'transport', value: host.transport, origin: o('transport') },
  ];
  if (host.transport === 'ssh') {
    rows.push(
      { key: 'hostname', value: host.hostname || '(not set)', origin: o('hostname') },
      { key: 'port', value: String(host.port), origin: o('port') },
      { key: 'user', value: host.user || '(not set)', origin: o('user') },
      { key: 'key_path', value: host.ssh.keyPath ?? '(ssh agent)', origin: o('ssh.keyPath') },
      { key: 'host_key_policy', value: host.ssh.hostKeyPolicy ?? 'accept-new', origin: o('ssh.hostKeyPolicy') },
      { key: 'ssh.connect_timeout', value: seconds(host.ssh.connectTimeoutMs), origin: o('ssh.connectTimeoutMs') },
    );
  }
  rows.push(
    { key: 'sudo', value: String(host.sudo), origin: o('sudo') },
    { key: 'rootfs', value: host.rootfs, origin: o('rootfs') },
    { key: 'logs', value: list(host.logs), origin: o('logs') },
    { key: 'journal', value: String(host.journal), origin: o('journal') },
    { key: 'check_docker', value: String(host.docker), origin: o('docker') },
    { key: 'shell_history', value: String(host.shellHistory), origin: o('shellHistory') },
    { key: 'command_timeout', value: seconds(host.commandTimeoutMs), origin: o('commandTimeoutMs') },
    { key: 'log_max_bytes', value: String(host.logMaxBytesPerPass), origin: o('logMaxBytesPerPass') },
    { key: 'learning_passes', value: String(host.learningPasses), origin: o('learningPasses') },
    { key: 'track_changes', value: String(host.trackChanges), origin: o('trackChanges') },
    { key: 'tags', value: list(host.tags), origin: o('tags') },
    { key: 'report_frequency', value: host.reportFrequency, origin: o('reportFrequency') },
    { key: 'send_host_reports', value: String(host.sendHostReports), origin: o('sendHostReports') },
    { key: 'alert_recipients', value: list(host.alertRecipients), origin: o('alertRecipients') },
    { key: 'report_recipients', value: list(host.reportRecipients ?? host.alertRecipients), origin: o('reportRecipients') },
    { key: 'maintenance_windows', value: list((host.maintenanceWindows ?? []).map((w) => w.label)), origin: o('maintenanceWindows') },
  );
  rows.push(...metricsSettings(host, o, (name) => Object.hasOwn(credentials, name)));
  for (const [band, range] of Object.entries(host.resourceThresholds)) {
    rows.push({ key: `resource_thresholds.${band}`, value: `${range.low}-${range.high}`, origin: o(`resourceThresholds.${band}`) });
  }
  const thresholdKeys: [keyof ResolvedHost['thresholds'], string][] = [
    ['cpuPercent', 'cpu_percent'],
    ['memoryPercent', 'memory_percent'],
    ['diskPercent', 'disk_percent'],
    ['failedLoginAttempts', 'failed_login_attempts'],
  ];
  for (const [field, key] of thresholdKeys) {
    rows.push({ key: `thresholds.${key}`, value: String(host.thresholds[field]), origin: o(`thresholds.${field}`) });
  }
  return rows;
}

/** The metrics sources (issue #8): URL and what selects the host, credentials by variable NAME only. */
function metricsSettings(host: ResolvedHost, o: (name: string) => Origin, isSet: (name: string) => boolean): SettingRow[] {
  const m = host.metrics;
  if (!m) return [];
  const rows: SettingRow[] = [];
  // Credentials by variable name and whether it is set; the value never.
  const state = (name: string): string => `$${name} ${isSet(name) ? 'set' : 'not set'}`;
  const auth = (username: string | null, passwordEnv: string | null, tokenEnv: string | null, tokenRequired = false): string => {
    const parts = [
      tokenEnv && (isSet(tokenEnv) || tokenRequired) ? `token ${state(tokenEnv)}` : null,
      username ? `user ${username}, password ${passwordEnv ? state(passwordEnv) : 'none'}` : null,
    ].filter(Boolean);
    return parts.length > 0 ? `; ${parts.join(', ')}` : '';
  };
  const span = (sec: number): string => (sec % 86_400 === 0 ? `${sec / 86_400}d` : sec % 3600 === 0 ? `${sec / 3600}h` : `${sec}s`);
  if (m.prometheus) {
    const p = m.prometheus;
    const match = Object.entries(p.match).map(([k, v]) => `${k}="${v}"`).join(',');
    rows.push({ key: 'prometheus_url', value: `${p.url} {${match}} last ${span(p.rangeSeconds)}${auth(p.username, p.passwordEnv, p.tokenEnv)}`, origin: o('metrics.prometheus') });
  }
  if (m.influxdb) {
    const i = m.influxdb;
    const where = i.version === 2 ? `v2 org ${i.org} bucket ${i.bucket}` : `v1 database ${i.database}`;
    rows.push({ key: 'influxdb_url', value: `${i.url} ${where} ${i.hostTag}=${i.hostValue}, ${span(i.historySeconds)} every ${span(i.intervalSeconds)}${auth(i.username, i.passwordEnv, i.tokenEnv, i.version === 2)}`, origin: o('metrics.influxdb') });
  }
  if (m.glances) {
    rows.push({ key: 'glances_url', value: `${m.glances.url} (API ${m.glances.api})${auth(m.glances.username, m.glances.passwordEnv, null)}`, origin: o('metrics.glances') });
  }
  if (m.allowInsecureHttp) rows.push({ key: 'allow_insecure_http', value: 'true (WARNING: plain http allowed)', origin: o('allowInsecureHttp') });
  if (m.caFile) rows.push({ key: 'metrics.ca_file', value: m.caFile, origin: o('metrics.caFile') });
  if (m.queries.length > 0) rows.push({ key: 'metrics.queries', value: list(m.queries.map((q) => `${q.name} (${q.source})`)), origin: o('metrics.queries') });
  return rows;
}

/** Aligned `  key  value  from` lines: plain text, so 500 hosts stay readable and greppable. */
function settingsText(rows: readonly SettingRow[]): string {
  const keyWidth = Math.max(...rows.map((r) => r.key.length));
  const valueWidth = Math.min(48, Math.max(...rows.map((r) => r.value.length)));
  return rows.map((r) => `  ${r.key.padEnd(keyWidth)}  ${r.value.padEnd(valueWidth)}  ${r.origin}`).join('\n');
}

function target(h: ResolvedHost): string {
  const base = h.transport === 'local' ? 'local' : `${h.user}@${h.hostname}:${h.port}`;
  // Shown: sudo makes the collector root on the host, which an operator checking a config should see.
  return h.sudo ? `${base} (sudo)` : base;
}

function selectHosts(loaded: LoadedConfig, names: readonly string[]): ResolvedHost[] {
  if (names.length === 0) return loaded.hosts;
  const known = new Set(loaded.hosts.map((h) => h.name));
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length > 0) throw new UsageError(`--host ${unknown.join(', ')}: not in ${loaded.path} (hosts: ${[...known].slice(0, 10).join(', ') || 'none'})`);
  return loaded.hosts.filter((h) => names.includes(h.name));
}

function unresolvedLines(loaded: LoadedConfig): string[] {
  return loaded.unresolved.map((u) => `${loaded.path}:${u.line}:${u.col} ${u.path}: ${u.names.map((n) => `\${${n}}`).join(', ')} not set`);
}

/**
 * `dthostmon config`: the config after `${VAR}` substitution and defaults (secrets masked), every host's resolved
 * settings with the level each came from, and the `${VAR}` left unset. Exit 2 when a variable is unset: `run`
 * would refuse this config.
 */
export async function config(options: ConfigOptions): Promise<number> {
  const out = createOutput(options);
  const path = findConfigPath(options.config, options.io.env, options.io.cwd);
  const loaded = await loadConfig(path, { env: options.io.env, unresolved: 'collect' });
  const selected = selectHosts(loaded, options.hosts);
  const scrub = (text: string): string => (options.showSecrets ? text : redactText(text, loaded.secrets));
  const storeText = loaded.store.dialect === 'sqlite' ? `sqlite ${loaded.store.path}` : `postgres ${loaded.store.display}`;
  const unresolved = unresolvedLines(loaded);
  const code = unresolved.length > 0 ? EXIT.usage : EXIT.ok;

  if (options.json) {
    const hosts = selected.map((h) => ({
      name: h.name,
      site: h.site,
      enabled: h.enabled,
      transport: h.transport,
      target: target(h),
      sudo: h.sudo === true,
      rootfs: h.rootfs,
      logs: h.logs,
      tags: h.tags,
      settings: hostSettings(h, loaded.credentials),
      origin: h.origin,
    }));
    const document = maskSecrets(loaded.document, { showSecrets: options.showSecrets });
    const body = { path: loaded.path, store: storeText, warnings: [...loaded.warnings, ...loaded.reviewNotes], unresolved: loaded.unresolved, hosts, document };
    out.out(scrub(JSON.stringify(body, null, 2)));
    return code;
  }

  const rule = '='.repeat(70);
  if (options.hosts.length === 0) {
    out.out(`# ${rule}\n# dthostmon configuration: ${loaded.path}\n# ${rule}`);
    out.out(scrub(stringify(maskSecrets(loaded.document, { showSecrets: options.showSecrets }), { lineWidth: 0 })));
    const table = new Table({ head: ['Host', 'Site', 'Enabled', 'Target', 'Logs', 'Tags'], style: { head: [], border: [], compact: true } });
    for (const h of selected) table.push([h.name, h.site ?? '-', h.enabled ? 'yes' : 'no', target(h), String(h.logs.length), h.tags.join(', ')]);
    out.out(scrub(table.toString()));
  }
  out.out('\nResolved host settings (from: host, site, global, or the default)');
  for (const h of selected) {
    out.out(`\n${h.name}${h.site ? ` (site ${h.site})` : ''}${h.enabled ? '' : ' [disabled]'}`);
    out.out(scrub(settingsText(hostSettings(h, loaded.credentials))));
  }
  out.out(`\nStore: ${scrub(storeText)}`);
  out.out(`Monitored hosts: ${loaded.hosts.filter((h) => h.enabled).length} of ${loaded.hosts.length}`);
  for (const w of [...loaded.warnings, ...loaded.reviewNotes]) out.err(`warning: ${scrub(w)}`);
  if (unresolved.length > 0) {
    out.err(`unresolved variables (set them, add them to ${loaded.dir}/.env, or write \${NAME:-default}); \`dthostmon run\` refuses this config until then:`);
    for (const line of unresolved) out.err(`  ${line}`);
  }
  return code;
}

/** `dthostmon config validate`: the config as `run` would load it; every problem located; exit 0 or 2. */
export async function configValidate(options: GlobalOptions): Promise<number> {
  const out = createOutput(options);
  const path = findConfigPath(options.config, options.io.env, options.io.cwd);
  try {
    const loaded = await loadConfig(path, { env: options.io.env });
    const enabled = loaded.hosts.filter((h) => h.enabled).length;
    if (options.json) {
      out.out(JSON.stringify({ valid: true, path: loaded.path, hosts: loaded.hosts.length, enabled, errors: [], warnings: [...loaded.warnings, ...loaded.reviewNotes] }, null, 2));
    } else {
      const warnings = [...loaded.warnings, ...loaded.reviewNotes];
      for (const w of warnings) out.err(`warning: ${w}`);
      out.out(`${loaded.path}: valid (${loaded.hosts.length} hosts, ${enabled} enabled${warnings.length > 0 ? `, ${warnings.length} warnings` : ''})`);
    }
    return EXIT.ok;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    if (options.json) {
      out.out(JSON.stringify({ valid: false, path, errors: err.problems, warnings: [] }, null, 2));
    } else {
      for (const p of err.problems) out.err(p.file ? formatProblem(p) : p.message);
      out.err(`${path}: ${err.problems.length} ${err.problems.length === 1 ? 'error' : 'errors'}`);
    }
    return EXIT.usage;
  }
}

export interface SchemaOptions extends GlobalOptions {
  out?: string;
}

/** `dthostmon config schema`: the JSON Schema of dthostmon.yaml, for editors (yaml-language-server). */
export async function configSchemaCommand(options: SchemaOptions): Promise<number> {
  const text = `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
  if (options.out === undefined || options.out === '-') {
    options.io.stdout.write(text);
    return EXIT.ok;
  }
  try {
    await writeFile(options.out, text);
  } catch (err) {
    throw new UsageError(`--out ${options.out}: cannot write: ${errorMessage(err)}`);
  }
  if (!options.quiet) options.io.stderr.write(`wrote ${options.out}\n`);
  return EXIT.ok;
}
