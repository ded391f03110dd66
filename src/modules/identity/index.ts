import type { IncomingMessage } from 'node:http';
import fastifyCookie from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthContext, Authenticator } from '../../platform/http';
import type { ModuleRegistration, PlatformServices } from '../../platform/services';
import { IdentityRepository } from './identity.repository';
import { identityRoutes, requireUser, sessionCookieName } from './identity.routes';
import type { LogInGuard } from './identity.hooks';
import { IdentityService, type Standing } from './identity.service';

export type { Standing } from './identity.service';
export type { ApiKeyScope, Role, User, Organization } from './identity.schema';
export { roleRank, roles } from './identity.schema';
export { identityErrors } from './identity.errors';
export { requireUser, sessionCookieName };
export type { AuthenticationExchange, LogInAssessment, LogInDecision, LogInGuard } from './identity.hooks';
export type { AccessChange } from './identity.cache';

export interface IdentityModule extends ModuleRegistration {
  service: IdentityService;
  /** Resolves the caller from the session cookie or an `Authorization: Bearer dk_...` API key. */
  authenticate: Authenticator;
  /**
   * The session cookie's caller on a raw request that no Fastify route handles (a WebSocket
   * upgrade), under the same rule as `authenticate`: a session bound to a device needs that
   * device's signed cookie beside it. Sessions only (API keys are not for browsers' sockets).
   */
  authenticateUpgrade(request: IncomingMessage): Promise<AuthContext | null>;
  /** Whether a session is still unrevoked and unexpired, from the database (not this node's cache). */
  sessionStillActive(sessionId: string): Promise<boolean>;
  access: OrganizationAccess;
}

/** What other modules use to scope every read and write to the caller's organization. */
export interface OrganizationAccess {
  standing(auth: AuthContext | null, organizationId: string): Promise<Standing | null>;
  require: IdentityService['require'];
  readableOrganizationIds(auth: AuthContext | null): Promise<string[]>;
}

export interface IdentityOptions {
  /** Lock-out, risk decision and device binding around log-in (the security module's guard). */
  logInGuard?: LogInGuard;
}

export function createIdentityModule(platform: PlatformServices, options: IdentityOptions = {}): IdentityModule {
  const service = new IdentityService(new IdentityRepository(platform.db), {
    sessionTtlHours: platform.config.SESSION_TTL_HOURS,
    clock: platform.clock,
    logger: platform.logger,
    logInGuard: options.logInGuard,
    bus: platform.bus,
    cacheTtlSeconds: platform.config.AUTH_CACHE_TTL_SECONDS,
  });

  const authenticate: Authenticator = async (request: FastifyRequest, _reply: FastifyReply) => {
    const header = request.headers.authorization;
    if (header) {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      if (match?.[1]?.startsWith('dk_')) return service.resolveApiKey(match[1]);
    }
    const token = request.cookies[sessionCookieName];
    if (!token) return null;
    const auth = await service.resolveSession(token);
    // A session bound to a device is valid only with that device's signed cookie beside it.
    if (auth?.deviceId && auth.userId && !service.guard.sessionDeviceMatches(request, auth.deviceId, auth.userId)) return null;
    return auth;
  };

  const authenticateUpgrade = async (request: IncomingMessage): Promise<AuthContext | null> => {
    const cookies = request.headers.cookie ? fastifyCookie.parse(request.headers.cookie) : {};
    const token = cookies[sessionCookieName];
    if (!token) return null;
    const auth = await service.resolveSession(token);
    if (auth?.deviceId && auth.userId) {
      // The guard reads the request's cookies, and on a mismatch audits its address and id: the
      // upgrade gets the same fields a Fastify request would have.
      const exchange = { headers: request.headers, cookies, ip: request.socket.remoteAddress ?? '', id: 'websocket-upgrade' } as unknown as FastifyRequest;
      if (!service.guard.sessionDeviceMatches(exchange, auth.deviceId, auth.userId)) return null;
    }
    return auth;
  };

  return {
    name: 'identity',
    service,
    authenticate,
    authenticateUpgrade,
    sessionStillActive: (sessionId) => service.sessionStillActive(sessionId),
    routes: identityRoutes(service, platform.config, platform.audit),
    stop: () => service.stop(),
    access: {
      standing: (auth, organizationId) => service.standing(auth, organizationId),
      require: (...args) => service.require(...args),
      readableOrganizationIds: (auth) => service.readableOrganizationIds(auth),
    },
  };
}
