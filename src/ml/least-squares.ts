import type { Matrix } from './matrix.js';

/**
 * Weighted linear least squares by Householder QR with column pivoting (Businger & Golub 1965).
 *
 * Hand-written rather than taken from a library because `src/ml` has no dependencies (docs/ml.md)
 * and what the price index and the AR forecasters need is small and specific: a dense, tall,
 * thin design (tens of thousands of rows, a few dozen columns) on Float64Array, weights, a
 * rank-revealing factorisation so collinear columns (a period without sales, a constant
 * characteristic) are dropped instead of blowing up, and coefficient standard errors. QR works on
 * X itself, so its accuracy depends on cond(X), not cond(X)² as the normal equations do.
 */
export interface LeastSquaresOptions {
  /** Non-negative row weights (WLS: minimises Σ wᵢ rᵢ²). Default 1. */
  weights?: ArrayLike<number>;
  /** Ridge penalty λ: adds λ‖β‖² for the columns in `ridgeColumns` (default: all). */
  ridge?: number;
  ridgeColumns?: readonly number[];
  /** A column whose remaining norm is below tolerance × the largest column norm counts as dependent. */
  tolerance?: number;
}

export interface LeastSquaresResult {
  /** One per column; 0 for a column dropped as linearly dependent. */
  coefficients: Float64Array;
  /** y − Xβ for every (unweighted) row. */
  residuals: Float64Array;
  /** Σ wᵢ rᵢ² / (n − rank): the residual variance (weighted scale). NaN when n ≤ rank. */
  sigma2: number;
  /** √(σ² · [(XᵀWX)⁻¹]ⱼⱼ); NaN for dropped columns. */
  standardErrors: Float64Array;
  rank: number;
  /** Columns dropped as linearly dependent on the others, ascending. */
  dropped: number[];
}

