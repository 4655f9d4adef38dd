/**
 * The metrics sources a host can have besides SSH (issue #8): Prometheus (node_exporter series and custom PromQL),
 * InfluxDB (v1 InfluxQL, v2 Flux; Telegraf's schema) and Glances (REST API v3/v4). What a source client returns is
 * plain data: a source that is down is a result with `status: 'failed'`, never a throw.
 */

export type MetricSourceKind = 'prometheus' | 'influxdb' | 'glances';

export const METRIC_SOURCE_KINDS: readonly MetricSourceKind[] = ['prometheus', 'influxdb', 'glances'];

/** One sample: epoch seconds and value. */
export interface MetricPoint {
  t: number;
  v: number;
}

/**
 * The standard series names every source maps its own onto, so analysis and reports compare them with the SSH facts:
 * `cpu.used_percent`, `memory.used_percent`, `load.1`, `disk.used_percent` (label: mount point),
 * `disk.avail_bytes`, `disk.size_bytes` (label: mount point), `net.rx_bytes_per_second`, `net.tx_bytes_per_second`
 * (label: interface; `''` for all interfaces summed), `swap.used_percent`.
 */
export type StandardMetric =
  | 'cpu.used_percent'
  | 'memory.used_percent'
  | 'swap.used_percent'
  | 'load.1'
  | 'disk.used_percent'
  | 'disk.avail_bytes'
  | 'disk.size_bytes'
  | 'net.rx_bytes_per_second'
  | 'net.tx_bytes_per_second';

export interface MetricSeries {
  name: StandardMetric;
  /** Mount point for disk series, interface for network series, `''` otherwise. */
  label: string;
  /** Oldest first. A pass-time source (Glances) has one point. */
  points: MetricPoint[];
}

/** One configured custom query (`metrics.queries[]`), resolved for a host. */
export interface CustomQuery {
  name: string;
  /** As configured, placeholders (`$match`, `$name`, `$hostname`, `$site`) not yet expanded. */
  query: string;
  source: 'prometheus' | 'influxdb';
  unit: string | null;
  warn: number | null;
  crit: number | null;
  /** Thresholds are lower bounds (a value BELOW warn/crit is bad) instead of upper bounds. */
  below: boolean;
}

/** The value(s) a custom query returned: one per series (a scalar result is one value with no labels). */
export interface QueryResult {
  name: string;
  /** The query as sent (placeholders expanded). */
  query: string;
  unit: string | null;
  warn: number | null;
  crit: number | null;
  below: boolean;
  values: Array<{ labels: Record<string, string>; value: number }>;
  /** The query itself failed (bad PromQL, no such measurement) while the source answered: one line. */
  error: string | null;
}

/** A container as Glances sees it at pass time. */
export interface ContainerMetric {
  name: string;
  status: string;
  cpuPercent: number | null;
  memoryBytes: number | null;
}

export interface MetricSourceResult {
  source: MetricSourceKind;
  /** The base URL, credentials removed. */
  url: string;
  status: 'ok' | 'failed';
  /** One line when failed (`timed out after 5 s`, `HTTP 401 Unauthorized`, `connection refused`); else null. */
  error: string | null;
  /** What was asked, for the report: `instance="web-01:9100"`, `InfluxQL db=telegraf host=web-01`, `API v4`. */
  detail: string;
  durationMs: number;
  /** Seconds of history the series cover (0 for a pass-time source). */
  windowSeconds: number;
  series: MetricSeries[];
  queries: QueryResult[];
  /** Glances only. */
  containers?: ContainerMetric[];
}

/** `metrics` settings of one host, resolved global -> site -> host. Tokens and passwords are env variable NAMES. */
export interface PrometheusSettings {
  url: string;
  /** Label matchers selecting the host's node_exporter series (`{instance: 'web-01:9100'}`), placeholders expanded. */
  match: Record<string, string>;
  rangeSeconds: number;
  stepSeconds: number;
  timeoutMs: number;
  /** Env variable holding a bearer token, or null. */
  tokenEnv: string | null;
  /** Basic auth user (password from `passwordEnv`), or null. */
  username: string | null;
  passwordEnv: string | null;
}

export interface InfluxField {
  measurement: string;
  field: string;
}

export interface InfluxSettings {
  url: string;
  version: 1 | 2;
  /** v1 */
  database: string | null;
  /** v1 retention policy, or null for the default. */
  retentionPolicy: string | null;
  username: string | null;
  passwordEnv: string | null;
  /** v2 */
  org: string | null;
  bucket: string | null;
  tokenEnv: string | null;
  historySeconds: number;
  intervalSeconds: number;
  timeoutMs: number;
  /** The tag naming the host (Telegraf: `host`) and its value for this host (placeholders expanded). */
  hostTag: string;
  hostValue: string;
  /** cpu: the field is idle percent when `idle` (Telegraf's usage_idle), used percent otherwise. */
  cpu: InfluxField & { idle: boolean; cpuTag: string | null; cpuValue: string | null };
  memory: InfluxField;
  /** disk: used percent per `pathTag` value. */
  disk: InfluxField & { pathTag: string };
  load: InfluxField;
}

export interface GlancesSettings {
  url: string;
  /** `auto` tries v4 then v3. */
  api: 'auto' | 3 | 4;
  timeoutMs: number;
  username: string | null;
  passwordEnv: string | null;
}

export interface HostMetricsSettings {
  allowInsecureHttp: boolean;
  /** Absolute path of an extra CA bundle (PEM), trusted besides the system store; or null. */
  caFile: string | null;
  prometheus: PrometheusSettings | null;
  influxdb: InfluxSettings | null;
  glances: GlancesSettings | null;
  queries: CustomQuery[];
}
