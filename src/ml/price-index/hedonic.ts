import { leastSquares } from '../least-squares.js';
import { createMatrix, type Matrix } from '../matrix.js';
import { finishIndex, periodRange, type PriceIndex } from './price-index.js';

export interface HedonicIndexInput {
  /** Integer period of every sale (see periodKey). */
  period: ArrayLike<number>;
  /** log(price) of every sale — or log(price per m²), whatever the index is of. */
  logPrice: ArrayLike<number>;
  /** Characteristics of every sale (size, rooms, age, …), one row per sale; NaN = missing. */
  features?: Matrix;
  /** The period whose index is 100; default the first period with a sale. */
  basePeriod?: number;
  /**
   * Penalty λ on (δₜ − δₜ₋₁)² between neighbouring period effects: 0 (default) fits every period
   * freely; λ > 0 pulls thin periods towards their neighbours and also estimates empty ones. In
   * units of "sales": λ = 5 weighs a step like five sales do.
   */
  smoothing?: number;
  /** Huber M-estimation by IRLS (k = 1.345 on the MAD scale), so outlying prices weigh less. Default true. */
  robust?: boolean;
  /**
   * A location (or any) fixed effect: one code per sale, e.g. a postal district number. Each
   * group gets its own price level, absorbed by demeaning rather than estimated as dummies.
   */
  groups?: ArrayLike<number>;
}

/**
 * Hedonic time-dummy index: log pᵢ = α + Σₖ βₖ xᵢₖ + δ_{t(i)} + εᵢ with δ_base = 0; the index of
 * period t is 100·exp(δₜ) — the price of a constant-quality home relative to the base period.
 * Characteristics are standardised and missing values imputed with the column mean (a missing
 * value then adds nothing). A period with no sales and no smoothing gets the log-linear
 * interpolation of its neighbours (`sales` = 0, standard error NaN).
 */
export function hedonicIndex(input: HedonicIndexInput): PriceIndex {
  const n = input.period.length;
  if (input.logPrice.length !== n) throw new RangeError(`period has ${n} values, logPrice ${input.logPrice.length}`);
  if (input.features && input.features.rows !== n) throw new RangeError(`features has ${input.features.rows} rows, period ${n}`);
  if (n === 0) throw new RangeError('a price index needs at least one sale');
  const { periods, first } = periodRange(input.period);
  const base = input.basePeriod ?? firstObserved(input.period);
  if (base < first || base > periods[periods.length - 1]!) throw new RangeError(`base period ${base} is outside the sales' periods`);
  const smoothing = input.smoothing ?? 0;
  const feats = standardise(input.features);
  const k = feats ? feats.cols : 0;
  const dummies = periods.filter((t) => t !== base);
  const dummyCol = new Map(dummies.map((t, j) => [t, 1 + k + j]));
  const p = 1 + k + dummies.length;
  const penaltyRows = smoothing > 0 ? periods.length - 1 : 0;
  const x = createMatrix(n + penaltyRows, p);
  const y = new Float64Array(n + penaltyRows);
  for (let i = 0; i < n; i++) {
    x.values[i * p] = 1;
    for (let j = 0; j < k; j++) x.values[i * p + 1 + j] = feats!.values[i * k + j]!;
    const col = dummyCol.get(input.period[i]!);
    if (col !== undefined) x.values[i * p + col] = 1;
    y[i] = input.logPrice[i]!;
  }
  const sqrtLambda = Math.sqrt(smoothing);
  for (let r = 0; r < penaltyRows; r++) {
    const row = (n + r) * p;
    const later = dummyCol.get(periods[r + 1]!);
    const earlier = dummyCol.get(periods[r]!);
    if (later !== undefined) x.values[row + later] = sqrtLambda;
    if (earlier !== undefined) x.values[row + earlier] = -sqrtLambda;
  }
  const fit = irls(x, y, n, input.robust ?? true, input.groups);
  const logIndex = new Float64Array(periods.length);
  const se = new Float64Array(periods.length);
  const sales = new Int32Array(periods.length);
  for (let i = 0; i < n; i++) sales[input.period[i]! - first]!++;
  periods.forEach((t, j) => {
    const col = dummyCol.get(t);
    logIndex[j] = col === undefined ? 0 : fit.coefficients[col]!;
    se[j] = col === undefined ? 0 : fit.standardErrors[col]!;
    if (col !== undefined && fit.dropped.includes(col)) {
      logIndex[j] = Number.NaN;
      se[j] = Number.NaN;
    }
  });
  return finishIndex({ method: 'hedonic', periods, logIndex, standardError: se, sales, basePeriod: base, residualSd: fit.residualSd });
}

function firstObserved(period: ArrayLike<number>): number {
  let min = Infinity;
  for (let i = 0; i < period.length; i++) min = Math.min(min, period[i]!);
  return min;
}

