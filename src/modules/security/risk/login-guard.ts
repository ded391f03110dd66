import type { FastifyReply } from 'fastify';
import { AppError } from '../../../platform/errors';
import type { AuthenticationExchange, LogInAssessment, LogInGuard, User } from '../../identity';
import { accountHash, type AbuseService } from '../abuse/abuse.service';
import { vetNewPassword } from '../abuse/password-policy';
import { readSignals } from '../devices/device-signals';
import type { DevicesService } from '../devices/devices.service';
import { requestFacts, type RecordAudit } from '../security.audit';
import type { Geolocator } from './geolocation';
import { velocityScore } from './risk.engine';
import { riskErrors } from './risk.errors';
import type { RiskService } from './risk.service';

/**
 * The security module's side of identity's log-in pipeline: lock-out and progressive delay
 * before the password check; failure counting, or device recognition and the risk decision,
 * after it. Every outcome lands in the log-in history and the audit log.
 */
export class SecurityLogInGuard implements LogInGuard {
  constructor(
    private readonly abuse: AbuseService,
    private readonly devices: DevicesService,
    private readonly risk: RiskService,
    private readonly geolocator: Geolocator,
    private readonly audit: RecordAudit,
  ) {}

  vetExchange({ request }: AuthenticationExchange): void {
    readSignals(request);
  }

  async beforePasswordCheck(email: string, { request, reply }: AuthenticationExchange): Promise<void> {
    try {
      await this.abuse.checkAttempt(email, request.ip);
    } catch (error) {
      if (error instanceof AppError) {
        setRetryAfter(reply, error);
        if (error.code === 'LOGIN_LOCKED') {
          await this.risk.record({ userId: null, account: accountHash(email), outcome: 'locked', ip: request.ip, deviceId: null });
        }
        await this.audit({
          action: error.code === 'LOGIN_LOCKED' ? 'security.login.locked_out' : 'security.login.throttled',
          outcome: 'denied',
          actor: { type: 'anonymous', id: null },
          ...requestFacts(request),
          details: { account: accountHash(email).slice(0, 16), ...error.extensions },
        });
      }
      throw error;
    }
  }

  async passwordRejected(email: string, userId: string | null, { request }: AuthenticationExchange): Promise<void> {
    const velocity = await this.abuse.recordFailure(email, userId, request.ip);
    this.risk.failureRecorded(request.ip);
    const presented = this.devices.presented(request);
    const { score, reasons } = velocityScore(velocity);
    await this.risk.record({
      userId,
      account: accountHash(email),
      outcome: 'failed',
      ip: request.ip,
      deviceId: presented.state === 'valid' ? presented.id : null,
      assessment: { score, reasons, place: this.geolocator.locate(request.ip) },
    });
    await this.audit({
      action: 'security.login.failed',
      outcome: 'failure',
      actor: userId ? { type: 'user', id: userId } : { type: 'anonymous', id: null },
      ...requestFacts(request),
      details: { account: accountHash(email).slice(0, 16), knownAccount: userId !== null, score, reasons, ...velocityFacts(velocity) },
    });
    for (const lock of velocity.locks) {
      await this.audit({
        action: 'security.lockout.started',
        outcome: 'success',
        actor: { type: 'system', id: null },
        target: lock.kind === 'account' ? { type: 'user', id: lock.user_id ?? lock.subject } : { type: 'ip', id: lock.subject },
        ...requestFacts(request),
        details: { kind: lock.kind, reason: lock.reason, failures: lock.failures, lockedUntil: lock.locked_until.toISOString() },
      });
    }
  }

  async passwordAccepted(user: User, exchange: AuthenticationExchange): Promise<LogInAssessment> {
    const { assessment, device, details } = await this.assessOrRefuse(user, exchange, 'password');
    await this.abuse.recordSuccess(user.email);
    await this.audit({
      action: assessment.decision === 'allow' ? 'security.login.succeeded' : 'security.login.step_up_required',
      outcome: 'success',
      actor: { type: 'user', id: user.id },
      ...requestFacts(exchange.request),
      details,
    });
    return { decision: assessment.decision, score: assessment.score, reasons: assessment.reasons, deviceId: device.deviceId };
  }

