/**
 * Reads YAML into plain data (maps, lists, text, null) while remembering where every key and value
 * sits, so config problems can be reported as `file:line:col`.
 *
 * Every scalar stays text (YAML "failsafe" schema): the schema key decides whether `"0123"` is a
 * number or a password, so a secret like `0123` or `1e3` is never mangled, and `yes` is never a
 * boolean unless the key is one. Plain `~`, `null` and empty values are null.
 */
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { Document, Node as YamlNode } from 'yaml';
import { formatPath, type PathSegment } from './config-path.js';

/** A message at an offset of the source. */
export interface SourceMessage {
  offset: number;
  path: PathSegment[];
  message: string;
}

export interface Position {
  line: number;
  col: number;
}

/** Called for every text scalar (not for keys); returns the value to use, or null for "not set". */
export type ScalarHook = (value: string, path: PathSegment[], offset: number) => string | null;

export interface ReadYamlOptions {
  onScalar?: ScalarHook;
  /** Map entries whose value is null are dropped (= not set) unless this says to keep them. */
  keepNull?: (path: PathSegment[]) => boolean;
}

export interface YamlTree {
  /** The data; null for an empty document. */
  value: unknown;
  errors: SourceMessage[];
  warnings: SourceMessage[];
  position(offset: number): Position;
  /** Position of the value at `path`, or of its nearest located ancestor. */
  valuePosition(path: readonly PathSegment[]): Position;
  /** Position of the key that introduces `path`, falling back to `valuePosition`. */
  keyPosition(path: readonly PathSegment[]): Position;
  /** Whether `path` was written in the file (even if its value was dropped as null). */
  isWritten(path: readonly PathSegment[]): boolean;
}

const NULL_WORDS = new Set(['', '~', 'null', 'Null', 'NULL']);
const NULL_TAG = 'tag:yaml.org,2002:null';
const CORE_TAG_PREFIX = 'tag:yaml.org,2002:';
/** Cap on alias expansions ("billion laughs" documents). */
const MAX_ALIAS_EXPANSIONS = 1000;

/** The first sentence of a yaml library message, without its "at line x, column y" tail. */
export function plainMessage(message: string): string {
  const first = message.split('\n')[0] ?? message;
  return first.replace(/ at line \d+, column \d+:?$/, '').replace(/:$/, '');
}

class TreeBuilder {
  readonly valueAt = new Map<string, number>();
  readonly keyAt = new Map<string, number>();
  readonly errors: SourceMessage[] = [];
  private aliasExpansions = 0;
  private readonly stack = new Set<unknown>();

  constructor(
    private readonly doc: Document,
    private readonly options: ReadYamlOptions,
  ) {}

  convert(node: unknown, path: PathSegment[]): unknown {
    if (node === null || node === undefined) return null;
    const offset = (node as { range?: [number, number, number] }).range?.[0] ?? 0;
    const id = formatPath(path);
    if (!this.valueAt.has(id)) this.valueAt.set(id, offset);
    if (isAlias(node)) return this.convertAlias(node, path, offset);
    if (this.stack.has(node)) {
      this.errors.push({ offset, path, message: 'an alias refers to a node that contains it' });
      return null;
    }
    this.stack.add(node);
    try {
      if (isMap(node)) return this.convertMap(node.items, path);
      if (isSeq(node)) return node.items.map((item, i) => this.convert(item, [...path, i]));
      if (isScalar(node)) {
        const raw = String(node.value ?? '');
        if (node.tag === NULL_TAG || (node.type === 'PLAIN' && NULL_WORDS.has(raw))) return null;
        return this.options.onScalar ? this.options.onScalar(raw, path, offset) : raw;
      }
      return null;
    } finally {
      this.stack.delete(node);
    }
  }

