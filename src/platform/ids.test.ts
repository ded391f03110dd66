import { describe, expect, it } from 'vitest';
import { isUuid, newId } from './ids';

describe('newId (UUIDv7)', () => {
  it('is a valid version-7 UUID whose order follows creation time', () => {
    const early = newId(Date.parse('2026-01-01T00:00:00Z'));
    const late = newId(Date.parse('2026-01-01T00:00:00.001Z'));
    expect(isUuid(early)).toBe(true);
    expect(early[14]).toBe('7');
    expect(['8', '9', 'a', 'b']).toContain(early[19]);
    expect(early < late).toBe(true);
  });

  it('encodes the timestamp in the first 48 bits', () => {
    const at = Date.parse('2026-11-29T07:00:00.123Z');
    const id = newId(at);
    expect(parseInt(id.replaceAll('-', '').slice(0, 12), 16)).toBe(at);
  });
});
