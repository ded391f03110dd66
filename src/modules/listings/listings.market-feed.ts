import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../../platform/db';
import type { PropertyType } from './listings.import-types';
import type { ListingsTables } from './listings.tables';

/**
 * The read side the market module needs (issue 5, item 6): sale listings that were ever
 * published, with their lifecycle dates and prices, grouped into areas. Drafts never count;
 * rentals are left out. Read-only, no access rules: it yields aggregates' inputs, and the market
 * module publishes only aggregates.
 */
export type MarketAreaLevel = 'city' | 'postal';

export interface MarketSaleRecord {
  listingId: string;
  city: string;
  country: string;
  postalCode: string | null;
  /** The postal code's first part: '1012 AB' → '1012', '98103-1234' → '98103', 'SW1A 1AA' → 'SW1A'. */
  postalDistrict: string | null;
  latitude: number | null;
  longitude: number | null;
  propertyType: PropertyType;
  livingAreaM2: number | null;
  bedrooms: number | null;
  bathrooms: number | null;
  yearBuilt: number | null;
  currency: string;
  askingPriceMinor: number;
  publishedAt: Date;
  /** When the listing left the market (sold or withdrawn); null while on it. */
  closedAt: Date | null;
  status: 'active' | 'under_offer' | 'sold' | 'withdrawn';
  /** Set when sold. */
  closingPriceMinor: number | null;
}

export interface MarketArea {
  level: MarketAreaLevel;
  name: string;
  /** Sale listings ever published in the area, and how many of them sold. */
  listings: number;
  sold: number;
  firstSale: Date | null;
  lastSale: Date | null;
}

/** The SQL form of MarketSaleRecord.postalDistrict. */
const postalDistrict = sql<string | null>`nullif(split_part(split_part(l.postal_code, ' ', 1), '-', 1), '')`;

export class ListingsMarketFeed {
  private readonly db: Kysely<ListingsTables>;
  constructor(database: Database) {
    this.db = database.withTables<ListingsTables>();
  }

  /** Changes whenever a sale listing is added, changed or removed (count and latest update). */
  async fingerprint(): Promise<string> {
    const result = await sql<{ n: string | number; latest: Date | null }>`
      SELECT count(*) AS n, max(l.updated_at) AS latest FROM listings l
      WHERE l.kind = 'sale' AND l.published_at IS NOT NULL`.execute(this.db);
    const row = result.rows[0];
    return `${Number(row?.n ?? 0)}:${row?.latest ? new Date(row.latest).toISOString() : '-'}`;
  }

  /** Areas of a level with their listing and sale counts, most sales first. */
  async areas(level: MarketAreaLevel): Promise<MarketArea[]> {
    const key = level === 'city' ? sql<string>`l.city` : postalDistrict;
    const result = await sql<{ name: string; listings: string | number; sold: string | number; first_sale: Date | null; last_sale: Date | null }>`
      SELECT ${key} AS name, count(*) AS listings,
             count(*) FILTER (WHERE l.status = 'sold') AS sold,
             min(l.closed_at) FILTER (WHERE l.status = 'sold') AS first_sale,
             max(l.closed_at) FILTER (WHERE l.status = 'sold') AS last_sale
      FROM listings l
      WHERE l.kind = 'sale' AND l.published_at IS NOT NULL AND ${key} IS NOT NULL
      GROUP BY 1 ORDER BY 3 DESC, 1`.execute(this.db);
    return result.rows.map((row) => ({
      level,
      name: row.name,
      listings: Number(row.listings),
      sold: Number(row.sold),
      firstSale: row.first_sale ? new Date(row.first_sale) : null,
      lastSale: row.last_sale ? new Date(row.last_sale) : null,
    }));
  }

  /** Every published sale listing of an area (or of the whole platform when `area` is null). */
  async saleRecords(level: MarketAreaLevel, area: string | null): Promise<MarketSaleRecord[]> {
    const filter: RawBuilder<unknown> = area === null ? sql`true` : level === 'city' ? sql`l.city = ${area}` : sql`${postalDistrict} = ${area}`;
    const result = await sql<{
      id: string; city: string; country: string; postal_code: string | null; district: string | null; latitude: number | null; longitude: number | null; property_type: PropertyType;
      living_area_m2: string | number | null; bedrooms: number | null; bathrooms: string | number | null; year_built: number | null;
      currency: string; asking_price_minor: string | number; published_at: Date; closed_at: Date | null; status: MarketSaleRecord['status'];
      closing_price_minor: string | number | null;
    }>`
      SELECT l.id, l.city, l.country, l.postal_code, ${postalDistrict} AS district, p.latitude, p.longitude, l.property_type, l.living_area_m2, l.bedrooms,
             l.bathrooms, p.year_built, l.currency, l.asking_price_minor, l.published_at, l.closed_at, l.status, l.closing_price_minor
      FROM listings l JOIN properties p ON p.id = l.property_id
      WHERE l.kind = 'sale' AND l.published_at IS NOT NULL AND ${filter}`.execute(this.db);
    const num = (value: string | number | null) => (value === null ? null : Number(value));
    return result.rows.map((row) => ({
      listingId: row.id,
      city: row.city,
      country: row.country,
      postalCode: row.postal_code,
      postalDistrict: row.district,
      latitude: num(row.latitude),
      longitude: num(row.longitude),
      propertyType: row.property_type,
      livingAreaM2: num(row.living_area_m2),
      bedrooms: row.bedrooms,
      bathrooms: num(row.bathrooms),
      yearBuilt: row.year_built,
      currency: row.currency,
      askingPriceMinor: Number(row.asking_price_minor),
      publishedAt: new Date(row.published_at),
      closedAt: row.closed_at ? new Date(row.closed_at) : null,
      status: row.status,
      closingPriceMinor: num(row.closing_price_minor),
    }));
  }
}
