import { join } from 'node:path';
import { cli } from '../../helpers/cli-in-process.js';
import { tempDir, writeFile } from '../../helpers/cli.js';
import { loadConfigText } from '../../../src/config/load.js';
import { ConfigError } from '../../../src/config/../errors.js';
import { hostSettings } from '../../../src/cli/commands/config.js';
import type { ResolvedHost } from '../../../src/types.js';

const FILE = '/etc/dthostmon/dthostmon.yaml';

function load(yaml: string, env: Record<string, string> = {}) {
  return loadConfigText(yaml, FILE, { env, homeDir: '/home/t' });
}

function problems(yaml: string, env: Record<string, string> = {}): string[] {
  try {
    load(yaml, env);
  } catch (err) {
    if (err instanceof ConfigError) return err.message.split('\n');
    throw err;
  }
  throw new Error('expected a ConfigError');
}

function host(hosts: readonly ResolvedHost[], name: string): ResolvedHost {
  const found = hosts.find((h) => h.name === name);
  if (!found) throw new Error(`no host ${name}`);
  return found;
}

const FLEET = `
global:
  prometheus_url: https://prom.example:9090
  metrics:
    prometheus:
      range: 2h
      step: 30s
    queries:
      - name: http_5xx
        query: 'sum(rate(http_requests_total{$match,code=~"5.."}[5m]))'
        unit: req/s
        warn: 1
        crit: 5
      - name: free_inodes
        query: 'min(node_filesystem_files_free{$match})'
        below: true
        warn: 10000
sites:
  s01:
    influxdb_url: https://influx.example:8086
    influxdb_database: telegraf
    metrics:
      influxdb:
        history: 3d
        host: "$name"
      queries:
        - name: free_inodes
          enabled: false
hosts:
  - name: web-01
    hostname: web-01.example
    user: mon
    site: s01
    glances_url: https://web-01.example:61208
    metrics:
      prometheus:
        match: {job: node, host: "$name.$site"}
        token_env: PROM_TOKEN
      glances:
        username: glances
      queries:
        - name: http_5xx
          query: 'sum(rate(nginx_5xx{$match}[5m]))'
          crit: 10
  - name: db-01
    hostname: 10.0.0.7
    user: mon
    prometheus_url: null
    influxdb_url: https://influx2.example:8086
    influxdb_org: acme
    influxdb_bucket: telegraf
`;

