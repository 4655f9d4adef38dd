/**
 * Edits dthostmon.yaml through the yaml library's Document API, node by node, so everything sync does not change keeps
 * its comments, key order and quoting (`"0-30"` stays quoted). The original re-dumped the whole file with PyYAML and
 * lost all of that on every run (GAP-S16).
 */
import { isMap, isScalar, isSeq, type Document, type Node, type Pair, type YAMLMap, type YAMLSeq } from 'yaml';
import { sameValue } from './merge.js';
import { isRecord } from './types.js';

/** Plain data of a node (null for an empty value). */
export function plainOf(node: unknown): unknown {
  if (node === null || node === undefined) return null;
  if (isScalar(node)) return node.value ?? null;
  return (node as Node).toJSON();
}

function keyOf(pair: Pair): string {
  return String(isScalar(pair.key) ? pair.key.value : pair.key);
}

/**
 * A new node for `value`, replacing `replaced`: its comments and blank line stay with the new value, and a collection
 * replacing a flow one (`[a, b]`) is written in flow style too.
 */
function createNode(doc: Document, value: unknown, replaced?: unknown): Node {
  const node = doc.createNode(value) as Node;
  if ((isSeq(replaced) || isMap(replaced)) && replaced.flow && (isSeq(node) || isMap(node))) node.flow = true;
  if (replaced && typeof replaced === 'object') {
    const old = replaced as Node;
    if (old.comment) node.comment = old.comment;
    if (old.commentBefore) node.commentBefore = old.commentBefore;
    if (old.spaceBefore) node.spaceBefore = true;
  }
  return node;
}

/**
 * Makes map `node` hold `desired`: keys missing from `desired` are removed, changed values replaced, new keys added at
 * the end (or after the key `placeAfter` names). Equal values are left alone. Returns whether anything changed.
 */
export function reconcileMap(doc: Document, node: YAMLMap, desired: Record<string, unknown>, placeAfter: Record<string, string> = {}): boolean {
  let changed = false;
  for (const pair of [...node.items]) {
    const key = keyOf(pair);
    if (!Object.prototype.hasOwnProperty.call(desired, key)) {
      node.items.splice(node.items.indexOf(pair), 1);
      changed = true;
      continue;
    }
    const want = desired[key];
    if (isMap(pair.value) && isRecord(want)) {
      changed = reconcileMap(doc, pair.value, want) || changed;
    } else if (!sameValue(plainOf(pair.value), want)) {
      pair.value = createNode(doc, want, pair.value);
      changed = true;
    }
  }
  const present = new Set(node.items.map(keyOf));
  for (const [key, value] of Object.entries(desired)) {
    if (present.has(key)) continue;
    const pair = doc.createPair(key, value) as Pair;
    const after = placeAfter[key];
    const at = after === undefined ? -1 : node.items.findIndex((p) => keyOf(p) === after);
    if (at >= 0) node.items.splice(at + 1, 0, pair);
    else node.items.push(pair);
    present.add(key);
    changed = true;
  }
  return changed;
}

/** The root map of the document, created when the file is empty. */
function rootMap(doc: Document): YAMLMap {
  if (!isMap(doc.contents)) doc.contents = doc.createNode({}) as YAMLMap;
  return doc.contents as YAMLMap;
}

/**
 * The `sites` map or `hosts` list of the document. A missing section is added (`sites` before `hosts`); an empty
 * (`hosts:`) or non-collection value is replaced by an empty collection (the original crashed on a null section).
 */
export function section(doc: Document, name: 'sites'): YAMLMap;
export function section(doc: Document, name: 'hosts'): YAMLSeq;
export function section(doc: Document, name: 'sites' | 'hosts'): YAMLMap | YAMLSeq {
  const root = rootMap(doc);
  const pair = root.items.find((p) => keyOf(p) === name);
  const isRight = (v: unknown) => (name === 'sites' ? isMap(v) : isSeq(v));
  if (pair && isRight(pair.value)) return pair.value as YAMLMap | YAMLSeq;
  const empty = doc.createNode(name === 'sites' ? {} : []) as YAMLMap | YAMLSeq;
  if (pair) {
    pair.value = empty;
    return empty;
  }
  const created = doc.createPair(name, empty) as Pair;
  const hostsAt = root.items.findIndex((p) => keyOf(p) === 'hosts');
  if (name === 'sites' && hostsAt >= 0) root.items.splice(hostsAt, 0, created);
  else root.items.push(created);
  return empty;
}

/** Text value of `key` in a map node, or null. */
export function textAt(node: unknown, key: string): string | null {
  if (!isMap(node)) return null;
  const value = node.get(key);
  return typeof value === 'string' || typeof value === 'number' ? String(value) : null;
}

/** Appends `node` to a list, with a blank line before it when the list's entries are separated by blank lines. */
export function appendItem(list: YAMLSeq, node: Node): void {
  if (list.items.length > 1 && (list.items[list.items.length - 1] as Node | undefined)?.spaceBefore) node.spaceBefore = true;
  list.items.push(node);
}

/** A new map node for an entry. */
export function entryNode(doc: Document, value: Record<string, unknown>): YAMLMap {
  return doc.createNode(value) as YAMLMap;
}
