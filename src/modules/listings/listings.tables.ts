import type { ColumnType, Generated, Kysely, Transaction } from 'kysely';
import type { EnergyLabel, ListingKind, ListingStatus, PropertyType } from './listings.import-types';

/** Written by the listings_copy_property trigger; never by the application. */
type Copied<T> = ColumnType<T, never, never>;

export interface PropertiesTable {
  id: string;
  organization_id: string;
  address: string;
  city: string;
  country: string;
  postal_code: string | null;
  latitude: number | null;
  longitude: number | null;
  property_type: PropertyType;
  living_area_m2: number | null;
  plot_area_m2: number | null;
  rooms: number | null;
  bedrooms: number | null;
  bathrooms: number | null;
  year_built: number | null;
  year_renovated: number | null;
  energy_label: EnergyLabel | null;
  features: string[];
  attributes: Record<string, number | string | boolean>;
  created_at: Date;
  updated_at: Date;
}

export interface ListingsTable {
  id: string;
  organization_id: string;
  property_id: string;
  kind: ListingKind;
  status: ListingStatus;
  title: string;
  description: string;
  asking_price_minor: number;
  currency: string;
  published_at: Date | null;
  closed_at: Date | null;
  closing_price_minor: number | null;
  version: number;
  is_synthetic: boolean;
  external_ref: string | null;
  created_at: Date;
  updated_at: Date;
  location: Copied<{ x: number; y: number } | null>;
  property_type: Copied<PropertyType>;
  bedrooms: Copied<number | null>;
  bathrooms: Copied<number | null>;
  rooms: Copied<number | null>;
  living_area_m2: Copied<number | null>;
  energy_label: Copied<EnergyLabel | null>;
  country: Copied<string>;
  postal_code: Copied<string | null>;
  city: Copied<string>;
  geo_cell: Copied<number | null>;
  search_vector: Copied<string>;
}

export interface PriceHistoryTable {
  id: Generated<number>;
  listing_id: string;
  price_minor: number;
  currency: string;
  changed_at: Date;
}

export interface PhotosTable {
  id: string;
  listing_id: string;
  position: number;
  original_key: string;
  large_key: string;
  thumb_key: string;
  width: number;
  height: number;
  content_type: string;
  byte_size: number;
  /** SHA-256 (hex) of the uploaded bytes; renditions are shared between rows with the same hash. */
  content_sha256: string | null;
  created_at: Date;
}

export interface SavedSearchesTable {
  id: string;
  user_id: string;
  name: string;
  query: Record<string, string>;
  created_at: Date;
}

// A type alias (not an interface) so that it satisfies Kysely's index-signature constraint.
export type ListingsTables = {
  properties: PropertiesTable;
  listings: ListingsTable;
  listing_price_history: PriceHistoryTable;
  listing_photos: PhotosTable;
  saved_searches: SavedSearchesTable;
};

export type ListingsDb = Kysely<ListingsTables> | Transaction<ListingsTables>;

export type PropertyRow = PropertiesTable;
/** A listing row as the application reads it: the columns it owns, without the search copies. */
export type ListingRow = Omit<
  ListingsTable,
  'location' | 'property_type' | 'bedrooms' | 'bathrooms' | 'rooms' | 'living_area_m2' | 'energy_label' | 'country' | 'postal_code' | 'city' | 'geo_cell' | 'search_vector'
>;
export type NewListingRow = ListingRow;
export type PhotoRow = PhotosTable;
export type SavedSearchRow = SavedSearchesTable;

/** The listing columns the application selects (the search copies stay in SQL). */
export const listingColumns = [
  'id', 'organization_id', 'property_id', 'kind', 'status', 'title', 'description', 'asking_price_minor', 'currency',
  'published_at', 'closed_at', 'closing_price_minor', 'version', 'is_synthetic', 'external_ref', 'created_at', 'updated_at',
] as const satisfies readonly (keyof ListingRow)[];

export const propertyColumns = [
  'id', 'organization_id', 'address', 'city', 'country', 'postal_code', 'latitude', 'longitude', 'property_type',
  'living_area_m2', 'plot_area_m2', 'rooms', 'bedrooms', 'bathrooms', 'year_built', 'year_renovated', 'energy_label',
  'features', 'attributes', 'created_at', 'updated_at',
] as const satisfies readonly (keyof PropertyRow)[];
