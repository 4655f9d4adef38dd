/**
 * What every parser returns: the value it could build and a note for each thing it could not read.
 * Parsers never throw on garbage input; a caller turns `problems` into a `CollectFailure` when it matters.
 */
export interface ParseResult<T> {
  value: T;
  problems: string[];
}

/** Parses a decimal that must be finite; null otherwise (so `NaN` never leaks into facts). */
export function toNumber(text: string | undefined): number | null {
  if (text === undefined || text.trim() === '') return null;
  const n = Number(text);
  return Number.isFinite(n) ? n : null;
}

/** Rounds to one decimal, the precision reports and thresholds use for percentages. */
export function roundPercent(value: number): number {
  return Math.round(value * 10) / 10;
}

/** Shortens a garbage line for a problem note, so a binary file does not flood the failures list. */
export function excerpt(line: string, maxChars = 60): string {
  const clean = line.replace(/[\x00-\x1f\x7f]/g, '?');
  return clean.length > maxChars ? `${clean.slice(0, maxChars)}…` : clean;
}
