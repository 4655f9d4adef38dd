/**
 * The filters of the audit listing from user text (`dthostmon db audit` flags, GET /api/v1/audit parameters),
 * checked once at the edge. Pure: the caller turns a problem into its own error (exit 2, HTTP 400).
 */
import { parseDurationSeconds } from '../config/schema-primitives.js';
import type { AuditQuery } from './audit-repo.js';

/** Events listed when no limit is given, and the most one listing returns. */
export const DEFAULT_AUDIT_LIMIT = 50;
export const MAX_AUDIT_LIMIT = 10_000;

/** `host`, `host.connected`, `delivery.dead_letter`: dotted lower-case words. */
const ACTION_NAME = /^[a-z][a-z_]*(?:\.[a-z][a-z_]*)*$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** The filters as given (absent: not filtered). */
export interface AuditFilterText {
  /** A duration back from now (`24h`, `7d`, `90m`) or an ISO date or time (`2026-03-01`, `2026-03-01T10:00Z`). */
  since?: string;
  host?: string;
  actions?: readonly string[];
  limit?: string;
}

export type AuditFilterResult = { ok: true; query: AuditQuery } | { ok: false; problem: string };

/** `since` as an ISO time: `now` minus a duration, or a date (UTC midnight) or date-time; null when neither. */
function sinceTime(text: string, now: Date): string | null {
  const seconds = parseDurationSeconds(text);
  if (typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0) return new Date(now.getTime() - seconds * 1000).toISOString();
  if (!ISO_DATE.test(text)) return null;
  const at = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
  return Number.isFinite(at) ? new Date(at).toISOString() : null;
}

/** Checks and converts the filters; the problem names the filter (`since`, `action`, `limit`) and what was expected. */
export function parseAuditFilter(text: AuditFilterText, now: Date): AuditFilterResult {
  const query: AuditQuery = { limit: DEFAULT_AUDIT_LIMIT };
  if (text.limit !== undefined) {
    const limit = /^\d{1,6}$/.test(text.limit) ? Number(text.limit) : NaN;
    if (!(limit >= 1 && limit <= MAX_AUDIT_LIMIT)) return { ok: false, problem: `limit ${JSON.stringify(text.limit)}: expected a number from 1 to ${MAX_AUDIT_LIMIT}` };
    query.limit = limit;
  }
  if (text.since !== undefined) {
    const since = sinceTime(text.since, now);
    if (since === null) return { ok: false, problem: `since ${JSON.stringify(text.since)}: expected a duration such as 24h or 7d, or a date such as 2026-03-01` };
    query.since = since;
  }
  const bad = (text.actions ?? []).find((a) => !ACTION_NAME.test(a));
  if (bad !== undefined) return { ok: false, problem: `action ${JSON.stringify(bad)}: expected an action such as host.connected, or a group such as host` };
  if (text.actions && text.actions.length > 0) query.actions = [...text.actions];
  if (text.host !== undefined) query.host = text.host;
  return { ok: true, query };
}
