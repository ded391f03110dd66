import type { FastifyPluginAsync } from 'fastify';
import type { AuthContext } from '../../platform/http';
import type { RiskAssessor } from '../../platform/policy';
import type { ModuleRegistration, PlatformServices } from '../../platform/services';
import type { IdentityModule } from '../identity';
import { createPrivacyArea } from './privacy/privacy.area';
import type { PrivacyService } from './privacy/privacy.service';
import { createMfaArea, type MfaArea } from './mfa/mfa.area';

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
  /** TOTP, passkeys, recovery codes, the log-in second factor and step-up (MFA). */
  mfa: MfaArea;
}

export interface SecurityDependencies {
  identity: IdentityModule;
}

export function createSecurityModule(platform: PlatformServices, deps: SecurityDependencies): SecurityModule {
  void platform;
  void deps;
  const mfa = createMfaArea(platform, deps.identity);
  const areas: FastifyPluginAsync[] = [mfa.routes];
  const privacy = createPrivacyArea(platform, deps.identity);
  areas.push(privacy.routes);
  return {
    name: 'security',
    privacy: privacy.service,
    mfa,
    stepUpMethods: mfa.stepUpMethods,
    routes: async (app) => {
      for (const area of areas) await app.register(area);
    },
  };
}
