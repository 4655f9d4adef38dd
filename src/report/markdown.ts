/**
 * Markdown output safety. Everything that comes from a host or a log line is attacker-controllable (a user name in
 * a failed login is whatever the attacker typed), so it must not be able to open a heading, a link, raw HTML or
 * close a code fence in the report.
 */

// Control characters (and Unicode line/paragraph separators) would start a new Markdown block.
const CONTROL = /[\u0000-\u001f\u007f\u0085\u2028\u2029]/g;

/** One line of text: control characters become spaces. */
export function toSingleLine(text: string): string {
  return text.replace(CONTROL, ' ');
}

// Characters that open inline constructs anywhere: emphasis, code, links, HTML, entities, tables, strikethrough.
const INLINE_SPECIAL = /[\\`*[\]<>|~&]/g;
// An underscore inside a word (`web_01`) cannot open emphasis in CommonMark; elsewhere it can.
const LOOSE_UNDERSCORE = /(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])/g;
// Line starts that open a block: ATX heading (`# `), list item (`- `, `+ `, `1. `), setext underline or thematic
// break (`---`, `===`). Values sit mid-line in templates, but one may still land at the start of a line.
const BLOCK_STARTS: Array<[RegExp, string]> = [
  [/^(#{1,6})(?=\s|$)/, '\\$1'],
  [/^([-+])(?=\s|$)/, '\\$1'],
  [/^([-=])(?=[-=\s]*$)/, '\\$1'],
  [/^(\d{1,9})([.)])(?=\s|$)/, '$1\\$2'],
];

/**
 * Escapes text for inline Markdown (paragraphs, list items, headings, table cells). The result is one line whose
 * special characters are backslash-escaped, so it renders as the literal text and never as Markdown or HTML.
 */
export function escapeMarkdown(text: string): string {
  let out = toSingleLine(text).trim().replace(INLINE_SPECIAL, '\\$&').replace(LOOSE_UNDERSCORE, '\\_');
  for (const [pattern, replacement] of BLOCK_STARTS) out = out.replace(pattern, replacement);
  return out;
}

function longestBacktickRun(text: string): number {
  let longest = 0;
  for (const run of text.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  return longest;
}

/** A code span whose delimiter is longer than any backtick run in the text, so the text cannot end it. */
export function codeSpan(text: string): string {
  const line = toSingleLine(text);
  if (line === '') return '';
  const fence = '`'.repeat(longestBacktickRun(line) + 1);
  // A space on each side keeps a leading/trailing backtick from joining the fence; CommonMark strips one each.
  const pad = line.startsWith('`') || line.endsWith('`') || /^ .* $/.test(line) ? ' ' : '';
  return `${fence}${pad}${line}${pad}${fence}`;
}

/**
 * A fenced code block around lines of log text. The fence is longer than any backtick run in the content, so no
 * line can close it; Markdown renderers escape HTML inside code blocks.
 */
export function codeBlock(lines: readonly string[]): string {
  const body = lines.map(toSingleLine);
  const fence = '`'.repeat(Math.max(3, longestBacktickRun(body.join('\n')) + 1));
  return [fence, ...body, fence].join('\n');
}
