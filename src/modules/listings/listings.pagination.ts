import { z } from 'zod';
import type { CursorCodec } from '../../platform/cursor';
import { platformErrors } from '../../platform/errors';

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * Keyset cursors for lists in id order (properties, the workspace): the position is the last id,
 * bound to the list's owner and filter so that a cursor cannot continue another list.
 */
const keyPosition = z.object({ o: z.string(), s: z.string().nullable(), i: z.uuid() }).strict();

export function decodeKeyCursor(codec: CursorCodec, scope: string, cursor: string | undefined, owner: string, filter: string | null): string | undefined {
  if (cursor === undefined) return undefined;
  const position = codec.decode(scope, cursor, keyPosition);
  if (position.o !== owner || position.s !== filter) {
    throw platformErrors.INVALID_CURSOR('This cursor belongs to another list; start again without a cursor.', [
      { path: 'query.cursor', message: 'cursor does not match the query' },
    ]);
  }
  return position.i;
}

/** `items` holds up to limit + 1 rows: the extra one only tells that a next page exists. */
export function keyPage<T extends { id: string }>(codec: CursorCodec, items: T[], limit: number, scope: string, owner: string, filter: string | null): Page<T> {
  const page = items.slice(0, limit);
  const last = page.at(-1);
  return { items: page, nextCursor: items.length > limit && last ? codec.encode(scope, { o: owner, s: filter, i: last.id }) : null };
}
