import { leastSquares } from '../least-squares.js';
import { createMatrix } from '../matrix.js';

/**
 * Autoregressive models, xₜ = c + Σᵢ φᵢ xₜ₋ᵢ + εₜ — for price indices, on growth rates
 * (differences of log levels), i.e. ARIMA(p,1,0) on the log index. Fitted by least squares
 * (conditional on the first p values; optionally with a ridge penalty that shrinks the lag
 * coefficients towards 0, and optionally pooled over many series sharing one set of
 * coefficients) or by Yule–Walker (Levinson–Durbin on sample autocovariances, always stationary).
 */
export interface ArModel {
  order: number;
  intercept: number;
  /** φ₁ … φ_p. */
  coefficients: Float64Array;
  /** One-step innovation variance. */
  sigma2: number;
  /** Rows (time points) used to fit. */
  observations: number;
}

export interface ArFitOptions {
  /** 'ols' (default) or 'yule-walker'. */
  method?: 'ols' | 'yule-walker';
  /** Ridge penalty on the lag coefficients (OLS only), in units of observations; 0 = none. */
  ridge?: number;
  /** Fit an intercept (default true). */
  intercept?: boolean;
  /** Weigh observations by 0.5^(age / halfLife), age counted from each series' end (OLS only); default: equal weights. */
  halfLife?: number;
}

/** Fits one AR(p) to one series, or one shared AR(p) to several (pooled panel regression). */
export function fitAr(series: ArrayLike<number> | readonly ArrayLike<number>[], order: number, options: ArFitOptions = {}): ArModel {
  if (!Number.isInteger(order) || order < 0) throw new RangeError(`AR order must be a non-negative integer, got ${order}`);
  const panel = isPanel(series) ? series : [series];
  if ((options.method ?? 'ols') === 'yule-walker') {
    if (panel.length !== 1) throw new RangeError('Yule–Walker fits one series');
    return yuleWalker(panel[0]!, order, options.intercept ?? true);
  }
  const intercept = options.intercept ?? true;
  let rows = 0;
  for (const s of panel) rows += Math.max(0, s.length - order);
  const cols = order + (intercept ? 1 : 0);
  if (rows <= cols) throw new RangeError(`AR(${order}) needs more than ${cols} usable observations, got ${rows}`);
  const x = createMatrix(rows, cols);
  const y = new Float64Array(rows);
  const weights = options.halfLife ? new Float64Array(rows) : undefined;
  let r = 0;
  for (const s of panel) {
    for (let t = order; t < s.length; t++, r++) {
      if (weights) weights[r] = 0.5 ** ((s.length - 1 - t) / options.halfLife!);
      if (intercept) x.values[r * cols] = 1;
      for (let i = 1; i <= order; i++) x.values[r * cols + (intercept ? i : i - 1)] = s[t - i]!;
      y[r] = s[t]!;
    }
  }
  const ridgeColumns = Array.from({ length: order }, (_, i) => i + (intercept ? 1 : 0));
  const fit = leastSquares(x, y, { ridge: options.ridge ?? 0, ridgeColumns, weights });
  let rss = 0;
  fit.residuals.forEach((e, i) => {
    rss += (weights ? weights[i]! : 1) * e * e;
  });
  return {
    order,
    intercept: intercept ? fit.coefficients[0]! : 0,
    coefficients: fit.coefficients.slice(intercept ? 1 : 0),
    sigma2: rss / Math.max(1, rows - cols),
    observations: rows,
  };
}

function isPanel(series: ArrayLike<number> | readonly ArrayLike<number>[]): series is readonly ArrayLike<number>[] {
  return series.length > 0 && typeof series[0] !== 'number';
}

