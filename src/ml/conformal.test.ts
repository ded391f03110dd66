import { describe, expect, it } from 'vitest';
import { SplitConformal } from './conformal.js';
import { coverage } from './metrics.js';
import { createRng, normal } from './random.js';

/** Predictions with heteroscedastic errors: row i's error has standard deviation sigma[i]. */
function rows(n: number, seed: number): { actual: Float64Array; predicted: Float64Array; sigma: Float64Array } {
  const rng = createRng(seed);
  const predicted = Float64Array.from({ length: n }, () => 12 + rng.next());
  const sigma = Float64Array.from({ length: n }, () => 0.02 + 0.5 * rng.next() ** 4);
  const actual = predicted.map((p, i) => p + sigma[i]! * normal(rng));
  return { actual, predicted, sigma };
}

function evaluate(conformal: SplitConformal, test: ReturnType<typeof rows>, normalised: boolean): { covered: number; width: number } {
  const intervals = Array.from(test.predicted, (p, i) => conformal.interval(p, normalised ? test.sigma[i]! : undefined));
  const covered = coverage(test.actual, intervals.map((v) => v.lower), intervals.map((v) => v.upper));
  const width = intervals.reduce((sum, v) => sum + (v.upper - v.lower), 0) / intervals.length;
  return { covered, width };
}

describe('split-conformal intervals', () => {
  const calibration = rows(2000, 1);
  const test = rows(5000, 2);

  it('reach the stated coverage on new rows, plain and normalised', () => {
    for (const target of [0.8, 0.9]) {
      const plain = SplitConformal.calibrate({ ...calibration, coverage: target });
      const scaled = SplitConformal.calibrate({ ...calibration, difficulty: calibration.sigma, coverage: target });
      expect(Math.abs(evaluate(plain, test, false).covered - target)).toBeLessThan(0.02);
      expect(Math.abs(evaluate(scaled, test, true).covered - target)).toBeLessThan(0.02);
    }
  });

  it('normalising by a good difficulty estimate narrows the intervals at the same coverage', () => {
    const plain = SplitConformal.calibrate({ ...calibration, coverage: 0.9 });
    const scaled = SplitConformal.calibrate({ ...calibration, difficulty: calibration.sigma, coverage: 0.9 });
    expect(evaluate(scaled, test, true).width).toBeLessThan(0.85 * evaluate(plain, test, false).width);
  });

  it('applies the finite-sample rank, and is honest when the calibration set is too small', () => {
    const actual = [1, 2, 3, 4, 5, 6, 7, 8, 9];
    const predicted = new Array<number>(9).fill(0);
    // n = 9, coverage 0.8: rank ⌈10 · 0.8⌉ = 8 → the 8th smallest score.
    expect(SplitConformal.calibrate({ actual, predicted, coverage: 0.8 }).quantile).toBe(8);
    // n = 9, coverage 0.95: rank 10 > 9, no finite interval can promise it.
    const tooSmall = SplitConformal.calibrate({ actual, predicted, coverage: 0.95 });
    expect(tooSmall.quantile).toBe(Infinity);
    expect(tooSmall.interval(5)).toEqual({ lower: -Infinity, upper: Infinity });
  });

  it('maps log-price intervals to prices and survives a JSON round-trip', () => {
    const conformal = SplitConformal.calibrate({ actual: [0.1, -0.1, 0.2, -0.2], predicted: [0, 0, 0, 0], coverage: 0.5 });
    const { lower, upper } = conformal.priceInterval(Math.log(500_000));
    expect(lower).toBeCloseTo(500_000 * Math.exp(-0.2), 6);
    expect(upper).toBeCloseTo(500_000 * Math.exp(0.2), 6);
    const copy = SplitConformal.fromJSON(JSON.parse(JSON.stringify(conformal)));
    expect(copy.interval(1)).toEqual(conformal.interval(1));
    expect(() => SplitConformal.calibrate({ actual: [1], predicted: [1], difficulty: [1], coverage: 0.5 }).interval(1)).toThrow(/difficulty/);
  });
});
