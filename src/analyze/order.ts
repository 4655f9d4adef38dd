import type { Finding, Severity } from '../types.js';

const SEVERITY_ORDER: Record<Severity, number> = { crit: 0, warn: 1, info: 2 };

/** Deterministic finding order: severity (crit first), then category, then subject, then key. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
    compareText(a.category, b.category) ||
    compareText(a.subject ?? '', b.subject ?? '') ||
    compareText(a.key, b.key)
  );
}

// Plain code-unit order, not localeCompare: the same on every machine and locale.
function compareText(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}
