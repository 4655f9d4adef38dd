/**
 * The PromQL dthostmon sends to Prometheus: the host's label matchers and the node_exporter expressions that map onto
 * the standard series. Pure functions, so the exact queries are unit-tested without a server.
 */
import type { StandardMetric } from './types.js';

/** A label name as PromQL accepts it in a matcher (the data model's rule: no dots, dashes or leading digits). */
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * A value as a PromQL double-quoted string (Go escaping): `\` and `"` escaped, control characters as escapes, because
 * a raw newline ends the string with a parse error and a `"` in a label value would end it early.
 */
export function promqlString(value: string): string {
  let out = '"';
  for (const ch of value) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '\\') out += '\\\\';
    else if (ch === '"') out += '\\"';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/**
 * `{instance: 'web-01:9100', job: 'node'}` -> `instance="web-01:9100",job="node"` (configured order kept), the text
 * that goes inside a selector's braces and that `$match` stands for in custom queries. Throws one line naming the key
 * for a label name PromQL cannot express (the caller turns it into a failed source).
 */
export function matcherString(match: Readonly<Record<string, string>>): string {
  const parts: string[] = [];
  for (const [name, value] of Object.entries(match)) {
    if (!LABEL_NAME.test(name)) {
      throw new Error(`invalid label name ${JSON.stringify(name)} in metrics.prometheus.match (letters, digits and _ only)`);
    }
    parts.push(`${name}=${promqlString(value)}`);
  }
  return parts.join(',');
}

/** `metric{a="b",<match>}`: the matchers joined without an empty part (PromQL takes `{}` but not a stray comma). */
function selector(metric: string, match: string, ...extra: string[]): string {
  return `${metric}{${[...extra, match].filter((p) => p !== '').join(',')}}`;
}

/**
 * Seconds of the `rate()` window for a range query with this step. Grafana's `$__rate_interval` rule with the
 * Prometheus default scrape interval (1 m) assumed, since the scrape interval of the target is unknown here:
 * - at least 4 scrapes (240 s), so rate() has its 2 samples even when a scrape was missed, and a target that came up
 *   2 scrapes ago already has a value (rate() needs 2 samples anywhere in the window, not a full window);
 * - at least step + 1 scrape, so the windows of neighbouring points overlap and no counter increase falls between two
 *   points (with step 1 h, a 4 m window would sample 4 minutes of every hour).
 */
export function rateWindowSeconds(stepSeconds: number): number {
  return Math.max(240, Math.ceil(stepSeconds) + 60);
}

/** Prometheus refuses a range query of more than 11,000 points per series: the step is raised to stay below. */
export const MAX_POINTS_PER_SERIES = 11_000;

/** The step actually sent: the configured one (at least 1 s), raised when the range would exceed the point limit. */
export function effectiveStepSeconds(rangeSeconds: number, stepSeconds: number): number {
  const step = Math.max(1, Math.ceil(stepSeconds));
  return Math.max(step, Math.ceil(rangeSeconds / (MAX_POINTS_PER_SERIES - 1)));
}

/**
 * File systems that are not disks: memory-backed, kernel views, container layers, image mounts, automount stubs.
 * node_exporter itself drops most of them by default, but not every deployment keeps its defaults.
 */
export const EXCLUDED_FSTYPES =
  'tmpfs|devtmpfs|ramfs|overlay|squashfs|nsfs|proc|sysfs|cgroup.*|autofs|devpts|mqueue|tracefs|debugfs|securityfs|pstore|bpf|configfs|fusectl|hugetlbfs|binfmt_misc|rpc_pipefs|efivarfs|fuse\\.lxcfs|iso9660|nfsd|selinuxfs';

/**
 * Interfaces left out of the network sum: loopback, and the virtual ends of container and VM networking (veth pairs,
 * bridges, CNI overlays), whose bytes also cross a physical interface and would be counted twice.
 */