  /**
   * The risk decision on a log-in whose credentials were right: the device recognised, the
   * attempt scored and recorded in the history; a `deny` is audited and thrown as LOGIN_DENIED.
   * For a passkey a `step_up` counts as a success: the passkey is the phishing-resistant factor a
   * step-up would ask for.
   */
  private async assessOrRefuse(user: User, { request, reply }: AuthenticationExchange, method: 'password' | 'passkey') {
    const place = this.geolocator.locate(request.ip);
    const device = await this.devices.recognise(user.id, request, reply, place);
    const assessment = await this.risk.assessLogIn({
      userId: user.id,
      email: user.email,
      ip: request.ip,
      deviceKnown: device.known,
      deviceSignalsChanged: device.signalsChanged,
    });
    const outcome = assessment.decision === 'deny' ? 'denied' : assessment.decision === 'step_up' && method === 'password' ? 'step_up' : 'success';
    await this.risk.record({ userId: user.id, account: accountHash(user.email), outcome, ip: request.ip, deviceId: device.deviceId, assessment });
    const details = {
      method,
      score: assessment.score,
      reasons: assessment.reasons,
      decision: assessment.decision,
      deviceId: device.deviceId,
      newDevice: !device.known,
      country: assessment.place?.country ?? null,
      city: assessment.place?.city ?? null,
    };
    if (assessment.decision === 'deny') {
      await this.audit({ action: 'security.login.denied', outcome: 'denied', actor: { type: 'user', id: user.id }, ...requestFacts(request), details });
      throw riskErrors.LOGIN_DENIED(
        `This log-in looks too risky (${assessment.reasons.join(', ')}) and was refused${method === 'passkey' ? ', passkey or not' : ''}. Try again from a device and network you have used before, or ask an admin.`,
        [],
        { score: assessment.score, reasons: assessment.reasons },
      );
    }
    return { assessment, device, details };
  }

  async secondFactorPassed(userId: string, deviceId: string | null): Promise<void> {
    await this.risk.confirmStepUp(userId, deviceId);
  }

  async accountCreated(user: User, { request, reply }: AuthenticationExchange): Promise<{ deviceId: string | null }> {
    const place = this.geolocator.locate(request.ip);
    const device = await this.devices.recognise(user.id, request, reply, place);
    // Sign-up is the first log-in: it starts the history new log-ins are compared with.
    await this.risk.record({ userId: user.id, account: accountHash(user.email), outcome: 'success', ip: request.ip, deviceId: device.deviceId });
    return { deviceId: device.deviceId };
  }

  /**
   * A passkey log-in (two factors by itself): scored like a password log-in, so a `deny` (an
   * anonymising network, impossible travel, a burst of failures from this address, past the
   * organization's deny threshold) refuses it — a stolen authenticator used from elsewhere meets
   * the same wall. A `step_up` is already satisfied: the passkey is the phishing-resistant factor
   * a step-up would ask for. Returns the device the session binds to.
   */
  async passwordlessLogIn(user: User, exchange: AuthenticationExchange): Promise<string> {
    return (await this.assessOrRefuse(user, exchange, 'passkey')).device.deviceId;
  }

  async checkNewPassword(password: string, context: { email?: string; displayName?: string; field?: string }): Promise<void> {
    const verdict = vetNewPassword(password, context);
    if (!verdict.ok) {
      throw riskErrors.PASSWORD_TOO_COMMON(`Choose another password: this one ${verdict.reason}. A few unrelated words make a strong one.`, [
        { path: context.field ?? 'password', message: verdict.reason },
      ]);
    }
  }

  sessionDeviceMatches(request: AuthenticationExchange['request'], sessionDeviceId: string, userId: string): boolean {
    return this.devices.matches(request, sessionDeviceId, userId);
  }
}

function setRetryAfter(reply: FastifyReply, error: AppError): void {
  const seconds = error.extensions.retryAfterSeconds;
  if (typeof seconds === 'number') reply.header('retry-after', String(seconds));
}

function velocityFacts(velocity: { accountFailures: number; ipFailures: number; ipDistinctAccounts: number }) {
  return { accountFailures: velocity.accountFailures, ipFailures: velocity.ipFailures, ipDistinctAccounts: velocity.ipDistinctAccounts };
}
