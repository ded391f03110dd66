import { describe, expect, it } from 'vitest';
import { Secrets } from '../../../platform/secrets';
import { SecretBox } from './secret-box';

describe('SecretBox (AES-256-GCM for TOTP seeds)', () => {
  const box = new SecretBox(new Secrets(Buffer.alloc(32, 7)));
  const seed = Buffer.from('12345678901234567890', 'ascii');

  it('round-trips, with a fresh IV each time', () => {
    const first = box.seal(seed, 'factor-1');
    const second = box.seal(seed, 'factor-1');
    expect(first).toMatch(/^v1\.[\w-]{16}\.[\w-]{22}\.[\w-]+$/);
    expect(first).not.toBe(second);
    expect(box.open(first, 'factor-1')).toEqual(seed);
    expect(first).not.toContain(seed.toString('base64url'));
  });

  it('refuses a ciphertext moved to another factor, a tampered one, another key and unknown formats', () => {
    const sealed = box.seal(seed, 'factor-1');
    expect(() => box.open(sealed, 'factor-2')).toThrow();
    const parts = sealed.split('.');
    const flipped = Buffer.from(parts[3] as string, 'base64url');
    flipped[0] = (flipped[0] as number) ^ 1;
    expect(() => box.open([parts[0], parts[1], parts[2], flipped.toString('base64url')].join('.'), 'factor-1')).toThrow();
    expect(() => new SecretBox(new Secrets(Buffer.alloc(32, 8))).open(sealed, 'factor-1')).toThrow();
    expect(() => box.open(`v2.${parts.slice(1).join('.')}`, 'factor-1')).toThrow('unknown sealed-secret format');
  });
});
