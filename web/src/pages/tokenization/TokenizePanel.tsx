import { useState } from 'react';
import { Link } from 'react-router-dom';
import { FormError } from '../../components/ui';
import { majorToMinor } from '../../lib/money';
import { useAsync } from '../../lib/useAsync';
import { tokenizationApi, type TokenizedProperty } from './tokenizationApi';
import { useAction } from './useAction';

/**
 * The agency workspace's tokenization action for one listing: tokenize (admins of an active
 * listing's organization), then open an offering, finalize it and deposit collected rent.
 */
export function TokenizePanel({ listingId, listingStatus }: { listingId: string; listingStatus: string }) {
  const all = useAsync((signal) => tokenizationApi.properties(signal), [listingId]);
  const [created, setCreated] = useState<TokenizedProperty>();
  const tokenize = useAction(tokenizationApi.tokenize, setCreated);
  const property = created ?? all.data?.items.find((item) => item.listingId === listingId);
  const [price, setPrice] = useState('100');
  const [hardCap, setHardCap] = useState('1000');
  const [softCap, setSoftCap] = useState('100');
  const [days, setDays] = useState('14');
  const [rent, setRent] = useState('1000');
  const open = useAction(tokenizationApi.openOffering, () => all.reload());
  const finalize = useAction(tokenizationApi.finalize, () => all.reload());
  const deposit = useAction(tokenizationApi.deposit, () => all.reload());
  const offering = property?.offerings[0];
  return (
    <section className="card" data-testid="tokenize-panel">
      <h2>Tokenization</h2>
      {!property && (
        <>
          <p className="muted">Issue a deed and fractional shares for this property on chain, then sell them in an offering.</p>
          <button type="button" className="button button-primary" data-testid="tokenize-submit" disabled={tokenize.busy || listingStatus !== 'active'} onClick={() => void tokenize.execute(listingId)}>
            {tokenize.busy ? 'Deploying contracts…' : 'Tokenize this property'}
          </button>
          {listingStatus !== 'active' && <p className="muted">Only an active listing can be tokenized.</p>}
          <FormError error={tokenize.error} />
        </>
      )}
      {property && (
        <>
          <p data-testid="tokenized-status">
            {property.symbol}: {property.status} · <Link to={`/invest/properties/${property.id}`}>investor page</Link>
          </p>
          {(!offering || offering.status === 'succeeded' || offering.status === 'failed') && (
            <form
              onSubmit={(event) => {
                event.preventDefault();
                const priceMinor = majorToMinor(price, 'USD');
                if (!priceMinor) return;
                const closesAt = new Date(Date.now() + Number(days) * 86_400_000).toISOString();
                void open.execute(property.id, { pricePerShareMinor: priceMinor, hardCapShares: Number(hardCap), softCapShares: Number(softCap), closesAt });
              }}
            >
              <label className="field-label" htmlFor="offering-price">Price per share (USD)</label>
              <input id="offering-price" data-testid="offering-price" value={price} onChange={(event) => setPrice(event.target.value)} />
              <label className="field-label" htmlFor="offering-hard-cap">Shares for sale (hard cap)</label>
              <input id="offering-hard-cap" data-testid="offering-hard-cap" value={hardCap} onChange={(event) => setHardCap(event.target.value)} />
              <label className="field-label" htmlFor="offering-soft-cap">Minimum to succeed (soft cap)</label>
              <input id="offering-soft-cap" data-testid="offering-soft-cap" value={softCap} onChange={(event) => setSoftCap(event.target.value)} />
              <label className="field-label" htmlFor="offering-days">Open for (days)</label>
              <input id="offering-days" data-testid="offering-days" value={days} onChange={(event) => setDays(event.target.value)} />
              <button type="submit" className="button button-primary" disabled={open.busy} data-testid="offering-submit">
                Open offering
              </button>
              <FormError error={open.error} />
            </form>
          )}
          {offering && (offering.status === 'awaiting_finalization' || offering.status === 'open') && (
            <>
              <p>Offering {offering.status}: {offering.soldShares}/{offering.hardCapShares} sold.</p>
              <button type="button" className="button button-secondary" data-testid="offering-finalize" disabled={finalize.busy} onClick={() => void finalize.execute(offering.id)}>
                Finalize offering
              </button>
              <FormError error={finalize.error} />
            </>
          )}
          <form
            onSubmit={(event) => {
              event.preventDefault();
              const amountMinor = majorToMinor(rent, 'USD');
              if (amountMinor) void deposit.execute(property.id, amountMinor);
            }}
          >
            <label className="field-label" htmlFor="rent-amount">Collected rent to distribute (USD)</label>
            <input id="rent-amount" data-testid="rent-amount" value={rent} onChange={(event) => setRent(event.target.value)} />
            <button type="submit" className="button button-secondary" disabled={deposit.busy} data-testid="rent-deposit">
              Deposit rent
            </button>
            <FormError error={deposit.error} />
          </form>
        </>
      )}
    </section>
  );
}
