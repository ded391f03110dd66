import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { isoBase64URL } from '@simplewebauthn/server/helpers';
import type { Clock } from '../../../platform/clock';
import { newId } from '../../../platform/ids';
import { mfaErrors } from './mfa.errors';
import type { ChallengePurpose, FactorRow, MfaRepository } from './mfa.repository';

export interface RelyingParty {
  /** The RP ID: the site's registrable domain (PUBLIC_URL's host unless WEBAUTHN_RP_ID says otherwise). */
  id: string;
  name: string;
  /** Origins a response may come from (PUBLIC_URL's origin, plus WEBAUTHN_ORIGINS). */
  origins: string[];
}

/** How long a ceremony may take: the browser's timeout and the server-side challenge expiry. */
export const ceremonyTimeoutMs = 5 * 60_000;

/**
 * WebAuthn passkeys with @simplewebauthn/server. Every ceremony's challenge is stored server-side
 * with an expiry and is consumed by the first response that names it, so a stale or replayed
 * response is refused before any signature is checked. User verification is required, so a
 * passkey alone is two factors (possession + biometric/PIN) and may log in without a password.
 */
export class PasskeyService {
  constructor(
    private readonly repository: MfaRepository,
    private readonly relyingParty: RelyingParty,
    private readonly clock: Clock,
  ) {}

