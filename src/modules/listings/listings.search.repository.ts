import { sql, type Kysely, type RawBuilder } from 'kysely';
import { listingViewSelect, type ListingViewRow } from './listings.repository';
import { listingKinds } from './listings.schema';
import { bedroomBuckets, priceBandBounds, type SearchFilters, type SearchPosition, type SearchSort } from './listings.search';
import type { BoxAccess, DensityCell } from './listings.search.planner';
import type { ListingsTables } from './listings.tables';

/** Mean Earth radius (IUGG), km. */
const earthRadiusKm = 6371.0088;
const kmPerDegree = (Math.PI / 180) * earthRadiusKm;

interface SortSpec {
  expression: RawBuilder<unknown>;
  direction: 'asc' | 'desc';
  /** The SQL type a cursor key is cast back to, so that the comparison is exact. */
  keyType: 'timestamptz' | 'bigint' | 'numeric' | 'real' | 'float8';
}

export type SearchRow = ListingViewRow & { sort_key: Date | number };
export type FacetRow = {
  property_type: string;
  kind: string;
  /** min(bedrooms, bedroomBuckets); null when unknown. */
  bedrooms: number | null;
  energy_label: string | null;
  /** width_bucket over priceBandBounds: 1 for the first band. */
  price_band: number;
  count: number;
};

/**
 * The SQL of public search: one statement over the denormalised `listings` table per page, one
 * more for facets when asked. Every value is a bound parameter except validated enum values,
 * which are inlined as literals so that the planner can match the partial indexes
 * (`WHERE status IN ('active', 'under_offer')`) whatever plan caching the driver does.
 */
export class SearchRepository {
  constructor(private readonly db: Kysely<ListingsTables>) {}

  /** Up to `limit` rows after `after` in the sort order, each with its sort key for the next cursor. */
  async page(filters: SearchFilters, sort: SearchSort, after: SearchPosition | undefined, limit: number, access: BoxAccess = 'spatial'): Promise<SearchRow[]> {
    const spec = sortSpec(sort, filters);
    const direction = sql.raw(spec.direction);
    const conditions = whereClauses(filters, access === 'spatial' ? 'spatial' : 'ordered');
    if (after) {
      const comparison = spec.direction === 'desc' ? sql`<` : sql`>`;
      conditions.push(sql`(${spec.expression}, l.id) ${comparison} (${castKey(after.key, spec.keyType)}, ${after.id}::uuid)`);
    }
    const walk = (extra: RawBuilder<unknown>[]) => sql`
        SELECT l.id AS page_id, ${spec.expression} AS sort_key
        FROM listings l
        WHERE ${sql.join([...extra, ...conditions], sql` AND `)}
        ORDER BY ${spec.expression} ${direction}, l.id ${direction}
        LIMIT ${limit}`;
    // Index walks partitioned by cell and/or kind, each in key order, merged by MergeAppend.
    const cells = typeof access === 'object' ? access.cells.map((cell) => sql`l.geo_cell = ${cell}::integer`) : [undefined];
    const byKind = (sort === 'price_asc' || sort === 'price_desc') && access !== 'spatial' && !filters.q;
    const kinds = byKind ? (filters.kind ? [filters.kind] : listingKinds).map((kind) => sql`l.kind = ${sql.lit(kind)}`) : [undefined];
    const branches = cells.flatMap((cell) => kinds.map((kind) => walk([cell, kind].filter((item) => item !== undefined))));
    const candidates =
      branches.length === 1
        ? (branches[0] as RawBuilder<unknown>)
        : sql`
            SELECT page_id, sort_key FROM (${sql.join(branches.map((branch) => sql`(${branch})`), sql` UNION ALL `)}) walks
            ORDER BY sort_key ${direction}, page_id ${direction} LIMIT ${limit}`;
    const result = await sql<SearchRow>`
      SELECT ${listingViewSelect}, page.sort_key
      FROM (${candidates}) page
      JOIN listings l ON l.id = page.page_id
      JOIN properties p ON p.id = l.property_id
      ORDER BY page.sort_key ${direction}, l.id ${direction}`.execute(this.db);
    return result.rows;
  }

