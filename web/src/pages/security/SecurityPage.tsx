import QRCode from 'qrcode';
import { useEffect, useState, type FormEvent } from 'react';
import { Navigate } from 'react-router-dom';
import { toApiError, type ApiError } from '../../api/errors';
import { useAuth } from '../../auth/AuthContext';
import { ErrorState, Field, FormError, Spinner } from '../../components/ui';
import { useAsync, useDocumentTitle } from '../../lib/useAsync';
import { useFormErrors } from '../../lib/useFormErrors';
import { DevicesSection } from './DevicesSection';
import { PasswordSection } from './PasswordSection';
import { mfaApi, passkeysSupported, type Factor, type TotpEnrolment } from './mfaApi';
import { withStepUp } from './StepUpPrompt';

const dateTime = (iso: string | null) => (iso ? new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : 'never');

/**
 * Security settings: second factors (authenticator app with a QR code, passkeys), recovery
 * codes shown once, and the devices-and-sessions section. Every change asks the step-up prompt
 * for fresh authentication when the server wants it, and ends the user's other sessions.
 */
export function SecurityPage() {
  useDocumentTitle('Security');
  const { auth } = useAuth();
  const overview = useAsync((signal) => mfaApi.overview(signal), []);
  const [freshCodes, setFreshCodes] = useState<string[] | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [failure, setFailure] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  if (auth.status === 'signedOut') return <Navigate to="/login?next=/security" replace />;

  async function act(key: string, work: () => Promise<{ recoveryCodes?: string[] | null; endedSessions?: number } | void>) {
    setBusy(key);
    setFailure(null);
    setNotice(null);
    try {
      const result = await withStepUp(work);
      if (result?.recoveryCodes) setFreshCodes(result.recoveryCodes);
      if (result?.endedSessions) setNotice(`Signed out of ${result.endedSessions} other session${result.endedSessions === 1 ? '' : 's'}.`);
      overview.reload();
    } catch (error) {
      setFailure(toApiError(error));
    } finally {
      setBusy(null);
    }
  }

  const factors = overview.data?.factors.filter((factor) => factor.status === 'active') ?? [];
  return (
    <div className="page security-page" data-testid="security-page">
      <h1>Security</h1>
      {notice && <p className="alert" role="status" data-testid="security-notice">{notice}</p>}
      {failure && <p className="form-error alert alert-error" role="alert" data-testid="security-error">{failure.userMessage}</p>}
      {freshCodes && <RecoveryCodes codes={freshCodes} onDone={() => setFreshCodes(null)} />}

      <section className="card" aria-labelledby="factors-heading" data-testid="factors-section">
        <h2 id="factors-heading">Two-step verification</h2>
        <p className="muted">
          {factors.length > 0
            ? 'Logging in asks for one of these after your password.'
            : 'Add an authenticator app or a passkey: logging in then needs it as well as your password.'}
        </p>
        {overview.status === 'loading' && !overview.data && <Spinner label="Loading your factors" />}
        {overview.status === 'error' && <ErrorState title="We couldn’t load your factors" error={overview.error} onRetry={overview.reload} />}
        {factors.length > 0 && (
          <ul className="factor-list">
            {factors.map((factor: Factor) => (
              <li key={factor.id} className="factor" data-testid="mfa-factor" data-kind={factor.kind}>
                <strong>{factor.label}</strong> <span className="badge">{factor.kind === 'totp' ? 'TOTP' : 'Passkey'}</span>
                <span className="muted"> · added {dateTime(factor.confirmedAt ?? factor.createdAt)} · last used {dateTime(factor.lastUsedAt)}</span>
                <button type="button" className="button button-link" disabled={busy !== null} onClick={() => void act(`remove-${factor.id}`, () => mfaApi.removeFactor(factor.id))} data-testid="factor-remove">
                  Remove
                </button>
              </li>
            ))}
          </ul>
        )}
        <TotpEnrolmentPanel disabled={busy !== null} onEnrolled={(codes, ended) => { if (codes) setFreshCodes(codes); if (ended) setNotice(`Signed out of ${ended} other session${ended === 1 ? '' : 's'}.`); overview.reload(); }} />
        {passkeysSupported() ? (
          <button type="button" className="button button-secondary" disabled={busy !== null} onClick={() => void act('passkey', () => mfaApi.registerPasskey(defaultPasskeyLabel()))} data-testid="passkey-add">
            {busy === 'passkey' ? <Spinner size="sm" label="Waiting for your passkey" /> : 'Add a passkey'}
          </button>
        ) : (
          <p className="muted">This browser cannot create passkeys.</p>
        )}
      </section>

      <section className="card" aria-labelledby="recovery-heading" data-testid="recovery-section">
        <h2 id="recovery-heading">Recovery codes</h2>
        <p className="muted">
          For when you lose your phone or passkey: each code works once.{' '}
          {overview.data && overview.data.recoveryCodes.total > 0 ? `${overview.data.recoveryCodes.unused} of ${overview.data.recoveryCodes.total} left.` : 'None yet.'}
        </p>
        <button type="button" className="button button-secondary" disabled={busy !== null || factors.length === 0} onClick={() => void act('recovery', () => mfaApi.regenerateRecoveryCodes())} data-testid="recovery-generate">
          Generate new codes
        </button>
      </section>

      <PasswordSection />

      <DevicesSection />
    </div>
  );
}

