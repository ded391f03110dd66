import { describe, expect, it } from 'vitest';
import { createRng, normal } from '../random.js';
import { arGrowth, autoForecast, fitAr, fitEts, forecastAr, forecastEts, momentum, noChange, normalQuantile, rollingOriginBacktest } from './index.js';

function ar2(n: number, seed: number): Float64Array {
  const rng = createRng(seed);
  const x = new Float64Array(n);
  for (let t = 2; t < n; t++) x[t] = 0.01 + 0.5 * x[t - 1]! + 0.2 * x[t - 2]! + 0.02 * normal(rng);
  return x;
}

describe('AR models', () => {
  it('least squares and Yule–Walker recover an AR(2)', () => {
    const x = ar2(5000, 1);
    for (const method of ['ols', 'yule-walker'] as const) {
      const model = fitAr(x, 2, { method });
      expect(model.coefficients[0]).toBeCloseTo(0.5, 1);
      expect(model.coefficients[1]).toBeCloseTo(0.2, 1);
      expect(model.intercept / (1 - 0.7)).toBeCloseTo(0.01 / 0.3, 2);
      expect(Math.sqrt(model.sigma2)).toBeCloseTo(0.02, 3);
    }
  });

  it('forecasts revert to the mean and variances grow with the horizon', () => {
    const model = fitAr(ar2(3000, 2), 2);
    const f = forecastAr(model, [1, 1], 40);
    expect(f.mean[39]).toBeCloseTo(model.intercept / (1 - model.coefficients[0]! - model.coefficients[1]!), 2);
    expect(f.variance[0]).toBeCloseTo(model.sigma2, 12);
    for (let k = 1; k < 40; k++) expect(f.cumulativeVariance[k]!).toBeGreaterThan(f.cumulativeVariance[k - 1]!);
    expect(() => fitAr([1, 2, 3], 4)).toThrow(/usable observations/);
  });

  it('pooled and ridge fits: ridge shrinks the lag coefficients', () => {
    const panel = [ar2(300, 3), ar2(300, 4), ar2(300, 5)];
    const pooled = fitAr(panel, 2);
    expect(pooled.observations).toBe(3 * 298);
    const shrunk = fitAr(panel, 2, { ridge: 1e6 });
    expect(Math.abs(shrunk.coefficients[0]!)).toBeLessThan(Math.abs(pooled.coefficients[0]!) / 10);
  });
});

describe('exponential smoothing', () => {
  it('damped trend follows a trend and flattens; SES of a constant is the constant', () => {
    const trend = Float64Array.from({ length: 60 }, (_, t) => 5 + 0.02 * t);
    const model = fitEts(trend, 'damped');
    const f = forecastEts(model, 8);
    expect(f.mean[0]).toBeCloseTo(5 + 0.02 * 60, 2);
    expect(f.mean[7]! - f.mean[6]!).toBeLessThan(f.mean[1]! - f.mean[0]! + 1e-12);
    const flat = forecastEts(fitEts(new Float64Array(20).fill(3), 'simple'), 3);
    expect(Array.from(flat.mean)).toEqual([3, 3, 3]);
    expect(() => fitEts([1, 2], 'holt')).toThrow(/at least 3/);
  });
});

describe('backtest, selection and intervals', () => {
  it('a rolling-origin backtest only looks at the past', () => {
    const series = Float64Array.from({ length: 30 }, (_, t) => t * 0.01);
    let longest = 0;
    const spy = { name: 'spy', minObservations: 5, forecast: (l: ArrayLike<number>, h: number) => { longest = Math.max(longest, l.length); return noChange.forecast(l, h); } };
    const result = rollingOriginBacktest(series, spy, { horizon: 3 });
    expect(longest).toBe(29);
    expect(result.errors[0]!.length).toBe(25);
    expect(result.errors[2]!.length).toBe(23);
    expect(result.mae[0]).toBeCloseTo(0.01, 12);
  });

  it('picks a trend model for a trending index and never no-change', () => {
    const rng = createRng(6);
    const series = Float64Array.from({ length: 80 }, (_, t) => 4.6 + 0.015 * t + 0.002 * normal(rng));
    const f = autoForecast(series, { horizon: 4, season: 4 });
    expect(f.models).not.toContain('no-change');
    expect(f.mean[3]).toBeCloseTo(4.6 + 0.015 * 83, 1);
    const avg = autoForecast(series, { horizon: 4, season: 4, combine: 'average', candidates: [noChange, momentum(4), arGrowth(1)] });
    expect(avg.models.length).toBeGreaterThanOrEqual(1);
    expect(avg.models).not.toContain('no-change');
  });

  it('80% empirical intervals cover about 80% of outcomes', () => {
    const rng = createRng(7);
    let inside = 0;
    let total = 0;
    for (let s = 0; s < 150; s++) {
      const drift = 0.005 + 0.01 * rng.next();
      const series = [4.6];
      for (let t = 1; t < 84; t++) series.push(series[t - 1]! + drift + 0.01 * normal(rng));
      const f = autoForecast(series.slice(0, 80), { horizon: 4, season: 4, coverage: 0.8, candidates: [noChange, momentum(4), arGrowth(1)] });
      expect(f.intervalMethod[3]).toBe('empirical');
      for (let k = 0; k < 4; k++) {
        total++;
        if (series[80 + k]! >= f.lower[k]! && series[80 + k]! <= f.upper[k]!) inside++;
      }
    }
    const coverage = inside / total;
    expect(coverage).toBeGreaterThan(0.72);
    expect(coverage).toBeLessThan(0.88);
  });

  it('normal quantiles', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.1)).toBeCloseTo(-1.281552, 5);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232, 5);
  });
});
