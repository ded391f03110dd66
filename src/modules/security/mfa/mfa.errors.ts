import { defineErrors } from '../../../platform/errors';

/** Error codes of the MFA area (TOTP, passkeys, recovery codes, log-in second factor, step-up). */
export const mfaErrors = defineErrors({
  MFA_CODE_INVALID: { status: 401, title: 'The code is wrong or expired' },
  TOTP_CODE_REPLAYED: { status: 401, title: 'This code was already used' },
  RECOVERY_CODE_INVALID: { status: 401, title: 'The recovery code is wrong or used' },
  MFA_TOKEN_INVALID: { status: 401, title: 'The MFA log-in token is invalid or expired' },
  MFA_METHOD_UNAVAILABLE: { status: 400, title: 'This second factor is not set up for the account' },
  REAUTHENTICATION_REQUIRED: { status: 401, title: 'Confirm it is you first' },
  PASSWORD_INCORRECT: { status: 401, title: 'The password is wrong' },
  FACTOR_NOT_FOUND: { status: 404, title: 'Factor not found' },
  FACTOR_ALREADY_CONFIRMED: { status: 409, title: 'The factor is already confirmed' },
  ENROLMENT_EXPIRED: { status: 410, title: 'The enrolment expired' },
  WEBAUTHN_CHALLENGE_UNKNOWN: { status: 400, title: 'The WebAuthn challenge is unknown' },
  WEBAUTHN_CHALLENGE_EXPIRED: { status: 400, title: 'The WebAuthn challenge expired' },
  WEBAUTHN_CHALLENGE_USED: { status: 400, title: 'The WebAuthn challenge was already used' },
  WEBAUTHN_RESPONSE_MALFORMED: { status: 400, title: 'The WebAuthn response is malformed' },
  WEBAUTHN_VERIFICATION_FAILED: { status: 400, title: 'The WebAuthn response did not verify' },
  PASSKEY_UNKNOWN: { status: 401, title: 'This passkey is not registered' },
  PASSKEY_ALREADY_REGISTERED: { status: 409, title: 'This passkey is already registered' },
});
