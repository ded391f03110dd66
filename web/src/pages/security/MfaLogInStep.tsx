import { useState, type FormEvent } from 'react';
import { Field, FormError, Spinner } from '../../components/ui';
import { useFormErrors } from '../../lib/useFormErrors';
import { mfaApi, passkeysSupported, type MfaRequired } from './mfaApi';

/**
 * The second step of a log-in that answered `mfa_required`: a code from the authenticator app,
 * a passkey, or a recovery code. The session cookie is set when this step succeeds.
 */
export function MfaLogInStep({ pending, onDone, onCancel }: { pending: MfaRequired; onDone: () => Promise<void> | void; onCancel: () => void }) {
  const methods = new Set(pending.methods);
  const [mode, setMode] = useState<'totp' | 'recovery_code'>(methods.has('totp') ? 'totp' : 'recovery_code');
  const [value, setValue] = useState('');
  const [busy, setBusy] = useState(false);
  const errors = useFormErrors(['totpCode', 'recoveryCode']);

  async function run(work: () => Promise<unknown>) {
    setBusy(true);
    errors.clear();
    try {
      await work();
      await onDone();
    } catch (error) {
      errors.setError(error);
    } finally {
      setBusy(false);
    }
  }

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const proof = mode === 'totp' ? { totpCode: value.replace(/\s/g, '') } : { recoveryCode: value.trim() };
    void run(() => mfaApi.verifyLogIn(pending.mfaToken, proof));
  };

  const field = mode === 'totp' ? 'totpCode' : 'recoveryCode';
  return (
    <form className="auth-card" onSubmit={onSubmit} noValidate data-testid="mfa-step">
      <h1>Two-step verification</h1>
      <p className="muted">Your password was right. Now confirm with your second factor.</p>
      <FormError error={errors.error} unmatched={errors.unmatched} fieldErrorCount={errors.fieldErrorCount} />
      {methods.has('passkey') && passkeysSupported() && (
        <button type="button" className="button button-primary button-block" disabled={busy} onClick={() => void run(() => mfaApi.verifyLogInWithPasskey(pending.mfaToken))} data-testid="mfa-passkey">
          Use a passkey
        </button>
      )}
      {(methods.has('totp') || methods.has('recovery_code')) && (
        <>
          <Field label={mode === 'totp' ? 'Code from your authenticator app' : 'Recovery code'} error={errors.byField[field]}>
            {(props) => (
              <input
                {...props}
                className="input"
                inputMode={mode === 'totp' ? 'numeric' : undefined}
                autoComplete="one-time-code"
                autoFocus
                value={value}
                onChange={(event) => setValue(event.target.value)}
                data-testid="mfa-code"
              />
            )}
          </Field>
          <button type="submit" className="button button-primary button-block" disabled={busy || value.trim() === ''} data-testid="mfa-submit">
            {busy ? <Spinner size="sm" label="Checking" /> : 'Verify'}
          </button>
        </>
      )}
      {methods.has('totp') && methods.has('recovery_code') && (
        <button type="button" className="button button-link" onClick={() => { setMode(mode === 'totp' ? 'recovery_code' : 'totp'); setValue(''); }} data-testid="mfa-switch">
          {mode === 'totp' ? 'Use a recovery code instead' : 'Use your authenticator app instead'}
        </button>
      )}
      <button type="button" className="button button-link" onClick={onCancel}>
        Back to log in
      </button>
    </form>
  );
}
