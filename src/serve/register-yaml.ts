/**
 * Adds one host entry to the text of dthostmon.yaml for self-registration, changing nothing else: the new entry's
 * lines are spliced in after the last entry of `hosts:`, so every other byte of the file (comments, spacing, quoting,
 * key order) stays as the operator wrote it. Only layouts where a splice cannot be placed safely (a flow list
 * `hosts: [{...}]`) go through the yaml Document API and sync's line-preserving renderer instead.
 */
import { Document, isMap, isScalar, isSeq, parseDocument, type Node, type Pair, type YAMLMap, type YAMLSeq } from 'yaml';
import { appendItem, entryNode, section } from '../sync/document.js';
import { detectStyle, renderDocument } from '../sync/render.js';

/** A host entry as it is written to `hosts:` (values as the loader will read them back). */
export interface RegisteredHostEntry {
  name: string;
  hostname: string;
  user?: string;
  /** Written only when it is not 22. */
  port?: number;
  site?: string;
  tags: string[];
  enabled: boolean;
}

/**
 * A value as it must be written so that the loader reads it back unchanged: `${` would be substituted from the
 * monitor's environment (a client could read a secret into a tag), so it is written `$${`, the loader's escape.
 */
export function escapeSubstitution(value: string): string {
  // A function, not the string '$${': in a replacement string `$$` means one `$`.
  return value.replaceAll('${', () => '$${');
}

/** The entry as a plain map in the order it is written (escaped for `${VAR}` substitution). */
export function entryData(entry: RegisteredHostEntry): Record<string, unknown> {
  const data: Record<string, unknown> = { name: entry.name, hostname: entry.hostname };
  if (entry.user !== undefined) data.user = escapeSubstitution(entry.user);
  if (entry.port !== undefined && entry.port !== 22) data.port = entry.port;
  if (entry.site !== undefined) data.site = entry.site;
  if (entry.tags.length > 0) data.tags = entry.tags.map(escapeSubstitution);
  data.enabled = entry.enabled;
  return data;
}

function keyOf(pair: Pair): string {
  return String(isScalar(pair.key) ? pair.key.value : pair.key);
}

/** The `- name: ...` lines of the entry, each prefixed with `indent` spaces, newline-terminated. */
function renderEntry(entry: RegisteredHostEntry, indent: number, comment: string | null, flowPadding: boolean): string {
  const doc = new Document([entryData(entry)]);
  const item = (doc.contents as YAMLSeq).items[0] as YAMLMap;
  const tags = item.get('tags', true);
  // Tags on one line, like the examples write them (`tags: [web, prod]`).
  if (isSeq(tags)) tags.flow = true;
  const body = doc.toString({ indent: 2, indentSeq: false, flowCollectionPadding: flowPadding, lineWidth: 0 });
  const pad = ' '.repeat(indent);
  const lines = body.replace(/\n$/, '').split('\n');
  if (comment !== null) lines.unshift(`# ${comment}`);
  return lines.map((line) => `${pad}${line}\n`).join('');
}

/** Offset just past the end of the line holding `offset` (past its newline; the text length at the end). */
function endOfLine(text: string, offset: number): number {
  const newline = text.indexOf('\n', offset);
  return newline < 0 ? text.length : newline + 1;
}

