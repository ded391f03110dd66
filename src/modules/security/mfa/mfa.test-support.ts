import { generate } from 'otplib';
import { expect } from 'vitest';
import { call, type Caller } from '../../../../test/support/api-client';
import type { TestDomus } from '../../../../test/support/harness';

/** Helpers the MFA API tests share: TOTP codes on the test clock, log-in, step-up, enrolment. */
export const password = 'correct horse battery staple';

export async function codeAt(secret: string, at: Date, algorithm: 'sha1' | 'sha256' | 'sha512' = 'sha1'): Promise<string> {
  return generate({ secret, algorithm, digits: 6, period: 30, epoch: Math.floor(at.getTime() / 1000) });
}

/** The cookies a browser would hold after these responses (session and device cookie), later ones winning. */
export function cookieOf(...responses: { cookies: { name: string; value: string }[] }[]): string {
  const jar = new Map<string, string>();
  for (const response of responses) for (const cookie of response.cookies) jar.set(cookie.name, cookie.value);
  if (!jar.has('domus_session')) throw new Error('no session cookie set');
  return [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
}

/** The cookies of a response, for the next request of the same browser (e.g. the device cookie). */
export function browserOf(...responses: { cookies: { name: string; value: string }[] }[]): { headers: Record<string, string> } {
  const jar = new Map<string, string>();
  for (const response of responses) for (const cookie of response.cookies) jar.set(cookie.name, cookie.value);
  return { headers: jar.size > 0 ? { cookie: [...jar].map(([name, value]) => `${name}=${value}`).join('; ') } : {} };
}

export async function logIn(domus: TestDomus, email: string) {
  return call(domus, { headers: {} }, 'POST', '/auth/login', { email, password });
}

export async function stepUpWithPassword(domus: TestDomus, caller: Caller) {
  const response = await call(domus, caller, 'POST', '/security/step-up', { password });
  expect(response.statusCode, response.body).toBe(200);
}

/** Enrols and confirms an authenticator app; returns its base32 secret and the recovery codes. */
export async function enrolTotp(domus: TestDomus, caller: Caller) {
  const started = await call(domus, caller, 'POST', '/security/mfa/totp', {});
  expect(started.statusCode, started.body).toBe(201);
  const { factorId, secret } = started.json() as { factorId: string; secret: string };
  const confirmed = await call(domus, caller, 'POST', `/security/mfa/totp/${factorId}/confirm`, { code: await codeAt(secret, domus.clock.now()) });
  expect(confirmed.statusCode, confirmed.body).toBe(200);
  return { factorId, secret, recoveryCodes: (confirmed.json() as { recoveryCodes: string[] }).recoveryCodes };
}

export async function auditActions(domus: TestDomus, userId: string | null) {
  const entries = await domus.platform.audit.entriesForActor(userId ? { type: 'user', id: userId } : { type: 'anonymous', id: null });
  return entries.map((entry) => `${entry.action}:${entry.outcome}`);
}
