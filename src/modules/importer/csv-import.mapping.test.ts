import { describe, expect, it } from 'vitest';
import { compileMapping, MappingError, parseMapping, type RowOutcome } from './csv-import.mapping';
import { findPreset } from './csv-import.presets';
import type { ImportRecord } from './listings-contract';

const agencyExport = {
  name: 'acme-export',
  decimal: ',',
  fields: {
    externalRef: { template: 'acme:{Ref}' },
    address: { column: 'Street' },
    city: { column: 'Town' },
    country: { value: 'NL' },
    postalCode: { column: 'Zip' },
    latitude: { column: 'Lat', decimal: '.' },
    longitude: { column: 'Lng', decimal: '.' },
    propertyType: { column: 'Type', values: { appartement: 'apartment', woonhuis: 'house' } },
    livingAreaM2: { column: 'Size sqft', unit: 'sqft' },
    bedrooms: { column: 'Beds' },
    energyLabel: { column: 'Label', nullIf: ['?'] },
    currency: { value: 'EUR' },
    askingPrice: { column: 'Price' },
    publishedAt: { column: 'Listed', format: 'dd-mm-yyyy' },
  },
  features: [
    { column: 'Garden', feature: 'garden', when: 'truthy' },
    { column: 'Extras', split: ';' },
  ],
  attributes: { floor: { column: 'Floor', type: 'integer' } },
};
const header = ['Ref', 'Street', 'Town', 'Zip', 'Lat', 'Lng', 'Type', 'Size sqft', 'Beds', 'Label', 'Price', 'Listed', 'Garden', 'Extras', 'Floor'];
const good = ['A-1', 'Lindengracht 12', 'Amsterdam', '1015 KL', '52.3781', '4.8843', 'Appartement', '1.000', '2', 'B', '€ 450.000,-', '01-02-2026', 'ja', 'Roof terrace; Lift', '3'];

const record = (outcome: RowOutcome): ImportRecord => {
  if (!outcome.ok) throw new Error(`rejected: ${outcome.reason}`);
  return outcome.record;
};

describe('mapping files', () => {
  it('maps a row with unit conversion, value translation, price and date parsing, features and attributes', () => {
    const mapRow = compileMapping(parseMapping(agencyExport), header);
    const result = record(mapRow(good));
    expect(result.externalRef).toBe('acme:A-1');
    expect(result.property).toMatchObject({
      address: 'Lindengracht 12',
      city: 'Amsterdam',
      country: 'NL',
      postalCode: '1015 KL',
      latitude: 52.3781,
      longitude: 4.8843,
      propertyType: 'apartment',
      livingAreaM2: 92.9,
      bedrooms: 2,
      energyLabel: 'B',
      features: ['garden', 'roof_terrace', 'lift'],
      attributes: { floor: 3 },
    });
    expect(result.listing).toMatchObject({
      kind: 'sale',
      status: 'active',
      title: 'Apartment in Amsterdam',
      askingPrice: { amountMinor: 45_000_000, currency: 'EUR' },
      publishedAt: new Date('2026-02-01T00:00:00.000Z'),
    });
    expect(result.isSynthetic).toBe(false);
  });

  it('rejects a bad row with a reason naming the column and the value', () => {
    const mapRow = compileMapping(parseMapping(agencyExport), header);
    const bad = (column: string, value: string) => {
      const cells = [...good];
      cells[header.indexOf(column)] = value;
      const outcome = mapRow(cells);
      return outcome.ok ? 'accepted' : outcome.reason;
    };
    expect(bad('Price', 'on request')).toBe('column "Price" (askingPrice): "on request" is not a number');
    expect(bad('Listed', '31-02-2026')).toBe('column "Listed" (publishedAt): "31-02-2026" is not a valid date');
    expect(bad('Type', 'castle')).toBe('propertyType from column "Type" is "castle"; expected one of apartment, house, townhouse, villa, land, commercial (translate other words with "values")');
    expect(bad('Street', '')).toBe('address is empty (column "Street")');
    expect(bad('Lat', '123.4')).toBe('latitude is 123.4; expected -90 to 90');
    expect(bad('Beds', '2,5')).toBe('column "Beds" (bedrooms): "2,5" is not a whole number');
    expect(bad('Label', '?')).toBe('accepted');
  });

  it('derives a stable reference from the cells when the mapping names none', () => {
    const { externalRef: _ignored, ...fields } = agencyExport.fields;
    const mapRow = compileMapping(parseMapping({ ...agencyExport, fields }), header);
    const first = record(mapRow(good)).externalRef;
    expect(first).toMatch(/^acme-export:[0-9a-f]{24}$/);
    expect(record(mapRow([...good])).externalRef).toBe(first);
    expect(record(mapRow(good.map((cell) => (cell === 'B' ? 'C' : cell)))).externalRef).not.toBe(first);
  });

  it('refuses a mapping that misses a required field or names an unknown one', () => {
    const { askingPrice: _price, ...withoutPrice } = agencyExport.fields;
    expect(() => parseMapping({ ...agencyExport, fields: withoutPrice })).toThrow(/does not say where askingPrice comes from/);
    expect(() => parseMapping({ ...agencyExport, fields: { ...agencyExport.fields, colour: { value: 'red' } } })).toThrow(MappingError);
    expect(() => parseMapping({ ...agencyExport, fields: { ...agencyExport.fields, livingAreaM2: { column: 'x', unit: 'furlong' } } })).toThrow(/fields\.livingAreaM2/);
  });

  it('aborts at once when a mapped column is missing from the header, naming it and its target', () => {
    const mapping = parseMapping(agencyExport);
    expect(() => compileMapping(mapping, header.filter((name) => name !== 'Size sqft'))).toThrow(
      /The CSV has no column "Size sqft" \(mapped to livingAreaM2\)\. Its header has: Ref, Street/,
    );
  });
});

