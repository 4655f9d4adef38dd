/**
 * DTHM_* variables -> a site or host layer. Every key of the schema has a variable: the prefix (`DTHM_HOST_`,
 * `DTHM_SITE_`) and the key upper-cased, nested keys joined with `__`:
 *
 *   DTHM_HOST_PORT=2222                       port: 2222
 *   DTHM_HOST_TAGS=web                        tags: [web]            (lists are always lists)
 *   DTHM_HOST_THRESHOLDS__DISK_PERCENT=95     thresholds: {disk_percent: 95}
 *   DTHM_HOST_CHECK_DISK=true                 monitoring: {check_disk: true}   (the key lives only there)
 *
 * An unknown variable is an error naming `file:line` with the closest valid name; nothing is written then.
 */
import { formatPath } from '../config/config-path.js';
import { coerceList, coerceText } from './coerce.js';
import { expandText, type Variables } from './expand.js';
import type { DthmLine } from './env-file.js';
import { childInfo, suggestKey, type KeyInfo } from './schema-keys.js';
import { isRecord, type Layer, type SyncLog } from './types.js';

export type EnvPathResult = { path: string[]; info: KeyInfo } | { error: string };

/** The config path a variable name (without its prefix) stands for, e.g. `MONITORING__CHECK_DOCKER`. */
export function envKeyPath(prefix: string, rest: string, root: KeyInfo): EnvPathResult {
  const segments = rest.split('__').map((s) => s.toLowerCase());
  if (segments.some((s) => s === '')) return { error: `expected ${prefix}<KEY> with nested keys joined by "__"` };
  const name = (path: string[]): string => `${prefix}${path.join('__').toUpperCase()}`;
  let current = root;
  const path: string[] = [];
  for (const segment of segments) {
    const child = childInfo(current, segment);
    if (!child && path.length === 0 && segments.length === 1) {
      // Keys that live only under `monitoring` (check_disk, check_services) keep their flat original names.
      const monitoring = childInfo(root, 'monitoring');
      const nested = monitoring ? childInfo(monitoring, segment) : null;
      if (nested) return { path: ['monitoring', segment], info: nested };
    }
    if (!child) {
      if (current.kind !== 'map' && current.kind !== 'record') return { error: `unknown variable: ${name(path)} is not a group of settings` };
      const suggestion = suggestKey(current, segment);
      return { error: `unknown variable${suggestion ? `; did you mean ${name([...path, suggestion])}?` : ''}` };
    }
    path.push(segment);
    current = child;
  }
  if (current.kind === 'map' || current.kind === 'record') {
    return { error: `${name(path)} is a group of settings: set its keys as ${name(path)}__<KEY>` };
  }
  if (current.kind === 'list-of-maps') return { error: `${name(path)} is a list of maps: set it in the dthm YAML file` };
  return { path, info: current };
}

/** Sets `value` at `path` inside `target`, creating maps on the way. */
export function setIn(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const segment of path.slice(0, -1)) {
    if (!isRecord(node[segment])) node[segment] = {};
    node = node[segment] as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
}

export interface EnvLayerOptions {
  file: string;
  prefix: 'DTHM_HOST_' | 'DTHM_SITE_';
  root: KeyInfo;
  vars: Variables;
  log: SyncLog;
  /** Keys the folder decides (`name`, `site`): a warning text when the variable sets one, and it is not used. */
  ignored?: (path: string[], value: string) => string | null;
}

/** The layer made of the `prefix` variables among `lines` (other DTHM lines are the caller's business). */
export function envLayer(lines: readonly DthmLine[], options: EnvLayerOptions): Layer {
  const { file, prefix, root, vars, log } = options;
  const layer: Layer = { data: {}, origins: new Map() };
  for (const line of lines) {
    if (!line.key.startsWith(prefix)) continue;
    const at = `${file}:${line.line}`;
    const mapped = envKeyPath(prefix, line.key.slice(prefix.length), root);
    if ('error' in mapped) {
      log.errors.push(`${at} ${line.key}: ${mapped.error}`);
      continue;
    }
    const expanded = expandText(line.value, vars);
    if (expanded.malformed) log.warnings.push(`${at} ${line.key}: ${expanded.malformed}`);
    for (const name of expanded.unresolved) log.unresolved.push({ file, line: line.line, key: line.key, name });
    const skip = options.ignored?.(mapped.path, expanded.value);
    if (skip !== undefined && skip !== null) {
      log.warnings.push(`${at} ${line.key}: ${skip}`);
      continue;
    }
    const value = mapped.info.kind === 'list' ? coerceList(mapped.info, expanded.value) : coerceText(mapped.info, expanded.value);
    setIn(layer.data, mapped.path, value);
    layer.origins.set(formatPath(mapped.path), { file, line: line.line, variable: line.key });
    log.debug.push(`${at} ${line.key} -> ${formatPath(mapped.path)}`);
  }
  return layer;
}
