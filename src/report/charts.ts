/**
 * Trend charts for reports: plain SVG line charts built as text (no DOM, no browser), and their PNG rendering.
 *
 * The same SVG serves both deliveries: inline in a saved HTML file, and as a PNG attached by Content-ID in email,
 * because Gmail and Outlook show no SVG. Output is deterministic for the same input (fixed number formatting, no
 * random ids, UTC time labels), so reports with charts can be compared with golden files. Every text from outside
 * (a title, a mount point as a series label) is XML-escaped, and no line of the SVG is longer than a few hundred
 * characters, so it can sit in an email body that allows 998 per line.
 */
import { Resvg } from '@resvg/resvg-js';

/** One sample: time (a Date or epoch milliseconds) and value. */
export interface ChartPoint {
  t: Date | number;
  v: number;
}

export interface ChartSeries {
  label: string;
  points: readonly ChartPoint[];
}

/** A dashed horizontal line across the plot, e.g. the lower edge of the configured warning or critical band. */
export interface ChartMarker {
  v: number;
  label: string;
  color?: string;
}

export interface LineChartOptions {
  title: string;
  /** Appended to the value labels of the y axis (`%`). */
  unit: string;
  series: readonly ChartSeries[];
  /** Size in CSS pixels. */
  width: number;
  height: number;
  /** Top of the y axis (100 for percentages); otherwise a round number above the largest value. */
  yMax?: number;
  /** Time range shown (the report period); defaults to the range of the samples. */
  from?: Date | number;
  to?: Date | number;
  markers?: readonly ChartMarker[];
  /**
   * Two samples further apart than this are not joined (the host was down, or not monitored). Default: three times
   * the usual spacing of the samples, and at least two plot pixels' worth of time.
   */
  gapMs?: number;
  /** Shown in an empty plot. */
  emptyText?: string;
}

/** Series colours, in order; readable on white and for the common colour-vision deficiencies (blue/orange first). */
const PALETTE = ['#2563eb', '#ea580c', '#16a34a', '#9333ea', '#0891b2', '#be123c', '#a16207', '#4b5563'];
const FONT = 'DejaVu Sans, Arial, Helvetica, sans-serif';
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Most x-axis labels shown: more would collide at 600 px. */
const MAX_TIME_TICKS = 7;
/** Path commands per line of the SVG text. */
const COMMANDS_PER_LINE = 16;
/** Approximate advance of one legend character at 11 px (DejaVu Sans is wide). */
const LEGEND_CHAR_PX = 6.6;

const XML_SPECIAL: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for SVG element content and attribute values; control characters become spaces. */
export function escapeXml(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, ' ').replace(/[&<>"']/g, (c) => XML_SPECIAL[c] as string);
}

const ms = (t: Date | number): number => (typeof t === 'number' ? t : t.getTime());
/** One decimal at most, no trailing `.0`, never `-0`: stable text for goldens. */
const num = (n: number): string => {
  const rounded = Math.round(n * 10) / 10;
  return Object.is(rounded, -0) ? '0' : String(rounded);
};

/** A round step (1, 2, 2.5 or 5 times a power of ten) at least `raw`. */
function niceStep(raw: number): number {
  const power = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * power >= raw) return m * power;
  return 10 * power;
}

