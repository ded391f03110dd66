import type { Clock } from '../../../platform/clock';
import type { Logger } from '../../../platform/logger';
import type { Secrets } from '../../../platform/secrets';
import { newId } from '../../../platform/ids';
import type { IdentityModule } from '../../identity';
import { mfaErrors } from './mfa.errors';
import type { FactorRow, MfaRepository, MfaTransaction } from './mfa.repository';
import type { PasskeyService } from './passkeys';
import { hashRecoveryCode, newRecoveryCodes } from './recovery-codes';
import { SecretBox } from './secret-box';
import { checkTotp, newTotpSeed, otpauthUri, toBase32, type TotpAlgorithm, type TotpParameters } from './totp';

export type SecondFactorMethod = 'totp' | 'passkey' | 'recovery_code';
export type FreshMethod = SecondFactorMethod | 'password';

/** One entry for the audit log; the shape of platform.audit's events. */
export interface MfaAuditEvent {
  action: string;
  outcome: 'success' | 'failure' | 'denied';
  actor: { type: 'user' | 'anonymous'; id: string | null };
  target?: { type: string; id: string } | null;
  ip?: string | null;
  requestId?: string | null;
  details?: Record<string, unknown>;
}
export type MfaAudit = (event: MfaAuditEvent) => Promise<void>;

export interface RequestMeta {
  ip: string | null;
  requestId: string | null;
  userAgent?: string;
}

/** A signed-in browser session (API keys cannot manage factors). */
export interface SessionCaller {
  userId: string;
  sessionId: string;
  mfaVerifiedAt: Date | null;
}

export interface MfaServiceOptions {
  clock: Clock;
  secrets: Secrets;
  logger: Logger;
  /** Shown in authenticator apps. */
  issuer: string;
  audit?: MfaAudit;
}

export type Identity = IdentityModule['service'];

/** Fresh authentication: a second factor (or, without one, the password) within five minutes. */
export const freshAuthenticationSeconds = 5 * 60;
/** An enrolment not confirmed by a first valid code within ten minutes is void. */
export const enrolmentTimeoutMs = 10 * 60_000;

export interface FactorView {
  id: string;
  kind: 'totp' | 'passkey';
  label: string;
  status: 'pending' | 'active';
  createdAt: string;
  confirmedAt: string | null;
  lastUsedAt: string | null;
  algorithm: TotpAlgorithm | null;
  backedUp: boolean | null;
}

/**
 * Factor management: TOTP enrolment and confirmation, passkey registration, removal and
 * recovery codes, each behind fresh authentication, each ending the user's other sessions
 * (whoever held them may not have known the new factor) and each recorded in the audit log.
 * Proving a factor (log-in, step-up) lives in mfa.verification.ts.
 */
export class MfaService {
  private readonly box: SecretBox;
  private readonly recoveryKey: Buffer;

  constructor(
    readonly repository: MfaRepository,
    readonly passkeys: PasskeyService,
    readonly identity: Identity,
    private readonly options: MfaServiceOptions,
  ) {
    this.box = new SecretBox(options.secrets);
    this.recoveryKey = options.secrets.key('security.mfa.recovery-codes.v1');
  }

  now(): Date {
    return this.options.clock.now();
  }

  async audit(event: MfaAuditEvent): Promise<void> {
    try {
      await this.options.audit?.(event);
    } catch (error) {
      this.options.logger.error({ err: error, action: event.action }, 'audit record failed');
    }
  }

  // ---- reading ---------------------------------------------------------------------------

  async methodsFor(userId: string): Promise<SecondFactorMethod[]> {
    const factors = await this.repository.activeFactors(userId);
    const methods = new Set<SecondFactorMethod>(factors.map((factor) => factor.kind));
    if (methods.size > 0 && (await this.repository.recoveryCodeCounts(userId)).unused > 0) methods.add('recovery_code');
    return [...methods];
  }

