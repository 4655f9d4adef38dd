/** "Did you mean" help for unknown keys: the keys the schema allows at a path, and the closest one. */
import type { PathSegment } from './config-path.js';

/** The parts of a zod 4 schema definition we walk (zod exposes them as `schema._zod.def`). */
export interface SchemaDef {
  type: string;
  shape?: Record<string, unknown>;
  innerType?: unknown;
  in?: unknown;
  out?: unknown;
  element?: unknown;
  valueType?: unknown;
}

const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch', 'nonoptional']);

function defOf(schema: unknown): SchemaDef | undefined {
  return (schema as { _zod?: { def?: SchemaDef } } | undefined)?._zod?.def;
}

/** Strips optional/default/pipe wrappers down to the schema that gives the data its shape. */
export function unwrap(schema: unknown): SchemaDef | undefined {
  let def = defOf(schema);
  for (let guard = 0; def && guard < 20; guard += 1) {
    if (WRAPPERS.has(def.type)) def = defOf(def.innerType);
    else if (def.type === 'pipe') {
      const out = defOf(def.out);
      def = out && out.type !== 'transform' ? out : defOf(def.in);
    } else break;
  }
  return def;
}

/** Keys allowed in the map at `path` (empty when the path does not lead to a map of known keys). */
export function allowedKeysAt(schema: unknown, path: readonly PathSegment[]): string[] {
  let def = unwrap(schema);
  for (const segment of path) {
    if (!def) return [];
    if (def.type === 'object' && typeof segment === 'string') def = unwrap(def.shape?.[segment]);
    else if (def.type === 'array' && typeof segment === 'number') def = unwrap(def.element);
    else if (def.type === 'record') def = unwrap(def.valueType);
    else return [];
  }
  return def?.type === 'object' ? Object.keys(def.shape ?? {}) : [];
}

/** Edit distance where swapping two neighbouring letters costs 1 (`prot` -> `port`). */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  const at = (i: number, j: number): number => d[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i < rows; i += 1) {
    const row = d[i] as number[];
    for (let j = 1; j < cols; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      row[j] = best;
    }
  }
  return at(a.length, b.length);
}

/** The allowed key closest to `key`, if it is close enough to be a likely typo. */
export function closestKey(key: string, allowed: readonly string[]): string | null {
  const wanted = key.toLowerCase();
  const limit = wanted.length <= 4 ? 1 : wanted.length <= 8 ? 2 : 3;
  let best: string | null = null;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of allowed) {
    const distance = editDistance(wanted, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= limit ? best : null;
}
