import type { FastifyPluginAsync } from 'fastify';
import type { PlatformServices } from '../../../platform/services';
import type { IdentityModule } from '../../identity';
import { PrivacyRepository } from './privacy.repository';
import { privacyRoutes } from './privacy.routes';
import { PrivacyService } from './privacy.service';

/** The privacy area of the security module: encrypted personal data, GDPR export and erasure. */
export function createPrivacyArea(platform: PlatformServices, identity: IdentityModule): { service: PrivacyService; routes: FastifyPluginAsync } {
  const service = new PrivacyService({
    repository: new PrivacyRepository(platform.db),
    identity: {
      getUser: (userId) => identity.service.getUser(userId),
      getProfile: (userId) => identity.service.getProfile(userId),
      memberships: (userId) => identity.service.memberships(userId),
      listSessions: (userId) => identity.service.listSessions(userId),
      erasePerson: (userId) => identity.service.erasePerson(userId),
    },
    audit: platform.audit,
    secrets: platform.secrets,
    clock: platform.clock,
    logger: platform.logger,
  });
  return { service, routes: privacyRoutes(service) };
}
