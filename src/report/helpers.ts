import type Handlebars from 'handlebars';
import { formatBytes, formatDuration, formatPercent, formatSigned, formatSignedBytes } from './format.js';
import { codeBlock, codeSpan, escapeMarkdown } from './markdown.js';

/** Name of the helper every `{{value}}` is routed through (see render.ts). */
export const ESCAPE_HELPER = 'escapeMarkdown';

type Env = typeof Handlebars;

function lines(value: unknown): string[] {
  if (Array.isArray(value)) return value.map((v) => String(v ?? ''));
  if (value === null || value === undefined) return [];
  return String(value).split('\n');
}

/**
 * Helpers available to every template. Formatting helpers return SafeStrings: their output is built from numbers
 * or is already escaped/fenced, so the automatic escaping must not touch it.
 */
export function registerHelpers(hb: Env): void {
  const safe = (text: string): Handlebars.SafeString => new hb.SafeString(text);
  hb.registerHelper(ESCAPE_HELPER, (value: unknown) => {
    if (value instanceof hb.SafeString) return value.toString();
    if (value === null || value === undefined) return '';
    return escapeMarkdown(String(value));
  });
  hb.registerHelper('bytes', (value: unknown) => safe(formatBytes(value)));
  hb.registerHelper('signedBytes', (value: unknown) => safe(formatSignedBytes(value)));
  hb.registerHelper('percent', (value: unknown) => safe(formatPercent(value)));
  hb.registerHelper('duration', (seconds: unknown) => safe(formatDuration(seconds)));
  hb.registerHelper('signed', (value: unknown) => safe(formatSigned(value)));
  hb.registerHelper('code', (value: unknown) => safe(codeSpan(value === null || value === undefined ? '' : String(value))));
  hb.registerHelper('codeBlock', (value: unknown) => safe(codeBlock(lines(value))));
  hb.registerHelper('inc', (value: unknown) => Number(value) + 1);
  hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  // `#if` treats 0 as false; a score change of 0 is still worth showing.
  hb.registerHelper('has', (value: unknown) => value !== null && value !== undefined);
  hb.registerHelper('gt', (a: unknown, b: unknown) => Number(a) > Number(b));
  // Joined, then escaped by the automatic escaping like any other value.
  hb.registerHelper('join', (list: unknown, separator: unknown) =>
    Array.isArray(list) ? list.map(String).join(typeof separator === 'string' ? separator : ', ') : '',
  );
}
