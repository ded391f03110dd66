import { useState, type FormEvent } from 'react';
import { toApiError, type ApiError } from '../../api/errors';
import { EmptyState, ErrorState, Spinner } from '../../components/ui';
import { useAsync, useDocumentTitle } from '../../lib/useAsync';
import { useWorkspace } from '../../workspace/WorkspaceLayout';
import { placeLabel, reasonLabels, riskApi, type RiskPolicy } from './riskApi';

const dateTime = (iso: string) => new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const outcomeLabels = { success: 'Allowed', step_up: 'MFA asked', denied: 'Refused', failed: 'Wrong password', locked: 'Locked out' } as const;

/**
 * The organization admins' security view (/workspace/security): the risk policy and plan, the
 * members' risky log-ins (score, reasons, place, device) and the accounts locked out now.
 */
export function SecurityAdminPage() {
  const { membership } = useWorkspace();
  const organizationId = membership.organizationId;
  useDocumentTitle('Security · Domus');
  const isAdmin = membership.role === 'owner' || membership.role === 'admin';
  const [minScore, setMinScore] = useState(30);
  const policy = useAsync((signal) => (isAdmin ? riskApi.policy(organizationId, signal) : Promise.resolve(null)), [organizationId, isAdmin]);
  const logIns = useAsync((signal) => (isAdmin ? riskApi.riskyLogIns(organizationId, { minScore }, signal) : Promise.resolve(null)), [organizationId, isAdmin, minScore]);
  const lockouts = useAsync((signal) => (isAdmin ? riskApi.lockouts(organizationId, signal) : Promise.resolve(null)), [organizationId, isAdmin]);
  const [failure, setFailure] = useState<ApiError | null>(null);

  if (!isAdmin) {
    return <EmptyState title="Admins only">Only the organization’s owners and admins see its security view.</EmptyState>;
  }

  async function unlock(userId: string) {
    setFailure(null);
    try {
      await riskApi.unlock(organizationId, userId);
      lockouts.reload();
    } catch (error) {
      setFailure(toApiError(error));
    }
  }

  return (
    <div className="security-admin" data-testid="security-admin">
      <h1>Security</h1>
      {failure && <p className="form-error" role="alert">{failure.userMessage}</p>}
      {policy.data && <PolicyForm policy={policy.data} onSaved={policy.setData} organizationId={organizationId} />}
      {policy.status === 'error' && <ErrorState title="We couldn’t load the policy" error={policy.error} onRetry={policy.reload} />}

      <section className="card" aria-labelledby="lockouts-heading">
        <h2 id="lockouts-heading">Locked-out members</h2>
        {lockouts.status === 'loading' && <Spinner label="Loading lock-outs" />}
        {lockouts.status === 'error' && <ErrorState error={lockouts.error} onRetry={lockouts.reload} />}
        {lockouts.data && lockouts.data.items.length === 0 && <p className="muted">Nobody is locked out.</p>}
        {lockouts.data && lockouts.data.items.length > 0 && (
          <table className="table" data-testid="lockouts">
            <thead>
              <tr><th>Member</th><th>Why</th><th>Failures</th><th>Until</th><th /></tr>
            </thead>
            <tbody>
              {lockouts.data.items.map((lock) => (
                <tr key={`${lock.kind}:${lock.subject}`}>
                  <td>{lock.email ?? lock.subject}</td>
                  <td>{reasonLabels[lock.reason] ?? lock.reason}</td>
                  <td>{lock.failures}</td>
                  <td>{dateTime(lock.lockedUntil)}</td>
                  <td>
                    {lock.userId && (
                      <button type="button" className="button button-secondary" onClick={() => void unlock(lock.userId as string)}>
                        Unlock
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section className="card" aria-labelledby="risky-heading">
        <h2 id="risky-heading">Risky log-ins</h2>
        <label>
          Minimum score{' '}
          <select className="input" value={minScore} onChange={(event) => setMinScore(Number(event.target.value))} data-testid="min-score">
            {[0, 15, 30, 50, 90].map((value) => (
              <option key={value} value={value}>{value}</option>
            ))}
          </select>
        </label>
        {logIns.status === 'loading' && <Spinner label="Loading log-ins" />}
        {logIns.status === 'error' && <ErrorState error={logIns.error} onRetry={logIns.reload} />}
        {logIns.data && logIns.data.items.length === 0 && <p className="muted">No log-ins at or above this score.</p>}
        {logIns.data && logIns.data.items.length > 0 && (
          <table className="table" data-testid="risky-logins">
            <thead>
              <tr><th>When</th><th>Member</th><th>Outcome</th><th>Score</th><th>Reasons</th><th>Place</th><th>Device</th></tr>
            </thead>
            <tbody>
              {logIns.data.items.map((event) => (
                <tr key={event.id}>
                  <td>{dateTime(event.occurredAt)}</td>
                  <td>{event.email ?? '—'}</td>
                  <td>{outcomeLabels[event.outcome]}</td>
                  <td>{event.score}</td>
                  <td>{event.reasons.map((reason) => reasonLabels[reason] ?? reason).join(', ') || '—'}</td>
                  <td>{placeLabel(event.place)}</td>
                  <td title={event.deviceId ?? undefined}>{event.deviceId ? event.deviceId.slice(0, 8) : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}

function PolicyForm({ policy, organizationId, onSaved }: { policy: RiskPolicy; organizationId: string; onSaved: (policy: RiskPolicy) => void }) {
  const [stepUpAt, setStepUpAt] = useState(policy.stepUpAt);
  const [denyAt, setDenyAt] = useState(policy.denyAt);
  const [plan, setPlan] = useState(policy.plan);
  const [error, setError] = useState<ApiError | null>(null);
  const [saving, setSaving] = useState(false);

  async function save(event: FormEvent) {
    event.preventDefault();
    setSaving(true);
    setError(null);
    try {
      onSaved(await riskApi.updatePolicy(organizationId, { stepUpAt, denyAt, plan }));
    } catch (failure) {
      setError(toApiError(failure));
    } finally {
      setSaving(false);
    }
  }

  return (
    <form className="card" onSubmit={(event) => void save(event)} aria-labelledby="policy-heading" data-testid="risk-policy">
      <h2 id="policy-heading">Risk policy</h2>
      <p className="muted">Each log-in gets a risk score from 0 to 100. From the first threshold the member must confirm with a second factor; from the second the log-in is refused.</p>
      <label>
        Ask for MFA from score <input className="input" type="number" min={1} max={100} value={stepUpAt} onChange={(event) => setStepUpAt(Number(event.target.value))} />
      </label>
      <label>
        Refuse from score <input className="input" type="number" min={1} max={101} value={denyAt} onChange={(event) => setDenyAt(Number(event.target.value))} />
      </label>
      <label>
        Plan{' '}
        <select className="input" value={plan} onChange={(event) => setPlan(event.target.value as RiskPolicy['plan'])}>
          <option value="basic">Basic</option>
          <option value="pro">Pro</option>
          <option value="enterprise">Enterprise</option>
        </select>
      </label>
      <p className="muted">API keys may make {policy.apiKeyRequestsPerMinute} requests a minute{policy.planDefault ? ' (the plan’s default)' : ''}.</p>
      {error && <p className="form-error" role="alert">{error.userMessage}</p>}
      <button type="submit" className="button" disabled={saving}>{saving ? 'Saving…' : 'Save policy'}</button>
    </form>
  );
}