describe('metrics sources resolve global -> site -> host, key by key', () => {
  test('URLs, matchers with placeholders, field names and queries merged by name', () => {
    const config = load(FLEET, { PROM_TOKEN: 'prom-token-value', GLANCES_PASSWORD: 'glances-pass-value', INFLUXDB_TOKEN: 'influx-token-value' });
    const web = host(config.hosts, 'web-01').metrics;
    expect(web?.prometheus).toEqual({
      url: 'https://prom.example:9090',
      match: { job: 'node', host: 'web-01.s01' },
      rangeSeconds: 7200,
      stepSeconds: 30,
      timeoutMs: 30_000,
      tokenEnv: 'PROM_TOKEN',
      username: null,
      passwordEnv: 'PROMETHEUS_PASSWORD',
    });
    expect(web?.influxdb).toMatchObject({ url: 'https://influx.example:8086', version: 1, database: 'telegraf', historySeconds: 3 * 86_400, intervalSeconds: 3600, hostTag: 'host', hostValue: 'web-01' });
    expect(web?.influxdb?.cpu).toEqual({ measurement: 'cpu', field: 'usage_idle', idle: true, cpuTag: 'cpu', cpuValue: 'cpu-total' });
    expect(web?.glances).toEqual({ url: 'https://web-01.example:61208', api: 'auto', timeoutMs: 5000, username: 'glances', passwordEnv: 'GLANCES_PASSWORD' });
    // The host's http_5xx overrides the query text and crit of global's (unit and warn inherited); the site switched free_inodes off.
    expect(web?.queries).toEqual([{ name: 'http_5xx', query: 'sum(rate(nginx_5xx{$match}[5m]))', source: 'prometheus', unit: 'req/s', warn: 1, crit: 10, below: false }]);
    expect(host(config.hosts, 'web-01').origin).toMatchObject({ 'metrics.prometheus': 'global', 'metrics.influxdb': 'site', 'metrics.glances': 'host', 'metrics.queries': 'host' });
  });

  test('null turns an inherited source off; org + bucket make InfluxDB 2; the default matcher is <hostname>:9100', () => {
    const config = load(FLEET);
    const db = host(config.hosts, 'db-01').metrics;
    expect(db?.prometheus).toBeNull();
    expect(db?.influxdb).toMatchObject({ version: 2, org: 'acme', bucket: 'telegraf', tokenEnv: 'INFLUXDB_TOKEN', hostValue: '10.0.0.7' });
    expect(db?.queries.map((q) => q.name)).toEqual(['http_5xx', 'free_inodes']);
    const solo = load(`global: {prometheus_url: "https://p:9090"}\nhosts: [{name: a, hostname: a.example, user: u}]`);
    expect(host(solo.hosts, 'a').metrics?.prometheus?.match).toEqual({ instance: 'a.example:9100' });
  });

  test('a host without sources or queries has metrics null', () => {
    const config = load(`hosts: [{name: a, transport: local}]`);
    expect(host(config.hosts, 'a').metrics).toBeNull();
  });

  test('glances_port reads http://<hostname>:<port> (IPv6 in brackets); the lower level wins between url and port', () => {
    const config = load(`
global: {allow_insecure_http: true, glances_url: "https://g.example:61208"}
hosts:
  - {name: a, hostname: "fd00::5", user: u, glances_port: 61209}
  - {name: b, hostname: b.example, user: u}
  - {name: c, hostname: c.example, user: u, glances_url: null}
`);
    expect(host(config.hosts, 'a').metrics?.glances?.url).toBe('http://[fd00::5]:61209');
    expect(host(config.hosts, 'b').metrics?.glances?.url).toBe('https://g.example:61208');
    expect(host(config.hosts, 'c').metrics).toBeNull();
  });

  test('credential values from the environment (and .env) are secrets; names stay visible in config output', () => {
    const config = load(FLEET, { PROM_TOKEN: 'prom-token-value', GLANCES_PASSWORD: 'glances-pass-value', INFLUXDB_TOKEN: 'influx-token-value' });
    expect(config.credentials).toEqual({ PROM_TOKEN: 'prom-token-value', GLANCES_PASSWORD: 'glances-pass-value', INFLUXDB_TOKEN: 'influx-token-value' });
    expect(config.secrets).toEqual(expect.arrayContaining(['prom-token-value', 'glances-pass-value', 'influx-token-value']));
    const rows = hostSettings(host(config.hosts, 'web-01'), config.credentials);
    const text = rows.map((r) => `${r.key} ${r.value} ${r.origin}`).join('\n');
    expect(text).toContain('prometheus_url https://prom.example:9090 {job="node",host="web-01.s01"} last 2h; token $PROM_TOKEN set global');
    expect(text).toContain('glances_url https://web-01.example:61208 (API auto); user glances, password $GLANCES_PASSWORD set host');
    expect(text).toContain('influxdb_url https://influx.example:8086 v1 database telegraf host=web-01, 3d every 1h; token $INFLUXDB_TOKEN set site');
    expect(text).not.toMatch(/token-value|pass-value/);
    const db = hostSettings(host(config.hosts, 'db-01'), {});
    expect(db.find((r) => r.key === 'influxdb_url')?.value).toContain('v2 org acme bucket telegraf host=10.0.0.7, 7d every 1h; token $INFLUXDB_TOKEN not set');
  });
});

describe('metrics checks name the file, line and key', () => {
  test('plain http needs allow_insecure_http, at the level that set the URL', () => {
    expect(problems(`
global: {prometheus_url: "http://prom:9090"}
hosts:
  - {name: a, hostname: a, user: u, glances_port: 61208}
  - {name: b, hostname: b, user: u, influxdb_url: "http://i:8086", influxdb_database: t}
`)).toEqual([
      `${FILE}:2:26 global.prometheus_url: plain http:// needs allow_insecure_http: true (values and credentials would cross the network unencrypted); use https://`,
      `${FILE}:4:51 hosts[0].glances_port: glances_port reads http://<hostname>:<port>, which needs allow_insecure_http: true; or give an https glances_url`,
      `${FILE}:5:51 hosts[1].influxdb_url: plain http:// needs allow_insecure_http: true (values and credentials would cross the network unencrypted); use https://`,
    ]);
  });

  test('allowed plain http is a located review note (shown by dthostmon config, not by every run), not an error', () => {
    const config = load(`
sites:
  lab: {allow_insecure_http: yes}
hosts:
  - {name: a, hostname: a, user: u, site: lab, prometheus_url: "http://prom:9090"}
`);
    expect(config.hosts[0]?.metrics?.allowInsecureHttp).toBe(true);
    expect(config.warnings).toEqual([]);
    expect(config.reviewNotes).toContain(
      `${FILE}:3:30 sites.lab.allow_insecure_http: plain http:// metrics sources are allowed here: their values and credentials cross the network unencrypted`,
    );
  });

  test('InfluxDB needs a database or org + bucket', () => {
    const lines = problems(`
hosts:
  - {name: a, hostname: a, user: u, influxdb_url: "https://i:8086"}
  - {name: b, hostname: b, user: u, influxdb_url: "https://i:8086", influxdb_org: acme}
  - {name: c, hostname: c, user: u, influxdb_url: "https://i:8086", influxdb_bucket: b}
`);
    expect(lines).toEqual([
      `${FILE}:3:51 hosts[0].influxdb_url: influxdb_url needs influxdb_database (InfluxDB 1.x) or influxdb_org + influxdb_bucket (InfluxDB 2)`,
      `${FILE}:4:83 hosts[1].influxdb_org: influxdb_org needs influxdb_bucket (InfluxDB 2)`,
      `${FILE}:5:86 hosts[2].influxdb_bucket: influxdb_bucket needs influxdb_org (InfluxDB 2)`,
    ]);
  });

  test('a query needs its text at some level; a lower level may change only its limits', () => {
    expect(problems(`
global:
  prometheus_url: "https://p:9090"
hosts:
  - name: a
    transport: local
    metrics:
      queries:
        - {name: nowhere, warn: 3}
`)).toEqual([`${FILE}:9:11 hosts[0].metrics.queries[0]: query nowhere has no query text at any level (write query:, or enabled: false to remove it)`]);
  });

  test('schema errors: URL, label names, thresholds, variable names, unknown keys', () => {
    const lines = problems(`
global:
  prometheus_url: "prom:9090"
  metrics:
    prometheus: {match: {"bad-label": x}, range: 10s}
    influxdb: {token_env: "not a name"}
    queries:
      - {name: q, query: up, warn: high}
      - {name: r, query: up, sourc: influxdb}
hosts: [{name: a, transport: local}]
`);
    expect(lines.join('\n')).toContain('global.prometheus_url: expected an http(s) URL without query such as https://prometheus.example:9090, got "prom:9090"');
    expect(lines.join('\n')).toContain('global.metrics.prometheus.match');
    expect(lines.join('\n')).toContain('global.metrics.prometheus.range: expected a duration');
    expect(lines.join('\n')).toContain('global.metrics.influxdb.token_env: expected an environment variable name such as INFLUXDB_TOKEN');
    expect(lines.join('\n')).toContain('global.metrics.queries[0].warn: expected a number, got "high"');
    expect(lines.join('\n')).toMatch(/global\.metrics\.queries\[1\]\.sourc: unknown key.*source/);
  });
});