/** Column of the `-` that starts the list item whose content begins at `start`, or -1. */
function dashColumn(text: string, start: number): number {
  let i = start - 1;
  while (i >= 0 && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r')) i -= 1;
  if (text[i] !== '-') return -1;
  return i - (text.lastIndexOf('\n', i) + 1);
}

/** Where a new item goes after the last item of a block list: past comment lines indented deeper than its dash. */
function afterLastItem(text: string, item: Node, dash: number): number {
  const range = item.range;
  if (!range) return -1;
  let at = range[1];
  // A value ending mid-line (a flow map, a trailing comment): the entry starts on the next line.
  if (at > 0 && text[at - 1] !== '\n') at = endOfLine(text, at);
  for (;;) {
    const next = endOfLine(text, at);
    const line = text.slice(at, next);
    const indent = line.length - line.trimStart().length;
    // A comment indented inside the last entry belongs to it (`    # disabled until ...`).
    if (next > at && line.trimStart().startsWith('#') && indent > dash) at = next;
    else return at;
  }
}

/** Inserts `block` at `at`, starting a new line first when the text there does not end with one. */
function splice(text: string, at: number, block: string): string {
  const before = text.slice(0, at);
  const separator = before === '' || before.endsWith('\n') ? '' : '\n';
  return `${before}${separator}${block}${text.slice(at)}`;
}

const EMPTY_VALUES = new Set(['', 'null', 'Null', 'NULL', '~', '[]']);

/** The new text by splicing, or null when the layout needs the Document API. */
function spliceEntry(text: string, entry: RegisteredHostEntry, comment: string | null): string | null {
  const doc = parseDocument(text);
  if (doc.errors.length > 0 || !isMap(doc.contents) || doc.contents.flow) return null;
  const root = doc.contents;
  const { flowPadding } = detectStyle(text);
  const pair = root.items.find((p) => keyOf(p) === 'hosts');
  if (!pair) {
    // No `hosts:` yet: a new section at the end of the file (only for a file that is one plain document).
    if (text.includes('\n---') || /^\.\.\.$/m.test(text)) return null;
    return splice(text, text.length, `hosts:\n${renderEntry(entry, 2, comment, flowPadding)}`);
  }
  const value = pair.value as Node | null;
  if (isSeq(value) && !value.flow && value.items.length > 0) {
    const last = value.items[value.items.length - 1] as Node;
    const dash = last.range ? dashColumn(text, last.range[0]) : -1;
    if (dash < 0) return null;
    const at = afterLastItem(text, last, dash);
    // Entries separated by blank lines get one before the new entry too.
    const gap = value.items.length > 1 && last.spaceBefore ? '\n' : '';
    return at < 0 ? null : splice(text, at, `${gap}${renderEntry(entry, dash, comment, flowPadding)}`);
  }
  const key = pair.key as Node;
  const written = value?.range ? text.slice(value.range[0], value.range[1]).trim() : '';
  const isEmpty = value === null || ((isScalar(value) && value.value === null) || (isSeq(value) && value.items.length === 0));
  if (!isEmpty || !EMPTY_VALUES.has(written) || !key.range) return null;
  // `hosts:`, `hosts: ~`, `hosts: []` (a comment after it is kept): the list starts on the next line.
  const keyColumn = key.range[0] - (text.lastIndexOf('\n', key.range[0] - 1) + 1);
  let current = text;
  if (written !== '' && value?.range) {
    let start = value.range[0];
    // `hosts: ~` -> `hosts:` (no trailing space left); `hosts: []  # none yet` -> `hosts:   # none yet`.
    if (/^[ \t]*(\r?\n|$)/.test(text.slice(value.range[1]))) while (start > 0 && (text[start - 1] === ' ' || text[start - 1] === '\t')) start -= 1;
    current = `${text.slice(0, start)}${text.slice(value.range[1])}`;
  }
  const lineEnd = endOfLine(current, key.range[0]);
  return splice(current, lineEnd, renderEntry(entry, keyColumn + 2, comment, flowPadding));
}

/** The new text through the Document API (a flow `hosts:` list), unchanged lines kept by sync's renderer. */
function documentEntry(text: string, entry: RegisteredHostEntry, comment: string | null): string {
  const doc = parseDocument(text);
  const list = section(doc, 'hosts');
  const node = entryNode(doc, entryData(entry));
  const tags = node.get('tags', true);
  if (isSeq(tags)) tags.flow = true;
  if (comment !== null) node.commentBefore = ` ${comment}`;
  appendItem(list, node);
  return renderDocument(doc, text);
}

/**
 * The config text with `entry` appended to `hosts:` (with `comment` as a `#` line above it, or none). Everything else
 * is left byte for byte where the layout allows it (see the file comment). The caller validates the result.
 */
export function addHostEntry(text: string, entry: RegisteredHostEntry, comment: string | null = null): string {
  return spliceEntry(text, entry, comment) ?? documentEntry(text, entry, comment);
}
