import { existsSync } from 'node:fs';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDomus, type TestDomus } from '../../../test/support/harness';
import { MappingError } from './csv-import.mapping';
import { CsvImportError, importCsv } from './csv-import.service';
import { importerAccount } from './importer.accounts';

const mapping = {
  name: 'test-agency',
  fields: {
    externalRef: { template: 'test:{ref}' },
    address: { column: 'street' },
    city: { column: 'city' },
    country: { value: 'NL' },
    postalCode: { column: 'zip' },
    latitude: { column: 'lat' },
    longitude: { column: 'lng' },
    propertyType: { column: 'type' },
    livingAreaM2: { column: 'sqft', unit: 'sqft' },
    kind: { column: 'kind' },
    status: { column: 'status' },
    title: { column: 'title' },
    currency: { value: 'EUR' },
    askingPrice: { column: 'price' },
    closingPrice: { column: 'sold_for' },
    publishedAt: { column: 'listed', format: 'yyyymmdd' },
  },
};

const header = 'ref,street,city,zip,lat,lng,type,sqft,kind,status,title,price,sold_for,listed';
const lines = [
  header, //                                                                                  line 1
  'A1,Kade 1,Utrecht,3511 AA,52.09,5.12,apartment,861,sale,active,Canal flat,350000,,20260110', // 2
  'A2,Kade 2,Utrecht,3511 AB,52.09,5.12,house,1500,sale,active,House,on request,,20260110', //   3: bad price
  'A3,Kade 3,Utrecht,3511 AC,52.09,5.12,house,1500,sale', //                                    4: too few fields
  'A4,"Kade 4,', //                                                                              5: quoted address over two lines
  'corner",Utrecht,3511 AD,52.09,5.12,house,1200,sale,active,Corner house,420000,,20260111', //  6
  'A5,Kade 5,Utrecht,3511 AE,52.09,5.12,house,1200,rent,sold,Odd,1500,1500,20260111', //        7: refused by listings (a rent listing cannot be sold)
  'A1,Kade 1,Utrecht,3511 AA,52.09,5.12,apartment,861,sale,active,Canal flat again,350000,,20260110', // 8: same ref as line 2
  'A6,Kade 6,Utrecht,3511 AF,52.09,5.12,villa,3000,sale,sold,Villa,900000,880000,20251201', //   9
];
const csv = `${lines.join('\n')}\n`;

let domus: TestDomus;
beforeAll(async () => {
  domus = await createTestDomus();
});
afterAll(async () => {
  await domus?.close();
});