describe('the CLI on a config with metrics sources', () => {
  const dir = tempDir('dthm-metrics-cli-');
  const path = writeFile(
    join(dir, 'dthostmon.yaml'),
    `global:\n  allow_insecure_http: true\n  reports_dir: ${join(dir, 'reports')}\nhosts:\n  - name: local\n    transport: local\n    logs: [${writeFile(join(dir, 'empty.log'), '')}]\n    prometheus_url: http://127.0.0.1:9\n    influxdb_url: http://127.0.0.1:9\n    influxdb_org: acme\n    influxdb_bucket: telegraf\n`,
  );

  test('config and config validate show the plain-http note; the token only by name', async () => {
    const shown = await cli(['config', '-c', path, '--host', 'local'], { env: { INFLUXDB_TOKEN: 'influx-tok-51aa' } });
    expect(shown.code).toBe(0);
    expect(shown.stderr).toContain(`warning: ${path}:2:24 global.allow_insecure_http: plain http:// metrics sources are allowed here`);
    expect(shown.stdout).toMatch(/influxdb_url +http:\/\/127\.0\.0\.1:9 v2 org acme bucket telegraf host=localhost, 7d every 1h; token \$INFLUXDB_TOKEN set +host/);
    expect(shown.stdout).toMatch(/allow_insecure_http +true \(WARNING: plain http allowed\) +global/);
    expect(shown.stdout + shown.stderr).not.toContain('influx-tok-51aa');
    // From the .env beside the config too (the process environment wins).
    writeFile(join(dir, '.env'), 'INFLUXDB_TOKEN=dotenv-tok-77b2\n');
    const dotenv = await cli(['config', '-c', path, '--host', 'local']);
    expect(dotenv.stdout).toMatch(/token \$INFLUXDB_TOKEN set/);
    expect(dotenv.stdout + dotenv.stderr).not.toContain('dotenv-tok-77b2');
    const valid = await cli(['config', 'validate', '-c', path]);
    expect(valid.stdout).toBe(`${path}: valid (1 hosts, 1 enabled, 1 warnings)\n`);
  });

  test('run does not repeat it every pass; the dead sources are info findings of an ok host', async () => {
    const run = await cli(['run', '-c', path, '--json'], { env: { INFLUXDB_TOKEN: 'influx-tok-51aa' } });
    expect(run.code).toBe(0);
    expect(run.stderr).not.toContain('allow_insecure_http');
    const host = (JSON.parse(run.stdout) as { hosts: Array<{ status: string; findings: Array<{ key: string; title: string }> }> }).hosts[0];
    expect(host?.status).toBe('ok');
    // (This machine's own load may add a cpu.load finding: only the sources' findings are checked.)
    expect(host?.findings.map((f) => f.key).filter((k) => k.startsWith('collect.')).sort()).toEqual(['collect.source_failed:metrics:influxdb', 'collect.source_failed:metrics:prometheus']);
    expect(host?.findings.find((f) => f.key.endsWith('prometheus'))?.title).toBe('Metrics source prometheus failed: GET /api/v1/query_range: connection refused');
    expect(run.stdout).not.toContain('influx-tok-51aa');
  }, 30_000);
});
