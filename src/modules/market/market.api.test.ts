import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anonymous, asUser, call, expectProblem } from '../../../test/support/api-client';
import { createOrganization, createTestDomus, signUp, type SignedInUser, type TestDomus } from '../../../test/support/harness';
import { createRng, normal } from '../../ml/index';
import type { ImportRecord } from '../listings';

/** A synthetic city: 36 months of sales growing 0.5% a month (log), homes of 50–150 m². */
function syntheticSales(): ImportRecord[] {
  const rng = createRng(11);
  const records: ImportRecord[] = [];
  for (let month = 0; month < 36; month++) {
    for (let k = 0; k < 12; k++) {
      const area = 50 + 100 * rng.next();
      const district = k % 2 ? '1011' : '1012';
      const price = Math.round(4000 * area * Math.exp(0.005 * month + 0.05 * normal(rng)));
      const closed = new Date(Date.UTC(2023, month, 2 + k * 2));
      records.push(record(`Testdam`, `${district} AB`, area, price, new Date(closed.getTime() - (20 + k) * 86_400_000), closed, `s-${month}-${k}`));
    }
  }
  return records;
}

function record(city: string, postalCode: string, livingAreaM2: number, price: number, publishedAt: Date, closedAt: Date | null, ref: string, status: 'sold' | 'active' | 'withdrawn' = 'sold'): ImportRecord {
  return {
    property: {
      address: `Street ${ref}`, city, country: 'NL', postalCode, latitude: 52.37, longitude: 4.89, propertyType: 'apartment',
      livingAreaM2: Math.round(livingAreaM2), plotAreaM2: null, rooms: 3, bedrooms: 2, bathrooms: 1, yearBuilt: 1990, energyLabel: 'B', features: [],
    },
    listing: {
      kind: 'sale', title: `Home ${ref}`, description: 'Synthetic test sale', askingPrice: { amountMinor: price * 100, currency: 'EUR' }, status,
      publishedAt, ...(closedAt ? { closedAt } : {}), ...(status === 'sold' ? { closingPrice: { amountMinor: price * 100, currency: 'EUR' } } : {}),
    },
    isSynthetic: true,
    externalRef: `market-test:${ref}`,
  };
}

const day = (iso: string) => new Date(`${iso}T12:00:00Z`);

