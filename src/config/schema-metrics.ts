/**
 * Metrics sources (issue #8), inheritable global -> site -> host: the PRD's keys (`prometheus_url`, `influxdb_url`,
 * `influxdb_database` or `influxdb_org` + `influxdb_bucket`, `glances_port` / `glances_url`, `allow_insecure_http`)
 * and a `metrics:` block for matchers, field names, timeouts and custom queries. resolve-metrics.ts merges the
 * levels key by key. Tokens and passwords are never config values: `*_env` keys name the variables that hold them.
 */
import { z } from 'zod';
import { describeValue } from './config-path.js';
import { boolean, duration, integer, nonEmptyText, oneOf, patternText, seconds, text } from './schema-primitives.js';

const URL_PATTERN = /^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/i;

function sourceUrl(example: string) {
  return patternText(URL_PATTERN, `expected an http(s) URL without query such as ${example}`);
}

const envName = () => patternText(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name such as INFLUXDB_TOKEN');
const identifier = () => nonEmptyText();

/** A number (decimal or negative allowed); numeric text is accepted. */
function threshold() {
  const error = (issue: { input?: unknown }) => `expected a number, got ${describeValue(issue.input)}`;
  return z.preprocess((v) => (typeof v === 'string' && /^\s*-?\d+(\.\d+)?([eE][-+]?\d+)?\s*$/.test(v) ? Number(v) : v), z.number({ error }).finite({ error }));
}

const prometheusSchema = z
  .strictObject({
    match: z
      .record(
        z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, { error: 'expected a Prometheus label name such as instance' }),
        text(),
        { error: (issue) => `expected a map of label: value such as {instance: "$hostname:9100"}, got ${describeValue(issue.input)}` },
      )
      .optional()
      .describe('Label matchers that select the host\'s node_exporter series; values may use $name, $hostname, $site. Default {instance: "$hostname:9100"}.'),
    range: duration(60).optional().describe('History read per pass with query_range ("1h"). Default 1h.'),
    step: duration(1).optional().describe('Resolution of that history. Default 60s.'),
    timeout: seconds().optional().describe('Seconds per request. Default 30.'),
    username: text().optional().describe('Basic auth user (behind a proxy); the password is read from password_env.'),
    password_env: envName().optional().describe('Variable holding the basic auth password. Default PROMETHEUS_PASSWORD.'),
    token_env: envName().optional().describe('Variable holding a bearer token (sent when set). Default PROMETHEUS_TOKEN.'),
  })
  .describe('How the host\'s series are found on prometheus_url.');

const influxField = (measurement: string, field: string) =>
  z.strictObject({
    measurement: identifier().optional().describe(`Measurement. Default ${measurement}.`),
    field: identifier().optional().describe(`Field. Default ${field}.`),
  });

const influxdbSchema = z
  .strictObject({
    history: duration(3600).optional().describe('History read per pass ("7d"), for trends. Default 7d.'),
    interval: duration(60).optional().describe('Downsampling: the mean per interval. Default 1h.'),
    timeout: seconds().optional().describe('Seconds per request. Default 30.'),
    host_tag: identifier().optional().describe('Tag naming the host (Telegraf: host). Default host.'),
    host: text().optional().describe('Its value for this host; may use $name, $hostname, $site. Default $hostname.'),
    retention_policy: identifier().optional().describe('v1 retention policy. Default the database\'s default.'),
    username: text().optional().describe('v1 user; the password is read from password_env.'),
    password_env: envName().optional().describe('Variable holding the v1 password. Default INFLUXDB_PASSWORD.'),
    token_env: envName().optional().describe('Variable holding the v2 token (v1: sent instead of user/password when set). Default INFLUXDB_TOKEN.'),
    cpu: influxField('cpu', 'usage_idle')
      .extend({
        idle: boolean().optional().describe('The field is idle percent (used = 100 - field). Default true.'),
        tag: identifier().nullable().optional().describe('Tag selecting the all-CPU series; null for none. Default cpu.'),
        tag_value: text().optional().describe('Its value. Default cpu-total.'),
      })
      .optional()
      .describe('CPU series (Telegraf: cpu usage_idle, cpu=cpu-total).'),
    memory: influxField('mem', 'used_percent').optional().describe('Memory used percent (Telegraf: mem used_percent).'),
    disk: influxField('disk', 'used_percent')
      .extend({ path_tag: identifier().optional().describe('Tag holding the mount point. Default path.') })
      .optional()
      .describe('Disk used percent per mount (Telegraf: disk used_percent by path).'),
    load: influxField('system', 'load1').optional().describe('1-minute load (Telegraf: system load1).'),
  })
  .describe('Field names and history of influxdb_url (Telegraf\'s default schema unless overridden).');

