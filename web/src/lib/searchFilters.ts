import {
  energyLabels,
  listingKinds,
  propertyTypes,
  searchSorts,
  type EnergyLabel,
  type ListingKind,
  type PropertyType,
  type SearchQuery,
  type SearchSort,
} from '../api/types';
import { formatCompactMoney } from './money';
import { propertyTypeLabel } from './format';

/** [minLng, minLat, maxLng, maxLat], the order GET /listings?bbox= expects. */
export type BBox = readonly [number, number, number, number];

/** The search page's filters. Prices are in minor units, exactly as the API takes them. */
export interface SearchFilters {
  q: string;
  kind: ListingKind | null;
  propertyTypes: PropertyType[];
  minPrice: number | null;
  maxPrice: number | null;
  minBedrooms: number | null;
  minArea: number | null;
  energyLabels: EnergyLabel[];
  sort: SearchSort | null;
  bbox: BBox | null;
}

export const emptyFilters: SearchFilters = {
  q: '',
  kind: null,
  propertyTypes: [],
  minPrice: null,
  maxPrice: null,
  minBedrooms: null,
  minArea: null,
  energyLabels: [],
  sort: null,
  bbox: null,
};

function oneOf<T extends string>(allowed: readonly T[], value: string | null | undefined): T | null {
  return value !== null && value !== undefined && (allowed as readonly string[]).includes(value) ? (value as T) : null;
}

function listOf<T extends string>(allowed: readonly T[], value: string | null | undefined): T[] {
  if (!value) return [];
  const seen = new Set<T>();
  for (const part of value.split(',')) {
    const item = oneOf(allowed, part.trim());
    if (item) seen.add(item);
  }
  // Keep the canonical order so equal filter sets give equal URLs.
  return allowed.filter((item) => seen.has(item));
}

function nonNegativeInteger(value: string | null | undefined): number | null {
  if (value === null || value === undefined || !/^\d+$/.test(value.trim())) return null;
  const number = Number(value.trim());
  return Number.isSafeInteger(number) ? number : null;
}

function roundCoordinate(value: number): number {
  return Math.round(value * 1e5) / 1e5;
}

export function parseBBox(value: string | null | undefined): BBox | null {
  if (!value) return null;
  const parts = value.split(',').map((part) => Number(part.trim()));
  if (parts.length !== 4 || parts.some((part) => !Number.isFinite(part))) return null;
  const [minLng, minLat, maxLng, maxLat] = parts as [number, number, number, number];
  if (minLng < -180 || maxLng > 180 || minLat < -90 || maxLat > 90) return null;
  if (minLng >= maxLng || minLat >= maxLat) return null;
  return [minLng, minLat, maxLng, maxLat];
}

export function formatBBox(bbox: BBox): string {
  return bbox.map(roundCoordinate).join(',');
}

/** Clamps a map's bounds into a valid bbox (the map can show more than one world). */
export function clampBBox(west: number, south: number, east: number, north: number): BBox {
  const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));
  return [
    roundCoordinate(clamp(west, -180, 180)),
    roundCoordinate(clamp(south, -90, 90)),
    roundCoordinate(clamp(east, -180, 180)),
    roundCoordinate(clamp(north, -90, 90)),
  ];
}

/** Reads filters from a URL query string, ignoring anything malformed rather than failing. */
export function parseFilters(params: URLSearchParams): SearchFilters {
  return {
    q: (params.get('q') ?? '').trim(),
    kind: oneOf(listingKinds, params.get('kind')),
    propertyTypes: listOf(propertyTypes, params.get('propertyType')),
    minPrice: nonNegativeInteger(params.get('minPrice')),
    maxPrice: nonNegativeInteger(params.get('maxPrice')),
    minBedrooms: nonNegativeInteger(params.get('minBedrooms')),
    minArea: nonNegativeInteger(params.get('minArea')),
    energyLabels: listOf(energyLabels, params.get('energyLabel')),
    sort: oneOf(searchSorts, params.get('sort')),
    bbox: parseBBox(params.get('bbox')),
  };
}

/**
 * The filters as GET /listings parameters, in a fixed order and without empty values. The
 * same object is the URL query string and the `query` of a saved search.
 */
