/**
 * A dthm YAML file (`dthm-site.yaml`, `dthm-<host>.yaml`) -> a site or host layer. The file is parsed first and
 * `${VAR}` is expanded in each text value afterwards (expand.ts), so a value with YAML syntax in it can never change
 * the file's structure (the original substituted the raw text, comments included: GAP-S7). Scalars are read as text
 * and typed by their key (coerce.ts); unknown keys are errors located `file:line:col` with the closest valid key.
 */
import { readFileSync } from 'node:fs';
import { formatPath, type PathSegment } from '../config/config-path.js';
import { readYamlTree, type YamlTree } from '../config/yaml-tree.js';
import { errorMessage } from '../errors.js';
import { coerceList, coerceText } from './coerce.js';
import { expandText, type Variables } from './expand.js';
import { childInfo, elementInfo, suggestKey, type KeyInfo } from './schema-keys.js';
import { isRecord, type Layer, type SyncLog } from './types.js';

export interface YamlLayerOptions {
  file: string;
  root: KeyInfo;
  vars: Variables;
  log: SyncLog;
  /** Keys the folder decides (`name`, `site`): a warning text when the file sets one, and it is not used. */
  ignored?: (key: string, value: unknown) => string | null;
}

class LayerReader {
  readonly layer: Layer = { data: {}, origins: new Map() };

  constructor(
    private readonly tree: YamlTree,
    private readonly options: YamlLayerOptions,
  ) {}

  /** `file:line:col` of the key at `path`. */
  location(path: readonly PathSegment[]): string {
    const pos = this.tree.keyPosition(path);
    return `${this.options.file}:${pos.line}:${pos.col}`;
  }

  private expand(text: string, path: PathSegment[]): string {
    const { file, vars, log } = this.options;
    const expanded = expandText(text, vars);
    const key = formatPath(path);
    if (expanded.malformed) log.warnings.push(`${this.location(path)} ${key}: ${expanded.malformed}`);
    const line = this.tree.keyPosition(path).line;
    for (const name of expanded.unresolved) log.unresolved.push({ file, line, key, name });
    return expanded.value;
  }

  /** Expands and types `value` found at `path` (relative to the entry) whose key is `info`. */
  value(value: unknown, info: KeyInfo, path: PathSegment[]): unknown {
    if (typeof value === 'string') {
      const text = this.expand(value, path);
      return info.kind === 'list' ? coerceList(info, text) : coerceText(info, text);
    }
    if (Array.isArray(value)) {
      const element = elementInfo(info);
      return value.map((item, i) => (element && info.kind !== 'other' ? this.value(item, element, [...path, i]) : this.plain(item, [...path, i])));
    }
    if (isRecord(value) && (info.kind === 'map' || info.kind === 'record')) return this.map(value, info, path);
    return this.plain(value, path);
  }

  /** A value whose shape the schema does not describe here: texts are only expanded (validation judges the rest). */
  private plain(value: unknown, path: PathSegment[]): unknown {
    if (typeof value === 'string') {
      const text = this.expand(value, path);
      return /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text;
    }
    if (Array.isArray(value)) return value.map((item, i) => this.plain(item, [...path, i]));
    if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.plain(v, [...path, k])]));
    return value;
  }

  map(value: Record<string, unknown>, info: KeyInfo, path: PathSegment[]): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      const childPath = [...path, key];
      const childKey = childInfo(info, key);
      if (!childKey) {
        const suggestion = suggestKey(info, key);
        this.options.log.errors.push(
          `${this.location(childPath)} ${formatPath(childPath)}: unknown key${suggestion ? `; did you mean "${suggestion}"?` : ''}`,
        );
        continue;
      }
      out[key] = this.value(child, childKey, childPath);
      // Leaves and lists only: a map merges with the levels below, so its keys carry their own origins.
      if (!isRecord(out[key])) this.layer.origins.set(formatPath(childPath), { file: this.options.file, line: this.tree.keyPosition(childPath).line });
    }
    return out;
  }
}

/** Parses dthm YAML `text` read from `file` into a layer; problems go to `options.log`. */
export function parseYamlLayer(text: string, options: YamlLayerOptions): Layer {
  const { file, log } = options;
  const tree = readYamlTree(text);
  const empty: Layer = { data: {}, origins: new Map() };
  if (tree.errors.length > 0) {
    for (const e of tree.errors) {
      const pos = tree.position(e.offset);
      log.errors.push(`${file}:${pos.line}:${pos.col}: ${e.message}`);
    }
    return empty;
  }
  if (tree.value === null) return empty;
  if (!isRecord(tree.value)) {
    log.errors.push(`${file}: expected a map of settings (hostname, user, tags, ...)`);
    return empty;
  }
  const reader = new LayerReader(tree, options);
  const data = reader.map(tree.value, options.root, []);
  for (const [key, value] of Object.entries(data)) {
    const skip = options.ignored?.(key, value);
    if (skip === undefined || skip === null) continue;
    log.warnings.push(`${reader.location([key])} ${key}: ${skip}`);
    delete data[key];
  }
  reader.layer.data = data;
  log.debug.push(`${file}: ${Object.keys(data).join(', ') || 'no settings'}`);
  return reader.layer;
}

/** Reads the dthm YAML file at `file` (see parseYamlLayer). */
export function readYamlLayer(options: YamlLayerOptions): Layer {
  let text: string;
  try {
    text = readFileSync(options.file, 'utf8');
  } catch (err) {
    options.log.errors.push(`${options.file}: cannot read: ${errorMessage(err)}`);
    return { data: {}, origins: new Map() };
  }
  return parseYamlLayer(text, options);
}
