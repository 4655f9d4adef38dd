/**
 * Resolves the metrics sources of one host (schema-metrics.ts) global -> site -> host, key by key, and checks what
 * the schema cannot: an InfluxDB needs a database (v1) or an org and a bucket (v2), and a plain http:// source needs
 * `allow_insecure_http: true`. Placeholders in matcher values (`$name`, `$hostname`, `$site`) are expanded here;
 * those of custom queries at collection time, where `$match` is known.
 */
import type { CustomQuery, HostMetricsSettings, InfluxSettings } from '../collect/metrics/types.js';
import { expandPlaceholders } from '../collect/metrics/context.js';
import type { Origin } from '../types.js';
import type { PathSegment } from './config-path.js';
import type { CustomQueryEntry, MetricsBlock } from './schema-metrics.js';
import { resolveConfigPath } from './paths.js';

/** The metrics keys of one level (global, a site or a host), as validated. */
export interface MetricsLevel {
  prometheus_url?: string | null | undefined;
  influxdb_url?: string | null | undefined;
  influxdb_database?: string | undefined;
  influxdb_org?: string | undefined;
  influxdb_bucket?: string | undefined;
  glances_port?: number | null | undefined;
  glances_url?: string | null | undefined;
  allow_insecure_http?: boolean | undefined;
  metrics?: MetricsBlock | undefined;
}

/** Defaults (documented in docs/metrics.md and the schema descriptions). */
export const METRICS_DEFAULTS = {
  prometheus: { match: { instance: '$hostname:9100' }, rangeSeconds: 3600, stepSeconds: 60, timeoutSeconds: 30, passwordEnv: 'PROMETHEUS_PASSWORD', tokenEnv: 'PROMETHEUS_TOKEN' },
  influxdb: {
    historySeconds: 7 * 86_400,
    intervalSeconds: 3600,
    timeoutSeconds: 30,
    hostTag: 'host',
    host: '$hostname',
    passwordEnv: 'INFLUXDB_PASSWORD',
    tokenEnv: 'INFLUXDB_TOKEN',
  },
  glances: { timeoutSeconds: 5, passwordEnv: 'GLANCES_PASSWORD' },
} as const;

const LEVEL_NAMES: Origin[] = ['host', 'site', 'global'];

type Levels = readonly [MetricsLevel, MetricsLevel, MetricsLevel];

/** The first level that sets `get`, and which one. */
function first<T>(levels: Levels, get: (l: MetricsLevel) => T | undefined): { value: T | undefined; level: number } {
  for (const [i, level] of levels.entries()) {
    const value = get(level);
    if (value !== undefined) return { value, level: i };
  }
  return { value: undefined, level: -1 };
}

function pick<T>(levels: Levels, get: (l: MetricsLevel) => T | undefined, fallback: T): T {
  const { value } = first(levels, get);
  return value === undefined ? fallback : value;
}

/** `metrics.queries` of every level merged by name, key by key (the lowest level wins); with where each was last set. */
function mergedQueries(levels: Levels): Map<string, { entry: CustomQueryEntry; level: number; index: number }> {
  const byName = new Map<string, { entry: CustomQueryEntry; level: number; index: number }>();
  for (let level = levels.length - 1; level >= 0; level -= 1) {
    (levels[level]?.metrics?.queries ?? []).forEach((q, index) => {
      const before = byName.get(q.name)?.entry;
      const defined = Object.fromEntries(Object.entries(q).filter(([, v]) => v !== undefined)) as CustomQueryEntry;
      byName.set(q.name, { entry: { ...before, ...defined }, level, index });
    });
  }
  return byName;
}

/** The enabled queries of a host, merged by name; `enabled: false` removes one. */
function resolveQueries(levels: Levels): CustomQuery[] {
  return [...mergedQueries(levels).values()]
    .map((m) => m.entry)
    .filter((q): q is CustomQueryEntry & { query: string } => q.enabled !== false && typeof q.query === 'string')
    .map((q) => ({
      name: q.name,
      query: q.query,
      source: q.source ?? 'prometheus',
      unit: q.unit ?? null,
      warn: q.warn ?? null,
      crit: q.crit ?? null,
      below: q.below ?? false,
    }));
}

