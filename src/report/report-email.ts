/**
 * Everything one report produces, rendered from one model: the Markdown report, the plain text, a self-contained
 * HTML file (charts as inline SVG), and the email (subject, plain-text alternative, HTML whose charts are PNG images
 * attached by Content-ID, and the Markdown report as an attachment). The email matches OutgoingEmail of mail.ts
 * without its recipients. Host and site reports share it: `template` names the templates, `kind` the attachment.
 */
import { svgToPng } from './charts.js';
import type { HostReportModel } from './host-report-model.js';
import type { Renderer } from './render.js';

/** An attachment; with `cid` it is an inline image the HTML shows as `<img src="cid:<cid>">`. */
export interface ReportAttachment {
  filename: string;
  content: Buffer | string;
  contentType: string;
  cid?: string;
}

export interface ReportEmailParts {
  subject: string;
  text: string;
  html: string;
  attachments: ReportAttachment[];
}

export interface ReportOutputs {
  markdown: string;
  text: string;
  /** One HTML file that needs nothing else: inline SVG charts, inline CSS. */
  htmlFile: string;
  email: ReportEmailParts;
}

/** The charts of a model, as report-email needs them (ReportChart of the host report model has these fields). */
export interface ChartImage {
  id: string;
  cid: string;
  svg: string;
}

export interface ReportSpec {
  /** `host` or `site`: the name of the Markdown attachment (`host_report_<name>_<YYYYMMDD>.md`). */
  kind: 'host' | 'site';
  /** Template base name: renders `<template>.md`, `<template>.txt`, `<template>.html` and `<template>-subject.txt`. */
  template: string;
  /** Host name or site id. */
  name: string;
  /** `YYYY-MM-DD...` (the model's generatedAt): the date in the attachment name. */
  generatedAt: string;
  /** The model; its `media` is set to `file` and to `email` for the two HTML renderings. */
  model: object;
  charts: readonly ChartImage[];
}

export interface ReportOutputOptions {
  /** SVG -> PNG (svgToPng by default). */
  toPng?: (svg: string) => Buffer;
}

/** RFC 5322: no line of a message may exceed 998 characters. */
export const MAX_LINE_LENGTH = 998;

/** Safe characters of a name in an attachment file name; others become `_`. */
function fileNamePart(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_').slice(0, 100) || '_';
}

/** `host_report_web-01_20261125.md`. */
export function markdownAttachmentName(kind: 'host' | 'site', name: string, generatedAt: string): string {
  const day = /^(\d{4})-(\d{2})-(\d{2})/.exec(generatedAt);
  return `${kind}_report_${fileNamePart(name)}_${day ? `${day[1]}${day[2]}${day[3]}` : 'undated'}.md`;
}

/** The rendered subject template, as one line without surrounding space. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * Renders every output of a report. Chart PNGs are attached only when the email HTML refers to their Content-ID (a
 * user template may leave charts out). Every line of both HTML versions is at most MAX_LINE_LENGTH characters.
 */
export function reportOutputs(renderer: Renderer, spec: ReportSpec, options: ReportOutputOptions = {}): ReportOutputs {
  const toPng = options.toPng ?? svgToPng;
  const markdown = renderer.render(`${spec.template}.md`, spec.model);
  const text = renderer.render(`${spec.template}.txt`, spec.model);
  const htmlFile = limitLineLength(renderer.render(`${spec.template}.html`, { ...spec.model, media: 'file' }));
  const html = limitLineLength(renderer.render(`${spec.template}.html`, { ...spec.model, media: 'email' }));
  const images: ReportAttachment[] = spec.charts
    .filter((chart) => html.includes(`cid:${chart.cid}`))
    .map((chart) => ({ filename: `${chart.cid.split('@')[0] ?? chart.id}.png`, content: toPng(chart.svg), contentType: 'image/png', cid: chart.cid }));
  return {
    markdown,
    text,
    htmlFile,
    email: {
      subject: oneLine(renderer.render(`${spec.template}-subject.txt`, spec.model)),
      text,
      html,
      attachments: [
        ...images,
        { filename: markdownAttachmentName(spec.kind, spec.name, spec.generatedAt), content: markdown, contentType: 'text/markdown; charset=utf-8' },
      ],
    },
  };
}

/** The outputs of a host report (templates `host-report.*`). */
export function hostReportOutputs(renderer: Renderer, model: HostReportModel, options: ReportOutputOptions = {}): ReportOutputs {
  return reportOutputs(
    renderer,
    { kind: 'host', template: 'host-report', name: model.host.name, generatedAt: model.generatedAt, model, charts: model.charts },
    options,
  );
}

const isAscii = (ch: string): boolean => ch.charCodeAt(0) < 0x80;

/**
 * Breaks HTML lines longer than `max` without changing what the page shows: inside a tag at a space (a newline is
 * whitespace there too), in text by inserting `<wbr\n>` (a line-break opportunity, invisible, also inside <pre>).
 * Never inside a character reference or a surrogate pair, and in text only before an ASCII character so that an
 * emoji sequence stays whole. Our templates keep <title>, <style> and SVG text short, where a tag would not belong.
 */
export function limitLineLength(html: string, max = MAX_LINE_LENGTH): string {
  return html
    .split('\n')
    .map((line) => (line.length <= max ? line : breakLine(line, max)))
    .join('\n');
}

function breakLine(line: string, max: number): string {
  const out: string[] = [];
  // Room for `<wbr` at the end of a line; breaking starts this far before the limit so an opportunity is found.
  const from = max - 64;
  let current = '';
  let inTag = false;
  let quote: string | null = null;
  let inEntity = false;
  for (const ch of line) {
    if (current.length >= from) {
      if (inTag && /\s/.test(ch)) {
        out.push(current);
        current = '';
        continue;
      }
      if (!inTag && !inEntity && ch !== '<' && isAscii(ch)) {
        out.push(`${current}<wbr`);
        current = '>';
      }
    }
    current += ch;
    if (inTag) {
      if (quote !== null) {
        if (ch === quote) quote = null;
      } else if (ch === '"' || ch === "'") {
        quote = ch;
      } else if (ch === '>') {
        inTag = false;
      }
    } else if (ch === '<') {
      inTag = true;
      inEntity = false;
    } else if (ch === '&') {
      inEntity = true;
    } else if (inEntity && (ch === ';' || /\s/.test(ch))) {
      inEntity = false;
    }
  }
  out.push(current);
  return out.join('\n');
}
