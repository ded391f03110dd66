import type { ForecastModel } from './models.js';
import { arAnnualGrowth, arGrowth, dampedAnnualGrowth, ets, momentum, noChange, recentGrowth } from './models.js';

/**
 * Rolling-origin evaluation, model selection/combination and empirical prediction intervals
 * for log-level series (docs/ml.md, "Forecasting").
 */
export interface BacktestResult {
  model: string;
  /** errors[k][j]: actual − forecast log level, k + 1 steps ahead, at the j-th origin that has that target. */
  errors: Float64Array[];
  /** Mean absolute error per horizon (log points). */
  mae: Float64Array;
  origins: number;
}

/**
 * Forecasts from every origin t ≥ minTrain − 1 (using values 0..t only) and compares them with
 * what happened, for horizons 1..h.
 */
export function rollingOriginBacktest(logLevels: ArrayLike<number>, model: ForecastModel, options: { horizon: number; minTrain?: number; maxOrigins?: number }): BacktestResult {
  const n = logLevels.length;
  const minTrain = Math.max(options.minTrain ?? model.minObservations, model.minObservations);
  const h = options.horizon;
  const errors: number[][] = Array.from({ length: h }, () => []);
  let firstOrigin = minTrain - 1;
  if (options.maxOrigins) firstOrigin = Math.max(firstOrigin, n - 1 - options.maxOrigins);
  let origins = 0;
  for (let t = firstOrigin; t < n - 1; t++) {
    const steps = Math.min(h, n - 1 - t);
    const forecast = model.forecast(slice(logLevels, t + 1), steps);
    for (let k = 0; k < steps; k++) errors[k]!.push(logLevels[t + 1 + k]! - forecast[k]!);
    origins++;
  }
  const mae = Float64Array.from(errors, (e) => (e.length ? e.reduce((s, v) => s + Math.abs(v), 0) / e.length : Number.NaN));
  return { model: model.name, errors: errors.map((e) => Float64Array.from(e)), mae, origins };
}

function slice(values: ArrayLike<number>, end: number): Float64Array {
  return Float64Array.from({ length: end }, (_, i) => values[i]!);
}

/** The candidate set for a series with `season` periods per year. */
export function defaultCandidates(season: number): ForecastModel[] {
  const candidates: ForecastModel[] = [noChange, ets('damped'), arGrowth(Math.max(1, Math.min(4, season)))];
  if (season > 1) candidates.push(momentum(season), recentGrowth(season, Math.max(2, Math.round((3 * season) / 4))), dampedAnnualGrowth(season), arAnnualGrowth(season, Math.min(4, season)));
  else candidates.push(momentum(1));
  return candidates;
}

export type Combination = 'select' | 'average';

export interface AutoForecastOptions {
  horizon: number;
  /** Periods per year (12 monthly, 4 quarterly, 1 yearly); drives the seasonal candidates. */
  season: number;
  candidates?: ForecastModel[];
  /**
   * 'select' (default): the candidate with the smallest backtest MAE over horizons 1..h;
   * 'average': the equal-weight mean of the candidates whose backtest MAE is at most 1.25× the best
   * (averaging beats picking when models are close, the "forecast combination puzzle").
   */
  combine?: Combination;
  /** Central coverage of the intervals, e.g. 0.8 (default) or 0.95. */
  coverage?: number;
  /** At most this many origins in the backtest (the most recent ones); default 40. */
  maxOrigins?: number;
}

export interface AutoForecast {
  /** Forecast log levels for 1..h periods ahead. */
  mean: Float64Array;
  lower: Float64Array;
  upper: Float64Array;
  coverage: number;
  /** Names of the model(s) used; more than one under 'average'. */
  models: string[];
  /** 'empirical' when the interval came from backtest errors, 'normal' when too few errors and the one-step error was scaled by √h. */
  intervalMethod: Array<'empirical' | 'normal'>;
  /** Backtest MAE (log points) per candidate and horizon. */
  backtest: Array<{ model: string; mae: number[]; origins: number }>;
}

/**
 * Picks (or averages) models per series by a rolling-origin backtest and forecasts h periods
 * ahead. Intervals are empirical: the (1 ± coverage)/2 quantiles of the chosen forecast's own
 * backtest errors at each horizon, added to the point forecast — they include model
 * misspecification and parameter uncertainty, which the models' own variance formulas leave out.
 * With fewer than 10 errors at a horizon the interval is normal with the one-step error SD × √h.
 */