export interface HostIdentity {
  name: string;
  hostname: string;
  site: string | null;
}

function vars(host: HostIdentity): Record<string, string> {
  return { name: host.name, hostname: host.hostname, site: host.site ?? '' };
}

function resolveInflux(levels: Levels, url: string, host: HostIdentity): InfluxSettings {
  const m = (l: MetricsLevel) => l.metrics?.influxdb;
  const d = METRICS_DEFAULTS.influxdb;
  const database = pick(levels, (l) => l.influxdb_database, null as string | null);
  const org = pick(levels, (l) => l.influxdb_org, null as string | null);
  const bucket = pick(levels, (l) => l.influxdb_bucket, null as string | null);
  return {
    url,
    version: org !== null && bucket !== null ? 2 : 1,
    database,
    retentionPolicy: pick(levels, (l) => m(l)?.retention_policy, null as string | null),
    username: pick(levels, (l) => m(l)?.username, null as string | null),
    passwordEnv: pick(levels, (l) => m(l)?.password_env, d.passwordEnv as string),
    org,
    bucket,
    tokenEnv: pick(levels, (l) => m(l)?.token_env, d.tokenEnv as string),
    historySeconds: pick(levels, (l) => m(l)?.history, d.historySeconds as number),
    intervalSeconds: pick(levels, (l) => m(l)?.interval, d.intervalSeconds as number),
    timeoutMs: Math.round(pick(levels, (l) => m(l)?.timeout, d.timeoutSeconds as number) * 1000),
    hostTag: pick(levels, (l) => m(l)?.host_tag, d.hostTag as string),
    hostValue: expandPlaceholders(pick(levels, (l) => m(l)?.host, d.host as string), vars(host)),
    cpu: {
      measurement: pick(levels, (l) => m(l)?.cpu?.measurement, 'cpu'),
      field: pick(levels, (l) => m(l)?.cpu?.field, 'usage_idle'),
      idle: pick(levels, (l) => m(l)?.cpu?.idle, true),
      cpuTag: pick(levels, (l) => m(l)?.cpu?.tag, 'cpu' as string | null),
      cpuValue: pick(levels, (l) => m(l)?.cpu?.tag_value, 'cpu-total' as string | null),
    },
    memory: { measurement: pick(levels, (l) => m(l)?.memory?.measurement, 'mem'), field: pick(levels, (l) => m(l)?.memory?.field, 'used_percent') },
    disk: {
      measurement: pick(levels, (l) => m(l)?.disk?.measurement, 'disk'),
      field: pick(levels, (l) => m(l)?.disk?.field, 'used_percent'),
      pathTag: pick(levels, (l) => m(l)?.disk?.path_tag, 'path'),
    },
    load: { measurement: pick(levels, (l) => m(l)?.load?.measurement, 'system'), field: pick(levels, (l) => m(l)?.load?.field, 'load1') },
  };
}

/** Which of glances_url and glances_port applies: the one set at the lower level; glances_url on a tie. */
function glancesChoice(levels: Levels): { kind: 'url' | 'port'; level: number; value: string | number | null } | null {
  const url = first(levels, (l) => l.glances_url);
  const port = first(levels, (l) => l.glances_port);
  if (url.level === -1 && port.level === -1) return null;
  const useUrl = port.level === -1 || (url.level !== -1 && url.level <= port.level);
  return useUrl ? { kind: 'url', level: url.level, value: url.value ?? null } : { kind: 'port', level: port.level, value: port.value ?? null };
}

/** The base URL of Glances: glances_url, or http://<hostname>:<glances_port>; null when off. */
function glancesUrl(levels: Levels, host: HostIdentity): string | null {
  const choice = glancesChoice(levels);
  if (!choice || choice.value === null) return null;
  if (choice.kind === 'url') return String(choice.value);
  const address = host.hostname.includes(':') && !host.hostname.startsWith('[') ? `[${host.hostname}]` : host.hostname;
  return `http://${address}:${choice.value}`;
}

