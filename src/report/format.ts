/** Number formatting for reports. Output is built from numbers only, so it is safe in Markdown as is. */

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
/** Shown for a value that was not measured. */
export const NOT_MEASURED = '–';

function isNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** 1536 -> `1.5 KiB` (binary units, one decimal from KiB up). */
export function formatBytes(sizeBytes: unknown): string {
  if (!isNumber(sizeBytes) || sizeBytes < 0) return NOT_MEASURED;
  let value = sizeBytes;
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${BYTE_UNITS[unit]}`;
}

/** 93.14 -> `93.1%`. */
export function formatPercent(percent: unknown): string {
  if (!isNumber(percent)) return NOT_MEASURED;
  return `${(Math.round(percent * 10) / 10).toFixed(1)}%`;
}

/** Seconds -> `12d 3h 4m` (largest two units; seconds only below a minute). */
export function formatDuration(seconds: unknown): string {
  if (!isNumber(seconds) || seconds < 0) return NOT_MEASURED;
  // A first pass's CPU window is often under a second: `0.7s`, not `0s`.
  if (seconds < 10 && !Number.isInteger(seconds)) return `${Math.round(seconds * 10) / 10}s`;
  const total = Math.floor(seconds);
  if (total < 60) return `${total}s`;
  const parts: Array<[number, string]> = [
    [Math.floor(total / 86400), 'd'],
    [Math.floor((total % 86400) / 3600), 'h'],
    [Math.floor((total % 3600) / 60), 'm'],
  ];
  const first = parts.findIndex(([n]) => n > 0);
  return parts
    .slice(first, first + 2)
    .filter(([n]) => n > 0)
    .map(([n, unit]) => `${n}${unit}`)
    .join(' ');
}

/** Score change with its sign: `+5`, `-8`, `±0`. */
/** `+1.2 GiB`, `-300.0 MiB`, `±0`; the not-measured mark for null (no history that far back). */
export function formatSignedBytes(value: unknown): string {
  if (!isNumber(value)) return NOT_MEASURED;
  if (value === 0) return '±0';
  return `${value > 0 ? '+' : '-'}${formatBytes(Math.abs(value))}`;
}

export function formatSigned(value: unknown): string {
  if (!isNumber(value)) return NOT_MEASURED;
  if (value === 0) return '±0';
  return value > 0 ? `+${value}` : `${value}`;
}

/**
 * US dollars with 4 decimals (`0.0042`): AI calls cost fractions of a cent. No currency sign: the templates name the
 * unit once in a heading (a `$` per value would pair up as LaTeX math in some Markdown viewers).
 */
export function formatUsd(value: unknown): string {
  if (!isNumber(value)) return NOT_MEASURED;
  return value.toFixed(4);
}

/** `2026-11-25 18:42:51 UTC`. */
export function formatUtc(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** `20261125T184251Z`: sorts by time, safe in file names. */
export function fileTimestamp(date: Date): string {
  return date.toISOString().slice(0, 19).replace(/[-:]/g, '') + 'Z';
}
