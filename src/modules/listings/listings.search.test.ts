import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganization, createTestDomus, signUp, type TestDomus } from '../../../test/support/harness';
import type { EnergyLabel, ImportRecord, ListingKind, ListingStatus, PropertyType } from './listings.import-types';
import { priceBandBounds, type BoundingBox } from './listings.search';
import { chooseBoxAccess, DensityGrid, geoCell, geoCellsOf, type BoxAccess } from './listings.search.planner';
import { SearchRepository } from './listings.search.repository';
import type { ListingsTables } from './listings.tables';
import { anonymous, asUser, call, expectProblem, importRecord, snapshot } from './listings.test-support';

let domus: TestDomus;
let orgId: string;

interface Expected {
  id: string;
  kind: ListingKind;
  status: ListingStatus;
  propertyType: PropertyType;
  price: number;
  bedrooms: number;
  bathrooms: number;
  rooms: number;
  area: number | null;
  energy: EnergyLabel | null;
  country: string;
  postalCode: string;
  latitude: number;
  longitude: number;
  publishedAt: string;
  text: string;
}
const all: Expected[] = [];

const cities = [
  { city: 'Amsterdam', country: 'NL', latitude: 52.37, longitude: 4.89, postal: '1015' },
  { city: 'Utrecht', country: 'NL', latitude: 52.09, longitude: 5.12, postal: '3511' },
  { city: 'Berlin', country: 'DE', latitude: 52.52, longitude: 13.4, postal: '10115' },
] as const;
const types: PropertyType[] = ['apartment', 'house', 'townhouse', 'villa', 'land', 'commercial'];
const labels: EnergyLabel[] = ['A+++', 'A++', 'A+', 'A', 'B', 'C', 'D', 'E', 'F', 'G'];
const statusCycle = ['active', 'active', 'active', 'active', 'active', 'under_offer', 'under_offer', 'closed', 'draft', 'withdrawn'] as const;

function dataset(): ImportRecord[] {
  return Array.from({ length: 90 }, (_, i) => {
    const place = cities[i % 3] as (typeof cities)[number];
    const kind: ListingKind = i % 4 === 0 ? 'rent' : 'sale';
    const cycle = statusCycle[i % 10] as (typeof statusCycle)[number];
    const status: ListingStatus = cycle === 'closed' ? (kind === 'sale' ? 'sold' : 'rented') : cycle;
    const price = kind === 'sale' ? (20 + ((i * 7) % 15) * 5) * 1_000_000 : (1000 + ((i * 3) % 10) * 100) * 100;
    const bedrooms = i % 6;
    const features = [...(i % 3 === 0 ? ['garden'] : []), ...(i % 5 === 0 ? ['balcony'] : [])];
    const description = i % 4 === 1 ? 'A bright home with a private sauna.' : 'A pleasant home.';
    const title = i % 8 === 2 ? `Garden cottage ${i}` : `Home number ${i}`;
    return importRecord({
      property: {
        address: `Straat ${i}`,
        city: place.city,
        country: place.country,
        postalCode: `${place.postal} ${String.fromCharCode(65 + (i % 26))}A`,
        latitude: Math.round((place.latitude + ((i % 5) - 2) * 0.01) * 1e6) / 1e6,
        longitude: Math.round((place.longitude + ((i % 7) - 3) * 0.01) * 1e6) / 1e6,
        propertyType: types[i % 6] as PropertyType,
        livingAreaM2: i % 9 === 0 ? null : 40 + ((i * 13) % 120),
        bedrooms,
        rooms: bedrooms + 1,
        bathrooms: [1, 1.5, 2, 2.5][i % 4] as number,
        energyLabel: i % 7 === 0 ? null : (labels[i % 10] as EnergyLabel),
        features,
      },
      listing: {
        kind,
        status,
        title,
        description,
        askingPrice: { amountMinor: price, currency: 'EUR' },
        publishedAt: status === 'draft' ? undefined : new Date(Date.UTC(2026, 0, 1 + (i % 30), 9)),
        ...(status === 'sold' || status === 'rented' || status === 'withdrawn' ? { closedAt: new Date('2026-02-20T12:00:00.000Z') } : {}),
      },
      externalRef: `search-test:${i}`,
    });
  });
}