/**
 * The host's metrics settings, or null when it has no source and no query. `origin` gets `metrics.<source>` for
 * `dthostmon config`.
 */
export function resolveMetrics(
  levels: Levels,
  host: HostIdentity,
  configDir: string,
  homeDir: string,
  origin: Record<string, Origin>,
): HostMetricsSettings | null {
  const prom = first(levels, (l) => l.prometheus_url);
  const influx = first(levels, (l) => l.influxdb_url);
  const glances = glancesUrl(levels, host);
  const queries = resolveQueries(levels);
  if (!prom.value && !influx.value && !glances && queries.length === 0) return null;
  const p = (l: MetricsLevel) => l.metrics?.prometheus;
  const g = (l: MetricsLevel) => l.metrics?.glances;
  const pd = METRICS_DEFAULTS.prometheus;
  const caFile = pick(levels, (l) => l.metrics?.ca_file, null as string | null);
  const from = (level: number): Origin => (level === -1 ? 'default' : (LEVEL_NAMES[level] as Origin));
  origin['metrics.prometheus'] = from(prom.level);
  origin['metrics.influxdb'] = from(influx.level);
  origin['metrics.glances'] = from(glancesChoice(levels)?.level ?? -1);
  origin.allowInsecureHttp = from(first(levels, (l) => l.allow_insecure_http).level);
  origin['metrics.caFile'] = from(first(levels, (l) => l.metrics?.ca_file).level);
  origin['metrics.queries'] = from(levels.findIndex((l) => (l.metrics?.queries ?? []).length > 0));
  const match = pick(levels, (l) => p(l)?.match, pd.match as Record<string, string>);
  return {
    allowInsecureHttp: pick(levels, (l) => l.allow_insecure_http, false),
    caFile: caFile === null ? null : resolveConfigPath(configDir, caFile, homeDir),
    prometheus: prom.value
      ? {
          url: prom.value,
          match: Object.fromEntries(Object.entries(match).map(([k, v]) => [k, expandPlaceholders(v, vars(host))])),
          rangeSeconds: pick(levels, (l) => p(l)?.range, pd.rangeSeconds as number),
          stepSeconds: pick(levels, (l) => p(l)?.step, pd.stepSeconds as number),
          timeoutMs: Math.round(pick(levels, (l) => p(l)?.timeout, pd.timeoutSeconds as number) * 1000),
          tokenEnv: pick(levels, (l) => p(l)?.token_env, pd.tokenEnv as string),
          username: pick(levels, (l) => p(l)?.username, null as string | null),
          passwordEnv: pick(levels, (l) => p(l)?.password_env, pd.passwordEnv as string),
        }
      : null,
    influxdb: influx.value ? resolveInflux(levels, influx.value, host) : null,
    glances: glances
      ? {
          url: glances,
          api: ((): 'auto' | 3 | 4 => {
            const api = pick(levels, (l) => g(l)?.api, 'auto');
            return api === 'auto' ? 'auto' : (Number(api) as 3 | 4);
          })(),
          timeoutMs: Math.round(pick(levels, (l) => g(l)?.timeout, METRICS_DEFAULTS.glances.timeoutSeconds as number) * 1000),
          username: pick(levels, (l) => g(l)?.username, null as string | null),
          passwordEnv: pick(levels, (l) => g(l)?.password_env, METRICS_DEFAULTS.glances.passwordEnv as string),
        }
      : null,
    queries,
  };
}

/** The variables a host's sources read credentials from (to mask their values everywhere). */
export function credentialVariables(settings: HostMetricsSettings | null | undefined): string[] {
  if (!settings) return [];
  const names = [
    settings.prometheus?.tokenEnv,
    settings.prometheus?.username ? settings.prometheus.passwordEnv : null,
    settings.influxdb?.tokenEnv,
    settings.influxdb?.username ? settings.influxdb.passwordEnv : null,
    settings.glances?.username ? settings.glances.passwordEnv : null,
  ];
  return [...new Set(names.filter((n): n is string => typeof n === 'string' && n !== ''))];
}

