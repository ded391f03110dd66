import type { FastifyPluginAsync } from 'fastify';
import type { ModuleRegistration, PlatformServices } from '../../platform/services';
import type { IdentityModule } from '../identity';

/**
 * Zero-trust security (issue 3): MFA and passkeys, devices, risk scoring with step-up, abuse
 * protection, and the privacy tools. Each area lives in its own sub-folder and adds its routes
 * plugin to `areas` below.
 */
export interface SecurityModule extends ModuleRegistration {}

export interface SecurityDependencies {
  identity: IdentityModule;
}

export function createSecurityModule(platform: PlatformServices, deps: SecurityDependencies): SecurityModule {
  void platform;
  void deps;
  const areas: FastifyPluginAsync[] = [];
  return {
    name: 'security',
    routes: async (app) => {
      for (const area of areas) await app.register(area);
    },
  };
}