const glancesSchema = z
  .strictObject({
    api: oneOf(['auto', '3', '4'] as const).optional().describe('REST API version; auto tries v4, then v3. Default auto.'),
    timeout: seconds().optional().describe('Seconds per request. Default 5.'),
    username: text().optional().describe('Basic auth user (glances --password); the password is read from password_env.'),
    password_env: envName().optional().describe('Variable holding the password. Default GLANCES_PASSWORD.'),
  })
  .describe('How Glances is read (glances_url or glances_port).');

export const customQuerySchema = z
  .strictObject({
    name: patternText(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'expected a name of letters, digits, ".", "_" or "-"').describe('Name shown in findings and reports; a lower level overrides the keys it sets of a query of the same name.'),
    query: nonEmptyText()
      .optional()
      .describe('PromQL (source prometheus) or InfluxQL / Flux (source influxdb). $match, $name, $hostname and $site are replaced. Required unless a higher level defines the query.'),
    source: oneOf(['prometheus', 'influxdb'] as const).optional().describe('Where the query runs. Default prometheus.'),
    unit: text().optional().describe('Unit shown with the value ("%", "req/s").'),
    warn: threshold().optional().describe('A value at or above this is a warn metric.threshold finding.'),
    crit: threshold().optional().describe('A value at or above this is a crit metric.threshold finding.'),
    below: boolean().optional().describe('warn and crit are lower bounds: a value at or below them is the finding. Default false.'),
    enabled: boolean().optional().describe('false removes an inherited query of this name. Default true.'),
  })
  .describe('A custom query: its value goes to the host report and the LLM input, and crossing warn/crit is a finding.');

export const metricsBlockSchema = z
  .strictObject({
    ca_file: text().optional().describe('PEM file of a CA trusted for the sources\' HTTPS besides the system store (relative to the config).'),
    prometheus: prometheusSchema.optional(),
    influxdb: influxdbSchema.optional(),
    glances: glancesSchema.optional(),
    queries: z
      .array(customQuerySchema, { error: (issue) => `expected a list of {name, query, warn, crit}, got ${describeValue(issue.input)}` })
      .optional()
      .describe('Custom queries (global + site + host, merged by name: a lower level overrides the keys it sets).'),
  })
  .describe('Settings of the metrics sources; each key inherits separately (global -> site -> host).');

export const metricsShape = {
  prometheus_url: sourceUrl('https://prometheus.example:9090')
    .nullable()
    .optional()
    .describe('Prometheus server to read the host\'s node_exporter series and custom queries from; null turns an inherited one off.'),
  influxdb_url: sourceUrl('https://influx.example:8086')
    .nullable()
    .optional()
    .describe('InfluxDB server (Telegraf data); needs influxdb_database (v1) or influxdb_org + influxdb_bucket (v2); null turns it off.'),
  influxdb_database: identifier().optional().describe('InfluxDB 1.x database (InfluxQL).'),
  influxdb_org: identifier().optional().describe('InfluxDB 2.x organization (Flux); with influxdb_bucket.'),
  influxdb_bucket: identifier().optional().describe('InfluxDB 2.x bucket (Flux); with influxdb_org.'),
  glances_port: integer(1, 65535)
    .nullable()
    .optional()
    .describe('Glances REST port on the host\'s address (http://<hostname>:<port>; needs allow_insecure_http); null turns it off.'),
  glances_url: sourceUrl('https://web-01.example:61208')
    .nullable()
    .optional()
    .describe('Glances REST base URL (wins over glances_port); null turns it off.'),
  allow_insecure_http: boolean()
    .optional()
    .describe('Allow plain http:// metrics sources (values and credentials travel unencrypted; dthostmon config warns). Default false.'),
  metrics: metricsBlockSchema.optional(),
};

export type MetricsBlock = z.output<typeof metricsBlockSchema>;
export type CustomQueryEntry = z.output<typeof customQuerySchema>;
