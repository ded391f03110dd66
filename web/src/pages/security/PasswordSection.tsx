import { useState, type FormEvent } from 'react';
import { request } from '../../api/client';
import { Field, FormError, Spinner } from '../../components/ui';
import { useFormErrors } from '../../lib/useFormErrors';

/**
 * "Password" on the security settings page: PUT /api/v1/me/password with the current and the
 * new password (docs/security.md). The server checks the current one behind the log-in lock-out,
 * vets the new one against breached passwords and ends every other session.
 */
export function PasswordSection() {
  const [currentPassword, setCurrentPassword] = useState('');
  const [newPassword, setNewPassword] = useState('');
  const [submitting, setSubmitting] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const errors = useFormErrors(['currentPassword', 'newPassword']);

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setSubmitting(true);
    setDone(null);
    errors.clear();
    try {
      const { endedSessions } = await request<{ endedSessions: number }>('PUT', '/me/password', { json: { currentPassword, newPassword } });
      setCurrentPassword('');
      setNewPassword('');
      setDone(`Password changed.${endedSessions > 0 ? ` Signed out of ${endedSessions} other session${endedSessions === 1 ? '' : 's'}.` : ''}`);
    } catch (error) {
      errors.setError(error);
    } finally {
      setSubmitting(false);
    }
  };

  return (
    <section className="card" aria-labelledby="password-heading" data-testid="password-section">
      <h2 id="password-heading">Password</h2>
      <p className="muted">Changing it signs you out everywhere else.</p>
      {done && <p className="alert" role="status" data-testid="password-changed">{done}</p>}
      <form onSubmit={onSubmit} noValidate>
        <FormError error={errors.error} unmatched={errors.unmatched} fieldErrorCount={errors.fieldErrorCount} />
        <Field label="Current password" error={errors.byField.currentPassword}>
          {(props) => (
            <input {...props} className="input" type="password" name="currentPassword" autoComplete="current-password" required value={currentPassword} onChange={(event) => setCurrentPassword(event.target.value)} data-testid="password-current" />
          )}
        </Field>
        <Field label="New password" hint="At least 10 characters; a few unrelated words make a strong one." error={errors.byField.newPassword}>
          {(props) => (
            <input {...props} className="input" type="password" name="newPassword" autoComplete="new-password" required minLength={10} value={newPassword} onChange={(event) => setNewPassword(event.target.value)} data-testid="password-new" />
          )}
        </Field>
        <button type="submit" className="button" disabled={submitting || !currentPassword || newPassword.length < 10} data-testid="password-submit">
          {submitting ? <Spinner size="sm" label="Changing your password" /> : 'Change password'}
        </button>
      </form>
    </section>
  );
}
