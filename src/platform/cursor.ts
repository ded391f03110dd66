import { z } from 'zod';
import { platformErrors } from './errors';
import type { Secrets } from './secrets';

/**
 * Opaque keyset-pagination cursors: base64url JSON plus an HMAC, so a client can neither forge a
 * position nor smuggle values into the query. A garbled, forged or foreign cursor is a 400.
 */
export class CursorCodec {
  constructor(private readonly secrets: Secrets) {}

  encode(scope: string, position: Record<string, unknown>): string {
    const body = Buffer.from(JSON.stringify(position)).toString('base64url');
    return `${body}.${this.secrets.sign(`cursor:${scope}`, body)}`;
  }

  decode<T extends z.ZodType>(scope: string, cursor: string, schema: T): z.infer<T> {
    const [body, signature, extra] = cursor.split('.');
    if (!body || !signature || extra !== undefined || !this.secrets.verify(`cursor:${scope}`, body, signature)) {
      throw platformErrors.INVALID_CURSOR(
        'The cursor is not one this endpoint issued. Pass back nextCursor exactly as received, with the same filters and sort.',
        [{ path: 'query.cursor', message: 'invalid or tampered cursor' }],
      );
    }
    let position: unknown;
    try {
      position = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    } catch {
      throw platformErrors.INVALID_CURSOR('The cursor is garbled.', [{ path: 'query.cursor', message: 'garbled cursor' }]);
    }
    const parsed = schema.safeParse(position);
    if (!parsed.success) {
      throw platformErrors.INVALID_CURSOR('The cursor does not match this query; start again without a cursor.', [
        { path: 'query.cursor', message: 'cursor does not match the query' },
      ]);
    }
    return parsed.data;
  }
}
