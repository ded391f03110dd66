import { createHmac, randomInt } from 'node:crypto';

/**
 * Recovery codes: ten codes of ten Crockford base32 characters (50 bits each), shown once.
 * Stored as HMAC-SHA-256 under a server key rather than argon2: 50 random bits are not
 * guessable online (log-in attempts are limited), and the key makes a stolen table useless
 * offline; a slow hash would cost ~50 ms per stored code on every attempt for no gain.
 */
export const recoveryCodeCount = 10;
const alphabet = '0123456789abcdefghjkmnpqrstvwxyz';

export function newRecoveryCodes(count = recoveryCodeCount): string[] {
  return Array.from({ length: count }, () => {
    let code = '';
    for (let index = 0; index < 10; index += 1) code += alphabet[randomInt(alphabet.length)];
    return `${code.slice(0, 5)}-${code.slice(5)}`;
  });
}

/** Case, spaces and dashes do not matter; o/i/l read as 0/1/1 (Crockford), as people type them. */
export function normalizeRecoveryCode(input: string): string | null {
  const normalized = input
    .toLowerCase()
    .replace(/[\s-]/g, '')
    .replace(/o/g, '0')
    .replace(/[il]/g, '1');
  return /^[0-9a-hjkmnp-tv-z]{10}$/.test(normalized) ? normalized : null;
}

export function hashRecoveryCode(key: Buffer, normalized: string): string {
  return createHmac('sha256', key).update(normalized).digest('hex');
}
