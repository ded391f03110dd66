import type { Secrets } from '../../platform/secrets';

const purpose = 'realtime-token';

/**
 * Short-lived connect tokens for clients that cannot send the session cookie with the WebSocket
 * handshake (another origin, a native app, a y-websocket provider in Node). Signed with a key of
 * their own (HKDF purpose), they name the user and expire; they authorize connecting only, so a
 * leaked one is worth one minute of one user's rooms, and the room checks still apply.
 */
export class RealtimeTokens {
  constructor(private readonly secrets: Secrets, private readonly ttlMs: number) {}

  issue(userId: string, now: Date): { token: string; expiresAt: string } {
    const expiresAt = now.getTime() + this.ttlMs;
    const data = Buffer.from(JSON.stringify({ u: userId, e: expiresAt })).toString('base64url');
    return { token: `${data}.${this.secrets.sign(purpose, data)}`, expiresAt: new Date(expiresAt).toISOString() };
  }

  /** The user the token names, or null when it is forged, malformed or expired. */
  verify(token: string, now: Date): string | null {
    const [data, signature, extra] = token.split('.');
    if (!data || !signature || extra !== undefined || !this.secrets.verify(purpose, data, signature)) return null;
    try {
      const claims = JSON.parse(Buffer.from(data, 'base64url').toString('utf8')) as { u?: unknown; e?: unknown };
      if (typeof claims.u !== 'string' || typeof claims.e !== 'number' || claims.e <= now.getTime()) return null;
      return claims.u;
    } catch {
      return null;
    }
  }
}