function defaultPasskeyLabel(): string {
  const platform = (navigator as Navigator & { userAgentData?: { platform?: string } }).userAgentData?.platform ?? navigator.platform;
  return platform ? `Passkey on ${platform}`.slice(0, 60) : 'Passkey';
}

/** Set-up of an authenticator app: QR code (and the secret to type), then the first code confirms it. */
function TotpEnrolmentPanel({ disabled, onEnrolled }: { disabled: boolean; onEnrolled: (codes: string[] | null, endedSessions: number) => void }) {
  const [enrolment, setEnrolment] = useState<TotpEnrolment | null>(null);
  const [qr, setQr] = useState<string | null>(null);
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const errors = useFormErrors(['code']);

  useEffect(() => {
    if (!enrolment) return setQr(null);
    let live = true;
    QRCode.toDataURL(enrolment.otpauthUri, { margin: 1, width: 208, errorCorrectionLevel: 'M' }).then((url) => live && setQr(url), () => live && setQr(null));
    return () => {
      live = false;
    };
  }, [enrolment]);

  async function start() {
    setBusy(true);
    errors.clear();
    try {
      setEnrolment(await withStepUp(() => mfaApi.startTotp()));
      setCode('');
    } catch (error) {
      errors.setError(error);
    } finally {
      setBusy(false);
    }
  }

  async function confirm(event: FormEvent) {
    event.preventDefault();
    if (!enrolment) return;
    setBusy(true);
    errors.clear();
    try {
      const result = await mfaApi.confirmTotp(enrolment.factorId, code.replace(/\s/g, ''));
      setEnrolment(null);
      onEnrolled(result.recoveryCodes, result.endedSessions);
    } catch (error) {
      errors.setError(error);
    } finally {
      setBusy(false);
    }
  }

  if (!enrolment) {
    return (
      <div className="totp-start">
        <FormError error={errors.error} unmatched={errors.unmatched} fieldErrorCount={errors.fieldErrorCount} />
        <button type="button" className="button button-secondary" disabled={disabled || busy} onClick={() => void start()} data-testid="totp-start">
          Set up an authenticator app
        </button>
      </div>
    );
  }
  return (
    <form className="totp-enrol" onSubmit={confirm} noValidate data-testid="totp-enrolment">
      <p>Scan this with your authenticator app, then enter the 6-digit code it shows.</p>
      {qr ? <img src={qr} width={208} height={208} alt="QR code for your authenticator app" data-testid="totp-qr" /> : <Spinner label="Drawing the QR code" />}
      <p className="muted">
        Can’t scan? Enter this key: <code data-testid="totp-secret">{enrolment.secret.replace(/(.{4})/g, '$1 ').trim()}</code>
      </p>
      <FormError error={errors.error} unmatched={errors.unmatched} fieldErrorCount={errors.fieldErrorCount} />
      <Field label="Code from the app" error={errors.byField.code}>
        {(props) => (
          <input {...props} className="input" inputMode="numeric" autoComplete="one-time-code" maxLength={8} value={code} onChange={(event) => setCode(event.target.value)} data-testid="totp-code" />
        )}
      </Field>
      <div className="modal-actions">
        <button type="submit" className="button button-primary" disabled={busy || code.trim() === ''} data-testid="totp-confirm">
          {busy ? <Spinner size="sm" label="Checking" /> : 'Turn on'}
        </button>
        <button type="button" className="button button-secondary" onClick={() => setEnrolment(null)}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** New recovery codes, shown this once. */
function RecoveryCodes({ codes, onDone }: { codes: string[]; onDone: () => void }) {
  return (
    <section className="card recovery-codes" aria-labelledby="codes-heading" data-testid="recovery-codes">
      <h2 id="codes-heading">Save your recovery codes</h2>
      <p>Each code logs you in once if you lose your factors. They are shown only now: print them or keep them in a password manager.</p>
      <ol className="code-list">
        {codes.map((code) => (
          <li key={code}>
            <code data-testid="recovery-code">{code}</code>
          </li>
        ))}
      </ol>
      <button type="button" className="button button-secondary" onClick={() => void navigator.clipboard?.writeText(codes.join('\n'))}>
        Copy
      </button>{' '}
      <button type="button" className="button button-primary" onClick={onDone} data-testid="recovery-done">
        I saved them
      </button>
    </section>
  );
}
