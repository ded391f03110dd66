import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Link, useLocation, useParams } from 'react-router-dom';
import { api } from '../api/endpoints';
import { toApiError, type ApiError } from '../api/errors';
import type { Listing, ListingStatus, Photo } from '../api/types';
import { EmptyState, ErrorState, Field, FormError, Spinner, StatusBadge, SyntheticLabel } from '../components/ui';
import { formatDate, propertyTypeLabel, statusLabel } from '../lib/format';
import { formatListingPrice, majorToMinor, minorToMajorInput } from '../lib/money';
import { allowedStatusActions, isPublicStatus } from '../lib/statusTransitions';
import { useAsync, useDocumentTitle } from '../lib/useAsync';
import { useFormErrors } from '../lib/useFormErrors';
import { WorkspaceHeader } from './OrganizationListings';
import { PhotoManager } from './PhotoManager';
import { TokenizePanel } from '../pages/tokenization/TokenizePanel';
import { useWorkspace } from './WorkspaceLayout';

function isListing(value: unknown): value is Listing {
  return typeof value === 'object' && value !== null && 'id' in value && 'status' in value && 'askingPrice' in value;
}

function EditDetailsForm({ listing, canEdit, onSaved }: { listing: Listing; canEdit: boolean; onSaved: (listing: Listing) => Promise<void> }) {
  const [title, setTitle] = useState(listing.title);
  const [description, setDescription] = useState(listing.description);
  const [price, setPrice] = useState(minorToMajorInput(listing.askingPrice.amountMinor, listing.askingPrice.currency));
  const [priceError, setPriceError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState(false);
  const errors = useFormErrors(['title', 'description', 'price', 'expectedVersion'], {
    askingPrice: 'price',
    'askingPrice.amountMinor': 'price',
  });
  const conflict = errors.error?.code === 'VERSION_CONFLICT' || errors.error?.status === 409;

  // A fresh copy from the server resets the form, unless the person has unsaved edits in it.
  const baseline = useRef({ title, description, price });
  useEffect(() => {
    const next = {
      title: listing.title,
      description: listing.description,
      price: minorToMajorInput(listing.askingPrice.amountMinor, listing.askingPrice.currency),
    };
    const previous = baseline.current;
    const dirtyNow = title !== previous.title || description !== previous.description || price !== previous.price;
    baseline.current = next;
    if (dirtyNow) return;
    setTitle(next.title);
    setDescription(next.description);
    setPrice(next.price);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [listing.id, listing.updatedAt, listing.version]);

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    errors.clear();
    setSaved(false);
    const amountMinor = majorToMinor(price, listing.askingPrice.currency);
    if (amountMinor === null) {
      setPriceError('Enter an amount like 450000 or 1250.50.');
      return;
    }
    setPriceError(null);
    const patch: Parameters<typeof api.updateListing>[1] = { expectedVersion: listing.version };
    if (title.trim() !== listing.title) patch.title = title.trim();
    if (description.trim() !== listing.description) patch.description = description.trim();
    if (amountMinor !== listing.askingPrice.amountMinor) patch.askingPrice = { amountMinor, currency: listing.askingPrice.currency };
    if (Object.keys(patch).length === 1) {
      setSaved(true);
      return;
    }
    setSaving(true);
    try {
      const updated = await api.updateListing(listing.id, patch);
      const fresh = isListing(updated) ? updated : await api.listing(listing.id);
      baseline.current = {
        title: fresh.title,
        description: fresh.description,
        price: minorToMajorInput(fresh.askingPrice.amountMinor, fresh.askingPrice.currency),
      };
      setTitle(baseline.current.title);
      setDescription(baseline.current.description);
      setPrice(baseline.current.price);
      await onSaved(fresh);
      setSaved(true);
    } catch (error) {
      errors.setError(error);
    } finally {
      setSaving(false);
    }
  };

  const disabled = !canEdit || saving;
  return (
    <form className="card form-card" onSubmit={onSubmit} noValidate data-testid="edit-listing-form">
      <h2 className="panel-title">Listing details</h2>
      <FormError error={conflict ? null : errors.error} unmatched={errors.unmatched} fieldErrorCount={errors.fieldErrorCount} />
      {conflict && (
        <div className="alert alert-error" role="alert">
          <strong>Someone else changed this listing while you were editing.</strong>
          <p>Reload to see the latest version, then make your changes again.</p>
          <button
            type="button"
            className="button button-secondary button-small"
            onClick={async () => {
              errors.clear();
              const fresh = await api.listing(listing.id).catch(() => null);
              if (!fresh) return;
              baseline.current = { title, description, price };
              await onSaved(fresh);
            }}
          >
            Reload latest version
          </button>
        </div>
      )}
      <Field label="Title" error={errors.byField.title}>
        {(props) => (
          <input {...props} className="input" value={title} maxLength={200} disabled={disabled}
            onChange={(event) => setTitle(event.target.value)} data-testid="edit-title" />
        )}
      </Field>
      <Field label="Description" error={errors.byField.description}>
        {(props) => (
          <textarea {...props} className="input" rows={7} value={description} disabled={disabled}
            onChange={(event) => setDescription(event.target.value)} data-testid="edit-description" />
        )}
      </Field>
      <Field
        label={`${listing.kind === 'rent' ? 'Rent per month' : 'Asking price'} (${listing.askingPrice.currency})`}
        error={priceError ?? errors.byField.price}
        hint="A price change is recorded in the public price history."
      >
        {(props) => (
          <input {...props} className="input" inputMode="decimal" value={price} disabled={disabled}
            onChange={(event) => setPrice(event.target.value)} data-testid="edit-price" />
        )}
      </Field>
      {canEdit && (
        <div className="form-actions">
          <button type="submit" className="button button-primary" disabled={saving} data-testid="save-listing">
            {saving ? <Spinner size="sm" label="Saving" /> : 'Save changes'}
          </button>
          <span className="muted small" role="status" data-testid="save-listing-status">
            {saved ? 'All changes saved.' : ''}
          </span>
        </div>
      )}
    </form>
  );
}

function StatusPanel({ listing, canEdit, onChanged }: { listing: Listing; canEdit: boolean; onChanged: (listing: Listing) => Promise<void> }) {
  const [busy, setBusy] = useState<ListingStatus | null>(null);
  const [confirming, setConfirming] = useState<ListingStatus | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const actions = allowedStatusActions(listing.status, listing.kind);

  useEffect(() => setConfirming(null), [listing.status]);

  const change = async (to: ListingStatus) => {
    // Sold and rented are final, so they take a second, deliberate click.
    if ((to === 'sold' || to === 'rented') && confirming !== to) {
      setConfirming(to);
      return;
    }
    setBusy(to);
    setError(null);
    try {
      const updated = await api.changeListingStatus(listing.id, to);
      await onChanged(isListing(updated) ? updated : await api.listing(listing.id));
    } catch (caught) {
      setError(toApiError(caught));
    } finally {
      setBusy(null);
      setConfirming(null);
    }
  };

  return (
    <section className="card" aria-labelledby="status-title" data-testid="status-panel">
      <h2 id="status-title" className="panel-title">
        Status
      </h2>
      <p className="status-current">
        <StatusBadge status={listing.status} kind={listing.kind} />
        <span className="muted small">
          {listing.status === 'draft' && 'Only your organization can see drafts.'}
          {listing.status === 'withdrawn' && 'Hidden from search. You can republish it.'}
          {isPublicStatus(listing.status) && listing.publishedAt && `Public since ${formatDate(listing.publishedAt)}.`}
        </span>
      </p>
      <div aria-live="assertive">
        {error && (
          <p className="alert alert-error" role="alert" data-testid="status-error">
            {error.userMessage}
          </p>
        )}
      </div>
      {canEdit && actions.length > 0 && (
        <div className="status-actions">
          {actions.map((action) => (
            <button
              key={action.to}
              type="button"
              className={`button ${action.tone === 'primary' ? 'button-primary' : action.tone === 'danger' ? 'button-danger' : 'button-secondary'}`}
              disabled={busy !== null}
              onClick={() => void change(action.to)}
              data-testid={`status-action-${action.to}`}
            >
              {busy === action.to ? (
                <Spinner size="sm" label="Updating status" />
              ) : confirming === action.to ? (
                `Confirm: ${action.label.toLowerCase()}`
              ) : (
                action.label
              )}
            </button>
          ))}
        </div>
      )}
      {actions.length === 0 && <p className="muted small">This listing is {statusLabel(listing.status).toLowerCase()}; its status is final.</p>}
    </section>
  );
}

export function ListingEditor() {
  const { id = '' } = useParams();
  const location = useLocation();
  const { canEdit, membership } = useWorkspace();
  const listing = useAsync((signal) => api.listing(id, signal), [id]);
  const justCreated = (location.state as { created?: boolean } | null)?.created === true;
  useDocumentTitle(listing.data ? `Edit: ${listing.data.title}` : 'Edit listing');

  if (listing.status === 'loading' && !listing.data) {
    return (
      <div className="page-center">
        <Spinner label="Loading listing" />
      </div>
    );
  }
  if (listing.status === 'error' && !listing.data) {
    if (listing.error.status === 404) {
      return (
        <EmptyState title="Listing not found" action={<Link className="button button-primary" to="/workspace">Back to workspace</Link>}>
          <p>It doesn’t exist or belongs to another organization.</p>
        </EmptyState>
      );
    }
    return <ErrorState title="We couldn’t load this listing" error={listing.error} onRetry={listing.reload} />;
  }
  const data = listing.data;
  if (!data) return null;
  const editable = canEdit && data.organizationId === membership.organizationId;
  const update = async (next: Listing) => listing.setData(next);
  const updatePhotos = (photos: Photo[]) => {
    listing.setData({ ...data, photos });
    // Photos may change the listing's version; re-read it so the next edit isn't a false conflict.
    api.listing(data.id).then(
      (fresh) => listing.setData(fresh),
      () => undefined,
    );
  };

  return (
    <>
      <WorkspaceHeader>
        <div className="header-actions">
          <Link to="/workspace" className="button button-ghost">
            ← All listings
          </Link>
          <Link to={`/listings/${data.id}`} className="button button-secondary" data-testid="view-public-page">
            {isPublicStatus(data.status) ? 'View public page' : 'Preview'}
          </Link>
        </div>
      </WorkspaceHeader>
      {justCreated && data.status === 'draft' && (
        <p className="alert alert-info" role="status">
          Draft created. Add photos, then publish it to make it visible in search.
        </p>
      )}
      <div className="editor-title">
        <h2 className="editor-heading" data-testid="editor-title">
          {data.title}
        </h2>
        {data.isSynthetic && <SyntheticLabel />}
        <p className="muted">
          {propertyTypeLabel(data.property.propertyType)} · {data.property.address}, {data.property.city} ·{' '}
          {formatListingPrice(data.askingPrice, data.kind)}
        </p>
      </div>
      <div className="editor-grid">
        <div className="editor-main">
          <EditDetailsForm listing={data} canEdit={editable} onSaved={update} />
          <PhotoManager listing={data} canEdit={editable} onChanged={updatePhotos} />
        </div>
        <aside className="editor-side">
          <StatusPanel listing={data} canEdit={editable} onChanged={update} />
          {editable && <TokenizePanel listingId={data.id} listingStatus={data.status} />}
        </aside>
      </div>
    </>
  );
}