export function filtersToQuery(filters: SearchFilters): SearchQuery {
  const query: SearchQuery = {};
  if (filters.q.trim()) query.q = filters.q.trim();
  if (filters.kind) query.kind = filters.kind;
  if (filters.propertyTypes.length) query.propertyType = listOf(propertyTypes, filters.propertyTypes.join(',')).join(',');
  if (filters.minPrice !== null) query.minPrice = String(filters.minPrice);
  if (filters.maxPrice !== null) query.maxPrice = String(filters.maxPrice);
  if (filters.minBedrooms !== null) query.minBedrooms = String(filters.minBedrooms);
  if (filters.minArea !== null) query.minArea = String(filters.minArea);
  if (filters.energyLabels.length) query.energyLabel = listOf(energyLabels, filters.energyLabels.join(',')).join(',');
  if (filters.sort) query.sort = filters.sort;
  if (filters.bbox) query.bbox = formatBBox(filters.bbox);
  return query;
}

export function filtersToSearchParams(filters: SearchFilters): URLSearchParams {
  return new URLSearchParams(filtersToQuery(filters));
}

/** Parameters for one page of GET /listings. */
export function searchRequestParams(
  filters: SearchFilters,
  page: { cursor?: string | null; limit?: number; facets?: boolean } = {},
): URLSearchParams {
  const params = filtersToSearchParams(filters);
  // "relevance" only means something with a text query; fall back to the server default.
  if (filters.sort === 'relevance' && !filters.q.trim()) params.delete('sort');
  if (filters.sort === 'distance') params.delete('sort');
  if (page.limit !== undefined) params.set('limit', String(page.limit));
  if (page.cursor) params.set('cursor', page.cursor);
  if (page.facets) params.set('facets', 'true');
  return params;
}

export function activeFilterCount(filters: SearchFilters): number {
  let count = 0;
  if (filters.kind) count += 1;
  if (filters.propertyTypes.length) count += 1;
  if (filters.minPrice !== null || filters.maxPrice !== null) count += 1;
  if (filters.minBedrooms !== null) count += 1;
  if (filters.minArea !== null) count += 1;
  if (filters.energyLabels.length) count += 1;
  if (filters.bbox) count += 1;
  return count;
}

/** A short human description, used as the default name of a saved search. */
export function describeFilters(filters: SearchFilters, currency = 'EUR', locale?: string): string {
  const what = filters.propertyTypes.length
    ? filters.propertyTypes.map((type) => `${propertyTypeLabel(type)}s`).join(' & ')
    : 'Homes';
  const parts = [
    `${what}${filters.kind === 'sale' ? ' for sale' : filters.kind === 'rent' ? ' for rent' : ''}`,
  ];
  if (filters.q.trim()) parts.push(`“${filters.q.trim()}”`);
  const price = (amountMinor: number) => formatCompactMoney({ amountMinor, currency }, locale);
  if (filters.minPrice !== null && filters.maxPrice !== null) {
    parts.push(`${price(filters.minPrice)}–${price(filters.maxPrice)}`);
  } else if (filters.minPrice !== null) {
    parts.push(`from ${price(filters.minPrice)}`);
  } else if (filters.maxPrice !== null) {
    parts.push(`up to ${price(filters.maxPrice)}`);
  }
  if (filters.minBedrooms !== null) parts.push(`${filters.minBedrooms}+ bedrooms`);
  if (filters.minArea !== null) parts.push(`${filters.minArea}+ m²`);
  if (filters.energyLabels.length) parts.push(`energy ${filters.energyLabels.join('/')}`);
  if (filters.bbox) parts.push('in map area');
  return parts.join(', ');
}

/**
 * Facet count for "at least n bedrooms": the server counts listings per exact bedroom number
 * (keys like "3" or "5+"), so sum every bucket at or above n.
 */
export function bedroomsAtLeast(facet: Record<string, number> | undefined, minimum: number): number | undefined {
  if (!facet) return undefined;
  let total = 0;
  let seen = false;
  for (const [key, count] of Object.entries(facet)) {
    const bedrooms = Number.parseInt(key, 10);
    if (Number.isNaN(bedrooms)) continue;
    seen = true;
    if (bedrooms >= minimum) total += count;
  }
  return seen ? total : undefined;
}
