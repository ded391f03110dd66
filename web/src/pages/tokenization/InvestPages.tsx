import { useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { useAuth } from '../../auth/AuthContext';
import { EmptyState, ErrorState, FormError, Spinner } from '../../components/ui';
import { formatDate } from '../../lib/format';
import { formatMoney, majorToMinor } from '../../lib/money';
import { useAsync, useDocumentTitle } from '../../lib/useAsync';
import { tokenizationApi, type ActionResult, type Offering, type TokenizedProperty } from './tokenizationApi';
import { useAction } from './useAction';

const offeringStatus: Record<Offering['status'], string> = {
  deploying: 'being deployed',
  upcoming: 'opens soon',
  open: 'open',
  awaiting_finalization: 'closed, awaiting finalization',
  succeeded: 'succeeded',
  failed: 'failed (refunds)',
};

export function ActionOutcome({ result }: { result: ActionResult | undefined }) {
  if (!result) return null;
  return (
    <div className="alert alert-success" role="status" data-testid="action-outcome">
      {result.status === 'done'
        ? `Done on chain: ${result.transactions.map((tx) => tx.description).join(', ')}.`
        : `Sign these ${result.unsignedTransactions.length} transactions with your wallet, in order.`}
    </div>
  );
}

/** /invest: tokenized properties and their offerings. */
export function InvestPage() {
  useDocumentTitle('Invest');
  const properties = useAsync((signal) => tokenizationApi.properties(signal), []);
  const chain = useAsync((signal) => tokenizationApi.chain(signal), []);
  return (
    <div className="page-narrow" data-testid="invest-page">
      <h1 className="page-title">Invest in tokenized properties</h1>
      {chain.data?.stablecoin.sandbox && (
        <p className="alert alert-info" data-testid="sandbox-notice">
          Sandbox: payments use <strong>sandbox dollars</strong> ({chain.data.stablecoin.symbol}) on a local in-process chain. They have no value.
        </p>
      )}
      {properties.status === 'loading' && !properties.data && <Spinner label="Loading properties" />}
      {properties.status === 'error' && <ErrorState error={properties.error} onRetry={properties.reload} />}
      {properties.data?.items.length === 0 && <EmptyState title="No tokenized properties yet" />}
      <ul className="deal-list">
        {properties.data?.items.map((property) => {
          const offering = property.offerings[0];
          return (
            <li key={property.id} className="deal-row" data-testid="tokenized-property-row">
              <div>
                <strong>{property.name}</strong> <span className="muted">{property.symbol}</span>
                <div className="muted">
                  {offering ? `Offering ${offeringStatus[offering.status]}: ${formatMoney(offering.pricePerShare)} per share, ${offering.soldShares}/${offering.hardCapShares} sold` : 'No offering yet'}
                  {' · '}
                  {property.holders} holders · rent paid {formatMoney(property.rent.deposited)}
                </div>
              </div>
              <Link to={`/invest/properties/${property.id}`} className="button button-secondary button-small" data-testid="open-tokenized-property">
                Open
              </Link>
            </li>
          );
        })}
      </ul>
    </div>
  );
}

/** /invest/properties/:id: the offering with a buy form, and the secondary order book. */
export function TokenizedPropertyPage() {
  const { id = '' } = useParams();
  const { auth } = useAuth();
  const property = useAsync((signal) => tokenizationApi.property(id, signal), [id]);
  useDocumentTitle(property.data?.name ?? 'Tokenized property');
  if (property.status === 'error') return <ErrorState error={property.error} onRetry={property.reload} />;
  if (!property.data) return <Spinner label="Loading" />;
  const data = property.data;
  const offering = data.offerings[0];
  return (
    <div className="page-narrow" data-testid="tokenized-property-page">
      <h1 className="page-title">{data.name}</h1>
      <p className="muted">
        {data.symbol} · deed #{data.deedId} · shares contract <code>{data.contracts.shares}</code> · {data.holders} holders · rent deposited{' '}
        {formatMoney(data.rent.deposited)}, claimed {formatMoney(data.rent.claimed)}
      </p>
      {offering && <OfferingPanel offering={offering} signedIn={auth.status === 'signedIn'} onChange={property.reload} />}
      <OrderBook property={data} signedIn={auth.status === 'signedIn'} />
    </div>
  );
}

function OfferingPanel({ offering, signedIn, onChange }: { offering: Offering; signedIn: boolean; onChange: () => void }) {
  const [shares, setShares] = useState('1');
  const buy = useAction(tokenizationApi.buy, onChange);
  const [result, setResult] = useState<ActionResult>();
  return (
    <section className="card" data-testid="offering-panel">
      <h2>Offering</h2>
      <p data-testid="offering-status">
        {offeringStatus[offering.status]} · {formatMoney(offering.pricePerShare)} per share · {offering.soldShares} of {offering.hardCapShares} shares sold (soft cap{' '}
        {offering.softCapShares}) · raised {formatMoney(offering.raised)} · closes {formatDate(offering.closesAt)}
      </p>
      {offering.status === 'open' && signedIn && (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            void buy.execute(offering.id, Number(shares)).then(setResult);
          }}
        >
          <label className="field-label" htmlFor="buy-shares">Shares to buy</label>
          <input id="buy-shares" data-testid="buy-shares" type="number" min={1} value={shares} onChange={(event) => setShares(event.target.value)} />
          <button type="submit" className="button button-primary" disabled={buy.busy} data-testid="buy-submit">
            {buy.busy ? 'Buying…' : 'Buy with my custodial wallet'}
          </button>
          <FormError error={buy.error} />
          <ActionOutcome result={result} />
        </form>
      )}
      {offering.status === 'open' && !signedIn && <Link to="/login">Log in to buy</Link>}
    </section>
  );
}

