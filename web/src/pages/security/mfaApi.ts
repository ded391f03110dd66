import { startAuthentication, startRegistration } from '@simplewebauthn/browser';
import { request } from '../../api/client';
import type { User } from '../../api/types';

/** The MFA endpoints of the security module (docs/security.md, "MFA and passkeys"). */
export type FactorMethod = 'totp' | 'passkey' | 'recovery_code';

export interface Factor {
  id: string;
  kind: 'totp' | 'passkey';
  label: string;
  status: 'pending' | 'active';
  createdAt: string;
  confirmedAt: string | null;
  lastUsedAt: string | null;
  algorithm: string | null;
  backedUp: boolean | null;
}

export interface MfaOverview {
  factors: Factor[];
  recoveryCodes: { total: number; unused: number };
  methods: FactorMethod[];
}

export interface TotpEnrolment {
  factorId: string;
  otpauthUri: string;
  secret: string;
  digits: number;
  period: number;
  expiresAt: string;
}

export interface FactorChanged {
  factor: Factor | null;
  recoveryCodes: string[] | null;
  endedSessions: number;
}

export interface MfaRequired {
  status: 'mfa_required';
  mfaToken: string;
  methods: string[];
  expiresAt: string;
}

/** One proof of a factor; exactly one member. */
export type FactorProof = { password: string } | { totpCode: string } | { recoveryCode: string } | { webauthn: unknown };

type Purpose = 'login' | 'second_factor' | 'step_up';

async function passkeyAssertion(purpose: Purpose, mfaToken?: string) {
  const optionsJSON = await request<Parameters<typeof startAuthentication>[0]['optionsJSON']>('POST', '/security/passkeys/authentication/options', {
    json: { purpose, ...(mfaToken ? { mfaToken } : {}) },
  });
  return startAuthentication({ optionsJSON });
}

export const mfaApi = {
  overview: (signal?: AbortSignal) => request<MfaOverview>('GET', '/security/mfa', { signal }),
  startTotp: () => request<TotpEnrolment>('POST', '/security/mfa/totp', { json: {} }),
  confirmTotp: (factorId: string, code: string) =>
    request<FactorChanged>('POST', `/security/mfa/totp/${encodeURIComponent(factorId)}/confirm`, { json: { code } }),
  removeFactor: (factorId: string) => request<{ endedSessions: number }>('DELETE', `/security/mfa/factors/${encodeURIComponent(factorId)}`),
  regenerateRecoveryCodes: () => request<{ recoveryCodes: string[]; endedSessions: number }>('POST', '/security/mfa/recovery-codes'),
  async registerPasskey(label: string): Promise<FactorChanged> {
    const optionsJSON = await request<Parameters<typeof startRegistration>[0]['optionsJSON']>('POST', '/security/passkeys/registration/options');
    const response = await startRegistration({ optionsJSON });
    return request<FactorChanged>('POST', '/security/passkeys/registration', { json: { response, label } });
  },
  stepUp: (proof: FactorProof) => request<{ method: string; mfaVerifiedAt: string | null }>('POST', '/security/step-up', { json: proof }),
  /** Signs a step-up challenge with a passkey of the signed-in user. */
  stepUpWithPasskey: async () => mfaApi.stepUp({ webauthn: await passkeyAssertion('step_up') }),
  /** The second step of a log-in. */
  verifyLogIn: (mfaToken: string, proof: Exclude<FactorProof, { password: string }>) =>
    request<{ user: User; method: string }>('POST', '/security/mfa/verify', { json: { mfaToken, ...proof } }),
  verifyLogInWithPasskey: async (mfaToken: string) => mfaApi.verifyLogIn(mfaToken, { webauthn: await passkeyAssertion('second_factor', mfaToken) }),
  /** Passwordless log-in with a discoverable passkey. */
  passkeyLogIn: async () =>
    request<{ user: User; method: string }>('POST', '/security/passkeys/login', { json: { response: await passkeyAssertion('login') } }),
};

/** True when this browser can create and use passkeys at all. */
export function passkeysSupported(): boolean {
  return typeof window !== 'undefined' && typeof window.PublicKeyCredential === 'function';
}
