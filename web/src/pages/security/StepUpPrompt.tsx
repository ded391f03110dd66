import { useEffect, useState, useSyncExternalStore, type FormEvent } from 'react';
import type { StepUpChallenge } from '../../api/errors';
import { Field, FormError, Spinner } from '../../components/ui';
import { useFormErrors } from '../../lib/useFormErrors';
import { mfaApi, passkeysSupported } from './mfaApi';

/**
 * The step-up prompt: "confirm it is you" with a password (accounts without factors), an
 * authenticator code, a passkey or a recovery code. Mount <StepUpHost /> once; anyone — the API
 * client when the gateway answers STEP_UP_REQUIRED, a settings page on REAUTHENTICATION_REQUIRED —
 * calls `requestStepUp(challenge)` and gets true once the session is stepped up (then retries),
 * false when the person cancelled.
 */
interface Pending {
  challenge: StepUpChallenge;
  resolve: (done: boolean) => void;
}

let pending: Pending | null = null;
const listeners = new Set<() => void>();
const notify = () => listeners.forEach((listener) => listener());

export function requestStepUp(challenge: StepUpChallenge): Promise<boolean> {
  pending?.resolve(false);
  return new Promise<boolean>((resolve) => {
    pending = { challenge, resolve };
    notify();
  });
}

function finish(done: boolean) {
  const current = pending;
  pending = null;
  notify();
  current?.resolve(done);
}

export function StepUpHost() {
  const current = useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => pending,
  );
  if (!current) return null;
  return <StepUpPrompt challenge={current.challenge} onDone={() => finish(true)} onCancel={() => finish(false)} />;
}

type Mode = 'password' | 'totp' | 'recovery_code';

export function StepUpPrompt({ challenge, onDone, onCancel }: { challenge: StepUpChallenge; onDone: () => void; onCancel: () => void }) {
  const methods = new Set(challenge.methods.map((method) => (method === 'webauthn' ? 'passkey' : method)));
  const initial: Mode = methods.has('password') ? 'password' : methods.has('totp') ? 'totp' : 'recovery_code';
  const [mode, setMode] = useState<Mode>(initial);
  const [value, setValue] = useState('');
  const [busy, setBusy] = useState(false);
  const errors = useFormErrors(['password', 'totpCode', 'recoveryCode']);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => event.key === 'Escape' && onCancel();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onCancel]);

  async function run(work: () => Promise<unknown>) {
    setBusy(true);
    errors.clear();
    try {
      await work();
      onDone();
    } catch (error) {
      errors.setError(error);
    } finally {
      setBusy(false);
    }
  }

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const proof = mode === 'password' ? { password: value } : mode === 'totp' ? { totpCode: value.replace(/\s/g, '') } : { recoveryCode: value.trim() };
    void run(() => mfaApi.stepUp(proof));
  };

  const minutes = Math.round(challenge.maxAgeSeconds / 60);
  if (methods.size === 0) {
    // The gateway wants MFA but the account has no factor yet: it has to be set up first.
    return (
      <div className="modal-backdrop" role="presentation">
        <div className="modal card" role="dialog" aria-modal="true" aria-labelledby="step-up-title" data-testid="step-up-prompt">
          <h2 id="step-up-title">Two-step verification needed</h2>
          <p>This action needs a second factor. Set up an authenticator app or a passkey on the security page, then try again.</p>
          <div className="modal-actions">
            <a className="button button-primary" href="/security" data-testid="step-up-setup">Open security settings</a>
            <button type="button" className="button button-secondary" onClick={onCancel} data-testid="step-up-cancel">Cancel</button>
          </div>
        </div>
      </div>
    );
  }
  const field = mode === 'password' ? 'password' : mode === 'totp' ? 'totpCode' : 'recoveryCode';
  return (
    <div className="modal-backdrop" role="presentation">
      <form className="modal card" role="dialog" aria-modal="true" aria-labelledby="step-up-title" onSubmit={onSubmit} noValidate data-testid="step-up-prompt">
        <h2 id="step-up-title">Confirm it’s you</h2>
        <p className="muted">This needs a recent confirmation (within {minutes} minutes).</p>
        <FormError error={errors.error} unmatched={errors.unmatched} fieldErrorCount={errors.fieldErrorCount} />
        {methods.has('passkey') && passkeysSupported() && (
          <button type="button" className="button button-primary button-block" disabled={busy} onClick={() => void run(() => mfaApi.stepUpWithPasskey())} data-testid="step-up-passkey">
            Use a passkey
          </button>
        )}
        <Field
          label={mode === 'password' ? 'Password' : mode === 'totp' ? 'Code from your authenticator app' : 'Recovery code'}
          error={errors.byField[field]}
        >
          {(props) => (
            <input
              {...props}
              className="input"
              type={mode === 'password' ? 'password' : 'text'}
              inputMode={mode === 'totp' ? 'numeric' : undefined}
              autoComplete={mode === 'password' ? 'current-password' : 'one-time-code'}
              autoFocus
              value={value}
              onChange={(event) => setValue(event.target.value)}
              data-testid="step-up-input"
            />
          )}
        </Field>
        <div className="modal-actions">
          <button type="submit" className="button button-primary" disabled={busy || value.trim() === ''} data-testid="step-up-submit">
            {busy ? <Spinner size="sm" label="Checking" /> : 'Confirm'}
          </button>
          <button type="button" className="button button-secondary" onClick={onCancel} data-testid="step-up-cancel">
            Cancel
          </button>
        </div>
        {methods.has('totp') && mode !== 'totp' && (
          <button type="button" className="button button-link" onClick={() => { setMode('totp'); setValue(''); }} data-testid="step-up-use-totp">
            Use an authenticator code instead
          </button>
        )}
        {methods.has('recovery_code') && mode !== 'recovery_code' && (
          <button type="button" className="button button-link" onClick={() => { setMode('recovery_code'); setValue(''); }} data-testid="step-up-use-recovery">
            Use a recovery code instead
          </button>
        )}
      </form>
    </div>
  );
}

/**
 * Runs `work`; when the server asks for fresh authentication (a problem with a `stepUp`
 * challenge), shows the prompt and runs `work` once more after a successful step-up.
 */
export async function withStepUp<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const challenge = (error as { stepUp?: StepUpChallenge }).stepUp;
    if (!challenge || !(await requestStepUp(challenge))) throw error;
    return work();
  }
}
