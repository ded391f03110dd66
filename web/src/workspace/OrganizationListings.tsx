import { useEffect, useState, type ReactNode } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { api } from '../api/endpoints';
import { toApiError, type ApiError } from '../api/errors';
import { listingStatuses, type Listing, type ListingStatus } from '../api/types';
import { EmptyState, ErrorState, IconHouse, Skeleton, Spinner, StatusBadge } from '../components/ui';
import { formatDate, statusLabel } from '../lib/format';
import { formatListingPrice } from '../lib/money';
import { useAsync, useDocumentTitle } from '../lib/useAsync';
import { useWorkspace } from './WorkspaceLayout';

const roleLabels = { owner: 'Owner', admin: 'Admin', agent: 'Agent', viewer: 'Viewer' } as const;

export function WorkspaceHeader({ children }: { children?: ReactNode }) {
  const { membership, memberships, selectOrganization } = useWorkspace();
  return (
    <header className="workspace-header">
      <div>
        <p className="eyebrow">Agency workspace</p>
        {memberships.length > 1 ? (
          <label className="org-switcher">
            <span className="visually-hidden">Organization</span>
            <select
              className="input input-title"
              value={membership.organizationId}
              onChange={(event) => selectOrganization(event.target.value)}
              data-testid="org-switcher"
            >
              {memberships.map((item) => (
                <option key={item.organizationId} value={item.organizationId}>
                  {item.organizationName}
                </option>
              ))}
            </select>
          </label>
        ) : (
          <h1 className="workspace-title" data-testid="workspace-org-name">
            {membership.organizationName}
          </h1>
        )}
        <p className="muted small">
          Your role: {roleLabels[membership.role]}
          {(membership.role === 'owner' || membership.role === 'admin') && (
            <>
              {' · '}
              <Link to="/workspace/security" data-testid="workspace-security-link">Security</Link>
            </>
          )}
        </p>
      </div>
      {children}
    </header>
  );
}

export function OrganizationListings() {
  useDocumentTitle('Workspace');
  const { membership, canEdit } = useWorkspace();
  const [params, setParams] = useSearchParams();
  const statusParam = params.get('status');
  const status = (listingStatuses as readonly string[]).includes(statusParam ?? '') ? (statusParam as ListingStatus) : null;
  const orgId = membership.organizationId;
  const firstPage = useAsync((signal) => api.organizationListings(orgId, { status }, signal), [orgId, status]);
  const [extra, setExtra] = useState<{ items: Listing[]; nextCursor: string | null } | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<ApiError | null>(null);

  useEffect(() => {
    setExtra(null);
    setMoreError(null);
  }, [orgId, status, firstPage.data]);

  const items = [...(firstPage.data?.items ?? []), ...(extra?.items ?? [])];
  const nextCursor = extra ? extra.nextCursor : (firstPage.data?.nextCursor ?? null);

  const loadMore = async () => {
    if (!nextCursor) return;
    setLoadingMore(true);
    setMoreError(null);
    try {
      const page = await api.organizationListings(orgId, { status, cursor: nextCursor });
      setExtra((previous) => ({ items: [...(previous?.items ?? []), ...page.items], nextCursor: page.nextCursor }));
    } catch (error) {
      setMoreError(toApiError(error));
    } finally {
      setLoadingMore(false);
    }
  };

  return (
    <>
      <WorkspaceHeader>
        {canEdit && (
          <Link to="/workspace/new" className="button button-primary" data-testid="new-listing-button">
            + New listing
          </Link>
        )}
      </WorkspaceHeader>

      <section className="card" aria-labelledby="workspace-listings-title">
        <div className="card-head">
          <h2 id="workspace-listings-title" className="panel-title">
            Listings
          </h2>
          <label className="inline-field">
            <span>Status</span>
            <select
              className="input"
              value={status ?? ''}
              data-testid="workspace-status-filter"
              onChange={(event) => {
                const next = new URLSearchParams(params);
                if (event.target.value) next.set('status', event.target.value);
                else next.delete('status');
                setParams(next, { replace: true });
              }}
            >
              <option value="">All statuses</option>
              {listingStatuses.map((value) => (
                <option key={value} value={value}>
                  {value === 'active' ? 'Active' : statusLabel(value)}
                </option>
              ))}
            </select>
          </label>
        </div>

        {firstPage.status === 'loading' && !firstPage.data && (
          <div className="row-skeletons" aria-busy="true">
            <Spinner label="Loading listings" />
            {[0, 1, 2].map((index) => (
              <Skeleton key={index} className="skeleton-row" />
            ))}
          </div>
        )}
        {firstPage.status === 'error' && (
          <ErrorState title="We couldn’t load your listings" error={firstPage.error} onRetry={firstPage.reload} />
        )}
        {firstPage.status === 'success' && items.length === 0 && (
          <EmptyState
            title={status ? `No ${status === 'active' ? 'active' : statusLabel(status).toLowerCase()} listings` : 'No listings yet'}
            action={
              canEdit && !status ? (
                <Link to="/workspace/new" className="button button-primary">
                  Create your first listing
                </Link>
              ) : undefined
            }
          >
            {!status && <p>Add a property and its listing; it stays a draft until you publish it.</p>}
          </EmptyState>
        )}
        {items.length > 0 && firstPage.status !== 'error' && (
          <ul className="workspace-list" data-testid="workspace-listings">
            {items.map((listing) => {
              const thumb = listing.photos[0]?.urls.thumb;
              return (
                <li key={listing.id} className="workspace-row" data-testid="workspace-listing-row" data-listing-id={listing.id}>
                  <div className="workspace-row-thumb">
                    {thumb ? <img src={thumb} alt="" loading="lazy" /> : <IconHouse className="photo-placeholder-icon" />}
                  </div>
                  <div className="workspace-row-main">
                    <Link to={`/workspace/listings/${listing.id}`} className="workspace-row-title">
                      {listing.title}
                    </Link>
                    <p className="muted small">
                      {listing.property.address}, {listing.property.city} · {listing.photos.length}{' '}
                      {listing.photos.length === 1 ? 'photo' : 'photos'} · updated {formatDate(listing.updatedAt)}
                    </p>
                  </div>
                  <p className="workspace-row-price">{formatListingPrice(listing.askingPrice, listing.kind)}</p>
                  <StatusBadge status={listing.status} kind={listing.kind} />
                  <Link
                    to={`/workspace/listings/${listing.id}`}
                    className="button button-secondary button-small"
                    aria-label={`Manage ${listing.title}`}
                  >
                    Manage
                  </Link>
                </li>
              );
            })}
          </ul>
        )}
        {(nextCursor || moreError) && firstPage.status === 'success' && (
          <div className="load-more">
            {moreError && (
              <p className="field-error" role="alert">
                {moreError.userMessage}
              </p>
            )}
            <button type="button" className="button button-secondary" onClick={() => void loadMore()} disabled={loadingMore}>
              {loadingMore ? <Spinner size="sm" label="Loading more" /> : 'Show more'}
            </button>
          </div>
        )}
      </section>
    </>
  );
}