describe('the kc-house-sales preset', () => {
  const kcHeader = 'id,date,price,bedrooms,bathrooms,sqft_living,sqft_lot,floors,waterfront,view,condition,grade,sqft_above,sqft_basement,yr_built,yr_renovated,zipcode,lat,long,sqft_living15,sqft_lot15'.split(',');
  const preset = findPreset('kc-house-sales');
  const mapRow = compileMapping(preset.mapping, kcHeader, preset.refine);

  it('maps a sale into a sold USD listing with converted areas, features and attributes', () => {
    const row = '6414100192,20141209T000000,538000,3,2.25,2570,7242,2,0,0,3,7,2170,400,1951,1991,98125,47.721,-122.319,1690,7639'.split(',');
    const result = record(mapRow(row));
    expect(result.externalRef).toBe('kc-house-sales:6414100192:20141209');
    expect(result.isSynthetic).toBe(false);
    expect(result.property).toMatchObject({
      address: 'Parcel 6414100192',
      city: 'King County, WA',
      country: 'US',
      postalCode: '98125',
      latitude: 47.721,
      longitude: -122.319,
      propertyType: 'house',
      livingAreaM2: 238.76,
      plotAreaM2: 672.8,
      bedrooms: 3,
      bathrooms: 2.25,
      yearBuilt: 1951,
      yearRenovated: 1991,
      features: ['basement'],
      attributes: { grade: 7, condition: 3, view: 0, floors: 2, sqft_living15: 1690, sqft_lot15: 7639 },
    });
    const sold = new Date('2014-12-09T00:00:00.000Z');
    expect(result.listing).toMatchObject({
      kind: 'sale',
      status: 'sold',
      askingPrice: { amountMinor: 53_800_000, currency: 'USD' },
      closingPrice: { amountMinor: 53_800_000, currency: 'USD' },
      publishedAt: sold,
      closedAt: sold,
      title: '3-bedroom house in King County, WA 98125 (sold 2014-12-09)',
    });
    expect(result.listing.description).toContain('no street addresses');
  });

  it('reads scientific-notation prices, leaves yearRenovated empty when 0, and adds waterfront and view', () => {
    const row = '822039084,20150311T000000,1.35E+06,3,2.75,2753,65005,1,1,2,5,9,2165,588,1953,0,98070,47.4041,-122.451,2680,72513'.split(',');
    const result = record(mapRow(row));
    expect(result.listing.askingPrice.amountMinor).toBe(135_000_000);
    expect(result.property.yearRenovated).toBeNull();
    expect(result.property.features).toEqual(['waterfront', 'view', 'basement']);
  });
});
