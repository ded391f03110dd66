import type { Money } from '../../platform/money';

/**
 * The contract between the listings module and the bulk loaders (demo-data generator, CSV
 * importer, benchmarks). Loaders build these records; `ListingsService.bulkImport` validates and
 * writes them in batched transactions.
 */
export type PropertyType = 'apartment' | 'house' | 'townhouse' | 'villa' | 'land' | 'commercial';
export type EnergyLabel = 'A+++' | 'A++' | 'A+' | 'A' | 'B' | 'C' | 'D' | 'E' | 'F' | 'G';
export type ListingKind = 'sale' | 'rent';
export type ListingStatus = 'draft' | 'active' | 'under_offer' | 'sold' | 'rented' | 'withdrawn';

export interface PropertyInput {
  address: string;
  city: string;
  /** ISO 3166-1 alpha-2, upper case. */
  country: string;
  postalCode: string;
  latitude: number;
  longitude: number;
  propertyType: PropertyType;
  livingAreaM2: number | null;
  plotAreaM2: number | null;
  rooms: number | null;
  bedrooms: number | null;
  /** May be fractional (US data counts half baths). */
  bathrooms: number | null;
  yearBuilt: number | null;
  yearRenovated?: number | null;
  energyLabel: EnergyLabel | null;
  features: string[];
  /** Source-specific facts kept for valuation (e.g. King County grade, condition, view). */
  attributes?: Record<string, number | string | boolean>;
}

export interface ImportRecord {
  property: PropertyInput;
  listing: {
    kind: ListingKind;
    title: string;
    description: string;
    askingPrice: Money;
    status: ListingStatus;
    /** When it went active; required for any status other than draft. */
    publishedAt?: Date;
    /** When it was sold, rented or withdrawn. */
    closedAt?: Date;
    /** The final price for sold/rented listings, when known. */
    closingPrice?: Money;
  };
  /** Earlier asking prices, oldest first; the current askingPrice is appended automatically. */
  priceHistory?: { price: Money; changedAt: Date }[];
  /** True for generated demo data; shown as such in the API and the web app. */
  isSynthetic: boolean;
  /** A stable id from the source (e.g. `kc-house-sales:7129300520:20141013`); re-importing the same ref is a no-op. */
  externalRef?: string;
}

export interface BulkImportResult {
  created: number;
  skippedExisting: number;
  listingIds: string[];
}
