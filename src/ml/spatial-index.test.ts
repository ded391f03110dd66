import { describe, expect, it } from 'vitest';
import { createRng } from './random.js';
import { SpatialIndex } from './spatial-index.js';

describe('SpatialIndex', () => {
  it('finds exactly the k nearest points of a brute-force search, nearest first', () => {
    const rng = createRng(7);
    const n = 3000;
    const lat = new Float64Array(n);
    const lng = new Float64Array(n);
    // Clustered and sparse areas, so rings of very different fill are searched.
    for (let i = 0; i < n; i++) {
      lat[i] = 47 + rng.next() * (i % 3 === 0 ? 0.05 : 0.8);
      lng[i] = -122 + rng.next() * (i % 3 === 0 ? 0.05 : 0.6);
    }
    const index = SpatialIndex.build(lat, lng);
    const cos = Math.cos(((lat.reduce((a, b) => a + b, 0) / n) * Math.PI) / 180);
    for (let q = 0; q < 200; q++) {
      const qa = 46.7 + rng.next() * 1.4; // some queries fall outside the grid
      const qb = -122.3 + rng.next() * 1.2;
      const got = index.nearest(qa, qb, 12);
      const expected = Array.from({ length: n }, (_, i) => ({ i, d: (lat[i]! - qa) ** 2 + ((lng[i]! - qb) * cos) ** 2 }))
        .sort((a, b) => a.d - b.d || a.i - b.i)
        .slice(0, 12);
      expect(got.map((g) => g.index)).toEqual(expected.map((e) => e.i));
      expect(got[0]!.km).toBeCloseTo(Math.sqrt(expected[0]!.d) * 111.195, 6);
    }
  });

  it('skips rejected and coordinate-less points and handles an empty index', () => {
    const index = SpatialIndex.build([0, 0.001, Number.NaN, 0.002], [0, 0, 0, 0]);
    expect(index.size).toBe(3);
    expect(index.nearest(0, 0, 5).map((f) => f.index)).toEqual([0, 1, 3]);
    expect(index.nearest(0, 0, 2, (i) => i !== 0).map((f) => f.index)).toEqual([1, 3]);
    expect(SpatialIndex.build([], []).nearest(0, 0, 3)).toEqual([]);
  });
});
