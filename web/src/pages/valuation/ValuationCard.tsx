import { Link } from 'react-router-dom';
import type { Listing, Money } from '../../api/types';
import { useAuth } from '../../auth/AuthContext';
import { ErrorState, Spinner, SyntheticLabel } from '../../components/ui';
import { formatMoney } from '../../lib/money';
import { useAsync } from '../../lib/useAsync';
import { valueListing, type Valuation } from './valuationApi';
import './valuation.css';

const gradeText: Record<Valuation['confidence']['grade'], string> = {
  A: 'High confidence',
  B: 'Good confidence',
  C: 'Limited confidence',
  D: 'Low confidence',
};

/** Domus's estimate of a home: value, 80% range, grade with reasons, what drives it, and the comparable sales. */
export function ValuationCard({ listing }: { listing: Listing }) {
  const { auth } = useAuth();
  const signedIn = auth.status === 'signedIn';
  const member = signedIn && auth.me.memberships.some((m) => m.organizationId === listing.organizationId);
  const valuation = useAsync(
    (signal) => (signedIn ? valueListing(listing, member, signal) : Promise.resolve(null)),
    [listing.id, listing.version, signedIn, member],
  );
  return (
    <section className="panel valuation-card" aria-labelledby="valuation-title" data-testid="valuation-card">
      <h2 id="valuation-title" className="panel-title">
        Domus estimate
      </h2>
      {!signedIn && (
        <p className="muted" data-testid="valuation-login">
          <Link to="/login">Log in</Link> to see what Domus estimates this home is worth.
        </p>
      )}
      {signedIn && valuation.status === 'loading' && <Spinner label="Valuing this home" />}
      {signedIn && valuation.status === 'error' &&
        (valuation.error.status === 409 ? (
          <p className="muted" data-testid="valuation-unavailable">No valuation model is active yet.</p>
        ) : (
          <ErrorState title="Valuation unavailable" error={valuation.error} onRetry={valuation.reload} />
        ))}
      {valuation.status === 'success' && valuation.data && <ValuationBody valuation={valuation.data} />}
    </section>
  );
}

function ValuationBody({ valuation }: { valuation: Valuation }) {
  const { confidence } = valuation;
  return (
    <div>
      <p className="valuation-value" data-testid="valuation-value">
        {formatMoney(valuation.value)}
      </p>
      <p className="muted small" data-testid="valuation-range">
        {Math.round(valuation.range.coverage * 100)}% range: {formatMoney(valuation.range.lower)} – {formatMoney(valuation.range.upper)}
      </p>
      <p className={`valuation-grade valuation-grade-${confidence.grade}`} data-testid="valuation-grade" data-grade={confidence.grade}>
        <strong>{confidence.grade}</strong> {gradeText[confidence.grade]}
        {valuation.model.synthetic && <SyntheticLabel />}
      </p>
      <ul className="valuation-reasons small" data-testid="valuation-reasons">
        {confidence.reasons.map((reason) => (
          <li key={reason}>{reason}</li>
        ))}
      </ul>
      {valuation.explanation && <Explanation valuation={valuation} />}
      <Comparables valuation={valuation} />
      <p className="muted small">Model version {valuation.model.version}; value for {valuation.at}.</p>
    </div>
  );
}

/** Bars of the largest contributions (TreeSHAP and the comparables' share); together with the base they add up to the value. */
function Explanation({ valuation }: { valuation: Valuation }) {
  const explanation = valuation.explanation!;
  const top = explanation.contributions.slice(0, 8);
  const largest = Math.max(...top.map((c) => Math.abs(c.amount)), 1);
  const currency = explanation.currency;
  const money = (major: number): Money => ({ amountMinor: Math.round(major * 100), currency });
  const rest = explanation.contributions.slice(8).reduce((sum, c) => sum + c.amount, 0);
  return (
    <figure className="valuation-explanation" data-testid="valuation-explanation">
      <figcaption className="small">
        Starting from the average sale, {formatMoney(money(explanation.baseValue))}, what moves this home’s value:
      </figcaption>
      <ul>
        {top.map((c) => (
          <li key={c.feature} className="valuation-bar-row" data-testid="valuation-bar" data-feature={c.feature}>
            <span className="valuation-bar-label">
              {c.feature}
              {c.value !== null && <span className="muted"> = {String(c.value)}</span>}
            </span>
            <span className="valuation-bar-track" aria-hidden="true">
              <span
                className={`valuation-bar ${c.amount >= 0 ? 'valuation-bar-up' : 'valuation-bar-down'}`}
                style={{ width: `${(Math.abs(c.amount) / largest) * 50}%`, [c.amount >= 0 ? 'left' : 'right']: '50%' }}
              />
            </span>
            <span className="valuation-bar-amount">
              {c.amount >= 0 ? '+' : '−'}
              {formatMoney(money(Math.abs(c.amount)))}
            </span>
          </li>
        ))}
      </ul>
      {Math.abs(rest) >= 1 && (
        <p className="muted small">
          Everything else: {rest >= 0 ? '+' : '−'}
          {formatMoney(money(Math.abs(rest)))}
        </p>
      )}
    </figure>
  );
}

function Comparables({ valuation }: { valuation: Valuation }) {
  if (valuation.comparables.length === 0) return null;
  return (
    <details className="valuation-comparables" data-testid="valuation-comparables" open>
      <summary>
        {valuation.comparables.length} comparable sales ({Math.round(valuation.comparablesWeight * 100)}% weight in the value)
      </summary>
      <table className="facts-table small">
        <thead>
          <tr>
            <th scope="col">Sold</th>
            <th scope="col">Distance</th>
            <th scope="col">Price</th>
            <th scope="col">Adjusted to this home</th>
          </tr>
        </thead>
        <tbody>
          {valuation.comparables.map((c) => (
            <tr key={c.ref} data-testid="valuation-comparable">
              <td>{c.soldAt ?? '—'}</td>
              <td>{c.distanceKm < 1 ? `${Math.round(c.distanceKm * 1000)} m` : `${c.distanceKm.toFixed(1)} km`}</td>
              <td>{formatMoney(c.price)}</td>
              <td>{formatMoney(c.adjustedValue)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}
