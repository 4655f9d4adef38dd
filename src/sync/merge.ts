/**
 * The merge of a site or host entry's sources, lowest priority first: the existing entry in dthostmon.yaml, the site's
 * host defaults (DTHM_HOST_* in `.env.<site>`), the dthm YAML, the env file. Maps merge key by key, lists and scalars
 * are replaced, so keys set by hand in dthostmon.yaml stay unless a folder file sets them (the original replaced
 * site entries whole: GAP-S8).
 */
import { isRecord, type Layer, type Origin } from './types.js';

function mergeValue(base: unknown, over: unknown): unknown {
  if (isRecord(base) && isRecord(over)) {
    const out: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(over)) out[key] = key in out ? mergeValue(out[key], value) : structuredClone(value);
    return out;
  }
  return structuredClone(over);
}

/** Whether origin key `path` lies under `parent` (`logs[2]` under `logs`, `monitoring.check_disk` under `monitoring`). */
function isUnder(path: string, parent: string): boolean {
  return path.startsWith(`${parent}.`) || path.startsWith(`${parent}[`);
}

/** Merges `layers` left to right (the last wins), origins included (layers record origins of leaves and lists only). */
export function mergeLayers(layers: readonly Layer[]): Layer {
  let data: Record<string, unknown> = {};
  const origins = new Map<string, Origin>();
  for (const layer of layers) {
    data = mergeValue(data, layer.data) as Record<string, unknown>;
    for (const [path, origin] of layer.origins) {
      // A value that replaces a map or list replaces the origins of what was inside it.
      for (const known of [...origins.keys()]) if (isUnder(known, path)) origins.delete(known);
      origins.set(path, origin);
    }
  }
  return { data, origins };
}

/** Deep equality of plain data (maps compared without regard to key order). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => sameValue(item, b[i]));
  if (isRecord(a) && isRecord(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => Object.prototype.hasOwnProperty.call(b, k) && sameValue(a[k], b[k]));
  }
  return false;
}
