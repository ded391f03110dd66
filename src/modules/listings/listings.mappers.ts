import type { CurrencyCode } from '../../platform/money';
import type { ListingViewRow, PhotoSummary } from './listings.repository';
import { bedroomBuckets, priceBandBounds, type SearchFacets } from './listings.search';
import type { FacetRow } from './listings.search.repository';
import type { Listing, Photo, Property } from './listings.schema';
import type { PhotoRow, PropertyRow, SavedSearchRow } from './listings.tables';

/** Rows to API objects: the only place that knows both the column names and the JSON names. */
export function toProperty(row: PropertyRow): Property {
  return {
    id: row.id,
    organizationId: row.organization_id,
    address: row.address,
    city: row.city,
    country: row.country,
    postalCode: row.postal_code,
    latitude: row.latitude,
    longitude: row.longitude,
    propertyType: row.property_type,
    livingAreaM2: row.living_area_m2,
    plotAreaM2: row.plot_area_m2,
    rooms: row.rooms,
    bedrooms: row.bedrooms,
    bathrooms: row.bathrooms,
    yearBuilt: row.year_built,
    yearRenovated: row.year_renovated,
    energyLabel: row.energy_label,
    features: row.features,
    createdAt: toIso(row.created_at),
    updatedAt: toIso(row.updated_at),
  };
}

export function photoUrls(photoId: string): Photo['urls'] {
  const base = `/api/v1/photos/${photoId}`;
  return { thumb: `${base}/thumb`, large: `${base}/large`, original: `${base}/original` };
}

export function toPhoto(listingId: string, photo: PhotoSummary | PhotoRow): Photo {
  const contentType = 'contentType' in photo ? photo.contentType : photo.content_type;
  return {
    id: photo.id,
    listingId,
    position: photo.position,
    width: photo.width,
    height: photo.height,
    contentType,
    urls: photoUrls(photo.id),
  };
}

export function toListing(row: ListingViewRow): Listing {
  const currency = row.currency as CurrencyCode;
  return {
    id: row.id,
    organizationId: row.organization_id,
    propertyId: row.property_id,
    kind: row.kind,
    status: row.status,
    title: row.title,
    description: row.description,
    askingPrice: { amountMinor: row.asking_price_minor, currency },
    publishedAt: row.published_at ? toIso(row.published_at) : null,
    closedAt: row.closed_at ? toIso(row.closed_at) : null,
    closingPrice: row.closing_price_minor === null ? null : { amountMinor: row.closing_price_minor, currency },
    createdAt: toIso(row.created_at),
    updatedAt: toIso(row.updated_at),
    version: row.version,
    isSynthetic: row.is_synthetic,
    property: toProperty({
      id: row.p_id,
      organization_id: row.p_organization_id,
      address: row.p_address,
      city: row.p_city,
      country: row.p_country,
      postal_code: row.p_postal_code,
      latitude: row.p_latitude,
      longitude: row.p_longitude,
      property_type: row.p_property_type,
      living_area_m2: row.p_living_area_m2,
      plot_area_m2: row.p_plot_area_m2,
      rooms: row.p_rooms,
      bedrooms: row.p_bedrooms,
      bathrooms: row.p_bathrooms,
      year_built: row.p_year_built,
      year_renovated: row.p_year_renovated,
      energy_label: row.p_energy_label,
      features: row.p_features,
      attributes: row.p_attributes,
      created_at: row.p_created_at,
      updated_at: row.p_updated_at,
    }),
    photos: row.photos.map((photo) => toPhoto(row.id, photo)),
  };
}

export function toSavedSearch(row: SavedSearchRow) {
  return { id: row.id, name: row.name, query: row.query, createdAt: toIso(row.created_at) };
}

function toIso(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

export function toFacets(rows: FacetRow[]): SearchFacets {
  const facets: SearchFacets = { propertyType: {}, kind: {}, bedrooms: {}, energyLabel: {}, priceBands: {} };
  const add = (counts: Record<string, number>, key: string, count: number) => {
    counts[key] = (counts[key] ?? 0) + count;
  };
  for (const row of rows) {
    add(facets.propertyType, row.property_type, row.count);
    add(facets.kind, row.kind, row.count);
    if (row.bedrooms !== null) add(facets.bedrooms, row.bedrooms >= bedroomBuckets ? `${bedroomBuckets}+` : String(row.bedrooms), row.count);
    if (row.energy_label !== null) add(facets.energyLabel, row.energy_label, row.count);
    const lower = priceBandBounds[row.price_band - 1];
    const upper = priceBandBounds[row.price_band];
    if (lower !== undefined) add(facets.priceBands, upper === undefined ? `${lower}+` : `${lower}-${upper}`, row.count);
  }
  return facets;
}
