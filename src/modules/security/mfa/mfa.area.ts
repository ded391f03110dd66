import type { FastifyPluginAsync } from 'fastify';
import type { AuthContext } from '../../../platform/http';
import type { PlatformServices } from '../../../platform/services';
import type { IdentityModule } from '../../identity';
import { MfaRepository } from './mfa.repository';
import { mfaRoutes, type PasswordlessDevice } from './mfa.routes';
import { MfaService } from './mfa.service';
import { MfaVerifier } from './mfa.verification';
import { PasskeyService, type RelyingParty } from './passkeys';

/** The MFA area of the security module: factors, passkeys, recovery codes, log-in second factor, step-up. */
export interface MfaArea {
  service: MfaService;
  verifier: MfaVerifier;
  routes: FastifyPluginAsync;
  /** The factors a caller can step up with (named in the gateway's STEP_UP_REQUIRED challenge). */
  stepUpMethods(auth: AuthContext): Promise<string[]>;
}

/** The WebAuthn relying party from PUBLIC_URL (and WEBAUTHN_RP_ID / WEBAUTHN_ORIGINS when set). */
export function relyingPartyFrom(config: PlatformServices['config']): RelyingParty {
  const publicUrl = new URL(config.PUBLIC_URL);
  return {
    id: config.WEBAUTHN_RP_ID ?? publicUrl.hostname,
    name: 'Domus',
    origins: [...new Set([publicUrl.origin, ...config.WEBAUTHN_ORIGINS.map((origin) => new URL(origin).origin)])],
  };
}

export function createMfaArea(platform: PlatformServices, identity: IdentityModule, options: { passwordlessDevice?: PasswordlessDevice } = {}): MfaArea {
  const repository = new MfaRepository(platform.db);
  const passkeys = new PasskeyService(repository, relyingPartyFrom(platform.config), platform.clock);
  const service = new MfaService(repository, passkeys, identity.service, {
    clock: platform.clock,
    secrets: platform.secrets,
    logger: platform.logger,
    issuer: 'Domus',
    audit: (event) => platform.audit.recordQuietly(event),
  });
  const verifier = new MfaVerifier(service);
  // Log-in asks for the second factor through identity's gate interface (identity cannot import security).
  identity.service.useSecondFactor({ beginLogIn: (userId, input) => verifier.beginLogIn(userId, input) });
  return {
    service,
    verifier,
    routes: mfaRoutes(service, verifier, platform.config, options.passwordlessDevice),
    stepUpMethods: async (auth) => (auth.userId ? service.methodsFor(auth.userId) : []),
  };
}
