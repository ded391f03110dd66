import { createHash, randomBytes } from 'node:crypto';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import type { User } from '../../identity';
import { mfaErrors } from './mfa.errors';
import { codeOf, metaOf, reauthenticationRequired, totpParameters, userActor, type MfaService, type RequestMeta, type SecondFactorMethod, type SessionCaller } from './mfa.service';
import { normalizeRecoveryCode } from './recovery-codes';
import { checkTotp } from './totp';

/** One proof of a second factor: exactly one member is set (the schema enforces it). */
export interface FactorProof {
  totpCode?: string;
  recoveryCode?: string;
  webauthn?: AuthenticationResponseJSON;
}

/** A log-in waiting for its second factor lives five minutes and survives five wrong proofs. */
export const pendingLogInMs = 5 * 60_000;
export const pendingLogInMaxFailures = 5;

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

/**
 * Proving a factor: the second step of a log-in (after the password, or when the risk engine
 * asks for a step-up), the passwordless passkey log-in, and step-up for an existing session.
 * Every success and every failure — wrong, expired or replayed codes, refused WebAuthn
 * responses — is recorded in the audit log.
 */
export class MfaVerifier {
  constructor(private readonly mfa: MfaService) {}

  /**
   * After a correct password: a pending log-in when the user must present a second factor
   * (they enrolled one, or `riskStepUp` — the risk engine asked for it). Null lets the log-in
   * finish; so does a risk step-up for a user who has no factor to present (the risk engine
   * sees that from `methods` being empty and decides).
   */
  async beginLogIn(userId: string, input: { riskStepUp: boolean; deviceId: string | null }) {
    const methods = await this.mfa.methodsFor(userId);
    if (methods.length === 0) return null;
    const now = this.mfa.now();
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now.getTime() + pendingLogInMs);
    await this.mfa.repository.insertPendingLogin({
      id: sha256(token),
      user_id: userId,
      reason: input.riskStepUp ? 'risk_step_up' : 'enrolled_factor',
      device_id: input.deviceId,
      created_at: now,
      expires_at: expiresAt,
      failures: 0,
      completed_at: null,
    });
    return { mfaToken: token, methods, expiresAt };
  }

  /** The user of a live pending log-in (for passkey options at the second step); 401 otherwise. */
  async pendingUser(mfaToken: string): Promise<string> {
    const pending = await this.mfa.repository.findPendingLogin(sha256(mfaToken));
    const now = this.mfa.now();
    if (!pending || pending.completed_at || pending.expires_at.getTime() <= now.getTime() || pending.failures >= pendingLogInMaxFailures) {
      throw mfaErrors.MFA_TOKEN_INVALID('The log-in step expired or was used; log in with your password again.');
    }
    return pending.user_id;
  }

  /** Finishes a pending log-in with a factor; opens the session, marked MFA-verified. */
  async completeLogIn(mfaToken: string, proof: FactorProof, meta: RequestMeta) {
    const id = sha256(mfaToken);
    const pending = await this.mfa.repository.findPendingLogin(id);
    const now = this.mfa.now();
    if (!pending || pending.completed_at || pending.expires_at.getTime() <= now.getTime() || pending.failures >= pendingLogInMaxFailures) {
      await this.mfa.audit({ action: 'security.mfa.login.verify', outcome: 'failure', actor: userActor(pending?.user_id ?? null), details: { reason: 'MFA_TOKEN_INVALID' }, ...metaOf(meta) });
      throw mfaErrors.MFA_TOKEN_INVALID('The log-in step expired or was used; log in with your password again.');
    }
    let method: SecondFactorMethod;
    try {
      method = await this.prove(pending.user_id, proof, 'second_factor', meta);
    } catch (error) {
      await this.mfa.repository.countPendingLoginFailure(id);
      throw error;
    }
    if (!(await this.mfa.repository.completePendingLogin(id, this.mfa.now()))) {
      throw mfaErrors.MFA_TOKEN_INVALID('The log-in step was completed by another request; log in again.');
    }
    const session = await this.mfa.identity.openSession(
      pending.user_id,
      { ip: meta.ip ?? undefined, userAgent: meta.userAgent },
      { mfaVerifiedAt: this.mfa.now(), deviceId: pending.device_id },
    );
    await this.mfa.audit({ action: 'security.login.succeeded', outcome: 'success', actor: userActor(pending.user_id), details: { method, secondFactor: true, reason: pending.reason }, ...metaOf(meta) });
    return { user: await this.mfa.identity.getUser(pending.user_id), session, method };
  }

  /**
   * Passwordless log-in: a discoverable passkey with user verification is two factors on its own.
   * `bindDevice` names the device the session binds to (the security module recognises the
   * browser and sets its device cookie, as a password log-in does).
   */
  async passkeyLogIn(response: AuthenticationResponseJSON, meta: RequestMeta, bindDevice?: (user: User) => Promise<string | null>) {
    let userId: string;
    try {
      userId = (await this.mfa.passkeys.verifyAuthentication('login', response, null)).user_id;
    } catch (error) {
      await this.mfa.audit({ action: 'security.mfa.passkey.login', outcome: 'failure', actor: userActor(null), details: { reason: codeOf(error) }, ...metaOf(meta) });
      throw error;
    }
    const user = await this.mfa.identity.getUser(userId);
    const deviceId = bindDevice ? await bindDevice(user) : null;
    const session = await this.mfa.identity.openSession(userId, { ip: meta.ip ?? undefined, userAgent: meta.userAgent }, { mfaVerifiedAt: this.mfa.now(), deviceId });
    await this.mfa.audit({ action: 'security.login.succeeded', outcome: 'success', actor: userActor(userId), details: { method: 'passkey', passwordless: true, deviceId }, ...metaOf(meta) });
    return { user, session };
  }

  /**
   * Step-up for the current session: a factor sets the session's mfa_verified_at; a password
   * counts only for an account that has no factor yet (and only as fresh authentication for
   * enrolling the first one, never as MFA).
   */
  async stepUp(caller: SessionCaller, proof: FactorProof & { password?: string }, meta: RequestMeta) {
    if (proof.password !== undefined) {
      const methods = await this.mfa.freshMethods(caller.userId);
      if (methods[0] !== 'password') {
        await this.mfa.audit({ action: 'security.mfa.step_up', outcome: 'denied', actor: userActor(caller.userId), details: { method: 'password', reason: 'account has factors' }, ...metaOf(meta) });
        throw reauthenticationRequired(methods);
      }
      if (!(await this.mfa.identity.checkPassword(caller.userId, proof.password))) {
        await this.mfa.audit({ action: 'security.mfa.step_up', outcome: 'failure', actor: userActor(caller.userId), details: { method: 'password' }, ...metaOf(meta) });
        throw mfaErrors.PASSWORD_INCORRECT('The password is wrong.', [{ path: 'password', message: 'is wrong' }]);
      }
      const now = this.mfa.now();
      await this.mfa.repository.recordReauthentication(caller.sessionId, caller.userId, now);
      await this.mfa.audit({ action: 'security.mfa.step_up', outcome: 'success', actor: userActor(caller.userId), details: { method: 'password' }, ...metaOf(meta) });
      return { method: 'password' as const, mfaVerifiedAt: caller.mfaVerifiedAt?.toISOString() ?? null, reauthenticatedAt: now.toISOString() };
    }
    const method = await this.prove(caller.userId, proof, 'step_up', meta);
    const at = await this.mfa.identity.markSessionMfaVerified(caller.sessionId);
    await this.mfa.audit({ action: 'security.mfa.step_up', outcome: 'success', actor: userActor(caller.userId), details: { method }, ...metaOf(meta) });
    return { method, mfaVerifiedAt: at.toISOString(), reauthenticatedAt: at.toISOString() };
  }

  /** Checks one proof against the user's factors; audits and throws a 4xx when it fails. */
  async prove(userId: string, proof: FactorProof, purpose: 'second_factor' | 'step_up', meta: RequestMeta): Promise<SecondFactorMethod> {
    const method: SecondFactorMethod = proof.totpCode !== undefined ? 'totp' : proof.recoveryCode !== undefined ? 'recovery_code' : 'passkey';
    const fail = async (error: Error, details: Record<string, unknown> = {}) => {
      await this.mfa.audit({ action: `security.mfa.${purpose}.verify`, outcome: 'failure', actor: userActor(userId), details: { method, reason: codeOf(error), ...details }, ...metaOf(meta) });
      return error;
    };
    if (method === 'totp') {
      const outcome = await this.proveTotp(userId, proof.totpCode as string);
      if (outcome === 'unavailable') throw await fail(mfaErrors.MFA_METHOD_UNAVAILABLE('No authenticator app is set up for this account.'));
      if (outcome === 'replayed') {
        await this.mfa.audit({ action: 'security.mfa.totp.replayed', outcome: 'denied', actor: userActor(userId), details: { purpose }, ...metaOf(meta) });
        throw mfaErrors.TOTP_CODE_REPLAYED('This code was used already; wait for the next code from your authenticator app.', [{ path: 'totpCode', message: 'was used already' }]);
      }
      if (outcome === 'invalid') throw await fail(mfaErrors.MFA_CODE_INVALID('The code is wrong or expired; enter the code your authenticator app shows now.', [{ path: 'totpCode', message: 'is wrong or expired' }]));
    } else if (method === 'recovery_code') {
      const normalized = normalizeRecoveryCode(proof.recoveryCode as string);
      const used = normalized !== null && (await this.mfa.repository.useRecoveryCode(userId, this.mfa.recoveryHash(normalized), this.mfa.now()));
      if (!used) throw await fail(mfaErrors.RECOVERY_CODE_INVALID('The recovery code is wrong or was used already.', [{ path: 'recoveryCode', message: 'is wrong or used' }]));
      const left = await this.mfa.repository.countUnusedRecoveryCodes(userId);
      await this.mfa.audit({ action: 'security.mfa.recovery_code.used', outcome: 'success', actor: userActor(userId), details: { purpose, left }, ...metaOf(meta) });
    } else {
      try {
        await this.mfa.passkeys.verifyAuthentication(purpose, proof.webauthn as AuthenticationResponseJSON, userId);
      } catch (error) {
        throw await fail(error as Error);
      }
    }
    await this.mfa.audit({ action: `security.mfa.${purpose}.verify`, outcome: 'success', actor: userActor(userId), details: { method }, ...metaOf(meta) });
    return method;
  }

  private async proveTotp(userId: string, code: string): Promise<'ok' | 'invalid' | 'replayed' | 'unavailable'> {
    const factors = await this.mfa.repository.activeFactors(userId, 'totp');
    if (factors.length === 0) return 'unavailable';
    const now = this.mfa.now();
    let replayed = false;
    for (const factor of factors) {
      const lastStep = factor.totp_last_step === null ? null : Number(factor.totp_last_step);
      const check = await checkTotp(this.mfa.seedOf(factor), totpParameters(factor), code, now, lastStep);
      if (check.valid) {
        // Compare-and-set: of two concurrent requests with one code, one wins, the other is a replay.
        if (await this.mfa.repository.advanceTotpStep(factor.id, check.timeStep, now)) return 'ok';
        replayed = true;
      } else if (check.replayed) {
        replayed = true;
      }
    }
    return replayed ? 'replayed' : 'invalid';
  }
}
