import { describe, expect, it } from 'vitest';
import { haversineKm, KnnIndex } from './knn.js';
import { matrixFromRows } from './matrix.js';
import { createRng } from './random.js';

describe('KnnIndex', () => {
  it('finds the nearest rows on standardised features, nearest first', () => {
    // Square feet (~1000s) and bedrooms (~1s): without standardising, bedrooms would not count.
    const x = matrixFromRows([
      [1000, 2],
      [1010, 5],
      [1500, 2],
      [2000, 4],
      [1020, 2],
    ]);
    const index = KnnIndex.fit(x);
    const found = index.query([1005, 2], 2);
    expect(found.map((n) => n.index)).toEqual([0, 4]);
    expect(found[0]!.distance).toBeLessThan(found[1]!.distance);
  });

  it('agrees with a brute-force sort, honours filters, weights and missing values', () => {
    const rng = createRng(3);
    const rows = Array.from({ length: 300 }, () => [rng.next() * 100, rng.next(), rng.next() * 10]);
    const x = matrixFromRows(rows);
    const index = KnnIndex.fit(x, [1, 2, 0]);
    const q = [50, 0.5, 3];
    const sd = [0, 1, 2].map((j) => {
      const col = rows.map((r) => r[j]!);
      const m = col.reduce((a, b) => a + b) / col.length;
      return Math.sqrt(col.reduce((a, b) => a + (b - m) ** 2, 0) / col.length);
    });
    const dist = (r: number[]): number => Math.hypot((r[0]! - q[0]!) / sd[0]!, (2 * (r[1]! - q[1]!)) / sd[1]!);
    const expected = rows.map((r, i) => ({ i, d: dist(r) })).sort((a, b) => a.d - b.d).slice(0, 10);
    const got = index.query(q, 10);
    expect(got.map((n) => n.index)).toEqual(expected.map((e) => e.i));
    got.forEach((n, r) => expect(n.distance).toBeCloseTo(expected[r]!.d, 9));
    const even = index.query(q, 5, { filter: (i) => i % 2 === 0 });
    expect(even.every((n) => n.index % 2 === 0)).toBe(true);
    // A missing feature is imputed with the mean: it adds nothing to any distance.
    const partial = index.query([NaN, 0.5, 3], 3);
    expect(partial).toHaveLength(3);
    expect(Number.isFinite(partial[0]!.distance)).toBe(true);
  });

  it('haversine gives known great-circle distances', () => {
    // Seattle (47.6062, −122.3321) to Tacoma (47.2529, −122.4443): about 40.2 km.
    expect(haversineKm(47.6062, -122.3321, 47.2529, -122.4443)).toBeCloseTo(40.2, 0);
    expect(haversineKm(0, 0, 0, 180)).toBeCloseTo(Math.PI * 6371.0088, 6);
    expect(haversineKm(10, 10, 10, 10)).toBe(0);
  });
});
