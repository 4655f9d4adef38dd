/**
 * One place per setting in what sync writes. The original wrote `log_paths` while its runtime read `logs` (GAP-S2),
 * and put `check_docker` at the top level from env files but under `monitoring:` from YAML (GAP-S11). The schema
 * accepts both spellings; sync writes the one the runtime reads first:
 *
 * - `log_paths` -> `logs` (the union, `logs` first);
 * - `monitoring.check_docker` / `monitoring.check_apt` -> `check_docker` / `check_apt` (a top-level value in the same
 *   source wins, as it does at run time); an emptied `monitoring` map is removed.
 *
 * `monitoring.check_disk` and `monitoring.check_services` exist only there and stay.
 */
import { isRecord, type Layer } from './types.js';

const FLATTENED_MONITORING_KEYS = ['check_docker', 'check_apt'];

function moveOrigin(layer: Layer, from: string, to: string): void {
  const origin = layer.origins.get(from);
  layer.origins.delete(from);
  if (origin && !layer.origins.has(to)) layer.origins.set(to, origin);
}

/** Rewrites `layer` (data and origins) to the canonical keys, in place. */
export function canonicalize(layer: Layer): void {
  const data = layer.data;
  if (data.log_paths !== undefined) {
    const logs = Array.isArray(data.logs) ? data.logs : data.logs === undefined ? [] : [data.logs];
    const extra = Array.isArray(data.log_paths) ? data.log_paths : [data.log_paths];
    data.logs = [...new Set([...logs, ...extra])];
    delete data.log_paths;
    moveOrigin(layer, 'log_paths', 'logs');
  }
  const monitoring = data.monitoring;
  if (!isRecord(monitoring)) return;
  for (const key of FLATTENED_MONITORING_KEYS) {
    if (monitoring[key] === undefined) continue;
    if (data[key] === undefined) data[key] = monitoring[key];
    delete monitoring[key];
    moveOrigin(layer, `monitoring.${key}`, key);
  }
  if (Object.keys(monitoring).length === 0) {
    delete data.monitoring;
    layer.origins.delete('monitoring');
  }
}
