import { describe, expect, it } from 'vitest';
import { Secrets } from '../../platform/secrets';
import { CustodialKeys } from './custodial-keys';

describe('custodial wallet keys', () => {
  const keys = new CustodialKeys(new Secrets(Buffer.alloc(32, 7)));

  it('round-trips a generated key and never stores it in the clear', () => {
    const { address, encryptedKey } = keys.generate('user-1');
    const account = keys.open('user-1', address, encryptedKey);
    expect(account.address).toBe(address);
    expect(Buffer.from(encryptedKey, 'base64')).toHaveLength(12 + 16 + 32);
    // Two seals of the same key differ (fresh IV each time).
    expect(keys.seal('user-1', address, `0x${'11'.repeat(32)}`)).not.toBe(keys.seal('user-1', address, `0x${'11'.repeat(32)}`));
  });

  it('refuses a ciphertext moved to another user or address, tampered with, or under another root secret', () => {
    const { address, encryptedKey } = keys.generate('user-1');
    expect(() => keys.open('user-2', address, encryptedKey)).toThrow();
    expect(() => keys.open('user-1', keys.generate('user-1').address, encryptedKey)).toThrow();
    const tampered = Buffer.from(encryptedKey, 'base64');
    tampered[40] = (tampered[40] ?? 0) ^ 1;
    expect(() => keys.open('user-1', address, tampered.toString('base64'))).toThrow();
    expect(() => new CustodialKeys(new Secrets(Buffer.alloc(32, 8))).open('user-1', address, encryptedKey)).toThrow();
  });
});
