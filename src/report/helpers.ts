import type Handlebars from 'handlebars';
import { formatBytes, formatDuration, formatPercent, formatSigned, formatSignedBytes, formatUsd } from './format.js';
import { codeBlock, codeSpan, escapeMarkdown, toSingleLine } from './markdown.js';

/** Name of the helper every `{{value}}` is routed through (see render.ts). */
export const ESCAPE_HELPER = 'escapeValue';

/**
 * The output format of a template, from its name: `host-report.html` -> html, `alert.txt` -> text, anything else
 * (`host-report.md`) -> markdown. It decides how every `{{value}}` is escaped and how `code`/`codeBlock` print.
 */
export type TemplateFormat = 'markdown' | 'html' | 'text';

export function formatOfTemplate(name: string): TemplateFormat {
  if (name.endsWith('.html')) return 'html';
  if (name.endsWith('.txt')) return 'text';
  return 'markdown';
}

const HTML_SPECIAL: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;', '=': '&#61;' };

/** Text for HTML element content and quoted attribute values: every markup character escaped, one line. */
export function escapeHtml(text: string): string {
  return toSingleLine(text).replace(/[&<>"'`=]/g, (c) => HTML_SPECIAL[c] as string);
}

/** Inline style of code in HTML reports (email clients drop <style> blocks, so styles are inline). */
const HTML_CODE_STYLE = 'font-family:Menlo,Consolas,monospace;font-size:12px;background:#f3f4f6;padding:1px 4px;border-radius:3px;';
const HTML_PRE_STYLE =
  'font-family:Menlo,Consolas,monospace;font-size:12px;line-height:1.4;background:#f3f4f6;padding:8px;margin:4px 0 8px 0;white-space:pre-wrap;word-break:break-all;overflow-wrap:anywhere;';

/** How each format prints a value, a code span and a block of log lines. */
const FORMATS: Record<TemplateFormat, { escape(text: string): string; code(text: string): string; block(lines: string[]): string }> = {
  markdown: { escape: escapeMarkdown, code: codeSpan, block: codeBlock },
  html: {
    escape: escapeHtml,
    code: (text) => (text === '' ? '' : `<code style="${HTML_CODE_STYLE}">${escapeHtml(text)}</code>`),
    block: (lines) => `<pre style="${HTML_PRE_STYLE}">${lines.map(escapeHtml).join('\n')}</pre>`,
  },
  // Plain text needs no escaping, but a value must stay on its line (a log line cannot forge report structure).
  text: {
    escape: (text) => toSingleLine(text).trim(),
    code: (text) => toSingleLine(text),
    block: (lines) => lines.map((line) => `    ${toSingleLine(line)}`).join('\n'),
  },
};

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
export function registerHelpers(hb: Env, format: TemplateFormat = 'markdown'): void {
  const out = FORMATS[format];
  const safe = (text: string): Handlebars.SafeString => new hb.SafeString(text);
  hb.registerHelper(ESCAPE_HELPER, (value: unknown) => {
    if (value instanceof hb.SafeString) return value.toString();
    if (value === null || value === undefined) return '';
    return out.escape(String(value));
  });
  hb.registerHelper('bytes', (value: unknown) => safe(formatBytes(value)));
  hb.registerHelper('signedBytes', (value: unknown) => safe(formatSignedBytes(value)));
  hb.registerHelper('percent', (value: unknown) => safe(formatPercent(value)));
  hb.registerHelper('duration', (seconds: unknown) => safe(formatDuration(seconds)));
  hb.registerHelper('signed', (value: unknown) => safe(formatSigned(value)));
  hb.registerHelper('usd', (value: unknown) => safe(formatUsd(value)));
  hb.registerHelper('code', (value: unknown) => safe(out.code(value === null || value === undefined ? '' : String(value))));
  hb.registerHelper('codeBlock', (value: unknown) => safe(out.block(lines(value))));
  hb.registerHelper('inc', (value: unknown) => Number(value) + 1);
  hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  // `#if` treats 0 as false; a score change of 0 is still worth showing.
  hb.registerHelper('has', (value: unknown) => value !== null && value !== undefined);
  hb.registerHelper('gt', (a: unknown, b: unknown) => Number(a) > Number(b));
  // Joined, then escaped by the automatic escaping like any other value.
  hb.registerHelper('join', (list: unknown, separator: unknown) =>
    Array.isArray(list) ? list.map(String).join(typeof separator === 'string' ? separator : ', ') : '',
  );
  hb.registerHelper('or', (...args: unknown[]) => args.slice(0, -1).some(Boolean));
  hb.registerHelper('chart', (chart: unknown, options: Handlebars.HelperOptions) => {
    const root = (options?.data as { root?: { media?: unknown } } | undefined)?.root;
    return safe(chartMarkup(chart, format, root?.media === 'email' ? 'email' : 'file'));
  });
}

/** The parts of a report chart (src/report/charts.ts via the report model) that the `chart` helper prints. */
interface ChartLike {
  cid: string;
  alt: string;
  width: number;
  height: number;
  svg: string;
}

function isChart(value: unknown): value is ChartLike {
  const c = value as Partial<ChartLike> | null;
  return (
    typeof c === 'object' &&
    c !== null &&
    typeof c.cid === 'string' &&
    typeof c.alt === 'string' &&
    typeof c.svg === 'string' &&
    Number.isFinite(c.width) &&
    Number.isFinite(c.height)
  );
}

/**
 * `{{chart c}}`: in HTML for email, an <img> of the chart's PNG by Content-ID (Gmail and Outlook show no SVG), with
 * its CSS size and a text alternative; in a saved HTML file, the SVG inline (self-contained, sharp at any zoom). The
 * SVG is built by lineChartSvg, which escapes every text in it. Markdown and text show the text alternative.
 */
function chartMarkup(chart: unknown, format: TemplateFormat, media: 'email' | 'file'): string {
  if (!isChart(chart)) return '';
  if (format !== 'html') return FORMATS[format].escape(chart.alt);
  if (media === 'file') return chart.svg;
  const width = Math.round(chart.width);
  const height = Math.round(chart.height);
  return (
    `<img src="cid:${escapeHtml(chart.cid)}" width="${width}" height="${height}" alt="${escapeHtml(chart.alt)}" ` +
    `style="display:block;width:100%;max-width:${width}px;height:auto;border:0;outline:none;text-decoration:none;">`
  );
}
