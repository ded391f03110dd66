import type { FastifyPluginAsync } from 'fastify';
import type { AuthContext } from '../../platform/http';
import type { RiskAssessor } from '../../platform/policy';
import type { ModuleRegistration, PlatformServices } from '../../platform/services';
import type { IdentityModule } from '../identity';
import { createPrivacyArea } from './privacy/privacy.area';
import type { PrivacyService } from './privacy/privacy.service';
import { createMfaArea, type MfaArea } from './mfa/mfa.area';
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
  /** Encrypted personal data, GDPR export and erasure (GATE); other modules add their export sections. */
  privacy: PrivacyService;
  /** Devices, risk engine, abuse protection: the log-in guard, API-key rate limits (RISK). */
  risk: RiskArea;
  /** TOTP, passkeys, recovery codes, the log-in second factor and step-up (MFA). */
  mfa: MfaArea;
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
  // A passkey log-in binds its session to the browser's device like a password log-in does.
  const mfa = createMfaArea(platform, deps.identity, { passwordlessDevice: (user, request, reply) => risk.passwordlessLogIn(user, { request, reply }) });
  const areas: FastifyPluginAsync[] = [risk.routes, mfa.routes];
  const privacy = createPrivacyArea(platform, deps.identity);
  areas.push(privacy.routes);
  return {
    name: 'security',
    privacy: privacy.service,
    risk,
    riskAssessor: risk.assessor,
    mfa,
    stepUpMethods: mfa.stepUpMethods,
    stop: () => risk.stop(),
    routes: async (app) => {
      for (const area of areas) await app.register(area);
    },
  };
}