export function leastSquares(x: Matrix, y: ArrayLike<number>, options: LeastSquaresOptions = {}): LeastSquaresResult {
  const { rows: n, cols: p } = x;
  if (y.length !== n) throw new RangeError(`y has ${y.length} values, the design ${n} rows`);
  const weights = options.weights;
  if (weights && weights.length !== n) throw new RangeError(`weights has ${weights.length} values, the design ${n} rows`);
  const ridge = options.ridge ?? 0;
  const ridgeCols = ridge > 0 ? (options.ridgeColumns ?? Array.from({ length: p }, (_, j) => j)) : [];
  const m = n + ridgeCols.length;
  // Column-major working copy of √W·X (plus ridge rows √λ·eⱼ) and √W·y.
  const a = new Float64Array(m * p);
  const b = new Float64Array(m);
  for (let i = 0; i < n; i++) {
    const w = weights ? weights[i]! : 1;
    if (!(w >= 0) || !Number.isFinite(w)) throw new RangeError(`weight ${i} is ${w}; weights must be finite and ≥ 0`);
    const sw = Math.sqrt(w);
    const yi = y[i]!;
    if (!Number.isFinite(yi)) throw new RangeError(`y[${i}] is ${yi}; least squares needs finite values`);
    b[i] = sw * yi;
    for (let j = 0; j < p; j++) {
      const v = x.values[i * p + j]!;
      if (!Number.isFinite(v)) throw new RangeError(`x[${i}][${j}] is ${v}; impute missing values first`);
      a[j * m + i] = sw * v;
    }
  }
  ridgeCols.forEach((j, k) => {
    a[j * m + n + k] = Math.sqrt(ridge);
  });

  const perm = Array.from({ length: p }, (_, j) => j);
  const norms = new Float64Array(p);
  for (let j = 0; j < p; j++) norms[j] = sumSquares(a, j * m, 0, m);
  const maxNorm = Math.sqrt(Math.max(0, ...norms));
  const tol = (options.tolerance ?? 1e-10) * Math.max(maxNorm, 1e-300);
  const rDiag = new Float64Array(p);
  let rank = 0;
  for (let k = 0; k < Math.min(m, p); k++) {
    // Pivot: the remaining column with the largest norm below row k (recomputed: p is small).
    let best = k;
    let bestNorm = -1;
    for (let j = k; j < p; j++) {
      const s = sumSquares(a, perm[j]! * m, k, m);
      if (s > bestNorm) {
        bestNorm = s;
        best = j;
      }
    }
    if (Math.sqrt(bestNorm) <= tol) break;
    [perm[k], perm[best]] = [perm[best]!, perm[k]!];
    const col = perm[k]! * m;
    // Householder reflector v = x + sign(x₀)‖x‖e₀ zeroes column k below its diagonal.
    const alpha = -Math.sign(a[col + k]! || 1) * Math.sqrt(bestNorm);
    a[col + k] = a[col + k]! - alpha;
    const vNorm2 = sumSquares(a, col, k, m);
    rDiag[k] = alpha;
    if (vNorm2 > 0) {
      for (let j = k + 1; j < p; j++) reflect(a, col, perm[j]! * m, k, m, vNorm2);
      reflectVector(a, col, b, k, m, vNorm2);
    }
    rank++;
  }

  // Back-substitution R β = Qᵀb over the leading `rank` pivoted columns.
  const r = (i: number, j: number) => (i === j ? rDiag[i]! : a[perm[j]! * m + i]!);
  const beta = new Float64Array(rank);
  for (let i = rank - 1; i >= 0; i--) {
    let s = b[i]!;
    for (let j = i + 1; j < rank; j++) s -= r(i, j) * beta[j]!;
    beta[i] = s / r(i, i);
  }
  // diag((RᵀR)⁻¹) = row sums of squares of R⁻¹ (upper triangular).
  const rInv = new Float64Array(rank * rank);
  for (let j = 0; j < rank; j++) {
    rInv[j * rank + j] = 1 / r(j, j);
    for (let i = j - 1; i >= 0; i--) {
      let s = 0;
      for (let k = i + 1; k <= j; k++) s += r(i, k) * rInv[k * rank + j]!;
      rInv[i * rank + j] = -s / r(i, i);
    }
  }

  const coefficients = new Float64Array(p);
  const standardErrors = new Float64Array(p).fill(Number.NaN);
  for (let i = 0; i < rank; i++) coefficients[perm[i]!] = beta[i]!;
  const residuals = new Float64Array(n);
  let rss = 0;
  for (let i = 0; i < n; i++) {
    let fit = 0;
    for (let j = 0; j < p; j++) fit += x.values[i * p + j]! * coefficients[j]!;
    residuals[i] = y[i]! - fit;
    rss += (weights ? weights[i]! : 1) * residuals[i]! ** 2;
  }
  const sigma2 = n > rank ? rss / (n - rank) : Number.NaN;
  for (let i = 0; i < rank; i++) {
    let s = 0;
    for (let j = i; j < rank; j++) s += rInv[i * rank + j]! ** 2;
    standardErrors[perm[i]!] = Math.sqrt(sigma2 * s);
  }
  const dropped = perm.slice(rank).sort((u, v) => u - v);
  return { coefficients, residuals, sigma2, standardErrors, rank, dropped };
}

function sumSquares(a: Float64Array, offset: number, from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i++) s += a[offset + i]! ** 2;
  return s;
}

/** Applies H = I − 2vvᵀ/‖v‖² (v = a[vCol + k..m]) to the column at `col`. */
function reflect(a: Float64Array, vCol: number, col: number, k: number, m: number, vNorm2: number): void {
  let dot = 0;
  for (let i = k; i < m; i++) dot += a[vCol + i]! * a[col + i]!;
  const f = (2 * dot) / vNorm2;
  for (let i = k; i < m; i++) a[col + i] = a[col + i]! - f * a[vCol + i]!;
}

function reflectVector(a: Float64Array, vCol: number, b: Float64Array, k: number, m: number, vNorm2: number): void {
  let dot = 0;
  for (let i = k; i < m; i++) dot += a[vCol + i]! * b[i]!;
  const f = (2 * dot) / vNorm2;
  for (let i = k; i < m; i++) b[i] = b[i]! - f * a[vCol + i]!;
}
