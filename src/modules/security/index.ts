import type { FastifyPluginAsync } from 'fastify';
import type { AuthContext } from '../../platform/http';
import type { RiskAssessor } from '../../platform/policy';
import type { ModuleRegistration, PlatformServices } from '../../platform/services';
import type { IdentityModule } from '../identity';
import { createRiskArea, type RiskArea } from './risk/risk.area';

export type { RiskArea } from './risk/risk.area';
export { accountKey, ipKey } from './abuse/abuse.service';

/**
 * Zero-trust security (issue 3): MFA and passkeys, devices, risk scoring with step-up, abuse
 * protection, and the privacy tools. Each area lives in its own sub-folder and adds its routes
 * plugin to `areas` below.
 */
export interface SecurityModule extends ModuleRegistration {
  /** Consulted by the policy gateway on routes marked `sensitive` (RISK provides it). */
  riskAssessor?: RiskAssessor;
  /** The second factors a caller can step up with, named in STEP_UP_REQUIRED challenges (MFA provides it). */
  stepUpMethods?: (auth: AuthContext) => Promise<string[]>;
  /** Devices, risk engine, abuse protection: the log-in guard, API-key rate limits (RISK). */
  risk: RiskArea;
}

export interface SecurityDependencies {
  identity: IdentityModule;
  /** Built before identity with `createSecurityGuard`, whose log-in guard identity received. */
  guard?: RiskArea;
}

/**
 * The devices, risk and abuse area, built before identity: identity receives its log-in guard
 * at construction (identity must not import security).
 */
export function createSecurityGuard(platform: PlatformServices): RiskArea {
  return createRiskArea(platform);
}

export function createSecurityModule(platform: PlatformServices, deps: SecurityDependencies): SecurityModule {
  void platform;
  const risk = deps.guard ?? createRiskArea(platform);
  risk.attach(deps.identity);
  const areas: FastifyPluginAsync[] = [risk.routes];
  return {
    name: 'security',
    risk,
    riskAssessor: risk.assessor,
    stop: () => risk.stop(),
    routes: async (app) => {
      for (const area of areas) await app.register(area);
    },
  };
}
