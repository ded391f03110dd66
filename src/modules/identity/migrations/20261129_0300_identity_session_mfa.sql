-- Issue 3 (MFA): when a session last passed a second factor (log-in MFA, passkey log-in, step-up).
-- Stamped 0300 (after listings/deals) so databases that already applied earlier files accept it.
ALTER TABLE sessions ADD COLUMN mfa_verified_at timestamptz;
