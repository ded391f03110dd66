/**
 * The second step of a log-in (issue 3, MFA). Identity asks the gate after a correct password;
 * the security module's MFA area implements it. Identity must not import security, so the
 * interface lives here and the gate is handed in once both modules exist (the MFA area needs
 * identity's sessions, hence the late binding through IdentityService.useSecondFactor).
 */
export interface PendingSecondFactor {
  /** Short-lived, single-use; the client sends it back with the factor to POST /security/mfa/verify. */
  mfaToken: string;
  /** What the user can answer with: 'totp', 'passkey', 'recovery_code'. */
  methods: string[];
  expiresAt: Date;
}

export interface SecondFactorGate {
  /**
   * A pending log-in when the user must present a second factor — they enrolled one, or the
   * risk decision was `step_up` — or null to let the log-in finish (no factor to present).
   */
  beginLogIn(userId: string, input: { riskStepUp: boolean; deviceId: string | null }): Promise<PendingSecondFactor | null>;
}
