import { describe, expect, it } from 'vitest';
import { buildFeatures } from './tabular-features.js';
import { inferColumnTypes, parseDate } from './tabular-types.js';

function kinds(header: string[], rows: string[][]) {
  return Object.fromEntries(inferColumnTypes(header, rows).map((c) => [c.name, c]));
}

describe('inferColumnTypes', () => {
  const n = 30;
  const rows = Array.from({ length: n }, (_, i) => [
    String(1000 + i), // id by name
    String(i * 7 + 3), // unique but a quantity: stays numeric (not increasing? it is — see row_number)
    i % 2 === 0 ? 'yes' : 'no',
    `2014-0${(i % 9) + 1}-1${i % 10}`,
    String(98000 + (i % 4)),
    i % 5 === 0 ? 'n/a' : String(120.5 + ((i * 37) % 11)),
    i % 3 === 0 ? 'big' : String(i),
    ['flat', 'house', 'villa'][i % 3]!,
    String(47.5 + i / 100),
    String(-122.2 - i / 100),
    `ref-${(i * 7919) % 1000}`,
    '',
    String(1 + ((i * 13) % n)),
  ]);
  const header = ['id', 'row_number', 'garden', 'sold_on', 'zipcode', 'area', 'rooms', 'type', 'lat', 'long', 'listing_ref', 'notes', 'shuffled_number'];
  const types = kinds(header, rows);

  it('reads ids, booleans, dates, codes, numbers with missing cells and plain categories', () => {
    expect(types.id!.kind).toBe('id');
    expect(types.garden!.kind).toBe('boolean');
    expect(types.sold_on!.kind).toBe('date');
    expect(types.zipcode!.kind).toBe('categorical');
    expect(types.area!.kind).toBe('numeric');
    expect(types.area!.missing).toBe(6);
    expect(types.type!.kind).toBe('categorical');
    expect(types.notes!.kind).toBe('empty');
  });

  it('treats a column of numbers and words as categorical and says so', () => {
    expect(types.rooms!.kind).toBe('categorical');
    expect(types.rooms!.note).toMatch(/mixed types: 20 numeric and 10 non-numeric/);
  });

  it('finds coordinates by name and range, and ids by uniqueness', () => {
    expect(types.lat!.coordinate).toBe('latitude');
    expect(types.long!.coordinate).toBe('longitude');
    expect(types.listing_ref!.kind).toBe('id');
    expect(types.row_number!.kind).toBe('id');
    expect(types.shuffled_number!.kind).toBe('id');
  });

  it('does not call a latitude column out of range a coordinate', () => {
    const t = kinds(['lat'], Array.from({ length: 5 }, (_, i) => [String(100 + i)]));
    expect(t.lat!.coordinate).toBeUndefined();
    expect(t.lat!.kind).toBe('numeric');
  });

  it('a unique non-increasing quantity stays numeric', () => {
    const t = kinds(['area'], Array.from({ length: 40 }, (_, i) => [String(((i * 37) % 41) * 10 + 55)]));
    expect(t.area!.kind).toBe('numeric');
  });
});

describe('parseDate', () => {
  it('reads the shapes sales files use and refuses impossible dates', () => {
    const day = Date.UTC(2014, 9, 13);
    expect(parseDate('2014-10-13')).toBe(day);
    expect(parseDate('20141013T000000')).toBe(day);
    expect(parseDate('2014/10/13')).toBe(day);
    expect(parseDate('13/10/2014')).toBe(day);
    expect(parseDate('10/13/2014')).toBe(day);
    expect(parseDate('2014-02-30')).toBeNaN();
    expect(parseDate('12345')).toBeNaN();
  });
});

describe('buildFeatures', () => {
  const rows: string[][] = [];
  for (let i = 0; i < 40; i++) {
    const west = i < 20;
    rows.push([String(west ? 47 + i * 1e-4 : 48 + i * 1e-4), String(-122 + (i % 5) * 1e-4), String((west ? 50 : 100) + ((i * 7) % 13))]);
  }
  const types = inferColumnTypes(['lat', 'lng', 'area'], rows);
  const pool = Uint32Array.from({ length: 30 }, (_, i) => i); // rows 30..39 are "test" rows
  const targets = (own: number) => Array.from({ length: 40 }, (_, i) => (i === 3 ? own : (i < 20 ? 12 : 13) + ((i * 7) % 10) / 10));
  const build = (own: number) => buildFeatures({ types, rows, exclude: [], logTarget: targets(own), pool, seed: 1 });

  it('adds neighbourhood levels, also per unit of the best size column', () => {
    const names = build(12).featureNames;
    expect(names).toEqual(expect.arrayContaining(['neighbourhood_level_5', 'neighbourhood_level_50', 'neighbourhood_radius_50', 'neighbourhood_level_per_area_5']));
  });

  it('computes them out of fold: a pool row never sees its own price, a test row sees the pool', () => {
    const low = build(-100);
    const high = build(100);
    const cols = low.x.cols;
    const ownRow = (m: typeof low, i: number) => Array.from(m.x.values.subarray(i * cols, (i + 1) * cols));
    expect(ownRow(high, 3)).toEqual(ownRow(low, 3));
    // A test row's largest neighbourhood holds the whole pool, row 3 included.
    expect(ownRow(high, 35)).not.toEqual(ownRow(low, 35));
    // A non-pool row's level comes from pool targets: an east test row sits at the east level.
    const level = low.featureNames.indexOf('neighbourhood_level_5');
    expect(low.x.values[35 * cols + level]).toBeGreaterThanOrEqual(13);
    expect(low.x.values[35 * cols + level]).toBeLessThan(14);
  });

  it('leaves out the target column and test-row targets', () => {
    const features = buildFeatures({ types, rows, exclude: [2], logTarget: targets(12).map((v, i) => (i >= 30 ? Number.NaN : v)), pool, seed: 1 });
    expect(features.featureNames).not.toContain('area');
    expect(features.x.values.some(Number.isNaN)).toBe(false);
  });
});
