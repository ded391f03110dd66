import { createHash } from 'node:crypto';
import type { Domus } from '../../src/app';

/**
 * Marks a test user's session as having passed a second factor now — what MFA's
 * POST /api/v1/security/step-up does after verifying a factor — so tests of routes that demand
 * step-up (accepting an offer) can exercise them without enrolling a factor first.
 */
export async function stepUp(domus: Domus, caller: { cookie: string } | { headers: { cookie?: string } }): Promise<void> {
  const cookie = 'cookie' in caller ? caller.cookie : caller.headers.cookie;
  const token = cookie ? /domus_session=([^;]+)/.exec(cookie)?.[1] : undefined;
  if (!token) throw new Error('stepUp needs a session cookie');
  await domus.modules.identity.service.markSessionMfaVerified(createHash('sha256').update(token).digest('hex'));
}
