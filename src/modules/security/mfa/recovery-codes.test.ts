import { describe, expect, it } from 'vitest';
import { hashRecoveryCode, newRecoveryCodes, normalizeRecoveryCode } from './recovery-codes';

describe('recovery codes', () => {
  it('makes ten distinct codes of two five-character groups', () => {
    const codes = newRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) {
      expect(code).toMatch(/^[0-9a-hjkmnp-tv-z]{5}-[0-9a-hjkmnp-tv-z]{5}$/);
      expect(normalizeRecoveryCode(code)).toBe(code.replace('-', ''));
    }
  });

  it('reads codes as people type them, and refuses what cannot be a code', () => {
    expect(normalizeRecoveryCode(' AB12C-DE34F ')).toBe('ab12cde34f');
    expect(normalizeRecoveryCode('oIl00-11111')).toBe('0110011111');
    expect(normalizeRecoveryCode('ab12c')).toBeNull();
    expect(normalizeRecoveryCode('ab12c-de34u')).toBeNull();
    expect(normalizeRecoveryCode("' OR 1=1 --")).toBeNull();
  });

  it('hashes under the key: another key gives another hash', () => {
    const code = 'ab12cde34f';
    expect(hashRecoveryCode(Buffer.alloc(32, 1), code)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashRecoveryCode(Buffer.alloc(32, 1), code)).not.toBe(hashRecoveryCode(Buffer.alloc(32, 2), code));
  });
});