export const EXCLUDED_DEVICES = 'lo|veth.*|docker.*|br-.*|virbr.*|cni.*|flannel.*|cali.*|vxlan.*|tun.*|tap.*';

/**
 * Series of one file-system metric, disks only. An overlay root (`/` of a container or live system) is the one
 * overlay mount that is the host's disk, so it is kept.
 */
function fsSelector(metric: string, match: string): string {
  const disks = selector(metric, match, `fstype!~${promqlString(EXCLUDED_FSTYPES)}`);
  const overlayRoot = selector(metric, match, 'fstype="overlay"', 'mountpoint="/"');
  return `(${disks} or ${overlayRoot})`;
}

/** One node_exporter range query and the standard series it yields. */
export interface StandardQuery {
  metric: StandardMetric;
  /** The label that names a series (`mountpoint`), or null for one series with label `''`. */
  labelKey: string | null;
  promql: string;
}

/**
 * The node_exporter expressions for the standard series. Every one aggregates to one series per standard label, so
 * matchers that select the same target twice (two jobs, an HA pair of Prometheus servers behind one URL) still give
 * one series, not duplicates.
 */
export function standardQueries(match: string, stepSeconds: number): StandardQuery[] {
  const w = `${rateWindowSeconds(stepSeconds)}s`;
  const size = `max by (mountpoint) (${fsSelector('node_filesystem_size_bytes', match)})`;
  const free = `max by (mountpoint) (${fsSelector('node_filesystem_free_bytes', match)})`;
  const avail = `max by (mountpoint) (${fsSelector('node_filesystem_avail_bytes', match)})`;
  const net = (metric: string): string => `sum(rate(${selector(metric, match, `device!~${promqlString(EXCLUDED_DEVICES)}`)}[${w}]))`;
  return [
    { metric: 'cpu.used_percent', labelKey: null, promql: `100 * (1 - avg(rate(${selector('node_cpu_seconds_total', match, 'mode="idle"')}[${w}])))` },
    {
      metric: 'memory.used_percent',
      labelKey: null,
      promql: `100 * (1 - sum(${selector('node_memory_MemAvailable_bytes', match)}) / sum(${selector('node_memory_MemTotal_bytes', match)}))`,
    },
    {
      // `> 0` drops the points of a host without swap: no series rather than a meaningless 0 % (or NaN of 0/0).
      metric: 'swap.used_percent',
      labelKey: null,
      promql: `100 * (1 - sum(${selector('node_memory_SwapFree_bytes', match)}) / (sum(${selector('node_memory_SwapTotal_bytes', match)}) > 0))`,
    },
    { metric: 'load.1', labelKey: null, promql: `max(${selector('node_load1', match)})` },
    // df's Use%: used / (used + available to users), so the root-reserved blocks count as neither; the SSH facts agree.
    { metric: 'disk.used_percent', labelKey: 'mountpoint', promql: `100 * (${size} - ${free}) / ((${size} - ${free}) + ${avail})` },
    { metric: 'disk.avail_bytes', labelKey: 'mountpoint', promql: avail },
    { metric: 'disk.size_bytes', labelKey: 'mountpoint', promql: size },
    { metric: 'net.rx_bytes_per_second', labelKey: null, promql: net('node_network_receive_bytes_total') },
    { metric: 'net.tx_bytes_per_second', labelKey: null, promql: net('node_network_transmit_bytes_total') },
  ];
}

/** `3600` -> `1 h`, `90` -> `90 s`: the largest unit that divides evenly, for the detail line. */
export function formatDuration(seconds: number): string {
  const units: Array<[number, string]> = [
    [86_400, 'd'],
    [3_600, 'h'],
    [60, 'min'],
  ];
  for (const [size, unit] of units) {
    if (seconds >= size && seconds % size === 0) return `${seconds / size} ${unit}`;
  }
  return `${seconds} s`;
}