describe('market API', () => {
  let domus: TestDomus;
  let user: SignedInUser;
  let organizationId: string;

  beforeAll(async () => {
    domus = await createTestDomus();
    user = await signUp(domus);
    organizationId = await createOrganization(domus, user);
    const small = [
      // Hand-checkable district "2000" in Smallville, March 2025.
      record('Smallville', '2000 AA', 100, 300_000, day('2025-02-01'), day('2025-03-11'), 'a'), // sold in March after 38 days
      record('Smallville', '2000 AB', 50, 200_000, day('2025-03-05'), day('2025-03-25'), 'b'), // new and sold in March after 20 days
      record('Smallville', '2000 AC', 80, 250_000, day('2025-01-10'), null, 'c', 'active'),
      record('Smallville', '2000 AD', 90, 260_000, day('2025-03-20'), null, 'd', 'active'),
      record('Smallville', '2000 AE', 70, 240_000, day('2025-02-15'), day('2025-03-15'), 'e', 'withdrawn'),
    ];
    await domus.modules.listings.service.bulkImport(organizationId, [...syntheticSales(), ...small]);
  });
  afterAll(async () => domus?.close());

  it('lists areas with their sale counts', async () => {
    const cities = await call(domus, anonymous, 'GET', '/market/areas?level=city');
    expect(cities.statusCode, cities.body).toBe(200);
    expect(cities.json().items.map((a: { name: string }) => a.name)).toEqual(['Testdam', 'Smallville']);
    const districts = await call(domus, anonymous, 'GET', '/market/areas?level=postal');
    expect(districts.json().items.find((a: { name: string }) => a.name === '1011')).toMatchObject({ listings: 216, sold: 216 });
  });

  it('computes a hedonic index that recovers the market growth', async () => {
    const response = await call(domus, anonymous, 'GET', '/market/index?level=city&area=Testdam&frequency=month');
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({ method: 'hedonic', currency: 'EUR', basePeriod: '2023-01', salesUsed: 432, area: { level: 'city', name: 'Testdam' } });
    expect(body.points).toHaveLength(36);
    expect(body.points[0]).toMatchObject({ period: '2023-01', index: 100, sales: 12 });
    // 35 months × 0.5% (log) ≈ +19.1%; 12 noisy sales a month leave a few points of error.
    expect(body.points[35].index).toBeGreaterThan(113);
    expect(body.points[35].index).toBeLessThan(125);
    const quarterly = (await call(domus, anonymous, 'GET', '/market/index?level=postal&area=1011&frequency=quarter')).json();
    expect(quarterly.points.map((p: { period: string }) => p.period).slice(0, 2)).toEqual(['2023Q1', '2023Q2']);
    expect(quarterly.points).toHaveLength(12);
  });

  it('forecasts with intervals around the point forecast', async () => {
    const response = await call(domus, anonymous, 'GET', '/market/forecast?level=city&area=Testdam&frequency=month&horizon=6&coverage=0.8');
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    expect(body.points.map((p: { period: string }) => p.period)).toEqual(['2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06']);
    expect(body.models.length).toBeGreaterThan(0);
    for (const p of body.points) {
      expect(p.lower).toBeLessThanOrEqual(p.index);
      expect(p.upper).toBeGreaterThanOrEqual(p.index);
    }
    expect(body.points[5].upper - body.points[5].lower).toBeGreaterThan(0);
    // A rising market is forecast to keep rising rather than to fall back.
    expect(body.points[5].index).toBeGreaterThan(body.lastObserved.index * 0.97);
  });

  it('computes statistics exactly as documented', async () => {
    const response = await call(domus, anonymous, 'GET', '/market/statistics?level=postal&area=2000&frequency=month&from=2025-03&to=2025-03');
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({ currency: 'EUR', area: { level: 'postal', name: '2000' } });
    // Start of March: a, c, e on the market (3); new in March: b, d; sold: a, b; withdrawn: e; end of March: c, d.
    expect(response.json().periods).toEqual([{
      period: '2025-03', sold: 2, newListings: 2, inventory: 2,
      medianPricePerM2: 3500, // median(3000, 4000)
      medianDaysOnMarket: 29, // median(38, 20)
      absorptionRate: 0.4, // 2 / (3 + 2)
      monthsOfSupply: 1, // 2 / (2 sales per month)
    }]);
  });

  it('answers bad input with problem+json naming the parameter', async () => {
    expectProblem(await call(domus, anonymous, 'GET', '/market/index?level=city&area=Atlantis'), 404, 'MARKET_AREA_NOT_FOUND', 'query.area');
    expectProblem(await call(domus, anonymous, 'GET', '/market/index?level=city'), 400, 'VALIDATION_FAILED', 'query.area');
    expectProblem(await call(domus, anonymous, 'GET', '/market/index?frequency=week'), 400, 'VALIDATION_FAILED', 'query.frequency');
    expectProblem(await call(domus, anonymous, 'GET', '/market/forecast?horizon=13'), 400, 'VALIDATION_FAILED', 'query.horizon');
    expectProblem(await call(domus, anonymous, 'GET', '/market/forecast?coverage=1.5'), 400, 'VALIDATION_FAILED', 'query.coverage');
    expectProblem(await call(domus, anonymous, 'GET', '/market/statistics?frequency=quarter&from=2025-03'), 400, 'VALIDATION_FAILED', 'query.from');
    expectProblem(await call(domus, anonymous, 'GET', '/market/statistics?from=2025-05&to=2025-01'), 400, 'VALIDATION_FAILED', 'query.to');
    expectProblem(await call(domus, anonymous, 'GET', '/market/statistics?level=postal&area=9999'), 404, 'MARKET_AREA_NOT_FOUND', 'query.area');
    // Two sales: too few for an index, and the reason says so.
    const thin = await call(domus, anonymous, 'GET', '/market/index?level=city&area=Smallville');
    expectProblem(thin, 422, 'MARKET_DATA_INSUFFICIENT');
    expect(thin.json().detail).toContain('at least 10 sales');
    // A quarterly index of 12 points is long enough; a yearly one of 3 is not.
    expectProblem(await call(domus, anonymous, 'GET', '/market/forecast?level=city&area=Testdam&frequency=year'), 422, 'MARKET_DATA_INSUFFICIENT');
  });

  it('caches indices and recomputes when the listings change or on demand', async () => {
    const first = (await call(domus, anonymous, 'GET', '/market/index?level=postal&area=1012')).json();
    domus.clock.advance(60_000);
    const again = (await call(domus, anonymous, 'GET', '/market/index?level=postal&area=1012')).json();
    expect(again.computedAt).toBe(first.computedAt);
    await domus.modules.listings.service.bulkImport(organizationId, [record('Testdam', '1012 ZZ', 80, 400_000, day('2025-11-01'), day('2025-12-20'), 'late')]);
    domus.clock.advance(60_000);
    const after = (await call(domus, anonymous, 'GET', '/market/index?level=postal&area=1012')).json();
    expect(after.salesUsed).toBe(first.salesUsed + 1);
    expect(after.computedAt).not.toBe(first.computedAt);
    // The bus handler's work: stale cached rows are recomputed ahead of the next reader.
    await domus.modules.listings.service.bulkImport(organizationId, [record('Testdam', '1012 ZY', 90, 420_000, day('2025-11-02'), day('2025-12-21'), 'later')]);
    domus.clock.advance(60_000);
    expect(await domus.modules.market.service.refreshStale()).toBeGreaterThanOrEqual(1);
    const refreshedAt = domus.clock.now().toISOString();
    domus.clock.advance(60_000);
    const warm = (await call(domus, anonymous, 'GET', '/market/index?level=postal&area=1012')).json();
    expect(warm.salesUsed).toBe(first.salesUsed + 2);
    expect(warm.computedAt).toBe(refreshedAt);
    expect(await domus.modules.market.service.refreshStale()).toBe(0);
    expectProblem(await call(domus, anonymous, 'POST', '/market/recompute', {}), 401, 'UNAUTHENTICATED');
    const recompute = await call(domus, asUser(user), 'POST', '/market/recompute', {});
    expect(recompute.statusCode, recompute.body).toBe(200);
    expect(recompute.json().recomputed).toBeGreaterThanOrEqual(3);
  });
});
