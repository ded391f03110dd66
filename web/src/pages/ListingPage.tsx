import { useEffect, useState, type ReactNode } from 'react';
import { Link, useParams } from 'react-router-dom';
import { api } from '../api/endpoints';
import type { Listing, Photo } from '../api/types';
import { useAuth } from '../auth/AuthContext';
import { energyClass } from '../components/ListingCard';
import { MiniMap } from '../components/MiniMap';
import { PriceHistory } from '../components/PriceHistory';
import { hasLocation } from '../components/mapSupport';
import { EmptyState, ErrorState, IconHouse, Skeleton, Spinner, StatusBadge, SyntheticLabel } from '../components/ui';
import { countryName, formatArea, formatDate, propertyTypeLabel } from '../lib/format';
import { formatListingPrice } from '../lib/money';
import { useAsync, useDocumentTitle } from '../lib/useAsync';
import { ValuationCard } from './valuation/ValuationCard';

function Gallery({ listing }: { listing: Listing }) {
  const photos = listing.photos.slice().sort((a, b) => a.position - b.position);
  const [index, setIndex] = useState(0);
  useEffect(() => setIndex(0), [listing.id]);
  const current: Photo | undefined = photos[index] ?? photos[0];
  if (!current) {
    return (
      <div className="gallery gallery-empty">
        <div className="photo-placeholder" role="img" aria-label="No photos yet">
          <IconHouse className="photo-placeholder-icon" />
          <span>No photos yet</span>
        </div>
      </div>
    );
  }
  const go = (delta: number) => setIndex((value) => (value + delta + photos.length) % photos.length);
  return (
    <div className="gallery" data-testid="gallery">
      <div
        className="gallery-main"
        tabIndex={photos.length > 1 ? 0 : undefined}
        aria-roledescription="carousel"
        aria-label={`Photos, ${index + 1} of ${photos.length}. Use the arrow keys to browse.`}
        onKeyDown={(event) => {
          if (event.key === 'ArrowRight') go(1);
          if (event.key === 'ArrowLeft') go(-1);
        }}
      >
        <img src={current.urls.large} alt={`${listing.title}, photo ${index + 1} of ${photos.length}`} />
        {photos.length > 1 && (
          <>
            <button type="button" className="gallery-nav gallery-prev" aria-label="Previous photo" onClick={() => go(-1)}>
              ‹
            </button>
            <button type="button" className="gallery-nav gallery-next" aria-label="Next photo" onClick={() => go(1)}>
              ›
            </button>
            <span className="gallery-counter" aria-hidden="true">
              {index + 1} / {photos.length}
            </span>
          </>
        )}
      </div>
      {photos.length > 1 && (
        <ul className="gallery-thumbs" aria-label="All photos">
          {photos.map((photo, photoIndex) => (
            <li key={photo.id}>
              <button
                type="button"
                className={`gallery-thumb ${photoIndex === index ? 'is-selected' : ''}`}
                aria-label={`Show photo ${photoIndex + 1}`}
                aria-current={photoIndex === index ? 'true' : undefined}
                onClick={() => setIndex(photoIndex)}
              >
                <img src={photo.urls.thumb} alt="" loading="lazy" />
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function Facts({ listing }: { listing: Listing }) {
  const property = listing.property;
  const rows: [string, ReactNode][] = [
    ['Property type', propertyTypeLabel(property.propertyType)],
    ['Living area', formatArea(property.livingAreaM2)],
    ['Plot', formatArea(property.plotAreaM2)],
    ['Rooms', property.rooms ?? '–'],
    ['Bedrooms', property.bedrooms ?? '–'],
    ['Bathrooms', property.bathrooms ?? '–'],
    ['Year built', property.yearBuilt ?? '–'],
    ...(property.yearRenovated ? ([['Year renovated', property.yearRenovated]] as [string, ReactNode][]) : []),
    [
      'Energy label',
      property.energyLabel ? (
        <span className={`energy energy-${energyClass(property.energyLabel)}`}>{property.energyLabel}</span>
      ) : (
        '–'
      ),
    ],
    [
      'Features',
      property.features.length ? (
        <ul className="chips">
          {property.features.map((feature) => (
            <li key={feature} className="chip">
              {feature}
            </li>
          ))}
        </ul>
      ) : (
        '–'
      ),
    ],
    [
      'Address',
      <address key="address">
        {property.address}
        <br />
        {[property.postalCode, property.city].filter(Boolean).join(' ')}
        <br />
        {countryName(property.country)}
      </address>,
    ],
    ['Listed', formatDate(listing.publishedAt ?? listing.createdAt)],
  ];
  return (
    <table className="facts-table" data-testid="facts-table">
      <tbody>
        {rows.map(([label, value]) => (
          <tr key={label}>
            <th scope="row">{label}</th>
            <td>{value}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function PriceHistorySection({ listing }: { listing: Listing }) {
  const history = useAsync((signal) => api.priceHistory(listing.id, signal), [listing.id, listing.version]);
  return (
    <section className="panel" aria-labelledby="price-history-title">
      <h2 id="price-history-title" className="panel-title">
        Price history
      </h2>
      {history.status === 'loading' && <Spinner label="Loading price history" />}
      {history.status === 'error' && (
        <ErrorState title="Price history unavailable" error={history.error} onRetry={history.reload} />
      )}
      {history.status === 'success' &&
        (history.data.items.length === 0 ? (
          <p className="muted">No price changes recorded yet.</p>
        ) : (
          <PriceHistory entries={history.data.items} kind={listing.kind} />
        ))}
    </section>
  );
}

function ListingSkeleton() {
  return (
    <div className="listing-page" aria-busy="true">
      <Spinner label="Loading listing" />
      <Skeleton className="skeleton-gallery" />
      <div className="listing-page-grid">
        <div>
          <Skeleton className="skeleton-line" style={{ width: '30%', height: '2rem' }} />
          <Skeleton className="skeleton-line" style={{ width: '70%', height: '1.5rem' }} />
          <Skeleton className="skeleton-line" style={{ width: '50%' }} />
        </div>
      </div>
    </div>
  );
}

export function ListingPage() {
  const { id = '' } = useParams();
  const { auth } = useAuth();
  const listing = useAsync((signal) => api.listing(id, signal), [id]);
  useDocumentTitle(listing.data?.title ?? 'Listing');

  if (listing.status === 'loading' && !listing.data) return <ListingSkeleton />;
  if (listing.status === 'error') {
    if (listing.error.status === 404) {
      return (
        <div className="page-narrow">
          <EmptyState title="This listing isn’t available" action={<Link className="button button-primary" to="/">Back to search</Link>}>
            <p>It may have been withdrawn, or the link is wrong.</p>
          </EmptyState>
        </div>
      );
    }
    return (
      <div className="page-narrow">
        <ErrorState title="We couldn’t load this listing" error={listing.error} onRetry={listing.reload} />
      </div>
    );
  }
  const data = listing.data;
  if (!data) return null;
  const { property } = data;
  const canManage =
    auth.status === 'signedIn' &&
    auth.me.memberships.some((membership) => membership.organizationId === data.organizationId && membership.role !== 'viewer');

  return (
    <article className="listing-page" data-testid="listing-page" data-listing-id={data.id}>
      <nav className="breadcrumbs" aria-label="Breadcrumb">
        <Link to="/">Search</Link>
        <span aria-hidden="true">/</span>
        <Link to={`/?q=${encodeURIComponent(property.city)}`}>{property.city}</Link>
      </nav>
      <Gallery listing={data} />
      <div className="listing-page-grid">
        <div className="listing-page-main">
          <header className="listing-header">
            <div className="listing-header-badges">
              <StatusBadge status={data.status} kind={data.kind} />
              {data.isSynthetic && <SyntheticLabel />}
            </div>
            <h1 className="listing-title" data-testid="listing-title">
              {data.title}
            </h1>
            <p className="listing-address">
              {property.address}, {[property.postalCode, property.city].filter(Boolean).join(' ')}
            </p>
            <p className="listing-price" data-testid="listing-price">
              {formatListingPrice(data.askingPrice, data.kind)}
            </p>
            {(data.status === 'sold' || data.status === 'rented') && (
              <p className="muted" data-testid="listing-closed">
                {data.status === 'sold' ? 'Sold' : 'Rented'}
                {data.closingPrice ? ` for ${formatListingPrice(data.closingPrice, data.kind)}` : ''}
                {data.closedAt ? ` on ${formatDate(data.closedAt)}` : ''}
              </p>
            )}
            <ul className="listing-keyfacts">
              {property.livingAreaM2 !== null && <li>{formatArea(property.livingAreaM2)} living</li>}
              {property.bedrooms !== null && <li>{property.bedrooms} bedrooms</li>}
              {property.bathrooms !== null && <li>{property.bathrooms} bathrooms</li>}
              <li>{propertyTypeLabel(property.propertyType)}</li>
            </ul>
            {canManage && (
              <Link className="button button-secondary" to={`/workspace/listings/${data.id}`} data-testid="manage-listing">
                Manage this listing
              </Link>
            )}
          </header>

          <section className="panel" aria-labelledby="description-title">
            <h2 id="description-title" className="panel-title">
              About this home
            </h2>
            {data.description ? (
              <div className="description">{data.description}</div>
            ) : (
              <p className="muted">The agent hasn’t written a description yet.</p>
            )}
          </section>

          <section className="panel" aria-labelledby="facts-title">
            <h2 id="facts-title" className="panel-title">
              Facts and features
            </h2>
            <Facts listing={data} />
          </section>

          <PriceHistorySection listing={data} />
        </div>

        <aside className="listing-page-side">
          {data.kind === 'sale' && hasLocation(property) && <ValuationCard listing={data} />}
          <section className="panel" aria-labelledby="location-title">
            <h2 id="location-title" className="panel-title">
              Location
            </h2>
            {hasLocation(property) ? (
              <MiniMap latitude={property.latitude} longitude={property.longitude} label={`${property.address}, ${property.city}`} />
            ) : (
              <p className="muted">No map location for this property.</p>
            )}
            <p className="muted small">
              {property.address}, {property.city}, {countryName(property.country)}
            </p>
          </section>
        </aside>
      </div>
    </article>
  );
}
