/**
 * Splits rows for multi-row statements: SQLite caps bound parameters per statement (32766) and both dialects
 * slow down on huge statements, so inserts go in batches of a few hundred rows.
 */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const batches: T[][] = [];
  for (let start = 0; start < items.length; start += size) batches.push(items.slice(start, start + size));
  return batches;
}
