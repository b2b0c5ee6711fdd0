import { z } from 'zod';
import type { Page } from './envelope.js';

/** Page size when `limit` is not given. */
export const DEFAULT_PAGE_LIMIT = 100;
/** Largest page any list answers. */
export const MAX_PAGE_LIMIT = 1000;

const CURSOR = /^[A-Za-z0-9_-]{1,64}$/;
const PAYLOAD = /^p:(0|[1-9][0-9]{0,15})$/;

/**
 * An opaque cursor for the position of the last item on a page (base64url, browser-safe). Lists
 * are ordered by a position that only grows (a database id, a backend's sequence number), so a
 * cursor stays valid when items are added or removed between pages.
 */
export function encodeCursor(position: number): string {
  return btoa(`p:${position}`).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

/** The position a cursor stands for, or null when `encodeCursor` did not make it. */
export function decodeCursor(cursor: string): number | null {
  if (!CURSOR.test(cursor)) return null;
  let text: string;
  try {
    text = atob(cursor.replaceAll('-', '+').replaceAll('_', '/'));
  } catch {
    return null;
  }
  const m = PAYLOAD.exec(text);
  return m ? Number(m[1]) : null;
}

const Cursor = z
  .string()
  .transform((value, ctx) => {
    const position = decodeCursor(value);
    if (position === null) {
      ctx.addIssue({ code: 'custom', message: 'not a cursor returned by this API' });
      return z.NEVER;
    }
    return position;
  })
  .meta({ description: 'The `nextCursor` of the previous page.' });

/** `?limit&cursor` of every list endpoint. */
export const PageQuery = z.strictObject({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_PAGE_LIMIT)
    .default(DEFAULT_PAGE_LIMIT)
    .meta({ description: `Items per page, 1-${MAX_PAGE_LIMIT}.` }),
  cursor: Cursor.optional(),
});
export type PageQuery = z.output<typeof PageQuery>;

/**
 * One page of `items`, which are sorted by `positionOf` ascending: the first `limit` items after
 * the cursor's position.
 */
export function paginate<T>(items: readonly T[], query: PageQuery, positionOf: (item: T) => number): Page<T> {
  let start = 0;
  if (query.cursor !== undefined) {
    while (start < items.length && positionOf(items[start] as T) <= query.cursor) start++;
  }
  const data = items.slice(start, start + query.limit);
  const last = data.at(-1);
  const more = start + query.limit < items.length;
  return { data, nextCursor: more && last !== undefined ? encodeCursor(positionOf(last)) : null };
}
