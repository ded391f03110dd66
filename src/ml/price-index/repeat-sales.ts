import { leastSquares } from '../least-squares.js';
import { createMatrix } from '../matrix.js';
import { irls } from './hedonic.js';
import { finishIndex, periodRange, type PriceIndex } from './price-index.js';

export interface Sale {
  /** The same home's sales share an id (parcel, property id, …). */
  id: string | number;
  period: number;
  logPrice: number;
}

export interface RepeatSalePair {
  first: number;
  second: number;
  /** log(p₂) − log(p₁). */
  logChange: number;
}

/** Consecutive sales of the same home in different periods, as pairs. */
export function repeatSalePairs(sales: readonly Sale[]): RepeatSalePair[] {
  const byId = new Map<string | number, Sale[]>();
  for (const sale of sales) {
    const list = byId.get(sale.id);
    if (list) list.push(sale);
    else byId.set(sale.id, [sale]);
  }
  const pairs: RepeatSalePair[] = [];
  for (const list of byId.values()) {
    list.sort((a, b) => a.period - b.period);
    for (let i = 1; i < list.length; i++) {
      const a = list[i - 1]!;
      const b = list[i]!;
      if (b.period > a.period) pairs.push({ first: a.period, second: b.period, logChange: b.logPrice - a.logPrice });
    }
  }
  return pairs;
}

export interface RepeatSalesOptions {
  basePeriod?: number;
  /** Case–Shiller interval weighting (default true): pairs far apart in time are noisier and weigh less. */
  weighted?: boolean;
  /** Penalty on neighbouring period steps, as in hedonicIndex. */
  smoothing?: number;
  /** Huber weights against flips and data errors (default false: the interval weighting is the classic estimator). */
  robust?: boolean;
}

/**
 * Repeat-sales index (Bailey, Muth & Nourse 1963) with Case & Shiller's (1987) weighting:
 * log(p₂/p₁) = δ_{t₂} − δ_{t₁} + ε with δ_base = 0. Stage 1 is OLS; stage 2 regresses the squared
 * residuals on the time between the sales (Var ε = a + b·gap, house-specific drift growing with
 * the gap); stage 3 re-fits with weights 1 / (a + b·gap). Quality is held constant because the
 * same home is compared with itself, at the price of using only homes sold twice.
 */
export function repeatSalesIndex(pairs: readonly RepeatSalePair[], options: RepeatSalesOptions = {}): PriceIndex {
  if (pairs.length === 0) throw new RangeError('a repeat-sales index needs at least one pair of sales of the same home');
  const ends = new Int32Array(pairs.length * 2);
  pairs.forEach((pair, i) => {
    if (!(pair.second > pair.first)) throw new RangeError(`pair ${i}: the second sale must come after the first`);
    ends[2 * i] = pair.first;
    ends[2 * i + 1] = pair.second;
  });
  const { periods, first } = periodRange(ends);
  const base = options.basePeriod ?? first;
  if (base < first || base > periods[periods.length - 1]!) throw new RangeError(`base period ${base} is outside the pairs' periods`);
  const dummies = periods.filter((t) => t !== base);
  const col = new Map(dummies.map((t, j) => [t, j]));
  const n = pairs.length;
  const smoothing = options.smoothing ?? 0;
  const penaltyRows = smoothing > 0 ? periods.length - 1 : 0;
  const p = dummies.length;
  const x = createMatrix(n + penaltyRows, p);
  const y = new Float64Array(n + penaltyRows);
  pairs.forEach((pair, i) => {
    const a = col.get(pair.first);
    const b = col.get(pair.second);
    if (a !== undefined) x.values[i * p + a] = -1;
    if (b !== undefined) x.values[i * p + b] = 1;
    y[i] = pair.logChange;
  });
  for (let r = 0; r < penaltyRows; r++) {
    const later = col.get(periods[r + 1]!);
    const earlier = col.get(periods[r]!);
    if (later !== undefined) x.values[(n + r) * p + later] = Math.sqrt(smoothing);
    if (earlier !== undefined) x.values[(n + r) * p + earlier] = -Math.sqrt(smoothing);
  }

  let fit = irls(x, y, n, options.robust ?? false);
  if ((options.weighted ?? true) && n > 10) {
    const gaps = createMatrix(n, 2);
    const sq = new Float64Array(n);
    pairs.forEach((pair, i) => {
      gaps.values[2 * i] = 1;
      gaps.values[2 * i + 1] = pair.second - pair.first;
      sq[i] = fit.residuals[i]! ** 2;
    });
    const dispersion = leastSquares(gaps, sq);
    const mean = sq.reduce((s, v) => s + v, 0) / n;
    const weights = new Float64Array(n + penaltyRows).fill(1);
    pairs.forEach((pair, i) => {
      const variance = dispersion.coefficients[0]! + dispersion.coefficients[1]! * (pair.second - pair.first);
      // A non-positive fitted variance (few pairs) falls back to the mean squared residual.
      weights[i] = 1 / (variance > mean * 0.05 ? variance : mean);
    });
    const scale = n / weights.subarray(0, n).reduce((s, v) => s + v, 0);
    for (let i = 0; i < n; i++) weights[i]! *= scale;
    const weightedFit = leastSquares(x, y, { weights });
    let rss = 0;
    for (let i = 0; i < n; i++) rss += weightedFit.residuals[i]! ** 2;
    fit = { ...weightedFit, weights, residualSd: Math.sqrt(rss / Math.max(1, n - weightedFit.rank)) };
  }

  const logIndex = new Float64Array(periods.length);
  const se = new Float64Array(periods.length);
  const sales = new Int32Array(periods.length);
  for (const t of ends) sales[t - first]!++;
  periods.forEach((t, j) => {
    const c = col.get(t);
    if (c === undefined) return;
    const estimable = !fit.dropped.includes(c);
    logIndex[j] = estimable ? fit.coefficients[c]! : Number.NaN;
    se[j] = estimable ? fit.standardErrors[c]! : Number.NaN;
  });
  return finishIndex({ method: 'repeat-sales', periods, logIndex, standardError: se, sales, basePeriod: base, residualSd: fit.residualSd });
}
