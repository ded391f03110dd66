import { useCallback, useMemo, useState } from 'react';
import type { Address } from 'viem';
import { ApiError } from '../../api/errors';
import { Link, useParams } from 'react-router-dom';
import { useAuth } from '../../auth/AuthContext';
import { EmptyState, ErrorState, FormError, Spinner } from '../../components/ui';
import { formatDate } from '../../lib/format';
import { formatMoney, majorToMinor } from '../../lib/money';
import { useAsync, useDocumentTitle } from '../../lib/useAsync';
import { tokenizationApi, type ActionResult, type Offering, type TokenizedProperty } from './tokenizationApi';
import { chainMismatch, injectedProvider, sameAddress, signAndRelay, walletClient, walletErrorMessage, type Step } from './ownWallet';
import { withStepUp } from '../security/StepUpPrompt';
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
        : `Your wallet signs ${result.unsignedTransactions.length} transactions, in order: ${result.unsignedTransactions.map((tx) => tx.description).join(', ')}.`}
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
  const own = useOwnWallet(auth.status === 'signedIn');
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
      {auth.status === 'signedIn' && <OwnWalletPanel own={own} />}
      {offering && <OfferingPanel offering={offering} signedIn={auth.status === 'signedIn'} own={own} onChange={property.reload} />}
      <OrderBook property={data} signedIn={auth.status === 'signedIn'} own={own} />
    </div>
  );
}

function OfferingPanel({ offering, signedIn, own, onChange }: { offering: Offering; signedIn: boolean; own: OwnWallet; onChange: () => void }) {
  const [shares, setShares] = useState('1');
  const [result, setResult] = useState<ActionResult>();
  const buy = useAction(tokenizationApi.buy, (outcome) => {
    setResult(outcome);
    if (outcome.status === 'sign') void own.signAll(outcome).then(onChange);
    else onChange();
  });
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
            void buy.execute(offering.id, Number(shares), own.payWith);
          }}
        >
          <label className="field-label" htmlFor="buy-shares">Shares to buy</label>
          <input id="buy-shares" data-testid="buy-shares" type="number" min={1} value={shares} onChange={(event) => setShares(event.target.value)} />
          <button type="submit" className="button button-primary" disabled={buy.busy} data-testid="buy-submit">
            {buy.busy ? 'Buying…' : own.payWith ? 'Buy with my own wallet' : 'Buy with my custodial wallet'}
          </button>
          <FormError error={buy.error} />
          <ActionOutcome result={result} />
        </form>
      )}
      {offering.status === 'open' && !signedIn && <Link to="/login">Log in to buy</Link>}
    </section>
  );
}

