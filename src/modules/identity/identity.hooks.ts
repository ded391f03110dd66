import type { FastifyReply, FastifyRequest } from 'fastify';
import type { User } from './identity.schema';

/**
 * What identity asks of whoever guards its log-in (the security module implements it; identity
 * must not import security, so the interface lives here and the guard is passed in at
 * construction). The guard reads and sets its own cookies, hence the HTTP exchange.
 */
export interface AuthenticationExchange {
  request: FastifyRequest;
  reply: FastifyReply;
}

export type LogInDecision = 'allow' | 'step_up' | 'deny';

export interface LogInAssessment {
  decision: LogInDecision;
  /** 0 (no risk) to 100. */
  score: number;
  reasons: string[];
  /** The device the new session is bound to; null leaves the session unbound. */
  deviceId: string | null;
}

export interface LogInGuard {
  /** Throws a 4xx when the exchange carries malformed client data; runs before anything is written. */
  vetExchange(exchange: AuthenticationExchange): void;
  /** Before the password is checked: throws to refuse (lock-out, progressive delay). */
  beforePasswordCheck(email: string, exchange: AuthenticationExchange): Promise<void>;
  /** The password was wrong or the account unknown (`userId` null). */
  passwordRejected(email: string, userId: string | null, exchange: AuthenticationExchange): Promise<void>;
  /** The password was right: the risk decision (throws itself on `deny`) and the device to bind. */
  passwordAccepted(user: User, exchange: AuthenticationExchange): Promise<LogInAssessment>;
  /** A log-in that needed a second factor passed it: the guard may now trust its place and device. */
  secondFactorPassed(userId: string, deviceId: string | null): Promise<void>;
  /** A new account was created on this exchange: the device its first session binds to. */
  accountCreated(user: User, exchange: AuthenticationExchange): Promise<{ deviceId: string | null }>;
  /** Throws a 4xx naming the problem (at `field`, default `password`) when a new password is too common or known breached. */
  checkNewPassword(password: string, context: { email?: string; displayName?: string; field?: string }): Promise<void>;
  /**
   * Whether a request may use a session bound to `sessionDeviceId`: the request must carry that
   * device's valid, signed device cookie. Runs on every authenticated request, so it is cheap.
   */
  sessionDeviceMatches(request: FastifyRequest, sessionDeviceId: string, userId: string): boolean;
}

/** No guard: every log-in allowed and sessions unbound (operator tools, unit tests of identity alone). */
export const openLogInGuard: LogInGuard = {
  vetExchange: () => undefined,
  beforePasswordCheck: async () => undefined,
  passwordRejected: async () => undefined,
  passwordAccepted: async () => ({ decision: 'allow', score: 0, reasons: [], deviceId: null }),
  secondFactorPassed: async () => undefined,
  accountCreated: async () => ({ deviceId: null }),
  checkNewPassword: async () => undefined,
  sessionDeviceMatches: () => true,
};