  async overview(userId: string) {
    const factors = (await this.repository.listFactors(userId)).filter(
      (factor) => factor.status === 'active' || factor.created_at.getTime() > this.now().getTime() - enrolmentTimeoutMs,
    );
    return {
      factors: factors.map(toFactorView),
      recoveryCodes: await this.repository.recoveryCodeCounts(userId),
      methods: await this.methodsFor(userId),
    };
  }

  // ---- fresh authentication --------------------------------------------------------------

  /** The methods that can prove freshness: the user's factors, or the password when there are none. */
  async freshMethods(userId: string): Promise<FreshMethod[]> {
    const methods = await this.methodsFor(userId);
    return methods.length > 0 ? methods : ['password'];
  }

  /** Throws 401 REAUTHENTICATION_REQUIRED (with a step-up challenge) unless the caller proved it is them lately. */
  async assertFresh(caller: SessionCaller): Promise<void> {
    const horizon = this.now().getTime() - freshAuthenticationSeconds * 1000;
    if (caller.mfaVerifiedAt && caller.mfaVerifiedAt.getTime() >= horizon) return;
    const methods = await this.freshMethods(caller.userId);
    if (methods[0] === 'password') {
      // A password only counts for an account without factors; otherwise a stolen password
      // plus a stolen session could remove the very factor meant to stop them.
      const reauthenticatedAt = await this.repository.lastReauthentication(caller.sessionId);
      if (reauthenticatedAt && reauthenticatedAt.getTime() >= horizon) return;
    }
    throw reauthenticationRequired(methods);
  }

  // ---- TOTP enrolment --------------------------------------------------------------------

  async startTotp(caller: SessionCaller, input: { label: string; algorithm: TotpAlgorithm }, meta: RequestMeta) {
    await this.assertFresh(caller);
    const user = await this.identity.getUser(caller.userId);
    const now = this.now();
    await this.repository.deleteStalePendingFactors(caller.userId, new Date(now.getTime() - enrolmentTimeoutMs));
    const parameters: TotpParameters = { algorithm: input.algorithm, digits: 6, period: 30 };
    const seed = newTotpSeed(input.algorithm);
    const id = newId(now.getTime());
    await this.repository.insertFactor({
      ...emptyFactor(id, caller.userId, 'totp', input.label, now),
      status: 'pending',
      totp_secret: this.box.seal(seed, id),
      totp_algorithm: parameters.algorithm,
      totp_digits: parameters.digits,
      totp_period: parameters.period,
    });
    await this.audit({ action: 'security.mfa.totp.enrolment_started', outcome: 'success', actor: userActor(caller.userId), target: { type: 'mfa_factor', id }, ...metaOf(meta) });
    return {
      factorId: id,
      otpauthUri: otpauthUri(seed, parameters, this.options.issuer, user.email),
      secret: toBase32(seed),
      ...parameters,
      expiresAt: new Date(now.getTime() + enrolmentTimeoutMs).toISOString(),
    };
  }

  /** The first valid code activates the factor; the first factor also brings recovery codes. */
  async confirmTotp(caller: SessionCaller, factorId: string, code: string, meta: RequestMeta) {
    const factor = await this.repository.findFactor(caller.userId, factorId);
    if (!factor || factor.kind !== 'totp') throw mfaErrors.FACTOR_NOT_FOUND(`No TOTP factor ${factorId} on your account.`);
    if (factor.status === 'active') throw mfaErrors.FACTOR_ALREADY_CONFIRMED('This authenticator is confirmed already.');
    const now = this.now();
    if (factor.created_at.getTime() + enrolmentTimeoutMs <= now.getTime()) {
      throw mfaErrors.ENROLMENT_EXPIRED('The enrolment expired after 10 minutes; start again for a new QR code.');
    }
    const check = await checkTotp(this.seedOf(factor), totpParameters(factor), code, now, null);
    if (!check.valid) {
      await this.audit({ action: 'security.mfa.totp.confirm', outcome: 'failure', actor: userActor(caller.userId), target: { type: 'mfa_factor', id: factorId }, ...metaOf(meta) });
      throw mfaErrors.MFA_CODE_INVALID('The code does not match; check the authenticator app shows this account and that the device clock is right.', [{ path: 'code', message: 'does not match' }]);
    }
    const recoveryCodes = await this.repository.transaction(async (trx) => {
      if (!(await this.repository.activateFactor(caller.userId, factorId, check.timeStep, now, trx))) {
        throw mfaErrors.FACTOR_ALREADY_CONFIRMED('This authenticator was confirmed by another request.');
      }
      return this.issueRecoveryCodesIfNone(caller.userId, trx);
    });
    return this.factorChanged(caller, 'security.mfa.factor.enrolled', factorId, { kind: 'totp' }, meta, recoveryCodes);
  }

