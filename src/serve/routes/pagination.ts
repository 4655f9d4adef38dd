/**
 * Pagination of the read routes: offset pages with bounds for lists (`limit` 1..500, default 100; `offset` from 0)
 * and an opaque keyset cursor for a host's results, which grow at the head while a client pages.
 */
import { z } from 'zod';
import type { ResultsCursor } from '../../store/api-results-repo.js';
import { intParam } from './params.js';

export const MAX_LIMIT = 500;
export const DEFAULT_LIMIT = 100;
/** Past this an offset page is a table scan in disguise: use filters instead. */
export const MAX_OFFSET = 100_000;

/** The `limit` and `offset` parameters of a list. */
export const pageParams = () => ({ limit: intParam(1, MAX_LIMIT, DEFAULT_LIMIT), offset: intParam(0, MAX_OFFSET, 0) });

/** The list envelope every paged endpoint returns. */
export function envelope<T>(items: T[], total: number, page: { limit: number; offset: number }) {
  return { items, total, limit: page.limit, offset: page.offset };
}

/** The cursor text of a position: base64url of `<started_at>|<id>`. */
export function encodeCursor(cursor: ResultsCursor): string {
  return Buffer.from(`${cursor.startedAt}|${cursor.id}`, 'utf8').toString('base64url');
}

const CURSOR_TEXT = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?Z)\|([1-9][0-9]{0,9})$/;

/** The `before` parameter: a cursor from a previous page's `next`. */
export function cursorParam() {
  return z
    .string()
    .max(100, 'expected the next cursor of a previous page')
    .transform((text, ctx) => {
      const match = CURSOR_TEXT.exec(Buffer.from(text, 'base64url').toString('utf8'));
      if (!match) {
        ctx.addIssue({ code: 'custom', message: 'expected the next cursor of a previous page' });
        return z.NEVER;
      }
      return { startedAt: match[1] as string, id: Number(match[2]) } satisfies ResultsCursor;
    })
    .optional();
}
