/**
 * Maps the answers of the Glances REST API (v3 and v4, one plugin each) onto the standard series and the container
 * list. Pure functions over parsed JSON: the answer comes from a server we do not control, so every field is checked,
 * a bad entry is skipped, and a wrong shape gives nothing instead of a throw.
 *
 * Shapes (nicolargo/glances docs/api.rst, v4 on `develop`, v3 on `support/glancesv3`, and Glances 3.3 as Debian
 * ships it): cpu `{total}`, mem / memswap `{percent, total}`, load `{min1}`, fs `[{mnt_point, size, free, percent}]`,
 * network v4 `[{interface_name, bytes_recv_rate_per_sec, bytes_sent_rate_per_sec, bytes_recv, bytes_sent,
 * time_since_update}]`, network v3 `[{interface_name, rx, tx, time_since_update}]` (rx/tx: bytes since the previous
 * refresh, whatever the field description says: the curses UI divides them by time_since_update), containers v4
 * `[{name, status, cpu_percent, memory_usage, memory_inactive_file}]`, containers / docker v3
 * `{containers: [{name, Status, cpu_percent, memory_usage}]}`.
 */
import { sanitizeText } from '../sanitize-line.js';
import type { ContainerMetric, MetricSeries, StandardMetric } from './types.js';
import { EXCLUDED_DEVICES } from './prometheus-promql.js';

const VIRTUAL_INTERFACE = new RegExp(`^(?:${EXCLUDED_DEVICES})(?::.*)?$`);

export type GlancesApi = 3 | 4;

