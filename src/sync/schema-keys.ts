/**
 * What a site or host key is, read from the zod schema (hostSchema, siteSchema), so sync coerces each value by its
 * key and a key added to the schema works in dthm YAML files and as a DTHM_* variable without touching sync code.
 * The original coerced by the value alone, so `DTHM_HOST_PORT=1` became `true` and a one-item list a string
 * (GAP-S4, GAP-S5).
 */
import { closestKey, unwrap, type SchemaDef } from '../config/did-you-mean.js';

/**
 * `boolean`, `integer` and `number` scalars; `text` (strings and enums); `list` of texts; `map` (a fixed set of keys);
 * `record` (any keys); `list-of-maps` (rules, maintenance windows: YAML only); `other` (values the schema parses
 * itself, such as a band "0-30" or a disk growth step "1GiB").
 */
export type KeyKind = 'boolean' | 'integer' | 'number' | 'text' | 'list' | 'map' | 'record' | 'list-of-maps' | 'other';

interface Def extends SchemaDef {
  checks?: { _zod?: { def?: { format?: string } } }[];
}

export interface KeyInfo {
  kind: KeyKind;
  def: Def;
}

function kindOf(def: Def): KeyKind {
  switch (def.type) {
    case 'boolean':
      return 'boolean';
    case 'number':
      return def.checks?.some((c) => c._zod?.def?.format === 'safeint') ? 'integer' : 'number';
    case 'string':
    case 'enum':
      return 'text';
    case 'object':
      return 'map';
    case 'record':
      return 'record';
    case 'array': {
      const element = unwrap(def.element) as Def | undefined;
      return element && (element.type === 'object' || element.type === 'record') ? 'list-of-maps' : 'list';
    }
    default:
      return 'other';
  }
}

function info(def: Def | undefined): KeyInfo | null {
  return def ? { kind: kindOf(def), def } : null;
}

/** The root of a schema (hostSchema, siteSchema) as a KeyInfo. */
export function rootInfo(schema: unknown): KeyInfo {
  const root = info(unwrap(schema) as Def | undefined);
  if (!root) throw new Error('not a zod schema');
  return root;
}

/** The key `key` of a map or record, or null when the map has no such key (or `parent` is not a map). */
export function childInfo(parent: KeyInfo, key: string): KeyInfo | null {
  if (parent.def.type === 'object') {
    const child = Object.prototype.hasOwnProperty.call(parent.def.shape ?? {}, key) ? parent.def.shape?.[key] : undefined;
    return child === undefined ? null : info(unwrap(child) as Def | undefined);
  }
  if (parent.def.type === 'record') return info(unwrap(parent.def.valueType) as Def | undefined);
  return null;
}

/** The key at `path` (map keys only, no list indexes), or null when the schema has no such key. */
export function keyInfo(schema: unknown, path: readonly string[]): KeyInfo | null {
  let current: KeyInfo | null = rootInfo(schema);
  for (const segment of path) {
    if (!current) return null;
    current = childInfo(current, segment);
  }
  return current;
}

/** The keys a map allows (empty for a record or a scalar). */
export function mapKeys(parent: KeyInfo): string[] {
  return parent.def.type === 'object' ? Object.keys(parent.def.shape ?? {}) : [];
}

/** The schema of the items of a list key (for coercing list items of YAML values). */
export function elementInfo(list: KeyInfo): KeyInfo | null {
  return info(unwrap(list.def.element) as Def | undefined);
}

/** The allowed key of `parent` closest to a mistyped `key`, or null. */
export function suggestKey(parent: KeyInfo, key: string): string | null {
  return closestKey(key, mapKeys(parent));
}