  /** Public listings per 0.02° cell, for the planner's density grid (listings.search.planner.ts). */
  async densityCells(): Promise<DensityCell[]> {
    const result = await sql<DensityCell>`
      SELECT floor(l.location[1] * 50)::integer AS latitude_cell, floor(l.location[0] * 50)::integer AS longitude_cell, count(*)::integer AS count
      FROM listings l
      WHERE l.status IN ('active', 'under_offer') AND l.location IS NOT NULL
      GROUP BY 1, 2`.execute(this.db);
    return result.rows;
  }

  /**
   * Listings per combination of the facet values, for the same filters, in one pass: a flat
   * GROUP BY over small keys (bucket numbers, not labels) is cheaper than GROUPING SETS over
   * text; the few hundred combinations are summed per facet in toFacets (listings.mappers.ts).
   */
  async facets(filters: SearchFilters): Promise<FacetRow[]> {
    const bounds = sql.raw(`ARRAY[${priceBandBounds.join(', ')}]::bigint[]`);
    const result = await sql<FacetRow>`
      SELECT l.property_type, l.kind, least(l.bedrooms, ${sql.lit(bedroomBuckets)}) AS bedrooms, l.energy_label,
             width_bucket(l.asking_price_minor, ${bounds}) AS price_band, count(*)::integer AS count
      FROM listings l
      WHERE ${sql.join(whereClauses(filters), sql` AND `)}
      GROUP BY 1, 2, 3, 4, 5`.execute(this.db);
    return result.rows;
  }
}

function literals(values: readonly string[]): RawBuilder<unknown> {
  return sql.join(values.map((value) => sql.lit(value)));
}

function castKey(key: string | number, keyType: SortSpec['keyType']): RawBuilder<unknown> {
  return sql`${key}::${sql.raw(keyType)}`;
}

function textQuery(q: string): RawBuilder<unknown> {
  return sql`websearch_to_tsquery('english', ${q})`;
}

/** Exact great-circle (haversine) distance in km from the search centre to the listing. */
function distanceKm(near: NonNullable<SearchFilters['near']>): RawBuilder<unknown> {
  const latitude = sql`${near.latitude}::float8`;
  const longitude = sql`${near.longitude}::float8`;
  return sql`(${sql.lit(2 * earthRadiusKm)} * asin(least(1.0::float8, sqrt(
    power(sin(radians(l.location[1] - ${latitude}) / 2), 2)
    + cos(radians(${latitude})) * cos(radians(l.location[1])) * power(sin(radians(l.location[0] - ${longitude}) / 2), 2)))))`;
}

/**
 * Boxes that contain the circle, for the GiST index: latitude ± r, longitude ± asin(sin(r)/cos(lat))
 * (Matuschek's bounds), split in two where the circle crosses the antimeridian, and widened to all
 * longitudes where it reaches a pole.
 */
export function boxesAround(near: NonNullable<SearchFilters['near']>): [number, number, number, number][] {
  const angular = near.radiusKm / earthRadiusKm;
  const latitudeDelta = near.radiusKm / kmPerDegree;
  const minLat = Math.max(-90, near.latitude - latitudeDelta);
  const maxLat = Math.min(90, near.latitude + latitudeDelta);
  const ratio = Math.sin(angular) / Math.cos((near.latitude * Math.PI) / 180);
  if (minLat <= -90 || maxLat >= 90 || !Number.isFinite(ratio) || ratio >= 1) return [[-180, minLat, 180, maxLat]];
  const longitudeDelta = (Math.asin(ratio) * 180) / Math.PI;
  const minLng = near.longitude - longitudeDelta;
  const maxLng = near.longitude + longitudeDelta;
  if (minLng < -180) return [[minLng + 360, minLat, 180, maxLat], [-180, minLat, maxLng, maxLat]];
  if (maxLng > 180) return [[minLng, minLat, 180, maxLat], [-180, minLat, maxLng - 360, maxLat]];
  return [[minLng, minLat, maxLng, maxLat]];
}