/** Yule–Walker by Levinson–Durbin on the biased sample autocovariances. */
function yuleWalker(series: ArrayLike<number>, order: number, intercept: boolean): ArModel {
  const n = series.length;
  if (n <= order + 1) throw new RangeError(`AR(${order}) needs more than ${order + 1} observations, got ${n}`);
  let mean = 0;
  if (intercept) {
    for (let t = 0; t < n; t++) mean += series[t]!;
    mean /= n;
  }
  const gamma = new Float64Array(order + 1);
  for (let k = 0; k <= order; k++) {
    let s = 0;
    for (let t = k; t < n; t++) s += (series[t]! - mean) * (series[t - k]! - mean);
    gamma[k] = s / n;
  }
  let phi = new Float64Array(order);
  let v = gamma[0]!;
  for (let k = 1; k <= order && v > 0; k++) {
    let acc = gamma[k]!;
    for (let j = 1; j < k; j++) acc -= phi[j - 1]! * gamma[k - j]!;
    const reflection = acc / v;
    const next = new Float64Array(order);
    for (let j = 1; j < k; j++) next[j - 1] = phi[j - 1]! - reflection * phi[k - j - 1]!;
    next[k - 1] = reflection;
    phi = next;
    v *= 1 - reflection * reflection;
  }
  let sumPhi = 0;
  for (const c of phi) sumPhi += c;
  return { order, intercept: mean * (1 - sumPhi), coefficients: phi, sigma2: v, observations: n };
}

export interface ArForecast {
  /** Forecast of x_{T+1} … x_{T+h}. */
  mean: Float64Array;
  /** Forecast-error variance of each x_{T+k}. */
  variance: Float64Array;
  /** Mean and error variance of the cumulative sums x_{T+1} + … + x_{T+k} (log-level change when x is growth). */
  cumulativeMean: Float64Array;
  cumulativeVariance: Float64Array;
}

/** Iterated h-step forecasts from the end of `history`, with ψ-weight variances. */
export function forecastAr(model: ArModel, history: ArrayLike<number>, horizon: number): ArForecast {
  const p = model.order;
  if (history.length < p) throw new RangeError(`AR(${p}) forecasts need the last ${p} values, got ${history.length}`);
  const buffer = Array.from({ length: p }, (_, i) => history[history.length - p + i]!);
  const mean = new Float64Array(horizon);
  for (let k = 0; k < horizon; k++) {
    let value = model.intercept;
    for (let i = 1; i <= p; i++) value += model.coefficients[i - 1]! * buffer[buffer.length - i]!;
    mean[k] = value;
    buffer.push(value);
  }
  // ψ₀ = 1, ψⱼ = Σᵢ φᵢ ψⱼ₋ᵢ.
  const psi = new Float64Array(horizon);
  psi[0] = 1;
  for (let j = 1; j < horizon; j++) {
    let s = 0;
    for (let i = 1; i <= Math.min(p, j); i++) s += model.coefficients[i - 1]! * psi[j - i]!;
    psi[j] = s;
  }
  const variance = new Float64Array(horizon);
  const cumulativeMean = new Float64Array(horizon);
  const cumulativeVariance = new Float64Array(horizon);
  let sumPsiSq = 0;
  let running = 0;
  const Psi = new Float64Array(horizon); // Ψₖ = ψ₀ + … + ψₖ
  for (let k = 0; k < horizon; k++) {
    sumPsiSq += psi[k]! ** 2;
    variance[k] = model.sigma2 * sumPsiSq;
    running += mean[k]!;
    cumulativeMean[k] = running;
    Psi[k] = (k ? Psi[k - 1]! : 0) + psi[k]!;
    let s = 0;
    for (let m = 0; m <= k; m++) s += Psi[k - m]! ** 2;
    cumulativeVariance[k] = model.sigma2 * s;
  }
  return { mean, variance, cumulativeMean, cumulativeVariance };
}

/** First differences of log levels: growth rates in log points. */
export function logGrowth(levels: ArrayLike<number>): Float64Array {
  const out = new Float64Array(Math.max(0, levels.length - 1));
  for (let t = 1; t < levels.length; t++) out[t - 1] = Math.log(levels[t]! / levels[t - 1]!);
  return out;
}