  // ---- passkeys --------------------------------------------------------------------------

  async passkeyRegistrationOptions(caller: SessionCaller) {
    await this.assertFresh(caller);
    return this.passkeys.registrationOptions(await this.identity.getUser(caller.userId));
  }

  async registerPasskey(caller: SessionCaller, response: Parameters<PasskeyService['verifyRegistration']>[1], label: string, meta: RequestMeta) {
    await this.assertFresh(caller);
    let row: FactorRow;
    try {
      row = await this.passkeys.verifyRegistration(caller.userId, response, label);
    } catch (error) {
      await this.audit({ action: 'security.mfa.passkey.register', outcome: 'failure', actor: userActor(caller.userId), details: { reason: codeOf(error) }, ...metaOf(meta) });
      throw error;
    }
    const recoveryCodes = await this.repository.transaction(async (trx) => {
      await this.repository.insertFactor(row, trx);
      return this.issueRecoveryCodesIfNone(caller.userId, trx);
    });
    return this.factorChanged(caller, 'security.mfa.factor.enrolled', row.id, { kind: 'passkey' }, meta, recoveryCodes);
  }

  // ---- removal and recovery codes --------------------------------------------------------

  async removeFactor(caller: SessionCaller, factorId: string, meta: RequestMeta): Promise<{ endedSessions: number }> {
    await this.assertFresh(caller);
    const removed = await this.repository.transaction(async (trx) => {
      const factor = await this.repository.findFactor(caller.userId, factorId, trx);
      if (!factor) return null;
      await this.repository.deleteFactor(caller.userId, factorId, trx);
      // Recovery codes stand in for factors; with none left they would be a back door.
      if ((await this.repository.countActiveFactors(caller.userId, trx)) === 0) await this.repository.deleteRecoveryCodes(caller.userId, trx);
      return factor;
    });
    if (!removed) throw mfaErrors.FACTOR_NOT_FOUND(`No factor ${factorId} on your account.`);
    const result = await this.factorChanged(caller, 'security.mfa.factor.removed', factorId, { kind: removed.kind }, meta, null);
    return { endedSessions: result.endedSessions };
  }

  async regenerateRecoveryCodes(caller: SessionCaller, meta: RequestMeta) {
    await this.assertFresh(caller);
    if ((await this.repository.countActiveFactors(caller.userId)) === 0) {
      throw mfaErrors.MFA_METHOD_UNAVAILABLE('Set up an authenticator app or a passkey first; recovery codes stand in for one.');
    }
    const codes = await this.repository.transaction((trx) => this.replaceRecoveryCodes(caller.userId, trx));
    const endedSessions = await this.identity.revokeOtherSessions(caller.userId, caller.sessionId);
    await this.audit({ action: 'security.mfa.recovery_codes.regenerated', outcome: 'success', actor: userActor(caller.userId), details: { endedSessions }, ...metaOf(meta) });
    return { recoveryCodes: codes, endedSessions };
  }

  // ---- shared ----------------------------------------------------------------------------

