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

  it('returns the same neighbours, ties by index, whatever the cell size, with a filter', () => {
    const rng = createRng(9);
    const n = 2000;
    const lat = new Float64Array(n);
    const lng = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      // Every fourth point repeats an earlier place (repeat sales): equal distances, ordered by index.
      const same = i % 4 === 3;
      lat[i] = same ? lat[i - 3]! : 47 + rng.next() * (i % 2 === 0 ? 0.02 : 0.5);
      lng[i] = same ? lng[i - 3]! : -122 + rng.next() * (i % 2 === 0 ? 0.02 : 0.4);
    }
    const indexes = [1, 2, 8, 50].map((perCell) => SpatialIndex.build(lat, lng, perCell));
    const cos = Math.cos(((lat.reduce((a, b) => a + b, 0) / n) * Math.PI) / 180);
    for (let q = 0; q < 150; q++) {
      const at = q % 3 === 0 ? Math.floor(rng.next() * n) : -1;
      const qa = at >= 0 ? lat[at]! : 46.9 + rng.next() * 0.7;
      const qb = at >= 0 ? lng[at]! : -122.1 + rng.next() * 0.6;
      const accept = (j: number): boolean => j % 5 !== q % 5;
      const expected = Array.from({ length: n }, (_, i) => ({ i, d: (lat[i]! - qa) ** 2 + ((lng[i]! - qb) * cos) ** 2 }))
        .filter((e) => accept(e.i))
        .sort((a, b) => a.d - b.d || a.i - b.i)
        .slice(0, 60)
        .map((e) => e.i);
      for (const index of indexes) expect(index.nearest(qa, qb, 60, accept).map((g) => g.index)).toEqual(expected);
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