  async registrationOptions(user: { id: string; email: string; displayName: string }): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const existing = await this.repository.activeFactors(user.id, 'passkey');
    const options = await generateRegistrationOptions({
      rpName: this.relyingParty.name,
      rpID: this.relyingParty.id,
      userName: user.email,
      userDisplayName: user.displayName,
      // The WebAuthn user handle: the account id's bytes, so a discoverable credential names its account.
      userID: new TextEncoder().encode(user.id),
      timeout: ceremonyTimeoutMs,
      attestationType: 'none',
      excludeCredentials: existing.map((factor) => ({ id: factor.credential_id as string, transports: factor.transports ?? undefined })),
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
    });
    await this.storeChallenge(options.challenge, 'register', user.id);
    return options;
  }

  /** Verifies a registration response and returns the new (active) passkey factor row. */
  async verifyRegistration(userId: string, response: RegistrationResponseJSON, label: string): Promise<FactorRow> {
    await this.consume(response.response.clientDataJSON, 'register', userId);
    let verification: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
    try {
      verification = await verifyRegistrationResponse({
        response,
        expectedChallenge: () => true, // matched and consumed above, from our own table
        expectedOrigin: this.relyingParty.origins,
        expectedRPID: this.relyingParty.id,
        requireUserVerification: true,
      });
    } catch (error) {
      throw mfaErrors.WEBAUTHN_VERIFICATION_FAILED(`The passkey registration was refused: ${messageOf(error)}`);
    }
    if (!verification.verified) throw mfaErrors.WEBAUTHN_VERIFICATION_FAILED('The passkey registration did not verify.');
    const info = verification.registrationInfo;
    if (await this.repository.findPasskey(info.credential.id)) {
      throw mfaErrors.PASSKEY_ALREADY_REGISTERED('This passkey is registered already.');
    }
    const now = this.clock.now();
    const row: FactorRow = {
      id: newId(now.getTime()),
      user_id: userId,
      kind: 'passkey',
      label,
      status: 'active',
      totp_secret: null,
      totp_algorithm: null,
      totp_digits: null,
      totp_period: null,
      totp_last_step: null,
      credential_id: info.credential.id,
      public_key: isoBase64URL.fromBuffer(info.credential.publicKey),
      sign_count: info.credential.counter,
      transports: info.credential.transports ?? response.response.transports ?? [],
      aaguid: info.aaguid,
      backed_up: info.credentialBackedUp,
      device_type: info.credentialDeviceType,
      created_at: now,
      confirmed_at: now,
      last_used_at: null,
    };
    return row;
  }

  /**
   * Options for an assertion. With a user (second factor, step-up) only their passkeys are
   * allowed; without one (passwordless log-in) the browser offers any discoverable passkey.
   */
  async authenticationOptions(purpose: Exclude<ChallengePurpose, 'register'>, userId: string | null): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const allowed = userId ? await this.repository.activeFactors(userId, 'passkey') : [];
    if (userId && allowed.length === 0) throw mfaErrors.MFA_METHOD_UNAVAILABLE('No passkey is registered for this account.');
    const options = await generateAuthenticationOptions({
      rpID: this.relyingParty.id,
      timeout: ceremonyTimeoutMs,
      userVerification: 'required',
      allowCredentials: allowed.map((factor) => ({
        id: factor.credential_id as string,
        transports: factor.transports ?? undefined,
      })),
    });
    await this.storeChallenge(options.challenge, purpose, userId);
    return options;
  }

  /**
   * Verifies an assertion for `purpose`; `userId` pins whose passkey it must be (null for the
   * passwordless log-in, where the credential names its account). Returns the passkey factor.
   */
  async verifyAuthentication(purpose: Exclude<ChallengePurpose, 'register'>, response: AuthenticationResponseJSON, userId: string | null): Promise<FactorRow> {
    const challenge = await this.consume(response.response.clientDataJSON, purpose, userId);
    const factor = await this.repository.findPasskey(response.id);
    if (!factor || (userId && factor.user_id !== userId) || (challenge.user_id && factor.user_id !== challenge.user_id)) {
      throw mfaErrors.PASSKEY_UNKNOWN('This passkey is not registered for the account; use another or register it first.');
    }
    let verification: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
    try {
      verification = await verifyAuthenticationResponse({
        response,
        expectedChallenge: () => true, // matched and consumed above
        expectedOrigin: this.relyingParty.origins,
        expectedRPID: this.relyingParty.id,
        requireUserVerification: true,
        credential: {
          id: factor.credential_id as string,
          publicKey: isoBase64URL.toBuffer(factor.public_key as string),
          counter: Number(factor.sign_count ?? 0),
          transports: factor.transports ?? undefined,
        },
      });
    } catch (error) {
      throw mfaErrors.WEBAUTHN_VERIFICATION_FAILED(`The passkey assertion was refused: ${messageOf(error)}`);
    }
    if (!verification.verified) throw mfaErrors.WEBAUTHN_VERIFICATION_FAILED('The passkey signature did not verify.');
    await this.repository.updatePasskeyCounter(factor.id, verification.authenticationInfo.newCounter, this.clock.now());
    return factor;
  }

  private async storeChallenge(challenge: string, purpose: ChallengePurpose, userId: string | null): Promise<void> {
    const now = this.clock.now();
    // Housekeeping on the write path: expired challenges older than a day go.
    await this.repository.deleteOldChallenges(new Date(now.getTime() - 86_400_000));
    await this.repository.insertChallenge({
      challenge,
      purpose,
      user_id: userId,
      created_at: now,
      expires_at: new Date(now.getTime() + ceremonyTimeoutMs),
      used_at: null,
    });
  }

  /** Reads the challenge the client signed and consumes it; 4xx when unknown, stale, used or someone else's. */
  private async consume(clientDataJSON: string, purpose: ChallengePurpose, userId: string | null) {
    const challenge = challengeOf(clientDataJSON);
    const found = await this.repository.consumeChallenge(challenge, purpose, this.clock.now());
    switch (found.state) {
      case 'ok':
        if (userId && found.row.user_id !== userId) throw mfaErrors.WEBAUTHN_CHALLENGE_UNKNOWN('The challenge was issued to another account; ask for new options.');
        return found.row;
      case 'expired':
        throw mfaErrors.WEBAUTHN_CHALLENGE_EXPIRED(`The challenge expired (it is valid ${ceremonyTimeoutMs / 60_000} minutes); ask for new options and try again.`);
      case 'used':
        throw mfaErrors.WEBAUTHN_CHALLENGE_USED('The challenge was already used; ask for new options and try again.');
      default:
        throw mfaErrors.WEBAUTHN_CHALLENGE_UNKNOWN('The response answers no challenge this server issued for this step; ask for new options.');
    }
  }
}

function challengeOf(clientDataJSON: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(isoBase64URL.toUTF8String(clientDataJSON));
  } catch {
    throw mfaErrors.WEBAUTHN_RESPONSE_MALFORMED('response.clientDataJSON is not base64url-encoded JSON.', [{ path: 'response.clientDataJSON', message: 'is not base64url JSON' }]);
  }
  const challenge = (parsed as { challenge?: unknown } | null)?.challenge;
  if (typeof challenge !== 'string' || challenge.length === 0 || challenge.length > 200) {
    throw mfaErrors.WEBAUTHN_RESPONSE_MALFORMED('response.clientDataJSON carries no challenge.', [{ path: 'response.clientDataJSON', message: 'has no challenge' }]);
  }
  return challenge;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