/** More entries than any real host has: a hostile list is cut here instead of becoming thousands of series. */
export const MAX_LIST_ENTRIES = 1000;
const MAX_NAME_CHARS = 200;

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A finite number, or null (Glances sends null for "not measured yet"; a hostile server sends anything). */
export function finite(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function percent(value: unknown): number | null {
  const v = finite(value);
  return v !== null && v >= 0 && v <= 100 ? v : null;
}

function nonNegative(value: unknown): number | null {
  const v = finite(value);
  return v !== null && v >= 0 ? v : null;
}

/** A name from the server, safe to print: control characters and escapes removed, capped; null when empty. */
function cleanName(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const text = sanitizeText(value).trim();
  if (text === '') return null;
  return text.length > MAX_NAME_CHARS ? `${text.slice(0, MAX_NAME_CHARS - 1)}…` : text;
}

function series(name: StandardMetric, label: string, t: number, v: number): MetricSeries {
  return { name, label, points: [{ t, v }] };
}

/** `cpu.total` (all CPU time except idle, percent) -> cpu.used_percent. */
export function cpuSeries(body: unknown, t: number): MetricSeries[] {
  const v = isRecord(body) ? percent(body.total) : null;
  return v === null ? [] : [series('cpu.used_percent', '', t, v)];
}

/** `mem.percent` ((total - available) / total) -> memory.used_percent. */
export function memSeries(body: unknown, t: number): MetricSeries[] {
  const v = isRecord(body) ? percent(body.percent) : null;
  return v === null ? [] : [series('memory.used_percent', '', t, v)];
}

/** `memswap.percent` -> swap.used_percent; nothing for a host without swap (total 0), as the SSH facts do. */
export function swapSeries(body: unknown, t: number): MetricSeries[] {
  if (!isRecord(body) || body.total === 0) return [];
  const v = percent(body.percent);
  return v === null ? [] : [series('swap.used_percent', '', t, v)];
}

/** `load.min1` -> load.1. */
export function loadSeries(body: unknown, t: number): MetricSeries[] {
  const v = isRecord(body) ? nonNegative(body.min1) : null;
  return v === null ? [] : [series('load.1', '', t, v)];
}

/** Per mount point: percent -> disk.used_percent, size -> disk.size_bytes, free -> disk.avail_bytes. */
export function fsSeries(body: unknown, t: number): MetricSeries[] {
  if (!Array.isArray(body)) return [];
  const out: MetricSeries[] = [];
  const seen = new Set<string>();
  for (const entry of body.slice(0, MAX_LIST_ENTRIES)) {
    if (!isRecord(entry)) continue;
    const mount = cleanName(entry.mnt_point);
    // The same mount twice (bind mounts seen twice by psutil): the first one is what df shows.
    if (mount === null || seen.has(mount)) continue;
    seen.add(mount);
    const used = percent(entry.percent);
    const size = nonNegative(entry.size);
    const free = nonNegative(entry.free);
    if (used !== null) out.push(series('disk.used_percent', mount, t, used));
    if (size !== null) out.push(series('disk.size_bytes', mount, t, size));
    if (free !== null) out.push(series('disk.avail_bytes', mount, t, free));
  }
  return out;
}

/** Bytes per second of one direction of one interface, or null when this sample has no rate yet. */
function interfaceRate(entry: Json, api: GlancesApi, direction: 'recv' | 'sent'): number | null {
  const elapsed = finite(entry.time_since_update);
  const perInterval = (field: string): number | null => {
    const bytes = nonNegative(entry[field]);
    return bytes !== null && elapsed !== null && elapsed > 0 ? bytes / elapsed : null;
  };
  if (api === 4) {
    // The documented rate first; the byte delta over the interval is the same thing on versions without it.
    return nonNegative(entry[`bytes_${direction}_rate_per_sec`]) ?? perInterval(`bytes_${direction}`);
  }
  return perInterval(direction === 'recv' ? 'rx' : 'tx');
}

/**
 * The receive and send rates summed over every interface except loopback (label `''`). No series when no interface
 * has a rate yet (Glances 4's first sample after start has null rates).
 */
export function networkSeries(body: unknown, api: GlancesApi, t: number): MetricSeries[] {
  if (!Array.isArray(body)) return [];
  let rx: number | null = null;
  let tx: number | null = null;
  for (const entry of body.slice(0, MAX_LIST_ENTRIES)) {
    if (!isRecord(entry)) continue;
    const name = typeof entry.interface_name === 'string' ? entry.interface_name : null;
    // The same interfaces as the Prometheus source leaves out: loopback and virtual container/VM ends (their bytes also cross a real interface).
    if (name === null || VIRTUAL_INTERFACE.test(name)) continue;
    const r = interfaceRate(entry, api, 'recv');
    const s = interfaceRate(entry, api, 'sent');
    if (r !== null) rx = (rx ?? 0) + r;
    if (s !== null) tx = (tx ?? 0) + s;
  }
  const out: MetricSeries[] = [];
  if (rx !== null) out.push(series('net.rx_bytes_per_second', '', t, rx));
  if (tx !== null) out.push(series('net.tx_bytes_per_second', '', t, tx));
  return out;
}

/** Memory as `docker stats` shows it: usage minus inactive file cache when Glances 4 sends that separately. */
function containerMemory(entry: Json): number | null {
  const usage = nonNegative(entry.memory_usage);
  if (usage === null) return null;
  const inactive = nonNegative(entry.memory_inactive_file);
  return inactive !== null && inactive <= usage ? usage - inactive : usage;
}

/**
 * The containers of a v4 `containers` answer (a list) or a v3 `containers` / `docker` answer (`{containers: [...]}`).
 * Null when the answer is neither shape; entries without a name are skipped.
 */
export function parseContainers(body: unknown): ContainerMetric[] | null {
  const list = Array.isArray(body) ? body : isRecord(body) && Array.isArray(body.containers) ? body.containers : null;
  // Glances 3 without the docker library answers `{}` for its docker plugin: no containers, not an error.
  if (list === null) return isRecord(body) && Object.keys(body).length === 0 ? [] : null;
  const out: ContainerMetric[] = [];
  for (const entry of list.slice(0, MAX_LIST_ENTRIES)) {
    if (!isRecord(entry)) continue;
    const name = cleanName(entry.name);
    if (name === null) continue;
    out.push({
      name,
      status: cleanName(entry.status ?? entry.Status) ?? 'unknown',
      cpuPercent: nonNegative(entry.cpu_percent),
      memoryBytes: containerMemory(entry),
    });
  }
  return out;
}