/** Columns scaled to mean 0, SD 1 over present values; NaN → 0 (the mean). Constant columns become 0 (then dropped). */
function standardise(features: Matrix | undefined): Matrix | null {
  if (!features || features.cols === 0) return null;
  const { rows, cols, values } = features;
  const out = createMatrix(rows, cols);
  for (let j = 0; j < cols; j++) {
    let sum = 0;
    let sumSq = 0;
    let count = 0;
    for (let i = 0; i < rows; i++) {
      const v = values[i * cols + j]!;
      if (Number.isFinite(v)) {
        sum += v;
        sumSq += v * v;
        count++;
      }
    }
    const mean = count ? sum / count : 0;
    const sd = count ? Math.sqrt(Math.max(0, sumSq / count - mean * mean)) : 0;
    for (let i = 0; i < rows; i++) {
      const v = values[i * cols + j]!;
      out.values[i * cols + j] = Number.isFinite(v) && sd > 0 ? (v - mean) / sd : 0;
    }
  }
  return out;
}

/**
 * Least squares over the first `n` rows (sales) plus penalty rows after them; with `robust`,
 * Huber weights on the sales rows, re-estimated until the coefficients settle (≤ 30 rounds).
 * With `groups` (one code per sales row), a fixed effect per group is absorbed: the sales rows are
 * demeaned within their group (weighted, every round), which by Frisch–Waugh–Lovell gives the
 * same coefficients as one dummy column per group at a fraction of the cost.
 */
export function irls(x: Matrix, y: Float64Array, n: number, robust: boolean, groups?: ArrayLike<number>) {
  const weights = new Float64Array(x.rows).fill(1);
  const codes = groups ? groupCodes(groups, n) : null;
  const solve = () => {
    if (!codes) return leastSquares(x, y, { weights });
    const { x: xd, y: yd } = demean(x, y, n, weights, codes);
    const fit = leastSquares(xd, yd, { weights });
    // Each absorbed group costs one degree of freedom.
    const dof = n - fit.rank;
    const scale = Math.sqrt(dof / Math.max(1, dof - codes.count));
    return { ...fit, sigma2: fit.sigma2 * scale * scale, standardErrors: fit.standardErrors.map((v) => v * scale) };
  };
  let fit = solve();
  for (let round = 0; robust && round < 30; round++) {
    const scale = madScale(fit.residuals.subarray(0, n));
    if (!(scale > 0)) break;
    const limit = 1.345 * scale;
    for (let i = 0; i < n; i++) weights[i] = Math.min(1, limit / Math.max(Math.abs(fit.residuals[i]!), 1e-300));
    const next = solve();
    let change = 0;
    for (let j = 0; j < x.cols; j++) change = Math.max(change, Math.abs(next.coefficients[j]! - fit.coefficients[j]!));
    fit = next;
    if (change < 1e-7) break;
  }
  let rss = 0;
  for (let i = 0; i < n; i++) rss += fit.residuals[i]! ** 2;
  const absorbed = codes?.count ?? 0;
  return { ...fit, weights, residualSd: Math.sqrt(rss / Math.max(1, n - fit.rank - absorbed)) };
}

function groupCodes(groups: ArrayLike<number>, n: number): { code: Int32Array; count: number } {
  if (groups.length !== n) throw new RangeError(`groups has ${groups.length} values, the sales ${n}`);
  const ids = new Map<number, number>();
  const code = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const g = groups[i]!;
    let id = ids.get(g);
    if (id === undefined) {
      id = ids.size;
      ids.set(g, id);
    }
    code[i] = id;
  }
  return { code, count: ids.size };
}

/** Sales rows minus their group's weighted mean (penalty rows unchanged). */
function demean(x: Matrix, y: Float64Array, n: number, weights: Float64Array, groups: { code: Int32Array; count: number }) {
  const p = x.cols;
  const sums = new Float64Array(groups.count * (p + 1));
  const totals = new Float64Array(groups.count);
  for (let i = 0; i < n; i++) {
    const g = groups.code[i]!;
    const w = weights[i]!;
    totals[g]! += w;
    for (let j = 0; j < p; j++) sums[g * (p + 1) + j]! += w * x.values[i * p + j]!;
    sums[g * (p + 1) + p]! += w * y[i]!;
  }
  const xd = createMatrix(x.rows, p, Float64Array.from(x.values));
  const yd = Float64Array.from(y);
  for (let i = 0; i < n; i++) {
    const g = groups.code[i]!;
    const total = totals[g]!;
    if (!(total > 0)) continue;
    for (let j = 0; j < p; j++) xd.values[i * p + j]! -= sums[g * (p + 1) + j]! / total;
    yd[i]! -= sums[g * (p + 1) + p]! / total;
  }
  return { x: xd, y: yd };
}

/** Median absolute deviation from 0 (residuals are centred), scaled to estimate a normal SD. */
function madScale(residuals: Float64Array): number {
  const abs = Float64Array.from(residuals, Math.abs).sort();
  if (abs.length === 0) return 0;
  const mid = abs.length >> 1;
  const median = abs.length % 2 ? abs[mid]! : (abs[mid - 1]! + abs[mid]!) / 2;
  return median / 0.6745;
}