beforeAll(async () => {
  domus = await createTestDomus();
  const owner = await signUp(domus);
  orgId = await createOrganization(domus, owner);
  const records = dataset();
  const result = await domus.modules.listings.service.bulkImport(orgId, records, { batchSize: 40 });
  expect(result.created).toBe(records.length);
  records.forEach((record, index) => {
    const { property, listing } = record;
    all.push({
      id: result.listingIds[index] as string,
      kind: listing.kind,
      status: listing.status,
      propertyType: property.propertyType,
      price: listing.askingPrice.amountMinor,
      bedrooms: property.bedrooms as number,
      bathrooms: property.bathrooms as number,
      rooms: property.rooms as number,
      area: property.livingAreaM2,
      energy: property.energyLabel,
      country: property.country,
      postalCode: property.postalCode,
      latitude: property.latitude,
      longitude: property.longitude,
      publishedAt: listing.publishedAt?.toISOString() ?? '',
      text: `${listing.title} ${listing.description} ${property.features.join(' ')}`.toLowerCase(),
    });
  });
  void asUser;
});
afterAll(async () => {
  await domus?.close();
});

const isPublicDefault = (item: Expected) => item.status === 'active' || item.status === 'under_offer';
const byId = (a: Expected, b: Expected) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const sorts = {
  newest: (a: Expected, b: Expected) => b.publishedAt.localeCompare(a.publishedAt) || -byId(a, b),
  price_asc: (a: Expected, b: Expected) => a.price - b.price || byId(a, b),
  price_desc: (a: Expected, b: Expected) => b.price - a.price || -byId(a, b),
  area_desc: (a: Expected, b: Expected) => (b.area ?? 0) - (a.area ?? 0) || -byId(a, b),
};

