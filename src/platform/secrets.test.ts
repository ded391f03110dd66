import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openAesGcm, sealAesGcm, Secrets } from './secrets';

describe('Secrets', () => {
  it('derives a different key per purpose, the same one for the same purpose and root', () => {
    const root = randomBytes(32);
    const a = new Secrets(root);
    expect(a.key('one').equals(new Secrets(root).key('one'))).toBe(true);
    expect(a.key('one').equals(a.key('two'))).toBe(false);
    expect(a.key('one').equals(new Secrets(randomBytes(32)).key('one'))).toBe(false);
  });
});

describe('AES-256-GCM', () => {
  const key = randomBytes(32);
  const aad = Buffer.from('table:column:row');

  it('round-trips with a fresh IV each time', () => {
    const first = sealAesGcm(key, Buffer.from('NL91ABNA0417164300'), aad);
    const second = sealAesGcm(key, Buffer.from('NL91ABNA0417164300'), aad);
    expect(first.iv.equals(second.iv)).toBe(false);
    expect(openAesGcm(key, first, aad).toString()).toBe('NL91ABNA0417164300');
  });

  it('refuses other additional data, a flipped bit, another key and a truncated tag', () => {
    const sealed = sealAesGcm(key, Buffer.from('secret'), aad);
    expect(() => openAesGcm(key, sealed, Buffer.from('table:column:other-row'))).toThrow();
    const flipped = Buffer.from(sealed.ciphertext);
    flipped[0] = (flipped[0] as number) ^ 1;
    expect(() => openAesGcm(key, { ...sealed, ciphertext: flipped }, aad)).toThrow();
    expect(() => openAesGcm(randomBytes(32), sealed, aad)).toThrow();
    expect(() => openAesGcm(key, { ...sealed, tag: sealed.tag.subarray(0, 4) }, aad)).toThrow();
  });
});
