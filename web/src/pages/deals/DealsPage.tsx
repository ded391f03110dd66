import { Link } from 'react-router-dom';
import { useAuth } from '../../auth/AuthContext';
import { EmptyState, ErrorState, Spinner } from '../../components/ui';
import { formatMoney } from '../../lib/money';
import { useAsync, useDocumentTitle } from '../../lib/useAsync';
import { dealsApi } from './dealsApi';

/** The caller's deals, as buyer or for the seller organization, each linking to its room. */
export function DealsPage() {
  useDocumentTitle('Deals');
  const { auth } = useAuth();
  const deals = useAsync((signal) => dealsApi.list(signal), []);
  if (auth.status === 'signedOut') {
    return (
      <div className="page-narrow">
        <EmptyState title="Log in to see your deals" action={<Link to="/login?next=%2Fdeals" className="button button-primary">Log in</Link>} />
      </div>
    );
  }
  return (
    <div className="page-narrow" data-testid="deals-page">
      <h1 className="page-title">Deals</h1>
      {deals.status === 'loading' && !deals.data && <Spinner label="Loading deals" />}
      {deals.status === 'error' && <ErrorState error={deals.error} onRetry={deals.reload} />}
      {deals.data && deals.data.items.length === 0 && (
        <EmptyState title="No deals yet">
          <p>Open a deal from a listing to start negotiating.</p>
        </EmptyState>
      )}
      {deals.data && deals.data.items.length > 0 && (
        <ul className="deal-list">
          {deals.data.items.map((deal) => {
            const latest = deal.offers.at(-1);
            return (
              <li key={deal.id} className="deal-row" data-testid="deal-row" data-deal-id={deal.id}>
                <div>
                  <strong>{deal.yourSide === 'buyer' ? 'You are buying' : 'You are selling'}</strong>{' '}
                  <span className={`badge badge-${deal.status === 'accepted' ? 'sold' : 'active'}`}>{deal.status}</span>
                  <div className="muted">
                    {latest ? `Offer #${latest.number}: ${formatMoney(latest.amount)} (${latest.status})` : 'No offer yet'} ·{' '}
                    <Link to={`/listings/${deal.listingId}`}>listing</Link>
                  </div>
                </div>
                <Link to={`/deals/${deal.id}`} className="button button-secondary button-small" data-testid="open-deal-room">
                  Open room
                </Link>
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}