  private convertAlias(node: { resolve(doc: Document): YamlNode | undefined }, path: PathSegment[], offset: number) {
    this.aliasExpansions += 1;
    if (this.aliasExpansions > MAX_ALIAS_EXPANSIONS) {
      if (this.aliasExpansions === MAX_ALIAS_EXPANSIONS + 1) {
        this.errors.push({ offset, path, message: `more than ${MAX_ALIAS_EXPANSIONS} alias expansions` });
      }
      return null;
    }
    const target = node.resolve(this.doc);
    if (!target) {
      this.errors.push({ offset, path, message: 'alias refers to an unknown anchor' });
      return null;
    }
    return this.convert(target, path);
  }

  private convertMap(items: { key: unknown; value: unknown }[], path: PathSegment[]): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const merges: unknown[] = [];
    for (const pair of items) {
      const keyNode = pair.key;
      if (!isScalar(keyNode)) {
        const offset = (keyNode as { range?: number[] } | null)?.range?.[0] ?? 0;
        this.errors.push({ offset, path, message: 'map keys must be plain text' });
        continue;
      }
      const key = String(keyNode.value ?? '');
      if (key === '<<' && keyNode.type === 'PLAIN') {
        merges.push(pair.value);
        continue;
      }
      const childPath = [...path, key];
      const childId = formatPath(childPath);
      // Set once: explicit keys are visited before merged ones, so errors point at what was written here.
      if (!this.keyAt.has(childId)) this.keyAt.set(childId, keyNode.range?.[0] ?? 0);
      const value = this.convert(pair.value, childPath);
      if (value === null && !this.options.keepNull?.(childPath)) continue;
      define(out, key, value);
    }
    // YAML merge keys: explicit keys win over merged ones, earlier merge sources over later ones.
    for (const source of merges.flatMap((m) => (isSeq(m) ? m.items : [m]))) {
      const merged = this.convert(source, path);
      if (merged === null || typeof merged !== 'object' || Array.isArray(merged)) {
        const offset = (source as { range?: number[] } | null)?.range?.[0] ?? 0;
        this.errors.push({ offset, path, message: 'a "<<" merge key needs a map or a list of maps' });
        continue;
      }
      for (const [key, value] of Object.entries(merged)) {
        if (!Object.prototype.hasOwnProperty.call(out, key)) define(out, key, value);
      }
    }
    return out;
  }
}

/** Sets a key without letting `__proto__` reach the prototype. */
function define(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Parses `source`; syntax errors are returned (located), never thrown. */
export function readYamlTree(source: string, options: ReadYamlOptions = {}): YamlTree {
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, schema: 'failsafe', prettyErrors: false, uniqueKeys: true });
  const builder = new TreeBuilder(doc, options);
  const errors: SourceMessage[] = doc.errors.map((e) => ({
    offset: e.pos[0],
    path: [],
    message: `invalid YAML: ${plainMessage(e.message)}`,
  }));
  // Core tags (`!!int 5`) are harmless under the failsafe schema: the key decides the type anyway.
  const warnings: SourceMessage[] = doc.warnings
    .filter((w) => !(w.code === 'TAG_RESOLVE_FAILED' && w.message.includes(CORE_TAG_PREFIX)))
    .map((w) => ({ offset: w.pos[0], path: [], message: plainMessage(w.message) }));
  const value = errors.length > 0 ? null : builder.convert(doc.contents, []);
  errors.push(...builder.errors);

  const position = (offset: number): Position => {
    const pos = lineCounter.linePos(offset);
    return { line: pos.line, col: pos.col };
  };
  const valuePosition = (path: readonly PathSegment[]): Position => {
    for (let n = path.length; n >= 0; n -= 1) {
      const offset = builder.valueAt.get(formatPath(path.slice(0, n)));
      if (offset !== undefined) return position(offset);
    }
    return { line: 1, col: 1 };
  };
  return {
    value,
    errors,
    warnings,
    position,
    valuePosition,
    keyPosition: (path) => {
      const offset = builder.keyAt.get(formatPath(path));
      return offset !== undefined ? position(offset) : valuePosition(path);
    },
    isWritten: (path) => builder.keyAt.has(formatPath(path)) || builder.valueAt.has(formatPath(path)),
  };
}
