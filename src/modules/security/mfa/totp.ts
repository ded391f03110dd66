import { randomBytes } from 'node:crypto';
import { generate, generateURI, ScureBase32Plugin, verify } from 'otplib';

/**
 * TOTP (RFC 6238) through otplib: generation, the otpauth:// URI for authenticator apps, and
 * verification that reports WHICH time step matched, so the caller can refuse a second use of
 * the same code (RFC 6238 §5.2: "the verifier MUST NOT accept the second attempt of the same OTP").
 */
export type TotpAlgorithm = 'sha1' | 'sha256' | 'sha512';

export interface TotpParameters {
  algorithm: TotpAlgorithm;
  digits: 6 | 8;
  period: number;
}

/** RFC 6238 Appendix A/B: the seed length matches the hash (HMAC-SHA-1 20 bytes, -256 32, -512 64). */
export const seedBytes: Record<TotpAlgorithm, number> = { sha1: 20, sha256: 32, sha512: 64 };
/** One step either way (±30 s) absorbs clock drift and typing time; older codes are expired. */
export const allowedDriftSteps = 1;

const base32 = new ScureBase32Plugin();

export function newTotpSeed(algorithm: TotpAlgorithm): Buffer {
  return randomBytes(seedBytes[algorithm]);
}

export function toBase32(seed: Uint8Array): string {
  return base32.encode(seed, { padding: false });
}

export function otpauthUri(seed: Uint8Array, parameters: TotpParameters, issuer: string, account: string): string {
  return generateURI({
    issuer,
    label: account,
    secret: toBase32(seed),
    algorithm: parameters.algorithm,
    digits: parameters.digits,
    period: parameters.period,
  });
}

export function totpCode(seed: Uint8Array, parameters: TotpParameters, at: Date): Promise<string> {
  return generate({ secret: seed, ...parameters, epoch: Math.floor(at.getTime() / 1000) });
}

export type TotpCheck = { valid: true; timeStep: number } | { valid: false; replayed: boolean };

/**
 * Checks a code within ±1 step of `at`. `lastUsedStep` is the step of the last accepted code of
 * this factor: a code of that step or earlier is a replay (reported as such, for the audit log).
 */
export async function checkTotp(
  seed: Uint8Array,
  parameters: TotpParameters,
  code: string,
  at: Date,
  lastUsedStep: number | null,
): Promise<TotpCheck> {
  if (!new RegExp(`^\\d{${parameters.digits}}$`).test(code)) return { valid: false, replayed: false };
  const options = {
    secret: seed,
    token: code,
    ...parameters,
    epoch: Math.floor(at.getTime() / 1000),
    epochTolerance: allowedDriftSteps * parameters.period,
  };
  const result = await verify(options);
  // verify() answers the TOTP result shape (with the matched period's start) for the TOTP strategy.
  if (!result.valid || !('epoch' in result)) return { valid: false, replayed: false };
  const timeStep = Math.floor(result.epoch / parameters.period);
  if (lastUsedStep !== null && timeStep <= lastUsedStep) return { valid: false, replayed: true };
  return { valid: true, timeStep };
}
