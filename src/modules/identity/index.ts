import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthContext, Authenticator } from '../../platform/http';
import type { ModuleRegistration, PlatformServices } from '../../platform/services';
import { IdentityRepository } from './identity.repository';
import { identityRoutes, requireUser, sessionCookieName } from './identity.routes';
import { IdentityService, type Standing } from './identity.service';

export type { Standing } from './identity.service';
export type { ApiKeyScope, Role, User, Organization } from './identity.schema';
export { roleRank, roles } from './identity.schema';
export { identityErrors } from './identity.errors';
export { requireUser, sessionCookieName };

export interface IdentityModule extends ModuleRegistration {
  service: IdentityService;
  /** Resolves the caller from the session cookie or an `Authorization: Bearer dk_...` API key. */
  authenticate: Authenticator;
  access: OrganizationAccess;
}

/** What other modules use to scope every read and write to the caller's organization. */
export interface OrganizationAccess {
  standing(auth: AuthContext | null, organizationId: string): Promise<Standing | null>;
  require: IdentityService['require'];
  readableOrganizationIds(auth: AuthContext | null): Promise<string[]>;
}

export function createIdentityModule(platform: PlatformServices): IdentityModule {
  const service = new IdentityService(new IdentityRepository(platform.db), {
    sessionTtlHours: platform.config.SESSION_TTL_HOURS,
    clock: platform.clock,
    logger: platform.logger,
  });

  const authenticate: Authenticator = async (request: FastifyRequest, _reply: FastifyReply) => {
    const header = request.headers.authorization;
    if (header) {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      if (match?.[1]?.startsWith('dk_')) return service.resolveApiKey(match[1]);
    }
    const token = request.cookies[sessionCookieName];
    return token ? service.resolveSession(token) : null;
  };

  return {
    name: 'identity',
    service,
    authenticate,
    routes: identityRoutes(service, platform.config, platform.audit),
    access: {
      standing: (auth, organizationId) => service.standing(auth, organizationId),
      require: (...args) => service.require(...args),
      readableOrganizationIds: (auth) => service.readableOrganizationIds(auth),
    },
  };
}
