import { useState } from 'react';
import { Link } from 'react-router-dom';
import { useAuth } from '../../auth/AuthContext';
import { EmptyState, ErrorState, FormError, Spinner } from '../../components/ui';
import { formatDate } from '../../lib/format';
import { formatMoney } from '../../lib/money';
import { useAsync, useDocumentTitle } from '../../lib/useAsync';
import { ActionOutcome, OwnWalletPanel, useOwnWallet } from './InvestPages';
import { tokenizationApi, type ActionResult, type Portfolio } from './tokenizationApi';
import { useAction } from './useAction';

const countries = [
  { code: 276, name: 'Germany' },
  { code: 250, name: 'France' },
  { code: 528, name: 'Netherlands' },
  { code: 826, name: 'United Kingdom' },
  { code: 840, name: 'United States' },
];

/** /portfolio: identity verification, wallets, positions with claimable rent, history. */
export function PortfolioPage() {
  useDocumentTitle('Portfolio');
  const { auth } = useAuth();
  const portfolio = useAsync((signal) => tokenizationApi.portfolio(signal), []);
  const [result, setResult] = useState<ActionResult>();
  const own = useOwnWallet(auth.status === 'signedIn');
  const onDone = (outcome: ActionResult) => {
    setResult(outcome);
    // Rent held by an own wallet is claimed by that wallet: it signs the unsigned claim.
    if (outcome.status === 'sign') void own.signAll(outcome).then(portfolio.reload);
    else portfolio.reload();
  };
  const claim = useAction(tokenizationApi.claim, onDone);
  if (auth.status === 'signedOut') {
    return (
      <div className="page-narrow">
        <EmptyState title="Log in to see your portfolio" action={<Link to="/login?next=%2Fportfolio" className="button button-primary">Log in</Link>} />
      </div>
    );
  }
  if (portfolio.status === 'error') return <ErrorState error={portfolio.error} onRetry={portfolio.reload} />;
  if (!portfolio.data) return <Spinner label="Loading portfolio" />;
  const data = portfolio.data;
  return (
    <div className="page-narrow" data-testid="portfolio-page">
      <h1 className="page-title">Portfolio</h1>
      <KycSection portfolio={data} onChange={portfolio.reload} />
      <WalletsSection portfolio={data} onChange={portfolio.reload} />
      <section className="card">
        <h2>Positions</h2>
        {data.positions.length === 0 && <p className="muted">No shares yet. <Link to="/invest">Browse offerings</Link>.</p>}
        {data.positions.length > 0 && (
          <table className="data-table" data-testid="positions">
            <thead>
              <tr>
                <th>Property</th>
                <th>Shares</th>
                <th>Earning rent</th>
                <th>Claimable rent</th>
                <th>Claimed</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {data.positions.map((position) => (
                <tr key={`${position.tokenizedPropertyId}:${position.wallet}`} data-testid="position-row">
                  <td>
                    <Link to={`/invest/properties/${position.tokenizedPropertyId}`}>{position.name}</Link>
                  </td>
                  <td>{position.shares}</td>
                  <td>
                    {position.eligibleShares}
                    {position.pendingShares > 0 && <span className="muted"> (+{position.pendingShares} from {formatDate(position.earnsRentFrom)})</span>}
                  </td>
                  <td data-testid="claimable-rent">{formatMoney(position.claimableRent)}</td>
                  <td>{formatMoney(position.claimedRent)}</td>
                  <td>
                    <button
                      type="button"
                      className="button button-small button-primary"
                      data-testid="claim-rent"
                      disabled={claim.busy || position.claimableRent.amountMinor === 0}
                      onClick={() => void claim.execute(position.tokenizedPropertyId, data.wallets.some((wallet) => wallet.custodial && wallet.address === position.wallet) ? undefined : position.wallet)}
                    >
                      Claim
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <FormError error={claim.error} />
        <ActionOutcome result={result} />
        {data.wallets.some((wallet) => !wallet.custodial) && <OwnWalletPanel own={own} />}
      </section>
      <section className="card">
        <h2>History</h2>
        {data.history.length === 0 && <p className="muted">Nothing yet.</p>}
        <ul className="plain-list" data-testid="portfolio-history">
          {data.history.map((item) => (
            <li key={`${item.transactionHash}:${item.event}:${JSON.stringify(item.details)}`}>
              {formatDate(item.at)} · {item.event} · <code>{item.transactionHash.slice(0, 12)}…</code>
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}

function KycSection({ portfolio, onChange }: { portfolio: Portfolio; onChange: () => void }) {
  const [fullName, setFullName] = useState('');
  const [dateOfBirth, setDateOfBirth] = useState('');
  const [country, setCountry] = useState(276);
  const submit = useAction(tokenizationApi.submitKyc, onChange);
  const { kyc } = portfolio;
  return (
    <section className="card" data-testid="kyc-section">
      <h2>Identity verification</h2>
      <p data-testid="kyc-status">
        Status: <strong>{kyc.status}</strong>
        {kyc.expiresAt && kyc.status === 'approved' && ` until ${formatDate(kyc.expiresAt)}`}
        {kyc.reason && ` — ${kyc.reason}`}
      </p>
      {kyc.status !== 'approved' && (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            void submit.execute({ fullName, dateOfBirth, country });
          }}
        >
          <p className="muted">Verified by the sandbox KYC provider (sandbox-kyc): adults are approved at once; nothing is sent anywhere.</p>
          <label className="field-label" htmlFor="kyc-name">Full name</label>
          <input id="kyc-name" data-testid="kyc-name" value={fullName} onChange={(event) => setFullName(event.target.value)} />
          <label className="field-label" htmlFor="kyc-dob">Date of birth</label>
          <input id="kyc-dob" data-testid="kyc-dob" type="date" value={dateOfBirth} onChange={(event) => setDateOfBirth(event.target.value)} />
          <label className="field-label" htmlFor="kyc-country">Country of residence</label>
          <select id="kyc-country" data-testid="kyc-country" value={country} onChange={(event) => setCountry(Number(event.target.value))}>
            {countries.map((item) => (
              <option key={item.code} value={item.code}>
                {item.name}
              </option>
            ))}
          </select>
          <button type="submit" className="button button-primary" disabled={submit.busy} data-testid="kyc-submit">
            Verify
          </button>
          <FormError error={submit.error} />
        </form>
      )}
    </section>
  );
}

function WalletsSection({ portfolio, onChange }: { portfolio: Portfolio; onChange: () => void }) {
  const create = useAction(tokenizationApi.createWallet, onChange);
  const fund = useAction(tokenizationApi.sandboxFunds, onChange);
  const custodial = portfolio.wallets.find((wallet) => wallet.custodial);
  return (
    <section className="card" data-testid="wallets-section">
      <h2>Wallets</h2>
      {portfolio.wallets.map((wallet) => (
        <p key={wallet.address} data-testid="wallet-row">
          <code>{wallet.address}</code> {wallet.custodial ? '(custodial)' : '(your own)'} · balance {formatMoney(wallet.stablecoinBalance)} · identity on chain:{' '}
          {wallet.identityOnChain}
          {wallet.identityError && <span className="muted"> ({wallet.identityError})</span>}
        </p>
      ))}
      {!custodial && (
        <button type="button" className="button button-primary" data-testid="create-wallet" disabled={create.busy} onClick={() => void create.execute()}>
          Create a custodial wallet
        </button>
      )}
      {custodial && (
        <button type="button" className="button button-secondary" data-testid="sandbox-funds" disabled={fund.busy} onClick={() => void fund.execute(custodial.address, 1_000_000)}>
          Add 10,000 sandbox dollars
        </button>
      )}
      <FormError error={create.error ?? fund.error} />
    </section>
  );
}
