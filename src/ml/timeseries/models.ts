import { fitAr, forecastAr } from './ar.js';
import { fitEts, forecastEts, type EtsKind } from './ets.js';

/**
 * Forecasting models for a price index, all on log levels: `forecast(logLevels, h)` returns the
 * forecast log levels of the next h periods, using nothing but the values passed (so a rolling
 * origin backtest that passes a prefix cannot look ahead).
 */
export interface ForecastModel {
  name: string;
  /** Fewest observations the model needs. */
  minObservations: number;
  forecast(logLevels: ArrayLike<number>, horizon: number): Float64Array;
}

/** The index stays where it is (random walk). */
export const noChange: ForecastModel = {
  name: 'no-change',
  minObservations: 1,
  forecast: (l, h) => new Float64Array(h).fill(l[l.length - 1]!),
};

/** Growth over the last `season` periods continues at the same pace (for quarterly data: last year's growth). */
export function momentum(season: number): ForecastModel {
  return {
    name: 'momentum',
    minObservations: season + 1,
    forecast: (l, h) => {
      const last = l[l.length - 1]!;
      const perPeriod = (last - l[l.length - 1 - season]!) / season;
      return Float64Array.from({ length: h }, (_, k) => last + perPeriod * (k + 1));
    },
  };
}

/**
 * Recent growth continues: the mean growth of the last `window` periods after removing each
 * season's average deviation (estimated over the last `years` seasons), so a spring quarter
 * does not read as a boom.
 */
export function recentGrowth(season: number, window: number, years = 10): ForecastModel {
  return {
    name: `recent-growth-${window}`,
    minObservations: season * 3 + window + 1,
    forecast: (l, h) => {
      const g = seasonallyAdjustedGrowth(l, season, years);
      let sum = 0;
      for (let k = 1; k <= window; k++) sum += g[g.length - k]!;
      const last = l[l.length - 1]!;
      return Float64Array.from({ length: h }, (_, k) => last + (sum / window) * (k + 1));
    },
  };
}

/** Exponential smoothing of the log level (simple, Holt, or damped trend). */
export function ets(kind: EtsKind): ForecastModel {
  return {
    name: kind === 'simple' ? 'ses' : kind === 'holt' ? 'holt' : 'damped-trend',
    minObservations: 8,
    forecast: (l, h) => forecastEts(fitEts(l, kind), h).mean,
  };
}

/** Damped-trend smoothing of growth over `season` periods (for quarterly data: annual growth). */
export function dampedAnnualGrowth(season: number): ForecastModel {
  return {
    name: 'damped-annual-growth',
    minObservations: season + 8,
    forecast: (l, h) => {
      const growth = seasonalDifferences(l, season);
      return fromSeasonalGrowth(l, season, forecastEts(fitEts(growth, 'damped'), h).mean);
    },
  };
}

/** AR(p) on period-to-period log growth with an intercept, by least squares (ARIMA(p,1,0) with drift). */
export function arGrowth(order: number, options: { ridge?: number; window?: number } = {}): ForecastModel {
  return {
    name: `ar${order}-growth`,
    minObservations: order * 3 + 4,
    forecast: (l, h) => {
      const start = options.window ? Math.max(0, l.length - options.window - 1) : 0;
      const growth = differences(l, start);
      const path = forecastAr(fitAr(growth, order, { ridge: options.ridge }), growth, h).cumulativeMean;
      const last = l[l.length - 1]!;
      return Float64Array.from(path, (v) => last + v);
    },
  };
}

/** AR(p) on growth over `season` periods (annual growth for quarterly data), iterated forward. */
export function arAnnualGrowth(season: number, order: number): ForecastModel {
  return {
    name: `ar${order}-annual-growth`,
    minObservations: season + order * 3 + 4,
    forecast: (l, h) => {
      const growth = seasonalDifferences(l, season);
      return fromSeasonalGrowth(l, season, forecastAr(fitAr(growth, order), growth, h).mean);
    },
  };
}

export function differences(l: ArrayLike<number>, start = 0): Float64Array {
  const out = new Float64Array(Math.max(0, l.length - start - 1));
  for (let t = start + 1; t < l.length; t++) out[t - start - 1] = l[t]! - l[t - 1]!;
  return out;
}

function seasonalDifferences(l: ArrayLike<number>, season: number): Float64Array {
  const out = new Float64Array(Math.max(0, l.length - season));
  for (let t = season; t < l.length; t++) out[t - season] = l[t]! - l[t - season]!;
  return out;
}

/** Log levels from forecast growth over `season` periods: l[T+k] = l[T+k−season] + g[k]. */
function fromSeasonalGrowth(l: ArrayLike<number>, season: number, growth: Float64Array): Float64Array {
  const path = Array.from(l);
  const n = path.length;
  for (let k = 0; k < growth.length; k++) path.push(path[n + k - season]! + growth[k]!);
  return Float64Array.from(path.slice(n));
}

/** Period growth minus each season's mean excess over the seasonal-average growth, over the last `years` seasons. */
export function seasonallyAdjustedGrowth(l: ArrayLike<number>, season: number, years: number): Float64Array {
  const g = differences(l);
  if (season <= 1) return g;
  const sums = new Float64Array(season);
  const counts = new Float64Array(season);
  // g[i] is the growth into period i + 1; its season is (i + 1) mod season counted from the end.
  const from = Math.max(season, g.length - season * years);
  for (let i = from; i < g.length; i++) {
    let annual = 0;
    for (let k = 0; k < season; k++) annual += g[i - k]!;
    const s = (g.length - 1 - i) % season;
    sums[s] = sums[s]! + g[i]! - annual / season;
    counts[s]!++;
  }
  const effects = Array.from(sums, (v, s) => (counts[s]! ? v / counts[s]! : 0));
  const mean = effects.reduce((a, b) => a + b, 0) / season;
  return Float64Array.from(g, (v, i) => v - (effects[(g.length - 1 - i) % season]! - mean));
}