/**
 * The box test. `spatial`: the GiST-indexable operator. `ordered`: the same test wrapped so that
 * the planner cannot use the GiST index and estimates it at 50%, which makes it walk the sort-order
 * index instead (see listings.search.planner.ts for when each wins).
 */
function inBox([minLng, minLat, maxLng, maxLat]: [number, number, number, number], access: 'spatial' | 'ordered'): RawBuilder<unknown> {
  const test = sql`l.location <@ box(point(${minLng}::float8, ${minLat}::float8), point(${maxLng}::float8, ${maxLat}::float8))`;
  return access === 'spatial' ? test : sql`coalesce(${test}, false)`;
}

export function whereClauses(filters: SearchFilters, access: 'spatial' | 'ordered' = 'spatial'): RawBuilder<unknown>[] {
  const clauses: RawBuilder<unknown>[] = [sql`l.status IN (${literals(filters.statuses)})`];
  if (filters.kind) clauses.push(sql`l.kind = ${sql.lit(filters.kind)}`);
  if (filters.propertyTypes) clauses.push(sql`l.property_type IN (${literals(filters.propertyTypes)})`);
  if (filters.minPrice !== undefined) clauses.push(sql`l.asking_price_minor >= ${filters.minPrice}::bigint`);
  if (filters.maxPrice !== undefined) clauses.push(sql`l.asking_price_minor <= ${filters.maxPrice}::bigint`);
  if (filters.minBedrooms !== undefined) clauses.push(sql`l.bedrooms >= ${filters.minBedrooms}::smallint`);
  if (filters.minBathrooms !== undefined) clauses.push(sql`l.bathrooms >= ${filters.minBathrooms}::numeric`);
  if (filters.minRooms !== undefined) clauses.push(sql`l.rooms >= ${filters.minRooms}::smallint`);
  if (filters.minArea !== undefined) clauses.push(sql`l.living_area_m2 >= ${filters.minArea}::numeric`);
  if (filters.maxArea !== undefined) clauses.push(sql`l.living_area_m2 <= ${filters.maxArea}::numeric`);
  if (filters.energyLabels) clauses.push(sql`l.energy_label IN (${literals(filters.energyLabels)})`);
  if (filters.country) clauses.push(sql`l.country = ${filters.country}::bpchar`);
  // The validator admits only [A-Z0-9 -], so the value holds no LIKE wildcards.
  if (filters.postalCode) clauses.push(sql`l.postal_code LIKE ${`${filters.postalCode}%`}`);
  if (filters.bbox) clauses.push(inBox(filters.bbox, access));
  if (filters.near) {
    const boxes = boxesAround(filters.near).map((box) => inBox(box, access));
    clauses.push(boxes.length === 1 ? (boxes[0] as RawBuilder<unknown>) : sql`(${sql.join(boxes, sql` OR `)})`);
    clauses.push(sql`${distanceKm(filters.near)} <= ${filters.near.radiusKm}::float8`);
  }
  if (filters.q) clauses.push(sql`l.search_vector @@ ${textQuery(filters.q)}`);
  return clauses;
}

function sortSpec(sort: SearchSort, filters: SearchFilters): SortSpec {
  switch (sort) {
    case 'newest':
      return { expression: sql`l.published_at`, direction: 'desc', keyType: 'timestamptz' };
    case 'price_asc':
      return { expression: sql`l.asking_price_minor`, direction: 'asc', keyType: 'bigint' };
    case 'price_desc':
      return { expression: sql`l.asking_price_minor`, direction: 'desc', keyType: 'bigint' };
    case 'area_desc':
      // Matches the expression index listings_public_area_idx; unknown areas sort last.
      return { expression: sql`coalesce(l.living_area_m2, 0)`, direction: 'desc', keyType: 'numeric' };
    case 'relevance':
      return { expression: sql`ts_rank(l.search_vector, ${textQuery(filters.q ?? '')})`, direction: 'desc', keyType: 'real' };
    case 'distance':
      if (!filters.near) throw new Error('distance sort without near');
      return { expression: distanceKm(filters.near), direction: 'asc', keyType: 'float8' };
  }
}