  seedOf(factor: FactorRow): Buffer {
    return this.box.open(factor.totp_secret as string, factor.id);
  }

  recoveryHash(normalized: string): string {
    return hashRecoveryCode(this.recoveryKey, normalized);
  }

  private async issueRecoveryCodesIfNone(userId: string, trx: MfaTransaction): Promise<string[] | null> {
    return (await this.repository.countUnusedRecoveryCodes(userId, trx)) > 0 ? null : this.replaceRecoveryCodes(userId, trx);
  }

  private async replaceRecoveryCodes(userId: string, trx: MfaTransaction): Promise<string[]> {
    const now = this.now();
    const codes = newRecoveryCodes();
    await this.repository.replaceRecoveryCodes(
      userId,
      codes.map((code) => ({ id: newId(now.getTime()), user_id: userId, code_hash: this.recoveryHash(code.replace('-', '')), created_at: now, used_at: null })),
      trx,
    );
    return codes;
  }

  /** After an enrolment or removal: other sessions end, this one counts as freshly verified. */
  private async factorChanged(caller: SessionCaller, action: string, factorId: string, details: Record<string, unknown>, meta: RequestMeta, recoveryCodes: string[] | null) {
    const endedSessions = await this.identity.revokeOtherSessions(caller.userId, caller.sessionId);
    if (action === 'security.mfa.factor.enrolled') await this.identity.markSessionMfaVerified(caller.sessionId);
    await this.audit({ action, outcome: 'success', actor: userActor(caller.userId), target: { type: 'mfa_factor', id: factorId }, details: { ...details, endedSessions }, ...metaOf(meta) });
    const factor = await this.repository.findFactor(caller.userId, factorId);
    return { factor: factor ? toFactorView(factor) : null, recoveryCodes, endedSessions };
  }
}

export function reauthenticationRequired(methods: FreshMethod[]) {
  return mfaErrors.REAUTHENTICATION_REQUIRED(
    methods[0] === 'password'
      ? 'Enter your password again to change your security settings (valid 5 minutes).'
      : 'Confirm with one of your factors to change your security settings (valid 5 minutes).',
    [],
    { stepUp: { methods, maxAgeSeconds: freshAuthenticationSeconds } },
  );
}

export function totpParameters(factor: FactorRow): TotpParameters {
  return { algorithm: factor.totp_algorithm as TotpAlgorithm, digits: factor.totp_digits as 6 | 8, period: factor.totp_period as number };
}

export function userActor(userId: string | null): MfaAuditEvent['actor'] {
  return userId ? { type: 'user', id: userId } : { type: 'anonymous', id: null };
}

export function metaOf(meta: RequestMeta): { ip: string | null; requestId: string | null } {
  return { ip: meta.ip, requestId: meta.requestId };
}

export function codeOf(error: unknown): string {
  return (error as { code?: unknown })?.code && typeof (error as { code: unknown }).code === 'string' ? (error as { code: string }).code : 'ERROR';
}

function emptyFactor(id: string, userId: string, kind: FactorRow['kind'], label: string, now: Date): FactorRow {
  return {
    id, user_id: userId, kind, label, status: 'pending',
    totp_secret: null, totp_algorithm: null, totp_digits: null, totp_period: null, totp_last_step: null,
    credential_id: null, public_key: null, sign_count: null, transports: null, aaguid: null, backed_up: null, device_type: null,
    created_at: now, confirmed_at: null, last_used_at: null,
  };
}

export function toFactorView(row: FactorRow): FactorView {
  return {
    id: row.id,
    kind: row.kind,
    label: row.label,
    status: row.status,
    createdAt: row.created_at.toISOString(),
    confirmedAt: row.confirmed_at?.toISOString() ?? null,
    lastUsedAt: row.last_used_at?.toISOString() ?? null,
    algorithm: row.totp_algorithm,
    backedUp: row.backed_up,
  };
}
