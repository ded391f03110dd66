import { describe, expect, it } from 'vitest';
import { checkTotp, otpauthUri, seedBytes, totpCode, type TotpAlgorithm, type TotpParameters } from './totp';

// RFC 6238 Appendix B: 8-digit codes, 30 s steps; each hash has its own seed (Appendix A):
// the ASCII string "1234567890" repeated to 20 bytes (SHA-1), 32 bytes (SHA-256), 64 bytes (SHA-512).
const seed = (length: number) => Buffer.from('1234567890'.repeat(7).slice(0, length), 'ascii');
const vectors: [number, Record<TotpAlgorithm, string>][] = [
  [59, { sha1: '94287082', sha256: '46119246', sha512: '90693936' }],
  [1111111109, { sha1: '07081804', sha256: '68084774', sha512: '25091201' }],
  [1111111111, { sha1: '14050471', sha256: '67062674', sha512: '99943326' }],
  [1234567890, { sha1: '89005924', sha256: '91819424', sha512: '93441116' }],
  [2000000000, { sha1: '69279037', sha256: '90698825', sha512: '38618901' }],
  [20000000000, { sha1: '65353130', sha256: '77737706', sha512: '47863826' }],
];
const algorithms: TotpAlgorithm[] = ['sha1', 'sha256', 'sha512'];

describe('TOTP (RFC 6238)', () => {
  it('uses the seed length of each hash', () => {
    expect(seedBytes).toEqual({ sha1: 20, sha256: 32, sha512: 64 });
  });

  for (const algorithm of algorithms) {
    it(`reproduces every Appendix B vector for ${algorithm.toUpperCase()} with a ${seedBytes[algorithm]}-byte seed`, async () => {
      const parameters: TotpParameters = { algorithm, digits: 8, period: 30 };
      for (const [seconds, expected] of vectors) {
        const at = new Date(seconds * 1000);
        expect(await totpCode(seed(seedBytes[algorithm]), parameters, at)).toBe(expected[algorithm]);
        const check = await checkTotp(seed(seedBytes[algorithm]), parameters, expected[algorithm], at, null);
        expect(check).toEqual({ valid: true, timeStep: Math.floor(seconds / 30) });
      }
    });
  }

  it('a seed of the wrong length gives different codes (the vectors are seed-specific)', async () => {
    const code = await totpCode(seed(20), { algorithm: 'sha512', digits: 8, period: 30 }, new Date(59_000));
    expect(code).not.toBe('90693936');
  });

  const parameters: TotpParameters = { algorithm: 'sha1', digits: 6, period: 30 };
  const key = seed(20);
  const stepStart = new Date(1_000_000_020 * 1000); // the start of step 33_333_334

  it('accepts codes one step either side, and rejects older (expired) or later ones', async () => {
    const step = Math.floor(stepStart.getTime() / 30_000);
    for (const offset of [-1, 0, 1]) {
      const code = await totpCode(key, parameters, new Date(stepStart.getTime() + offset * 30_000));
      expect(await checkTotp(key, parameters, code, new Date(stepStart.getTime() + 29_000), null)).toEqual({ valid: true, timeStep: step + offset });
      expect(await checkTotp(key, parameters, code, stepStart, null)).toEqual({ valid: true, timeStep: step + offset });
    }
    for (const offset of [-3, -2, 2, 3]) {
      const code = await totpCode(key, parameters, new Date(stepStart.getTime() + offset * 30_000));
      const check = await checkTotp(key, parameters, code, new Date(stepStart.getTime() + 15_000), null);
      expect(check).toEqual({ valid: false, replayed: false });
    }
  });

  it('reports a code of an already used step as a replay', async () => {
    const step = Math.floor(stepStart.getTime() / 30_000);
    const code = await totpCode(key, parameters, stepStart);
    expect(await checkTotp(key, parameters, code, stepStart, step)).toEqual({ valid: false, replayed: true });
    expect(await checkTotp(key, parameters, code, stepStart, step - 1)).toEqual({ valid: true, timeStep: step });
  });

  it('rejects malformed codes without consulting the seed', async () => {
    for (const bad of ['', '12345', '1234567', 'abcdef', '12 345', '１２３４５６']) {
      expect(await checkTotp(key, parameters, bad, stepStart, null)).toEqual({ valid: false, replayed: false });
    }
  });

  it('builds an otpauth:// URI that authenticator apps read', () => {
    const uri = new URL(otpauthUri(key, parameters, 'Domus', 'ann@example.test'));
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(decodeURIComponent(uri.pathname)).toBe('/Domus:ann@example.test');
    expect(uri.searchParams.get('secret')).toBe('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
    expect(uri.searchParams.get('issuer')).toBe('Domus');
    // Defaults (SHA1, 6 digits, 30 s) may be left out; anything else must be spelled out.
    expect(uri.searchParams.get('digits') ?? '6').toBe('6');
    const strong = new URL(otpauthUri(seed(32), { algorithm: 'sha256', digits: 8, period: 30 }, 'Domus', 'ann@example.test'));
    expect(strong.searchParams.get('algorithm')).toBe('SHA256');
    expect(strong.searchParams.get('digits')).toBe('8');
  });
});
