import { useState, type FormEvent } from 'react';
import { Link, Navigate, useNavigate, useSearchParams } from 'react-router-dom';
import { api } from '../api/endpoints';
import { useAuth } from '../auth/AuthContext';
import { Field, FormError, Spinner } from '../components/ui';
import { useDocumentTitle } from '../lib/useAsync';
import { useFormErrors } from '../lib/useFormErrors';
import { MfaLogInStep } from './security/MfaLogInStep';
import { mfaApi, passkeysSupported, type MfaRequired } from './security/mfaApi';

/** Only same-site paths are followed after logging in, never another origin. */
function safeNext(value: string | null, fallback: string): string {
  return value && value.startsWith('/') && !value.startsWith('//') ? value : fallback;
}

export function LoginPage() {
  useDocumentTitle('Log in');
  const { auth, refresh } = useAuth();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const next = safeNext(params.get('next'), '/');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [submitting, setSubmitting] = useState(false);
  const errors = useFormErrors(['email', 'password']);
  const [mfa, setMfa] = useState<MfaRequired | null>(null);

  if (auth.status === 'signedIn' && !submitting) return <Navigate to={next} replace />;

  const finish = async () => {
    await refresh();
    navigate(next, { replace: true });
  };

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setSubmitting(true);
    errors.clear();
    try {
      const result = (await api.login({ email: email.trim(), password })) as { user?: unknown } | MfaRequired;
      // A second factor is due: the session opens after the MFA step.
      if ('status' in result && result.status === 'mfa_required') setMfa(result);
      else await finish();
    } catch (error) {
      errors.setError(error);
    } finally {
      setSubmitting(false);
    }
  };

  const passkeyLogIn = async () => {
    setSubmitting(true);
    errors.clear();
    try {
      await mfaApi.passkeyLogIn();
      await finish();
    } catch (error) {
      errors.setError(error);
    } finally {
      setSubmitting(false);
    }
  };

  if (mfa) {
    return (
      <div className="auth-page">
        <MfaLogInStep pending={mfa} onDone={finish} onCancel={() => { setMfa(null); setPassword(''); }} />
      </div>
    );
  }

  return (
    <div className="auth-page">
      <form className="auth-card" onSubmit={onSubmit} noValidate data-testid="login-form">
        <h1>Welcome back</h1>
        <p className="muted">Log in to save searches and manage your agency’s listings.</p>
        <FormError error={errors.error} unmatched={errors.unmatched} fieldErrorCount={errors.fieldErrorCount} />
        <Field label="Email" error={errors.byField.email}>
          {(props) => (
            <input
              {...props}
              className="input"
              type="email"
              name="email"
              autoComplete="email"
              required
              value={email}
              onChange={(event) => setEmail(event.target.value)}
              data-testid="login-email"
            />
          )}
        </Field>
        <Field label="Password" error={errors.byField.password}>
          {(props) => (
            <input
              {...props}
              className="input"
              type="password"
              name="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(event) => setPassword(event.target.value)}
              data-testid="login-password"
            />
          )}
        </Field>
        <button type="submit" className="button button-primary button-block" disabled={submitting} data-testid="login-submit">
          {submitting ? <Spinner size="sm" label="Logging in" /> : 'Log in'}
        </button>
        {passkeysSupported() && (
          <button type="button" className="button button-secondary button-block" disabled={submitting} onClick={() => void passkeyLogIn()} data-testid="login-passkey">
            Log in with a passkey
          </button>
        )}
        <p className="auth-switch">
          New to Domus? <Link to={`/signup${params.toString() ? `?${params.toString()}` : ''}`}>Create an account</Link>
        </p>
      </form>
    </div>
  );
}

export function SignupPage() {
  useDocumentTitle('Sign up');
  const { auth, refresh } = useAuth();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const next = safeNext(params.get('next'), '/workspace');
  const [displayName, setDisplayName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [submitting, setSubmitting] = useState(false);
  const errors = useFormErrors(['displayName', 'email', 'password']);

  if (auth.status === 'signedIn' && !submitting) return <Navigate to={next} replace />;

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setSubmitting(true);
    errors.clear();
    try {
      await api.signup({ displayName: displayName.trim(), email: email.trim(), password });
      await refresh();
      navigate(next, { replace: true });
    } catch (error) {
      errors.setError(error);
    } finally {
      setSubmitting(false);
    }
  };

  return (
    <div className="auth-page">
      <form className="auth-card" onSubmit={onSubmit} noValidate data-testid="signup-form">
        <h1>Create your account</h1>
        <p className="muted">Save searches, get organised, and list properties for your agency.</p>
        <FormError error={errors.error} unmatched={errors.unmatched} fieldErrorCount={errors.fieldErrorCount} />
        <Field label="Your name" error={errors.byField.displayName}>
          {(props) => (
            <input
              {...props}
              className="input"
              name="displayName"
              autoComplete="name"
              required
              value={displayName}
              onChange={(event) => setDisplayName(event.target.value)}
              data-testid="signup-display-name"
            />
          )}
        </Field>
        <Field label="Email" error={errors.byField.email}>
          {(props) => (
            <input
              {...props}
              className="input"
              type="email"
              name="email"
              autoComplete="email"
              required
              value={email}
              onChange={(event) => setEmail(event.target.value)}
              data-testid="signup-email"
            />
          )}
        </Field>
        <Field label="Password" error={errors.byField.password} hint="At least 10 characters. A passphrase of a few words works well.">
          {(props) => (
            <input
              {...props}
              className="input"
              type="password"
              name="password"
              autoComplete="new-password"
              required
              value={password}
              onChange={(event) => setPassword(event.target.value)}
              data-testid="signup-password"
            />
          )}
        </Field>
        <button type="submit" className="button button-primary button-block" disabled={submitting} data-testid="signup-submit">
          {submitting ? <Spinner size="sm" label="Creating your account" /> : 'Create account'}
        </button>
        <p className="auth-switch">
          Already have an account? <Link to={`/login${params.toString() ? `?${params.toString()}` : ''}`}>Log in</Link>
        </p>
      </form>
    </div>
  );
}
