import { Link } from 'react-router-dom';
import type { Listing } from '../api/types';
import { formatArea, propertyTypeLabel } from '../lib/format';
import { formatListingPrice } from '../lib/money';
import { IconArea, IconBath, IconBed, IconHouse, IconPin, StatusBadge, SyntheticLabel } from './ui';

export function ListingPhoto({ listing, size }: { listing: Listing; size: 'thumb' | 'large' }) {
  const photo = listing.photos[0];
  if (!photo) {
    return (
      <div className="photo-placeholder" role="img" aria-label="No photo yet">
        <IconHouse className="photo-placeholder-icon" />
      </div>
    );
  }
  return (
    <img
      src={photo.urls[size]}
      alt={`${listing.title}, ${listing.property.city}`}
      loading="lazy"
      decoding="async"
      width={photo.width ?? undefined}
      height={photo.height ?? undefined}
    />
  );
}

export function ListingCard({
  listing,
  highlighted = false,
  onHover,
}: {
  listing: Listing;
  highlighted?: boolean;
  onHover?: (id: string | null) => void;
}) {
  const { property } = listing;
  return (
    <article
      className={`listing-card ${highlighted ? 'is-highlighted' : ''}`}
      data-testid="listing-card"
      data-listing-id={listing.id}
      onMouseEnter={() => onHover?.(listing.id)}
      onMouseLeave={() => onHover?.(null)}
      onFocus={() => onHover?.(listing.id)}
      onBlur={() => onHover?.(null)}
    >
      <div className="listing-card-media">
        <ListingPhoto listing={listing} size="thumb" />
        <StatusBadge status={listing.status} kind={listing.kind} />
      </div>
      <div className="listing-card-body">
        <p className="listing-card-price">{formatListingPrice(listing.askingPrice, listing.kind)}</p>
        <h3 className="listing-card-title">
          <Link to={`/listings/${listing.id}`} className="stretched-link">
            {listing.title}
          </Link>
        </h3>
        <p className="listing-card-address">
          <IconPin />
          <span>
            {property.address}, {property.city}
          </span>
        </p>
        <ul className="listing-card-facts" aria-label="Key facts">
          <li>{propertyTypeLabel(property.propertyType)}</li>
          {property.bedrooms !== null && (
            <li>
              <IconBed /> {property.bedrooms} <span className="visually-hidden">bedrooms</span>
              <span aria-hidden="true"> bd</span>
            </li>
          )}
          {property.bathrooms !== null && (
            <li>
              <IconBath /> {property.bathrooms} <span className="visually-hidden">bathrooms</span>
              <span aria-hidden="true"> ba</span>
            </li>
          )}
          {property.livingAreaM2 !== null && (
            <li>
              <IconArea /> {formatArea(property.livingAreaM2)}
            </li>
          )}
          {property.energyLabel && (
            <li>
              <span className={`energy energy-${energyClass(property.energyLabel)}`} title="Energy label">
                {property.energyLabel}
              </span>
            </li>
          )}
        </ul>
        {listing.isSynthetic && <SyntheticLabel />}
      </div>
    </article>
  );
}

export function ListingCardSkeleton() {
  return (
    <div className="listing-card listing-card-skeleton" aria-hidden="true">
      <div className="listing-card-media skeleton" />
      <div className="listing-card-body">
        <span className="skeleton skeleton-line" style={{ width: '40%', height: '1.3rem' }} />
        <span className="skeleton skeleton-line" style={{ width: '80%' }} />
        <span className="skeleton skeleton-line" style={{ width: '60%' }} />
        <span className="skeleton skeleton-line" style={{ width: '70%' }} />
      </div>
    </div>
  );
}

/** CSS class suffix for an energy label colour: A+++ .. A share the green. */
export function energyClass(label: string): string {
  return label.startsWith('A') ? 'a' : label.toLowerCase();
}
