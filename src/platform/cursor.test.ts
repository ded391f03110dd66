import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppError } from './errors';
import { CursorCodec } from './cursor';
import { Secrets } from './secrets';

const codec = new CursorCodec(new Secrets(Buffer.alloc(32, 7)));
const position = z.object({ id: z.string(), price: z.number() }).strict();

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return error instanceof AppError ? error.code : 'not an AppError';
  }
  return undefined;
}

describe('CursorCodec', () => {
  it('round-trips a position', () => {
    const cursor = codec.encode('search', { id: 'a', price: 5 });
    expect(codec.decode('search', cursor, position)).toEqual({ id: 'a', price: 5 });
  });

  it('rejects forged, garbled, foreign-scope and mismatched cursors with INVALID_CURSOR', () => {
    const cursor = codec.encode('search', { id: 'a', price: 5 });
    const [body, signature] = cursor.split('.') as [string, string];
    const forgedBody = Buffer.from(JSON.stringify({ id: 'a', price: 1 })).toString('base64url');
    expect(codeOf(() => codec.decode('search', `${forgedBody}.${signature}`, position))).toBe('INVALID_CURSOR');
    expect(codeOf(() => codec.decode('search', 'garbage', position))).toBe('INVALID_CURSOR');
    expect(codeOf(() => codec.decode('search', `${body}.${signature}.x`, position))).toBe('INVALID_CURSOR');
    expect(codeOf(() => codec.decode('other-scope', cursor, position))).toBe('INVALID_CURSOR');
    const otherShape = codec.encode('search', { id: 'a' });
    expect(codeOf(() => codec.decode('search', otherShape, position))).toBe('INVALID_CURSOR');
    const otherKey = new CursorCodec(new Secrets(Buffer.alloc(32, 8)));
    expect(codeOf(() => otherKey.decode('search', cursor, position))).toBe('INVALID_CURSOR');
  });
});
