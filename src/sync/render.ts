/**
 * Turns the edited Document back into text that differs from the original file only where sync changed something.
 *
 * The yaml library keeps comments, order and quoting, but re-spaces a few things on output (`key:   value  # c`
 * becomes `key: value # c`, `[a, b]` may gain padding). So the original and the edited document are both printed,
 * and every line the edit did not touch is taken from the original file as it was written. When the library's
 * round trip does not line up with the original line for line (rare: folded strings, odd layouts), the library's
 * output is used as is.
 */
import { parseDocument, type Document, type ToStringOptions } from 'yaml';
import { diffLines } from '../util/unified-diff.js';

export interface FileStyle {
  indent: number;
  /** `hosts:\n  - name` (true) or `hosts:\n- name` (false). */
  indentSeq: boolean;
  /** `[ a, b ]` (true) or `[a, b]` (false). */
  flowPadding: boolean;
}

const KEY_ONLY_LINE = /^(\s*)[^\s#-][^:#]*:\s*(#.*)?$/;
const ITEM_LINE = /^(\s*)- /;

/** The indentation style of a YAML text; a new file gets 2 spaces and indented lists. */
export function detectStyle(text: string): FileStyle {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
  const indents = lines.map((l) => l.length - l.trimStart().length).filter((n) => n > 0);
  const indent = indents.length > 0 ? Math.min(...indents, 8) : 2;
  let indentSeq = true;
  for (let i = 0; i + 1 < lines.length; i += 1) {
    const key = KEY_ONLY_LINE.exec(lines[i] as string);
    const item = key ? ITEM_LINE.exec(lines[i + 1] as string) : null;
    if (key && item) {
      indentSeq = (item[1] as string).length > (key[1] as string).length;
      break;
    }
  }
  const flowPadding = /[[{] \S/.test(text) && !/[[{][^\s\]}]/.test(text);
  return { indent, indentSeq, flowPadding };
}

function options(style: FileStyle): ToStringOptions {
  return { indent: style.indent, indentSeq: style.indentSeq, flowCollectionPadding: style.flowPadding, lineWidth: 0 };
}

const squash = (line: string): string => line.replace(/\s+/g, '');

/** The text of `edited`, with every line it shares with `original` written as in `original`. */
export function renderDocument(edited: Document, original: string): string {
  const style = detectStyle(original);
  const next = edited.toString(options(style));
  if (original.trim() === '') return next;
  const originalLines = original.replace(/\n$/, '').split('\n');
  const roundTrip = parseDocument(original).toString(options(style)).replace(/\n$/, '').split('\n');
  const aligned = roundTrip.length === originalLines.length && roundTrip.every((line, i) => squash(line) === squash(originalLines[i] as string));
  if (!aligned) return next;
  const nextLines = next.replace(/\n$/, '').split('\n');
  const out = diffLines(roundTrip, nextLines).flatMap((op) => {
    if (op.kind === 'equal') return [originalLines[op.a] as string];
    if (op.kind === 'insert') return [nextLines[op.b] as string];
    return [];
  });
  return `${out.join('\n')}\n`;
}
