/** Shapes of the Domus HTTP API (docs/api.md). The server's OpenAPI document is authoritative. */

export interface Money {
  /** Integer minor units (cents for EUR/USD). */
  amountMinor: number;
  /** ISO 4217 code. */
  currency: string;
}

export const propertyTypes = ['apartment', 'house', 'townhouse', 'villa', 'land', 'commercial'] as const;
export type PropertyType = (typeof propertyTypes)[number];

export const energyLabels = ['A+++', 'A++', 'A+', 'A', 'B', 'C', 'D', 'E', 'F', 'G'] as const;
export type EnergyLabel = (typeof energyLabels)[number];

export const listingKinds = ['sale', 'rent'] as const;
export type ListingKind = (typeof listingKinds)[number];

export const listingStatuses = ['draft', 'active', 'under_offer', 'withdrawn', 'sold', 'rented'] as const;
export type ListingStatus = (typeof listingStatuses)[number];

export const searchSorts = ['newest', 'price_asc', 'price_desc', 'area_desc', 'relevance', 'distance'] as const;
export type SearchSort = (typeof searchSorts)[number];

export interface Property {
  id: string;
  organizationId: string;
  address: string;
  city: string;
  country: string;
  postalCode: string | null;
  latitude: number | null;
  longitude: number | null;
  propertyType: PropertyType;
  livingAreaM2: number | null;
  plotAreaM2: number | null;
  rooms: number | null;
  bedrooms: number | null;
  bathrooms: number | null;
  yearBuilt: number | null;
  yearRenovated?: number | null;
  energyLabel: EnergyLabel | null;
  features: string[];
  createdAt: string;
  updatedAt: string;
}

export interface Photo {
  id: string;
  listingId: string;
  position: number;
  width: number | null;
  height: number | null;
  contentType: string;
  urls: { thumb: string; large: string; original: string };
}

export interface Listing {
  id: string;
  organizationId: string;
  propertyId: string;
  kind: ListingKind;
  status: ListingStatus;
  title: string;
  description: string;
  askingPrice: Money;
  publishedAt: string | null;
  /** When it was sold, rented or withdrawn. */
  closedAt?: string | null;
  /** The final price of a sold or rented listing, when known. */
  closingPrice?: Money | null;
  createdAt: string;
  updatedAt: string;
  version: number;
  property: Property;
  photos: Photo[];
  isSynthetic?: boolean;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export type FacetCounts = Record<string, number>;

export interface SearchFacets {
  propertyType?: FacetCounts;
  kind?: FacetCounts;
  bedrooms?: FacetCounts;
  energyLabel?: FacetCounts;
  priceBands?: FacetCounts;
}

export interface SearchResult extends Page<Listing> {
  facets?: SearchFacets;
}

export interface PriceHistoryEntry {
  price: Money;
  changedAt: string;
}

export interface User {
  id: string;
  email: string;
  displayName: string;
  createdAt?: string;
}

export type Role = 'owner' | 'admin' | 'agent' | 'viewer';

export interface Membership {
  organizationId: string;
  organizationName: string;
  organizationSlug: string;
  role: Role;
}

export interface Me {
  user: User;
  memberships: Membership[];
}

export interface Organization {
  id: string;
  name: string;
  slug: string;
  createdAt?: string;
}

/** A saved search's query: the same parameters as GET /listings, as strings. */
export type SearchQuery = Record<string, string>;

export interface SavedSearch {
  id: string;
  name: string;
  query: SearchQuery;
  createdAt?: string;
}

export interface PublicConfig {
  mapTileUrl: string;
  mapTileAttribution: string;
  demoData: boolean;
}

export interface PropertyInput {
  organizationId: string;
  address: string;
  city: string;
  country: string;
  postalCode?: string;
  latitude?: number;
  longitude?: number;
  propertyType: PropertyType;
  livingAreaM2?: number;
  plotAreaM2?: number;
  rooms?: number;
  bedrooms?: number;
  bathrooms?: number;
  yearBuilt?: number;
  yearRenovated?: number;
  energyLabel?: EnergyLabel;
  features?: string[];
}

export interface ListingInput {
  propertyId: string;
  kind: ListingKind;
  title: string;
  description: string;
  askingPrice: Money;
}

export interface ListingPatch {
  title?: string;
  description?: string;
  askingPrice?: Money;
  expectedVersion?: number;
}
