/**
 * Accuracy metrics for valuation models. Percentage errors are fractions (0.08 = 8%), computed
 * on the price scale: |predicted − actual| / actual, so `actual` must be positive for them.
 */

function checkPair(actual: ArrayLike<number>, predicted: ArrayLike<number>): void {
  if (actual.length !== predicted.length) throw new RangeError(`${actual.length} actual values but ${predicted.length} predictions`);
  if (actual.length === 0) throw new RangeError('metrics need at least one value');
}

/** |predicted − actual| / actual for each pair. */
export function absolutePercentageErrors(actual: ArrayLike<number>, predicted: ArrayLike<number>): Float64Array {
  checkPair(actual, predicted);
  const out = new Float64Array(actual.length);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    if (!(a > 0)) throw new RangeError(`percentage errors need positive actual values; actual[${i}] = ${a}`);
    out[i] = Math.abs(predicted[i]! - a) / a;
  }
  return out;
}

/** Mean absolute percentage error. */
export function mape(actual: ArrayLike<number>, predicted: ArrayLike<number>): number {
  return mean(absolutePercentageErrors(actual, predicted));
}

/** Median absolute percentage error: the headline figure for automated valuation models. */
export function mdape(actual: ArrayLike<number>, predicted: ArrayLike<number>): number {
  return median(absolutePercentageErrors(actual, predicted));
}

/** Share of predictions within ±fraction of the actual value (withinFraction(a, p, 0.1) = "within 10%"). */
export function withinFraction(actual: ArrayLike<number>, predicted: ArrayLike<number>, fraction: number): number {
  const errors = absolutePercentageErrors(actual, predicted);
  let hits = 0;
  for (const e of errors) if (e <= fraction) hits++;
  return hits / errors.length;
}

export function rmse(actual: ArrayLike<number>, predicted: ArrayLike<number>): number {
  checkPair(actual, predicted);
  let sum = 0;
  for (let i = 0; i < actual.length; i++) sum += (predicted[i]! - actual[i]!) ** 2;
  return Math.sqrt(sum / actual.length);
}

/** RMSE of log(predicted) − log(actual): scale-free, and what a log-price model minimises. */
export function logRmse(actual: ArrayLike<number>, predicted: ArrayLike<number>): number {
  checkPair(actual, predicted);
  let sum = 0;
  for (let i = 0; i < actual.length; i++) {
    if (!(actual[i]! > 0 && predicted[i]! > 0)) throw new RangeError(`log-RMSE needs positive values (pair ${i})`);
    sum += (Math.log(predicted[i]!) - Math.log(actual[i]!)) ** 2;
  }
  return Math.sqrt(sum / actual.length);
}

/** Coefficient of determination, 1 − SSE/SST, on whatever scale the values are given. */
export function rSquared(actual: ArrayLike<number>, predicted: ArrayLike<number>): number {
  checkPair(actual, predicted);
  const m = mean(actual);
  let sse = 0;
  let sst = 0;
  for (let i = 0; i < actual.length; i++) {
    sse += (actual[i]! - predicted[i]!) ** 2;
    sst += (actual[i]! - m) ** 2;
  }
  return sst === 0 ? (sse === 0 ? 1 : 0) : 1 - sse / sst;
}

/** Share of actual values inside [lower, upper] (bounds included). */
export function coverage(actual: ArrayLike<number>, lower: ArrayLike<number>, upper: ArrayLike<number>): number {
  checkPair(actual, lower);
  checkPair(actual, upper);
  let inside = 0;
  for (let i = 0; i < actual.length; i++) if (actual[i]! >= lower[i]! && actual[i]! <= upper[i]!) inside++;
  return inside / actual.length;
}

export interface ValuationReport {
  readonly count: number;
  readonly mdape: number;
  readonly mape: number;
  readonly within5: number;
  readonly within10: number;
  readonly within20: number;
  /** R² of log prices. */
  readonly r2Log: number;
  /** R² of prices. */
  readonly r2: number;
  readonly rmse: number;
  readonly logRmse: number;
}

/** The usual AVM figures for predicted against actual prices (both on the price scale). */
export function valuationReport(actual: ArrayLike<number>, predicted: ArrayLike<number>): ValuationReport {
  const errors = absolutePercentageErrors(actual, predicted);
  const within = (f: number): number => errors.filter((e) => e <= f).length / errors.length;
  const logActual = Float64Array.from(actual, Math.log);
  const logPredicted = Float64Array.from(predicted, Math.log);
  return {
    count: errors.length,
    mdape: median(errors),
    mape: mean(errors),
    within5: within(0.05),
    within10: within(0.1),
    within20: within(0.2),
    r2Log: rSquared(logActual, logPredicted),
    r2: rSquared(actual, predicted),
    rmse: rmse(actual, predicted),
    logRmse: logRmse(actual, predicted),
  };
}

export function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  return sum / values.length;
}

/** The median (mean of the two middle values for an even count). */
export function median(values: ArrayLike<number>): number {
  if (values.length === 0) throw new RangeError('median of no values');
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