function OrderBook({ property, signedIn, own }: { property: TokenizedProperty; signedIn: boolean; own: OwnWallet }) {
  const book = useAsync((signal) => tokenizationApi.orders(property.id, signal), [property.id]);
  const [side, setSide] = useState<'sell' | 'buy'>('sell');
  const [shares, setShares] = useState('1');
  const [price, setPrice] = useState('100');
  const [result, setResult] = useState<ActionResult>();
  const settle = (outcome: ActionResult) => {
    setResult(outcome);
    if (outcome.status === 'sign') void own.signAll(outcome).then(book.reload);
    else book.reload();
  };
  const place = useAction(tokenizationApi.placeOrder, settle);
  const fill = useAction(tokenizationApi.fill, settle);
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
                    <button type="button" className="button button-small" data-testid="order-fill" disabled={fill.busy} onClick={() => void fill.execute(property.id, order.orderId, 1, own.payWith)}>
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
            if (priceMinor) void place.execute(property.id, side, Number(shares), priceMinor, own.payWith);
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

export type OwnWallet = ReturnType<typeof useOwnWallet>;

/**
 * The injected browser wallet (EIP-1193): connect, link it to the account by signing the link
 * message (personal_sign), and sign + relay the unsigned transactions of own-wallet actions.
 */
export function useOwnWallet(signedIn: boolean) {
  const provider = useMemo(() => injectedProvider(), []);
  const client = useMemo(() => (provider ? walletClient(provider) : null), [provider]);
  const wallets = useAsync((signal) => (signedIn && provider ? tokenizationApi.wallets(signal) : Promise.resolve({ items: [] })), [signedIn, provider]);
  const chain = useAsync((signal) => tokenizationApi.chain(signal), []);
  const [address, setAddress] = useState<Address | null>(null);
  const [useOwn, setUseOwn] = useState(true);
  const [busy, setBusy] = useState<'connect' | 'link' | 'sign' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [steps, setSteps] = useState<Step[]>([]);
  const linked = !!address && !!wallets.data?.items.some((wallet) => !wallet.custodial && sameAddress(wallet.address, address));
  const describe = (caught: unknown) => (caught instanceof ApiError ? caught.userMessage : walletErrorMessage(caught));

  const guarded = async (what: 'connect' | 'link' | 'sign', work: () => Promise<void>) => {
    setBusy(what);
    setError(null);
    try {
      await work();
    } catch (caught) {
      setError(describe(caught));
    } finally {
      setBusy(null);
    }
  };

  const connect = () =>
    guarded('connect', async () => {
      const [first] = await client!.requestAddresses();
      if (!first) throw new Error('Your wallet shared no account.');
      setAddress(first);
    });

  const link = () =>
    guarded('link', async () => {
      const { message } = await tokenizationApi.linkMessage(address!);
      const signature = await client!.signMessage({ account: address!, message });
      await withStepUp(() => tokenizationApi.linkWallet(address!, signature));
      wallets.reload();
    });

  /** Signs and relays an own-wallet action's transactions; true when all were mined. */
  const signAll = useCallback(
    async (result: ActionResult): Promise<boolean> => {
      if (!client || result.unsignedTransactions.length === 0) return false;
      let ok = false;
      await guarded('sign', async () => {
        const expected = result.unsignedTransactions[0]!.chainId;
        if (chainMismatch(await client.getChainId(), expected)) {
          await client.switchChain({ id: expected }).catch(() => undefined);
          const mismatch = chainMismatch(await client.getChainId(), expected);
          if (mismatch) throw new Error(mismatch);
        }
        ok = await signAndRelay(result.unsignedTransactions, {
          // Signed as the API specified it (nonce, gas, fees): the wallet need not reach the chain.
          sign: ({ chainId: _chainId, ...request }) => client.signTransaction({ ...request, chain: null }),
          relay: (signed) => withStepUp(() => tokenizationApi.relay(signed)),
          // A wallet that only sends reaches the platform's chain only when that is a public RPC chain.
          send: chain.data?.kind === 'rpc' ? ({ chainId: _chainId, ...request }) => client.sendTransaction({ ...request, chain: null }) : undefined,
          onStep: setSteps,
          describe,
        });
        if (!ok) setError('A transaction was not completed; see the steps above.');
      });
      return ok;
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [client, chain.data?.kind],
  );

  return { available: !!provider, address, linked, busy, error, steps, connect, link, signAll, useOwn, setUseOwn, payWith: linked && useOwn ? address! : undefined };
}

const stepLabel: Record<Step['state'], string> = { waiting: 'waiting', signing: 'sign in your wallet…', relaying: 'relaying…', done: 'done', failed: 'failed' };

export function OwnWalletPanel({ own }: { own: OwnWallet }) {
  if (!own.available) {
    return (
      <p className="muted" data-testid="own-wallet-missing">
        Buying with your own wallet needs a browser wallet (an EIP-1193 extension such as MetaMask). Without one you buy with your custodial wallet.
      </p>
    );
  }
  return (
    <section className="card" data-testid="own-wallet-panel">
      <h2>Your own wallet</h2>
      {!own.address && (
        <button type="button" className="button button-secondary" disabled={own.busy !== null} onClick={() => void own.connect()} data-testid="own-wallet-connect">
          {own.busy === 'connect' ? 'Connecting…' : 'Connect wallet'}
        </button>
      )}
      {own.address && (
        <p data-testid="own-wallet-status" data-linked={own.linked}>
          <code>{own.address}</code> · {own.linked ? 'linked to your account' : 'not linked yet'}
        </p>
      )}
      {own.address && !own.linked && (
        <button type="button" className="button button-primary" disabled={own.busy !== null} onClick={() => void own.link()} data-testid="own-wallet-link">
          {own.busy === 'link' ? 'Sign the message in your wallet…' : 'Link this wallet (sign a message)'}
        </button>
      )}
      {own.linked && (
        <label className="checkbox">
          <input type="checkbox" checked={own.useOwn} onChange={(event) => own.setUseOwn(event.target.checked)} data-testid="pay-with-own" /> Buy, sell and fill orders with this wallet (instead of the custodial one)
        </label>
      )}
      {own.steps.length > 0 && (
        <ol data-testid="wallet-steps">
          {own.steps.map((step, index) => (
            <li key={index} data-testid="wallet-step" data-state={step.state}>
              {step.description}: {stepLabel[step.state]}
              {step.hash && <> · <code>{step.hash.slice(0, 10)}…</code></>}
              {step.error && <span className="form-error"> {step.error}</span>}
            </li>
          ))}
        </ol>
      )}
      {own.error && (
        <div className="alert alert-error" role="alert" data-testid="own-wallet-error">
          {own.error}
        </div>
      )}
    </section>
  );
}