export interface MetricsProblem {
  path: PathSegment[];
  message: string;
}

/**
 * What the schema cannot check, per host over its three levels (paths point at the level that set the key):
 * an InfluxDB without its database or org + bucket, and plain http:// without allow_insecure_http. Also one warning
 * per level that allows plain http.
 */
export function checkMetrics(
  hosts: ReadonlyArray<{ entry: MetricsLevel; path: PathSegment[]; site: { entry: MetricsLevel; path: PathSegment[] } | null }>,
  global: MetricsLevel,
): { errors: MetricsProblem[]; warnings: MetricsProblem[] } {
  const errors = new Map<string, MetricsProblem>();
  const warnings = new Map<string, MetricsProblem>();
  const add = (into: Map<string, MetricsProblem>, path: PathSegment[], message: string): void => {
    const id = path.join('.');
    if (!into.has(id)) into.set(id, { path, message });
  };
  const allows = (entry: MetricsLevel, path: PathSegment[]): void => {
    if (entry.allow_insecure_http === true) {
      add(warnings, [...path, 'allow_insecure_http'], 'plain http:// metrics sources are allowed here: their values and credentials cross the network unencrypted');
    }
  };
  allows(global, ['global']);
  for (const host of hosts) {
    const levelPaths = [host.path, host.site?.path ?? null, ['global'] as PathSegment[]];
    const levels: Levels = [host.entry, host.site?.entry ?? {}, global];
    if (host.site) allows(host.site.entry, host.site.path);
    allows(host.entry, host.path);
    const at = (level: number, key: string): PathSegment[] => [...(levelPaths[level] ?? ['global']), key];
    const insecure = pick(levels, (l) => l.allow_insecure_http, false);
    for (const key of ['prometheus_url', 'influxdb_url'] as const) {
      const { value, level } = first(levels, (l) => l[key]);
      if (typeof value === 'string' && /^http:/i.test(value) && !insecure) {
        add(errors, at(level, key), 'plain http:// needs allow_insecure_http: true (values and credentials would cross the network unencrypted); use https://');
      }
    }
    const glances = glancesChoice(levels);
    if (glances?.kind === 'port' && typeof glances.value === 'number' && !insecure) {
      add(errors, at(glances.level, 'glances_port'), 'glances_port reads http://<hostname>:<port>, which needs allow_insecure_http: true; or give an https glances_url');
    }
    if (glances?.kind === 'url' && typeof glances.value === 'string' && /^http:/i.test(glances.value) && !insecure) {
      add(errors, at(glances.level, 'glances_url'), 'plain http:// needs allow_insecure_http: true (values and credentials would cross the network unencrypted); use https://');
    }
    for (const [name, m] of mergedQueries(levels)) {
      if (m.entry.enabled !== false && m.entry.query === undefined) {
        add(errors, [...(levelPaths[m.level] ?? ['global']), 'metrics', 'queries', m.index], `query ${name} has no query text at any level (write query:, or enabled: false to remove it)`);
      }
    }
    const influx = first(levels, (l) => l.influxdb_url);
    if (typeof influx.value === 'string') {
      const db = first(levels, (l) => l.influxdb_database).value;
      const org = first(levels, (l) => l.influxdb_org);
      const bucket = first(levels, (l) => l.influxdb_bucket);
      if (org.value !== undefined && bucket.value === undefined) add(errors, at(org.level, 'influxdb_org'), 'influxdb_org needs influxdb_bucket (InfluxDB 2)');
      else if (bucket.value !== undefined && org.value === undefined) add(errors, at(bucket.level, 'influxdb_bucket'), 'influxdb_bucket needs influxdb_org (InfluxDB 2)');
      else if (db === undefined && org.value === undefined) {
        add(errors, at(influx.level, 'influxdb_url'), 'influxdb_url needs influxdb_database (InfluxDB 1.x) or influxdb_org + influxdb_bucket (InfluxDB 2)');
      }
    }
  }
  return { errors: [...errors.values()], warnings: [...warnings.values()] };
}
