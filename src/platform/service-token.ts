import { z } from 'zod';
import type { Clock } from './clock';
import { newId } from './ids';
import type { Secrets } from './secrets';

/**
 * Signed, short-lived tokens for service-to-service calls (workers, the chain indexer, an
 * operator's script): `dst_<claims>.<signature>`, where the claims are base64url JSON
 * `{ sub, scp, iat, exp, jti }` and the signature is an HMAC-SHA-256 under a key derived from the
 * root secret for this purpose only (platform/secrets.ts), so no other signed value of Domus can
 * be replayed as a service token. Every replica shares SECRET_KEY, so any node verifies what any
 * node issued, without a database lookup. Tokens live at most `maxServiceTokenSeconds`.
 */
export const maxServiceTokenSeconds = 900;
const purpose = 'service-token';
const clockSkewSeconds = 30;

const claimsSchema = z
  .object({
    sub: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/),
    scp: z.array(z.string().regex(/^[a-z0-9:._-]{1,64}$/)).max(32),
    iat: z.number().int(),
    exp: z.number().int(),
    jti: z.string().max(64),
  })
  .strict();
export type ServiceTokenClaims = z.infer<typeof claimsSchema>;

export function issueServiceToken(
  secrets: Secrets,
  clock: Clock,
  input: { name: string; scopes: string[]; ttlSeconds?: number },
): { token: string; claims: ServiceTokenClaims } {
  const ttl = input.ttlSeconds ?? 300;
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > maxServiceTokenSeconds) throw new RangeError(`ttlSeconds must be a whole number from 1 to ${maxServiceTokenSeconds}`);
  const now = Math.floor(clock.now().getTime() / 1000);
  const claims = claimsSchema.parse({ sub: input.name, scp: [...new Set(input.scopes)], iat: now, exp: now + ttl, jti: newId() });
  const encoded = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return { token: `dst_${encoded}.${secrets.sign(purpose, encoded)}`, claims };
}

export type ServiceTokenCheck = { ok: true; claims: ServiceTokenClaims } | { ok: false; reason: 'malformed' | 'forged or tampered' | 'expired' | 'not yet valid' | 'too long-lived' };

export function verifyServiceToken(secrets: Secrets, clock: Clock, token: string): ServiceTokenCheck {
  const match = /^dst_([A-Za-z0-9_-]{10,2000})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match) return { ok: false, reason: 'malformed' };
  const [, encoded, signature] = match as unknown as [string, string, string];
  if (!secrets.verify(purpose, encoded, signature)) return { ok: false, reason: 'forged or tampered' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const claims = claimsSchema.safeParse(parsed);
  if (!claims.success) return { ok: false, reason: 'malformed' };
  const now = Math.floor(clock.now().getTime() / 1000);
  if (claims.data.exp <= now) return { ok: false, reason: 'expired' };
  if (claims.data.iat > now + clockSkewSeconds) return { ok: false, reason: 'not yet valid' };
  if (claims.data.exp - claims.data.iat > maxServiceTokenSeconds) return { ok: false, reason: 'too long-lived' };
  return { ok: true, claims: claims.data };
}
