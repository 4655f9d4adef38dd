/**
 * The existing dthostmon.yaml: read as a yaml Document (so it can be edited in place), and its site and host
 * entries as the lowest layer of the merge.
 */
import { existsSync, readFileSync } from 'node:fs';
import { LineCounter, isMap, isSeq, parseDocument, type Document } from 'yaml';
import { ConfigError, errorMessage } from '../errors.js';
import { plainMessage } from '../config/yaml-tree.js';
import { canonicalize } from './canonical.js';
import { coerceList } from './coerce.js';
import { plainOf, textAt } from './document.js';
import type { ExistingHost } from './identity.js';
import { childInfo, type KeyInfo } from './schema-keys.js';
import { isRecord, type Layer } from './types.js';

export interface ConfigFile {
  text: string;
  isNewFile: boolean;
  doc: Document;
}

/** Reads and parses dthostmon.yaml; a missing file is an empty document. YAML errors are a located ConfigError. */
export function readConfigFile(path: string): ConfigFile {
  let text = '';
  const isNewFile = !existsSync(path);
  if (!isNewFile) {
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new ConfigError([{ file: path, path: '', message: `cannot read: ${errorMessage(err)}` }]);
    }
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => {
        const at = lineCounter.linePos(e.pos[0]);
        return { file: path, line: at.line, col: at.col, path: '', message: `invalid YAML: ${plainMessage(e.message)}` };
      }),
    );
  }
  if (doc.contents !== null && !isMap(doc.contents)) {
    throw new ConfigError([{ file: path, path: '', message: 'expected a map of sections (global, ssh, sites, hosts, ...)' }]);
  }
  return { text, isNewFile, doc };
}

/** The entries of `hosts` (their nodes, and name and site for matching them to folders). */
export function existingHosts(doc: Document): { entries: ExistingHost[]; nodes: unknown[] } {
  const hosts = isMap(doc.contents) ? doc.contents.get('hosts', true) : null;
  const nodes = isSeq(hosts) ? [...hosts.items] : [];
  return { nodes, entries: nodes.map((node, index) => ({ index, name: textAt(node, 'name'), site: textAt(node, 'site') })) };
}

/** Lists written as text (`tags: development`, by the original sync: GAP-S4) become lists. */
function normalizeLists(data: Record<string, unknown>, info: KeyInfo): void {
  for (const [key, value] of Object.entries(data)) {
    const child = childInfo(info, key);
    if (!child) continue;
    if (child.kind === 'list' && typeof value === 'string') data[key] = coerceList(child, value);
    else if (isRecord(value) && (child.kind === 'map' || child.kind === 'record')) normalizeLists(value, child);
  }
}

/**
 * An existing site or host entry as the lowest layer of the merge, in canonical keys (log_paths -> logs, ...). It has
 * no origins: its values were set in dthostmon.yaml. Anything but a map (`s02-austin: pass`) is an empty entry.
 */
export function existingLayer(node: unknown, root: KeyInfo): Layer {
  const plain = plainOf(node);
  const data = isRecord(plain) ? plain : {};
  normalizeLists(data, root);
  const layer: Layer = { data, origins: new Map() };
  canonicalize(layer);
  return layer;
}