export function autoForecast(logLevels: ArrayLike<number>, options: AutoForecastOptions): AutoForecast {
  const h = options.horizon;
  if (!Number.isInteger(h) || h < 1) throw new RangeError(`horizon must be a positive integer, got ${h}`);
  const coverage = options.coverage ?? 0.8;
  if (!(coverage > 0 && coverage < 1)) throw new RangeError(`coverage must be in (0, 1), got ${coverage}`);
  const n = logLevels.length;
  const usable = (options.candidates ?? defaultCandidates(options.season)).filter((m) => m.minObservations + 2 <= n);
  if (usable.length === 0) throw new RangeError(`${n} observations are too few to forecast`);
  const maxOrigins = options.maxOrigins ?? 40;
  const results = usable.map((m) => rollingOriginBacktest(logLevels, m, { horizon: h, maxOrigins }));
  const score = (r: BacktestResult) => {
    const finite = Array.from(r.mae).filter(Number.isFinite);
    return finite.length ? finite.reduce((a, b) => a + b, 0) / finite.length : Infinity;
  };
  const scores = results.map(score);
  const best = Math.min(...scores);
  const chosen = (options.combine ?? 'select') === 'average'
    ? usable.filter((_, i) => scores[i]! <= best * 1.25 || !Number.isFinite(best))
    : [usable[scores.indexOf(best)] ?? usable[0]!];
  const combined: ForecastModel = chosen.length === 1 ? chosen[0]! : average(chosen);
  const mean = combined.forecast(logLevels, h);
  const errors = chosen.length === 1 ? results[usable.indexOf(chosen[0]!)]!.errors : rollingOriginBacktest(logLevels, combined, { horizon: h, maxOrigins }).errors;
  const lower = new Float64Array(h);
  const upper = new Float64Array(h);
  const intervalMethod: Array<'empirical' | 'normal'> = [];
  const oneStepSd = Math.sqrt(meanSquare(errors[0]!)) || Math.abs(mean[0]! - logLevels[n - 1]!) || 0.01;
  const z = normalQuantile(0.5 + coverage / 2);
  for (let k = 0; k < h; k++) {
    const e = errors[k]!;
    if (e.length >= 10) {
      lower[k] = mean[k]! + quantile(e, (1 - coverage) / 2);
      upper[k] = mean[k]! + quantile(e, (1 + coverage) / 2);
      intervalMethod.push('empirical');
    } else {
      const sd = oneStepSd * Math.sqrt(k + 1);
      lower[k] = mean[k]! - z * sd;
      upper[k] = mean[k]! + z * sd;
      intervalMethod.push('normal');
    }
    // An interval must contain its point forecast.
    lower[k] = Math.min(lower[k]!, mean[k]!);
    upper[k] = Math.max(upper[k]!, mean[k]!);
  }
  return {
    mean,
    lower,
    upper,
    coverage,
    models: chosen.map((m) => m.name),
    intervalMethod,
    backtest: results.map((r) => ({ model: r.model, mae: Array.from(r.mae), origins: r.origins })),
  };
}

/** The equal-weight average of several models' forecasts. */
export function average(models: readonly ForecastModel[]): ForecastModel {
  return {
    name: `average(${models.map((m) => m.name).join(', ')})`,
    minObservations: Math.max(...models.map((m) => m.minObservations)),
    forecast: (l, h) => {
      const out = new Float64Array(h);
      for (const m of models) {
        const f = m.forecast(l, h);
        for (let k = 0; k < h; k++) out[k]! += f[k]! / models.length;
      }
      return out;
    },
  };
}

function meanSquare(values: Float64Array): number {
  return values.length ? values.reduce((s, v) => s + v * v, 0) / values.length : Number.NaN;
}

/** Linear-interpolation quantile (type 7). */
export function quantile(values: ArrayLike<number>, q: number): number {
  const sorted = Float64Array.from(values).sort();
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Acklam's rational approximation of the standard normal quantile (|error| < 1.2e-9). */
export function normalQuantile(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const tail = (q: number) => (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}