describe('CSV import', () => {
  it('imports good rows, rejects bad ones with line numbers and reasons, and imports nothing new the second time', async () => {
    const progress: number[] = [];
    const summary = await importCsv(domus, {
      source: Readable.from([csv]),
      mapping,
      organizationName: 'Utrecht Test Makelaars',
      batchSize: 2,
      onProgress: (step) => progress.push(step.rowsRead),
    });
    expect(summary).toMatchObject({ rowsRead: 7, imported: 3, skippedExisting: 0, rejected: 4, organizationName: 'Utrecht Test Makelaars', mapping: 'test-agency' });
    expect(summary.rejections).toEqual([
      { line: 3, reason: 'column "price" (askingPrice): "on request" is not a number' },
      { line: 4, reason: 'has 9 fields; the header has 14' },
      { line: 7, reason: 'listing.status: sold is only for sale listings; a rent listing ends as rented' },
      { line: 8, reason: 'repeats the row on line 2 (same reference test:A1)' },
    ]);
    expect(progress.length).toBeGreaterThan(1);

    const organization = await domus.modules.identity.service.findOrganization('utrecht-test-makelaars');
    expect(organization?.id).toBe(summary.organizationId);
    const importer = await domus.modules.identity.service.findUserByEmail(importerAccount.email);
    expect((await domus.modules.identity.service.memberships(importer?.id ?? ''))[0]).toMatchObject({ organizationId: summary.organizationId, role: 'owner' });

    const again = await importCsv(domus, { source: Readable.from([csv]), mapping, organizationId: 'utrecht-test-makelaars' });
    expect(again).toMatchObject({ rowsRead: 7, imported: 0, skippedExisting: 3, rejected: 4, organizationId: summary.organizationId });
  });

  it('stores converted values and the multi-line field intact', async () => {
    const search = await domus.app.inject({ method: 'GET', url: '/api/v1/listings?limit=50' });
    const items = (search.json() as { items: { id: string; title: string }[] }).items;
    const corner = items.find((item) => item.title === 'Corner house');
    const listing = await domus.modules.listings.service.findListing(corner?.id ?? '');
    expect(listing).toMatchObject({ isSynthetic: false, askingPrice: { amountMinor: 42_000_000, currency: 'EUR' } });
    expect(JSON.stringify(listing)).toContain('Kade 4,\\ncorner');
    const flat = items.find((item) => item.title === 'Canal flat');
    expect(JSON.stringify(await domus.modules.listings.service.findListing(flat?.id ?? ''))).toContain('79.99');
  });

  it('aborts before writing anything when a mapped column is missing, naming it', async () => {
    const before = await domus.modules.listings.service.countListings();
    const withoutSqft = csv.replace('sqft', 'size');
    await expect(importCsv(domus, { source: Readable.from([withoutSqft]), mapping, organizationName: 'Utrecht Test Makelaars' })).rejects.toThrow(
      new MappingError(`The CSV has no column "sqft" (mapped to livingAreaM2). Its header has: ${header.replace('sqft', 'size').split(',').join(', ')}.`),
    );
    await expect(importCsv(domus, { source: Readable.from([csv]), mapping, organizationId: 'no-such-agency' })).rejects.toThrow(CsvImportError);
    await expect(importCsv(domus, { source: '/nonexistent/file.csv', mapping, organizationName: 'X Agency' })).rejects.toThrow(/Cannot read \/nonexistent\/file\.csv/);
    expect(await domus.modules.listings.service.countListings()).toBe(before);
  });

  it('reports an unclosed quote as a rejection on the line where it opens', async () => {
    const broken = `${header}\nB1,"Kade 9,Utrecht,3511 AA,52.09,5.12,house,1000,sale,active,Open quote,300000,,20260110\nB2,Kade 10,Utrecht,3511 AA,52.09,5.12,house,1000,sale,active,Fine,300000,,20260110\n`;
    const summary = await importCsv(domus, { source: Readable.from([broken]), mapping, organizationName: 'Utrecht Test Makelaars' });
    expect(summary.imported).toBe(0);
    expect(summary.rejections).toEqual([{ line: 2, reason: expect.stringMatching(/never closed, so lines 2 to \d could not be read/) }]);
  });
});

const kcFile = '/work/shared/data/kc_house_data.csv';
const kcPath = process.env.KC_HOUSE_DATA ?? (existsSync(kcFile) ? kcFile : new URL('../../../../shared/data/kc_house_data.csv', import.meta.url).pathname);

describe.skipIf(!existsSync(kcPath))('the kc-house-sales preset on the real file', () => {
  it('imports the first 500 rows as sold USD listings, and nothing the second time', async () => {
    const summary = await importCsv(domus, { source: kcPath, preset: 'kc-house-sales', limit: 500 });
    expect(summary).toMatchObject({ rowsRead: 500, imported: 500, rejected: 0, organizationName: 'King County Records (imported)' });
    const again = await importCsv(domus, { source: kcPath, preset: 'kc-house-sales', limit: 500 });
    expect(again).toMatchObject({ imported: 0, skippedExisting: 500 });
  });
});
if (!existsSync(kcPath)) console.warn(`Skipping the kc-house-sales file test: ${kcPath} is not there (see ../shared/data/SOURCES.md).`);