function OrderBook({ property, signedIn }: { property: TokenizedProperty; signedIn: boolean }) {
  const book = useAsync((signal) => tokenizationApi.orders(property.id, signal), [property.id]);
  const [side, setSide] = useState<'sell' | 'buy'>('sell');
  const [shares, setShares] = useState('1');
  const [price, setPrice] = useState('100');
  const [result, setResult] = useState<ActionResult>();
  const place = useAction(tokenizationApi.placeOrder, (outcome) => {
    setResult(outcome);
    book.reload();
  });
  const fill = useAction(tokenizationApi.fill, (outcome) => {
    setResult(outcome);
    book.reload();
  });
  const cancel = useAction(tokenizationApi.cancel, (outcome) => {
    setResult(outcome);
    book.reload();
  });
  return (
    <section className="card" data-testid="order-book">
      <h2>Secondary market</h2>
      {book.status === 'error' && <ErrorState error={book.error} onRetry={book.reload} />}
      {book.data && book.data.orders.length === 0 && <p className="muted">No open orders.</p>}
      {book.data && book.data.orders.length > 0 && (
        <table className="data-table">
          <thead>
            <tr>
              <th>#</th>
              <th>Side</th>
              <th>Shares left</th>
              <th>Price per share</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {book.data.orders.map((order) => (
              <tr key={order.orderId} data-testid="order-row" data-order-id={order.orderId}>
                <td>{order.orderId}</td>
                <td>{order.side}</td>
                <td>{order.remainingShares}</td>
                <td>{formatMoney(order.pricePerShare)}</td>
                <td>
                  {signedIn && order.mine && (
                    <button type="button" className="button button-small" data-testid="order-cancel" disabled={cancel.busy} onClick={() => void cancel.execute(property.id, order.orderId)}>
                      Cancel
                    </button>
                  )}
                  {signedIn && !order.mine && (
                    <button type="button" className="button button-small" data-testid="order-fill" disabled={fill.busy} onClick={() => void fill.execute(property.id, order.orderId, 1)}>
                      {order.side === 'sell' ? 'Buy 1' : 'Sell 1'}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <FormError error={fill.error ?? cancel.error} />
      {signedIn && (
        <form
          className="inline-form"
          onSubmit={(event) => {
            event.preventDefault();
            const priceMinor = majorToMinor(price, 'USD');
            if (priceMinor) void place.execute(property.id, side, Number(shares), priceMinor);
          }}
        >
          <label className="field-label" htmlFor="order-side">Side</label>
          <select id="order-side" data-testid="order-side" value={side} onChange={(event) => setSide(event.target.value as 'sell' | 'buy')}>
            <option value="sell">Sell</option>
            <option value="buy">Buy</option>
          </select>
          <label className="field-label" htmlFor="order-shares">Shares</label>
          <input id="order-shares" data-testid="order-shares" type="number" min={1} value={shares} onChange={(event) => setShares(event.target.value)} />
          <label className="field-label" htmlFor="order-price">Price per share (USD)</label>
          <input id="order-price" data-testid="order-price" inputMode="decimal" value={price} onChange={(event) => setPrice(event.target.value)} />
          <button type="submit" className="button button-primary" disabled={place.busy} data-testid="order-submit">
            Place order
          </button>
          <FormError error={place.error} />
        </form>
      )}
      <ActionOutcome result={result} />
    </section>
  );
}
