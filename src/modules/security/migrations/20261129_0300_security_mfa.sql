-- Security / MFA (issue 3): second factors (TOTP, WebAuthn passkeys), recovery codes, WebAuthn
-- challenges, log-ins waiting for their second factor, and password re-authentications.
-- See docs/security.md, "MFA and passkeys".

CREATE TABLE security_mfa_factors (
  id                 uuid PRIMARY KEY,
  user_id            uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  kind               text NOT NULL CHECK (kind IN ('totp', 'passkey')),
  label              text NOT NULL,
  -- A TOTP factor stays 'pending' until its first valid code confirms it.
  status             text NOT NULL CHECK (status IN ('pending', 'active')),
  -- TOTP: the secret, AES-256-GCM encrypted ("v1.<iv>.<tag>.<ciphertext>", base64url parts).
  totp_secret        text,
  totp_algorithm     text CHECK (totp_algorithm IN ('sha1', 'sha256', 'sha512')),
  totp_digits        smallint,
  totp_period        smallint,
  -- The last time step whose code was accepted: a code is usable once (RFC 6238 §5.2).
  totp_last_step     bigint,
  -- Passkey: the credential as WebAuthn registered it.
  credential_id      text UNIQUE,
  public_key         text,              -- COSE public key, base64url
  sign_count         bigint,
  transports         text[],
  aaguid             text,
  backed_up          boolean,
  device_type        text,
  created_at         timestamptz NOT NULL,
  confirmed_at       timestamptz,
  last_used_at       timestamptz,
  CONSTRAINT security_mfa_factors_totp_shape CHECK (kind <> 'totp' OR (totp_secret IS NOT NULL AND totp_algorithm IS NOT NULL AND totp_digits IS NOT NULL AND totp_period IS NOT NULL)),
  CONSTRAINT security_mfa_factors_passkey_shape CHECK (kind <> 'passkey' OR (credential_id IS NOT NULL AND public_key IS NOT NULL AND sign_count IS NOT NULL))
);
CREATE INDEX security_mfa_factors_user_idx ON security_mfa_factors (user_id);

CREATE TABLE security_mfa_recovery_codes (
  id         uuid PRIMARY KEY,
  user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  code_hash  text NOT NULL,             -- HMAC-SHA-256 under a server key; the code itself is never stored
  created_at timestamptz NOT NULL,
  used_at    timestamptz
);
CREATE UNIQUE INDEX security_mfa_recovery_codes_hash_key ON security_mfa_recovery_codes (user_id, code_hash);

CREATE TABLE security_mfa_webauthn_challenges (
  challenge  text PRIMARY KEY,          -- base64url, 32 random bytes
  purpose    text NOT NULL CHECK (purpose IN ('register', 'login', 'second_factor', 'step_up')),
  user_id    uuid REFERENCES users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  used_at    timestamptz
);
CREATE INDEX security_mfa_webauthn_challenges_expiry_idx ON security_mfa_webauthn_challenges (expires_at);

CREATE TABLE security_mfa_pending_logins (
  id           text PRIMARY KEY,        -- sha256 of the mfaToken; the token itself is never stored
  user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  reason       text NOT NULL,
  device_id    text,
  created_at   timestamptz NOT NULL,
  expires_at   timestamptz NOT NULL,
  failures     integer NOT NULL DEFAULT 0,
  completed_at timestamptz
);
CREATE INDEX security_mfa_pending_logins_user_idx ON security_mfa_pending_logins (user_id);

-- A password re-entered for a session (fresh authentication of a user who has no factor yet).
CREATE TABLE security_mfa_reauthentications (
  session_id         text PRIMARY KEY,
  user_id            uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  reauthenticated_at timestamptz NOT NULL
);
