import { describe, expect, it } from 'vitest';
import { coverage, logRmse, mape, mdape, median, rmse, rSquared, valuationReport, withinFraction } from './metrics.js';

describe('valuation metrics', () => {
  const actual = [100, 200, 400, 800];
  const predicted = [110, 190, 400, 1000];

  it('computes percentage errors as fractions', () => {
    // Errors: 10%, 5%, 0%, 25%.
    expect(mape(actual, predicted)).toBeCloseTo(0.1, 12);
    expect(mdape(actual, predicted)).toBeCloseTo(0.075, 12);
    expect(withinFraction(actual, predicted, 0.1)).toBe(0.75);
    expect(withinFraction(actual, predicted, 0.05)).toBe(0.5);
  });

  it('computes RMSE, log-RMSE and R²', () => {
    expect(rmse([1, 2, 3], [1, 2, 5])).toBeCloseTo(Math.sqrt(4 / 3), 12);
    expect(logRmse([1, 1], [Math.E, 1 / Math.E])).toBeCloseTo(1, 12);
    expect(rSquared([1, 2, 3], [1, 2, 3])).toBe(1);
    expect(rSquared([1, 2, 3], [2, 2, 2])).toBeCloseTo(0, 12);
    expect(rSquared([1, 2, 3], [3, 2, 1])).toBeCloseTo(-3, 12);
  });

  it('counts coverage with inclusive bounds, and the median of even counts', () => {
    expect(coverage([1, 2, 3, 4], [1, 0, 4, 0], [1, 1, 5, 5])).toBe(0.5);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('reports the usual AVM figures together and rejects non-positive prices', () => {
    const report = valuationReport(actual, predicted);
    expect(report).toMatchObject({ count: 4, within10: 0.75, within20: 0.75 });
    expect(report.mdape).toBeCloseTo(0.075, 12);
    expect(() => mape([0, 1], [1, 1])).toThrow(/positive/);
    expect(() => mape([1, 2], [1])).toThrow(/predictions/);
  });
});