function haversineKm(latitude: number, longitude: number, item: Expected): number {
  const radians = (degrees: number) => (degrees * Math.PI) / 180;
  const h = Math.sin(radians(item.latitude - latitude) / 2) ** 2 + Math.cos(radians(latitude)) * Math.cos(radians(item.latitude)) * Math.sin(radians(item.longitude - longitude) / 2) ** 2;
  return 2 * 6371.0088 * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Every page of a search, checking that pages neither repeat nor skip a listing. */
async function everyPage(query: string, limit = 4): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  for (let guard = 0; guard < 100; guard++) {
    const response = await call(domus, anonymous, 'GET', `/listings?${query}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    expect(response.statusCode, response.body).toBe(200);
    const page = response.json() as { items: { id: string }[]; nextCursor: string | null };
    expect(page.items.length).toBeLessThanOrEqual(limit);
    ids.push(...page.items.map((item) => item.id));
    cursor = page.nextCursor;
    if (!cursor) break;
    expect(page.items).toHaveLength(limit);
  }
  expect(new Set(ids).size, 'no listing appears twice').toBe(ids.length);
  return ids;
}

describe('search filters', () => {
  const inBox = (item: Expected, [minLng, minLat, maxLng, maxLat]: BoundingBox) =>
    item.longitude >= minLng && item.longitude <= maxLng && item.latitude >= minLat && item.latitude <= maxLat;
  const amsterdam: BoundingBox = [4.85, 52.35, 4.91, 52.39];
  const cases: { query: string; keep: (item: Expected) => boolean }[] = [
    { query: '', keep: isPublicDefault },
    { query: 'status=sold,rented', keep: (item) => item.status === 'sold' || item.status === 'rented' },
    { query: 'status=active', keep: (item) => item.status === 'active' },
    { query: 'kind=rent', keep: (item) => isPublicDefault(item) && item.kind === 'rent' },
    { query: 'propertyType=house,villa', keep: (item) => isPublicDefault(item) && ['house', 'villa'].includes(item.propertyType) },
    { query: 'minPrice=300000&maxPrice=40000000', keep: (item) => isPublicDefault(item) && item.price >= 300_000 && item.price <= 40_000_000 },
    { query: 'minBedrooms=3', keep: (item) => isPublicDefault(item) && item.bedrooms >= 3 },
    { query: 'minBathrooms=2', keep: (item) => isPublicDefault(item) && item.bathrooms >= 2 },
    { query: 'minRooms=5', keep: (item) => isPublicDefault(item) && item.rooms >= 5 },
    { query: 'minArea=60&maxArea=100', keep: (item) => isPublicDefault(item) && item.area !== null && item.area >= 60 && item.area <= 100 },
    { query: 'energyLabel=A,B,C', keep: (item) => isPublicDefault(item) && ['A', 'B', 'C'].includes(item.energy ?? '') },
    { query: 'country=de', keep: (item) => isPublicDefault(item) && item.country === 'DE' },
    { query: 'postalCode=3511', keep: (item) => isPublicDefault(item) && item.postalCode.startsWith('3511') },
    { query: `bbox=${amsterdam.join(',')}`, keep: (item) => isPublicDefault(item) && inBox(item, amsterdam) },
    { query: 'near=52.09,5.12&radiusKm=2', keep: (item) => isPublicDefault(item) && haversineKm(52.09, 5.12, item) <= 2 },
    { query: 'q=sauna', keep: (item) => isPublicDefault(item) && item.text.includes('sauna') },
    { query: 'q=gardens', keep: (item) => isPublicDefault(item) && item.text.includes('garden') },
    { query: 'q=garden%20-sauna', keep: (item) => isPublicDefault(item) && item.text.includes('garden') && !item.text.includes('sauna') },
    {
      query: `kind=sale&propertyType=house,villa&minBedrooms=1&maxPrice=70000000&bbox=4.8,52.0,5.2,52.5`,
      keep: (item) => isPublicDefault(item) && item.kind === 'sale' && ['house', 'villa'].includes(item.propertyType) && item.bedrooms >= 1 && item.price <= 70_000_000 && inBox(item, [4.8, 52.0, 5.2, 52.5]),
    },
  ];

  it.each(cases)('filters $query exactly like the reference predicate', async ({ query, keep }) => {
    const expected = all.filter(keep).sort(sorts.newest).map((item) => item.id);
    const actual = await everyPage(`${query}${query.includes('q=') ? '&sort=newest' : ''}`, 7);
    expect(expected.length, 'the case must select something').toBeGreaterThan(0);
    expect(expected.length, 'the case must filter something out').toBeLessThan(all.length);
    expect(actual).toEqual(expected);
  });

  it('never shows drafts or withdrawn listings', async () => {
    const ids = await everyPage('status=active,under_offer,sold,rented', 25);
    const hidden = all.filter((item) => item.status === 'draft' || item.status === 'withdrawn').map((item) => item.id);
    expect(hidden.length).toBeGreaterThan(0);
    expect(ids.filter((id) => hidden.includes(id))).toEqual([]);
    expect(ids).toHaveLength(all.length - hidden.length);
  });

  it('embeds the property and photos in each item', async () => {
    const response = await call(domus, anonymous, 'GET', '/listings?limit=1');
    const [item] = response.json().items;
    expect(item).toMatchObject({ isSynthetic: true, photos: [], property: { country: expect.any(String), features: expect.any(Array) } });
    expect(item.property.id).toBe(item.propertyId);
  });
});

describe('search order and pagination', () => {
  it.each(Object.keys(sorts) as (keyof typeof sorts)[])('walks every page of sort=%s with no duplicates or gaps', async (sort) => {
    const expected = all.filter(isPublicDefault).sort(sorts[sort]).map((item) => item.id);
    for (const limit of [1, 5, 100]) expect(await everyPage(`sort=${sort}`, limit)).toEqual(expected);
  });

  it('sorts by great-circle distance from near', async () => {
    const expected = all
      .filter((item) => isPublicDefault(item) && haversineKm(52.37, 4.89, item) <= 60)
      .sort((a, b) => haversineKm(52.37, 4.89, a) - haversineKm(52.37, 4.89, b) || byId(a, b))
      .map((item) => item.id);
    expect(expected.length).toBeGreaterThan(20);
    expect(await everyPage('near=52.37,4.89&radiusKm=60&sort=distance', 4)).toEqual(expected);
  });

  it('ranks title matches above description matches and pages by relevance', async () => {
    const ids = await everyPage('q=garden', 3);
    const expected = all.filter((item) => isPublicDefault(item) && item.text.includes('garden'));
    expect(new Set(ids)).toEqual(new Set(expected.map((item) => item.id)));
    const titled = new Set(expected.filter((item) => item.text.startsWith('garden cottage')).map((item) => item.id));
    expect(titled.size).toBeGreaterThan(0);
    expect(ids.slice(0, titled.size).every((id) => titled.has(id))).toBe(true);
  });

  it('refuses a cursor from another search', async () => {
    const first = await call(domus, anonymous, 'GET', '/listings?sort=newest&limit=2');
    const cursor = encodeURIComponent(first.json().nextCursor);
    expectProblem(await call(domus, anonymous, 'GET', `/listings?sort=price_asc&limit=2&cursor=${cursor}`), 400, 'INVALID_CURSOR', 'query.cursor');
    expectProblem(await call(domus, anonymous, 'GET', `/listings?sort=newest&kind=rent&cursor=${cursor}`), 400, 'INVALID_CURSOR', 'query.cursor');
    expect((await call(domus, anonymous, 'GET', `/listings?sort=newest&limit=5&cursor=${cursor}`)).statusCode).toBe(200);
  });

  it('gives the same pages whichever way a map box is walked (spatial, cells or ordered)', async () => {
    const repository = new SearchRepository(domus.platform.db.withTables<ListingsTables>());
    const box: BoundingBox = [4.8, 52.0, 5.2, 52.5];
    const filters = { statuses: ['active', 'under_offer'] as ('active' | 'under_offer')[], bbox: box };
    const cells = geoCellsOf(box);
    expect(cells?.length).toBeGreaterThan(1);
    for (const sort of ['newest', 'price_asc', 'price_desc', 'area_desc'] as const) {
      const walk = async (access: BoxAccess) => {
        const ids: string[] = [];
        let after: { key: string | number; id: string } | undefined;
        for (;;) {
          const rows = await repository.page(filters, sort, after, 3, access);
          ids.push(...rows.map((row) => row.id));
          const last = rows.at(-1);
          if (rows.length < 3 || !last) break;
          after = { key: last.sort_key instanceof Date ? last.sort_key.toISOString() : Number(last.sort_key), id: last.id };
        }
        return ids;
      };
      const spatial = await walk('spatial');
      expect(spatial.length).toBeGreaterThan(10);
      expect(await walk('ordered'), `${sort} ordered`).toEqual(spatial);
      expect(await walk({ cells: cells as number[] }), `${sort} cells`).toEqual(spatial);
    }
    const small: BoundingBox = [5.0, 52.0, 5.2, 52.2];
    const oneCell = geoCellsOf(small) as number[];
    expect(oneCell).toHaveLength(1);
    const smallFilters = { ...filters, bbox: small };
    const viaCell = await repository.page(smallFilters, 'price_asc', undefined, 50, { cells: oneCell });
    expect(viaCell.map((row) => row.id)).toEqual((await repository.page(smallFilters, 'price_asc', undefined, 50, 'spatial')).map((row) => row.id));
    expect(viaCell.length).toBeGreaterThan(3);
  });

  it('numbers grid cells the same way in SQL and TypeScript', async () => {
    const points = [[52.37, 4.89], [-33.87, 151.21], [40.7, -74.0], [0, 0], [-0.01, -0.01], [89.99, 179.99], [-90, -180], [52.25, 13.5]] as const;
    for (const [latitude, longitude] of points) {
      const result = await sql<{ cell: number }>`SELECT listings_geo_cell(${latitude}::float8, ${longitude}::float8) AS cell`.execute(domus.platform.db);
      expect(result.rows[0]?.cell, `${latitude},${longitude}`).toBe(geoCell(latitude, longitude));
    }
    const stored = await sql<{ geo_cell: number; latitude: number; longitude: number }>`
      SELECT l.geo_cell, p.latitude, p.longitude FROM listings l JOIN properties p ON p.id = l.property_id LIMIT 20`.execute(domus.platform.db);
    for (const row of stored.rows) expect(row.geo_cell).toBe(geoCell(row.latitude, row.longitude));
  });

  it('walks sparse boxes spatially, city boxes by cells and large dense regions in sort order', async () => {
    const city: BoundingBox = [4.8, 52.33, 4.98, 52.42];
    const region: BoundingBox = [3.0, 50.0, 8.0, 54.0];
    expect(chooseBoxAccess('newest', [city], 200, 80_000, 20)).toBe('spatial');
    expect(chooseBoxAccess('price_asc', [city], 9_000, 80_000, 20)).toEqual({ cells: geoCellsOf(city) });
    expect(chooseBoxAccess('distance', [city], 9_000, 80_000, 20)).toBe('spatial');
    expect(chooseBoxAccess('area_desc', [city], 1_000, 80_000, 20)).toBe('spatial');
    expect(chooseBoxAccess('newest', [region], 30_000, 80_000, 20)).toBe('ordered');
    expect(chooseBoxAccess('price_asc', [region], 2_000, 80_000, 20)).toBe('spatial');
    const grid = new DensityGrid(async () => [{ latitude_cell: 2615, longitude_cell: 240, count: 100 }], domus.clock, domus.platform.logger);
    await grid.ensureFresh();
    expect(grid.estimate([4.8, 52.3, 4.82, 52.32])).toBeCloseTo(100);
    expect(grid.estimate([4.81, 52.3, 4.82, 52.32])).toBeCloseTo(50);
    expect(grid.estimate([-10, 40, 20, 60])).toBeCloseTo(100);
    expect(grid.estimate([5.0, 52.3, 5.1, 52.4])).toBe(0);
  });
});

describe('micro-cache', () => {
  it('answers a repeated search from memory for two seconds, and at once after a write through the module', async () => {
    const query = '/listings?country=DE&sort=price_asc&limit=3';
    const first = await call(domus, anonymous, 'GET', query);
    const [cheapest] = first.json().items as { id: string; title: string }[];
    // A change behind the module's back (as by another node) shows once the entry expires.
    await sql`UPDATE listings SET title = title || ' (edited elsewhere)' WHERE id = ${cheapest?.id}`.execute(domus.platform.db);
    expect((await call(domus, anonymous, 'GET', query)).body).toBe(first.body);
    domus.clock.advance(2_001);
    expect((await call(domus, anonymous, 'GET', query)).json().items[0].title).toBe(`${cheapest?.title} (edited elsewhere)`);
    // A write through the module clears the cache on this node immediately.
    await domus.modules.listings.service.bulkImport(orgId, [importRecord({ externalRef: 'cache:1', property: { country: 'DE', city: 'Berlin' }, listing: { askingPrice: { amountMinor: 1, currency: 'EUR' } } })]);
    // (It is German and cheaper than anything else: later tests only look at NL listings.)
    const fresh = await call(domus, anonymous, 'GET', query);
    expect(fresh.json().items[0].askingPrice.amountMinor).toBe(1);
  });
});

describe('facets', () => {
  it('counts per property type, kind, bedrooms, energy label and price band for the same filters', async () => {
    const response = await call(domus, anonymous, 'GET', '/listings?country=NL&facets=true&limit=1');
    expect(response.statusCode).toBe(200);
    const matching = all.filter((item) => isPublicDefault(item) && item.country === 'NL');
    const count = (key: (item: Expected) => string | null) => {
      const counts: Record<string, number> = {};
      for (const item of matching) {
        const value = key(item);
        if (value !== null) counts[value] = (counts[value] ?? 0) + 1;
      }
      return counts;
    };
    const band = (price: number) => {
      const index = priceBandBounds.findLastIndex((lower) => price >= lower);
      const upper = priceBandBounds[index + 1];
      return upper === undefined ? `${priceBandBounds[index]}+` : `${priceBandBounds[index]}-${upper}`;
    };
    expect(response.json().facets).toEqual({
      propertyType: count((item) => item.propertyType),
      kind: count((item) => item.kind),
      bedrooms: count((item) => (item.bedrooms >= 5 ? '5+' : String(item.bedrooms))),
      energyLabel: count((item) => item.energy),
      priceBands: count((item) => band(item.price)),
    });
    expect((await call(domus, anonymous, 'GET', '/listings?limit=1')).json().facets).toBeUndefined();
  });
});

describe('bulk import', () => {
  it('is idempotent by externalRef, skips duplicates within an import and keeps the price history', async () => {
    const before = await snapshot(domus);
    const records = [
      importRecord({
        externalRef: 'bulk:1',
        priceHistory: [{ price: { amountMinor: 60_000_000, currency: 'EUR' }, changedAt: new Date('2026-02-01T10:00:00.000Z') }],
      }),
      importRecord({ externalRef: 'bulk:2', listing: { status: 'draft', publishedAt: undefined } }),
      importRecord({ externalRef: 'bulk:1' }),
      importRecord({}),
    ];
    const first = await domus.modules.listings.service.bulkImport(orgId, records);
    expect(first).toMatchObject({ created: 3, skippedExisting: 1 });
    const again = await domus.modules.listings.service.bulkImport(orgId, records.slice(0, 2));
    expect(again).toEqual({ created: 0, skippedExisting: 2, listingIds: [] });
    const after = await snapshot(domus);
    expect(after.listings - before.listings).toBe(3);
    expect(after.properties - before.properties).toBe(3);
    const history = await domus.modules.listings.service.priceHistory(null, first.listingIds[0] as string);
    expect(history.items.map((item) => item.price.amountMinor)).toEqual([60_000_000, 55_000_000]);
    expect(await domus.modules.listings.service.countListings()).toBe(after.listings);
  });

  it('names the record and field of a bad record and writes nothing', async () => {
    const before = await snapshot(domus);
    const records = [
      importRecord({ externalRef: 'bad:0' }),
      importRecord({ externalRef: 'bad:1', listing: { kind: 'rent', status: 'sold' } }),
    ];
    await expect(domus.modules.listings.service.bulkImport(orgId, records)).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [{ path: 'records.1.listing.status', message: expect.stringContaining('sold is only for sale') }],
    });
    await expect(domus.modules.listings.service.bulkImport(orgId, [importRecord({ property: { latitude: 91 } })])).rejects.toMatchObject({
      errors: [{ path: 'records.0.property.latitude' }],
    });
    await expect(domus.modules.listings.service.bulkImport(orgId, [{ ...importRecord(), colour: 'red' } as ImportRecord])).rejects.toMatchObject({
      errors: [{ path: 'records.0.colour' }],
    });
    expect(await snapshot(domus)).toEqual(before);
  });
});
