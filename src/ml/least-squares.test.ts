import { describe, expect, it } from 'vitest';
import { leastSquares } from './least-squares.js';
import { matrixFromRows } from './matrix.js';
import { createRng, normal } from './random.js';

describe('leastSquares (Householder QR with pivoting)', () => {
  it('recovers the coefficients of an exact linear relation', () => {
    const rows = [];
    const y = [];
    for (let i = 0; i < 50; i++) {
      const a = Math.sin(i);
      const b = Math.cos(3 * i);
      rows.push([1, a, b]);
      y.push(2 - 3 * a + 0.5 * b);
    }
    const fit = leastSquares(matrixFromRows(rows), y);
    expect(Array.from(fit.coefficients).map((v) => Number(v.toFixed(10)))).toEqual([2, -3, 0.5]);
    expect(fit.rank).toBe(3);
    expect(Math.max(...fit.residuals.map(Math.abs))).toBeLessThan(1e-12);
  });

  it('drops a linearly dependent column instead of blowing up, and still fits', () => {
    const rows = [];
    const y = [];
    for (let i = 0; i < 30; i++) {
      rows.push([1, i, 2 * i + 1, 0]); // column 2 = 2·col1 + col0, column 3 empty
      y.push(1 + i);
    }
    const fit = leastSquares(matrixFromRows(rows), y);
    expect(fit.rank).toBe(2);
    expect(fit.dropped).toContain(3);
    expect(fit.dropped.length).toBe(2);
    expect(Math.max(...fit.residuals.map(Math.abs))).toBeLessThan(1e-9);
    expect(fit.standardErrors[3]).toBeNaN();
  });

  it('matches the textbook standard error of a slope and honours weights', () => {
    const rng = createRng(3);
    const rows = [];
    const y = [];
    for (let i = 0; i < 2000; i++) {
      const x = i / 2000;
      rows.push([1, x]);
      y.push(1 + 2 * x + 0.1 * normal(rng));
    }
    const fit = leastSquares(matrixFromRows(rows), y);
    const sxx = rows.reduce((s, r) => s + (r[1]! - 0.49975) ** 2, 0);
    expect(fit.standardErrors[1]).toBeCloseTo(Math.sqrt(fit.sigma2 / sxx), 6);
    expect(fit.coefficients[1]).toBeGreaterThan(2 - 4 * fit.standardErrors[1]!);
    expect(fit.coefficients[1]).toBeLessThan(2 + 4 * fit.standardErrors[1]!);
    // Zero weight removes a row's influence entirely.
    const outlierRows = [...rows, [1, 0.5]];
    const outlierY = [...y, 1000];
    const weights = [...rows.map(() => 1), 0];
    const weighted = leastSquares(matrixFromRows(outlierRows), outlierY, { weights });
    expect(weighted.coefficients[1]).toBeCloseTo(fit.coefficients[1]!, 10);
  });

  it('ridge shrinks towards zero and rejects non-finite input', () => {
    const rows = [[1, 0], [1, 1], [1, 2]];
    const plain = leastSquares(matrixFromRows(rows), [0, 1, 2]);
    const ridged = leastSquares(matrixFromRows(rows), [0, 1, 2], { ridge: 10, ridgeColumns: [1] });
    expect(plain.coefficients[1]).toBeCloseTo(1, 12);
    expect(ridged.coefficients[1]!).toBeLessThan(0.5);
    expect(() => leastSquares(matrixFromRows([[1, Number.NaN]]), [1])).toThrow(/impute/);
  });
});
