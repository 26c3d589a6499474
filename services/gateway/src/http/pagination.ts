import type { Page } from '@msec/contracts';
import { badCursor } from '../gateway.errors.js';
import { s } from './schema.js';

export type { Page };

/** Default and largest page size of every list endpoint. */
export const PAGE_SIZE = { default: 50, max: 200 } as const;

/** Query fields every list endpoint accepts: `?limit=` (1..200, default 50) and `?cursor=` from the previous page's `nextCursor`. */
export const pageQueryShape = {
  limit: s.int({ min: 1, max: PAGE_SIZE.max }).optional().describe(`items per page, 1..${PAGE_SIZE.max}, default ${PAGE_SIZE.default}`),
  cursor: s.string({ min: 1, max: 200 }).optional().describe("opaque: the previous page's nextCursor; omit for the first page"),
};

/** One page of a list: `nextCursor` is null on the last page. */

/** Encodes the position after the last item of a page as an opaque cursor. */
export function encodeCursor(position: string | number): string {
  return Buffer.from(JSON.stringify({ p: position })).toString('base64url');
}

/** Decodes a cursor from encodeCursor; undefined for the first page; 400 GATEWAY_BAD_CURSOR when it was not ours. */
export function decodeCursor(cursor: string | undefined): string | number | undefined {
  if (cursor === undefined) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { p?: unknown };
    if (typeof parsed.p === 'string' || typeof parsed.p === 'number') return parsed.p;
  } catch {
    // fall through
  }
  throw badCursor();
}

/** Builds a page from `limit + 1` fetched rows: the extra row only tells that there is a next page. */
export function pageOf<R, T>(rows: R[], limit: number, position: (row: R) => string | number, view: (row: R) => T): Page<T> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items: items.map(view), nextCursor: rows.length > limit && last !== undefined ? encodeCursor(position(last)) : null };
}