interface Tick {
  at: number;
  label: string;
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

/**
 * UTC day or hour boundaries inside [from, to], at most MAX_TIME_TICKS of them. Ticks are multiples of the step
 * counted from the epoch, so the daily reports of a month label the same days.
 */
function timeTicks(from: number, to: number): Tick[] {
  const span = to - from;
  const isDays = span >= 2 * DAY_MS;
  const unit = isDays ? DAY_MS : HOUR_MS;
  const steps = isDays ? [1, 2, 5, 7, 14, 30, 60, 90, 180, 365] : [1, 2, 3, 6, 12, 24];
  const step = (steps.find((s) => span / (s * unit) <= MAX_TIME_TICKS) ?? (steps[steps.length - 1] as number)) * unit;
  const ticks: Tick[] = [];
  for (let at = Math.ceil(from / step) * step; at <= to; at += step) {
    const d = new Date(at);
    ticks.push({ at, label: isDays ? `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}` : `${pad2(d.getUTCHours())}:00` });
  }
  return ticks;
}

interface Plot {
  left: number;
  top: number;
  width: number;
  height: number;
  from: number;
  to: number;
  yMax: number;
}

const xOf = (p: Plot, t: number): number => p.left + ((t - p.from) / (p.to - p.from)) * p.width;
const yOf = (p: Plot, v: number): number => p.top + p.height - (Math.min(Math.max(v, 0), p.yMax) / p.yMax) * p.height;

/** Samples averaged per bucket of `bucketMs` (a 600 px chart cannot show more than one point per pixel anyway). */
function bucketed(points: ReadonlyArray<{ t: number; v: number }>, from: number, bucketMs: number): Array<{ t: number; v: number }> {
  const buckets = new Map<number, { tSum: number; vSum: number; n: number }>();
  for (const p of points) {
    const key = Math.floor((p.t - from) / bucketMs);
    const b = buckets.get(key) ?? { tSum: 0, vSum: 0, n: 0 };
    b.tSum += p.t;
    b.vSum += p.v;
    b.n += 1;
    buckets.set(key, b);
  }
  return [...buckets.entries()].sort((a, b) => a[0] - b[0]).map(([, b]) => ({ t: b.tSum / b.n, v: b.vSum / b.n }));
}

function medianSpacing(points: ReadonlyArray<{ t: number }>): number {
  const gaps: number[] = [];
  for (let i = 1; i < points.length; i++) gaps.push((points[i] as { t: number }).t - (points[i - 1] as { t: number }).t);
  if (gaps.length === 0) return 0;
  gaps.sort((a, b) => a - b);
  return gaps[Math.floor(gaps.length / 2)] as number;
}

/** Runs of points closer together than `gapMs`. */
function segments(points: ReadonlyArray<{ t: number; v: number }>, gapMs: number): Array<Array<{ t: number; v: number }>> {
  const runs: Array<Array<{ t: number; v: number }>> = [];
  let current: Array<{ t: number; v: number }> = [];
  for (const p of points) {
    const last = current[current.length - 1];
    if (last && p.t - last.t > gapMs) {
      runs.push(current);
      current = [];
    }
    current.push(p);
  }
  if (current.length > 0) runs.push(current);
  return runs;
}

/** Path data split over several lines (whitespace, newlines included, separates commands). */
function pathData(commands: string[]): string {
  const lines: string[] = [];
  for (let i = 0; i < commands.length; i += COMMANDS_PER_LINE) lines.push(commands.slice(i, i + COMMANDS_PER_LINE).join(' '));
  return lines.join('\n');
}

/** Legend rows: swatch and label per series, wrapped to the chart width. */
function legend(series: readonly ChartSeries[], left: number, top: number, width: number): { svg: string[]; height: number } {
  const out: string[] = [];
  let x = left;
  let y = top;
  series.forEach((s, i) => {
    const label = s.label.length > 40 ? `${s.label.slice(0, 39)}…` : s.label;
    const advance = 18 + label.length * LEGEND_CHAR_PX + 14;
    if (x > left && x + advance > left + width) {
      x = left;
      y += 16;
    }
    const color = PALETTE[i % PALETTE.length] as string;
    out.push(`<rect x="${num(x)}" y="${num(y - 4)}" width="12" height="3" fill="${color}"/>`);
    out.push(`<text x="${num(x + 16)}" y="${num(y)}" font-size="11" fill="#374151">${escapeXml(label)}</text>`);
    x += advance;
  });
  return { svg: out, height: y - top + 16 };
}

/**
 * A line chart: title, legend, y gridlines with value labels, UTC time labels on the x axis, one line per series
 * (samples averaged per two pixels, not joined across gaps, a lone sample drawn as a dot), and optional dashed
 * markers. Pure and deterministic.
 */
export function lineChartSvg(options: LineChartOptions): string {
  const { width, height } = options;
  const series = options.series.map((s) => ({
    label: s.label,
    points: s.points
      .map((p) => ({ t: ms(p.t), v: p.v }))
      .filter((p) => Number.isFinite(p.t) && Number.isFinite(p.v))
      .sort((a, b) => a.t - b.t),
  }));
  const all = series.flatMap((s) => s.points);
  let from = options.from === undefined ? Math.min(...all.map((p) => p.t)) : ms(options.from);
  let to = options.to === undefined ? Math.max(...all.map((p) => p.t)) : ms(options.to);
  if (!Number.isFinite(from) || !Number.isFinite(to)) [from, to] = [0, HOUR_MS];
  if (to <= from) to = from + HOUR_MS;

  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(options.title)}" font-family="${FONT}" style="display:block;max-width:100%;height:auto">`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="8" y="17" font-size="13" font-weight="bold" fill="#111827">${escapeXml(options.title)}</text>`,
  ];
  const left = 44;
  const right = 12;
  const shown = legend(options.series, left, 36, width - left - right);
  out.push(...shown.svg);
  const top = 36 + shown.height - 4;
  const plot: Plot = { left, top, width: width - left - right, height: Math.max(20, height - top - 24), from, to, yMax: 1 };

  const largest = Math.max(0, ...all.map((p) => p.v), ...(options.markers ?? []).map((m) => m.v));
  const step = niceStep(Math.max(options.yMax ?? largest * 1.1, 1e-9) / 4);
  plot.yMax = options.yMax ?? Math.max(step, Math.ceil((largest * 1.1) / step) * step);

  for (let v = 0; v <= plot.yMax + step / 1000; v += step) {
    const y = num(yOf(plot, v));
    out.push(`<line x1="${plot.left}" y1="${y}" x2="${plot.left + plot.width}" y2="${y}" stroke="#e5e7eb" stroke-width="1"/>`);
    out.push(`<text x="${plot.left - 4}" y="${num(yOf(plot, v) + 4)}" font-size="10" fill="#6b7280" text-anchor="end">${num(v)}${escapeXml(options.unit)}</text>`);
  }
  for (const tick of timeTicks(from, to)) {
    const x = num(xOf(plot, tick.at));
    out.push(`<line x1="${x}" y1="${plot.top}" x2="${x}" y2="${plot.top + plot.height}" stroke="#f3f4f6" stroke-width="1"/>`);
    out.push(`<text x="${x}" y="${plot.top + plot.height + 15}" font-size="10" fill="#6b7280" text-anchor="middle">${tick.label}</text>`);
  }
  out.push(
    `<line x1="${plot.left}" y1="${plot.top + plot.height}" x2="${plot.left + plot.width}" y2="${plot.top + plot.height}" stroke="#9ca3af" stroke-width="1"/>`,
  );
  for (const marker of options.markers ?? []) {
    const y = num(yOf(plot, marker.v));
    const color = marker.color ?? '#9ca3af';
    out.push(`<line x1="${plot.left}" y1="${y}" x2="${plot.left + plot.width}" y2="${y}" stroke="${escapeXml(color)}" stroke-width="1" stroke-dasharray="4 3"/>`);
    out.push(`<text x="${plot.left + plot.width - 2}" y="${num(yOf(plot, marker.v) - 3)}" font-size="9" fill="${escapeXml(color)}" text-anchor="end">${escapeXml(marker.label)}</text>`);
  }

  const bucketMs = (to - from) / Math.max(1, plot.width / 2);
  series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length] as string;
    const inRange = s.points.filter((p) => p.t >= from && p.t <= to);
    const points = bucketed(inRange, from, bucketMs);
    const gapMs = options.gapMs ?? Math.max(3 * medianSpacing(inRange), 2 * bucketMs);
    const commands: string[] = [];
    for (const run of segments(points, gapMs)) {
      if (run.length === 1) {
        const p = run[0] as { t: number; v: number };
        out.push(`<circle cx="${num(xOf(plot, p.t))}" cy="${num(yOf(plot, p.v))}" r="2" fill="${color}"/>`);
        continue;
      }
      run.forEach((p, k) => commands.push(`${k === 0 ? 'M' : 'L'}${num(xOf(plot, p.t))} ${num(yOf(plot, p.v))}`));
    }
    if (commands.length > 0) {
      out.push(`<path fill="none" stroke="${color}" stroke-width="1.5" stroke-linejoin="round" d="${pathData(commands)}"/>`);
    }
  });
  if (all.length === 0) {
    out.push(
      `<text x="${num(plot.left + plot.width / 2)}" y="${num(plot.top + plot.height / 2)}" font-size="12" fill="#6b7280" text-anchor="middle">${escapeXml(options.emptyText ?? 'no samples')}</text>`,
    );
  }
  out.push('</svg>');
  return out.join('\n');
}

/** Pixel density of the PNGs: twice the CSS size, so charts stay sharp on high-density screens. */
const PNG_ZOOM = 2;

/**
 * The chart as a PNG, for email (Gmail and Outlook do not show SVG). Rendered at twice its CSS size; the HTML gives
 * the image its CSS width. Text uses DejaVu Sans from the system fonts (fonts-dejavu-core), another sans-serif
 * when it is missing.
 */
export function svgToPng(svg: string): Buffer {
  const resvg = new Resvg(svg, {
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
    fitTo: { mode: 'zoom', value: PNG_ZOOM },
  });
  return Buffer.from(resvg.render().asPng());
}
