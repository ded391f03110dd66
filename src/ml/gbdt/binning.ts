/**
 * Feature binning: every feature value becomes a small integer (a bin) so that split search
 * works on histograms instead of sorted values.
 *
 * Numeric feature with `numBins` bins: value x falls in the first bin b with x <= upperBounds[b]
 * (the last bin has no upper bound); NaN falls in the extra bin `numBins` (the missing bin).
 * Categorical feature: the `numBins` most frequent categories get a bin each, in order of
 * `categories`; NaN, rare categories beyond the cap and categories never seen in training share
 * the extra bin `numBins` (the "other" bin).
 */
import type { Matrix } from '../matrix.js';

export interface NumericBins {
  readonly kind: 'numeric';
  readonly numBins: number;
  /** numBins - 1 increasing thresholds; bin b holds values in (upperBounds[b-1], upperBounds[b]]. */
  readonly upperBounds: Float64Array;
}

export interface CategoricalBins {
  readonly kind: 'categorical';
  readonly numBins: number;
  /** categories[b] is the category code held by bin b. */
  readonly categories: Float64Array;
  /** Code -> bin; built from `categories`. */
  readonly binOf: ReadonlyMap<number, number>;
}

export type FeatureBins = NumericBins | CategoricalBins;

/** Above this many rows, numeric bin edges come from an evenly strided sample (deterministic). */
const QUANTILE_SAMPLE = 200_000;

export function fitNumericBins(values: Float64Array, maxBins: number): NumericBins {
  const stride = Math.max(1, Math.floor(values.length / QUANTILE_SAMPLE));
  let sample: Float64Array;
  if (stride === 1) sample = values.slice();
  else {
    sample = new Float64Array(Math.ceil(values.length / stride));
    for (let i = 0, k = 0; i < values.length; i += stride) sample[k++] = values[i]!;
  }
  // A typed array sorts NaN last (and -0 before 0): the present values are a prefix.
  sample.sort();
  let n = sample.length;
  while (n > 0 && Number.isNaN(sample[n - 1]!)) n--;
  const sorted = sample.subarray(0, n);
  let distinct = 0;
  for (let i = 0; i < n; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) distinct++;
  const bounds: number[] = [];
  if (distinct <= maxBins) {
    for (let i = 1; i < n; i++) if (sorted[i] !== sorted[i - 1]) bounds.push(between(sorted[i - 1]!, sorted[i]!));
  } else {
    // Quantile edges over the rows (not the distinct values), so heavy values get their own bins.
    for (let k = 1; k < maxBins; k++) {
      const pos = Math.floor((k * n) / maxBins);
      const hi = sorted[pos]!;
      const lo = sorted[pos - 1]!;
      // Inside a run of equal values the edge closes the run: a heavy value ends its own bin.
      const edge = lo === hi ? hi : between(lo, hi);
      if (bounds.length === 0 || edge > bounds[bounds.length - 1]!) bounds.push(edge);
    }
  }
  return { kind: 'numeric', numBins: bounds.length + 1, upperBounds: Float64Array.from(bounds) };
}

/** A threshold t with lo <= t < hi, finite whenever possible. */
function between(lo: number, hi: number): number {
  const mid = lo + (hi - lo) / 2;
  if (Number.isFinite(mid) && mid >= lo && mid < hi) return mid;
  return Number.isFinite(lo) ? lo : -Number.MAX_VALUE;
}

export function fitCategoricalBins(values: Float64Array, maxCategories: number): CategoricalBins {
  const counts = new Map<number, number>();
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isNaN(v)) counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  const kept = [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, maxCategories)
    .map(([code]) => code);
  return categoricalBinsFrom(Float64Array.from(kept));
}

export function categoricalBinsFrom(categories: Float64Array): CategoricalBins {
  const binOf = new Map<number, number>();
  categories.forEach((code, bin) => binOf.set(code, bin));
  return { kind: 'categorical', numBins: categories.length, categories, binOf };
}

/** The bin of one value. */
export function binValue(bins: FeatureBins, value: number): number {
  if (bins.kind === 'categorical') return bins.binOf.get(value) ?? bins.numBins;
  if (Number.isNaN(value)) return bins.numBins;
  const bounds = bins.upperBounds;
  let lo = 0;
  let hi = bounds.length; // answer in [lo, hi]
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (value <= bounds[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Fits every feature's bins and bins the training matrix feature-major in the same pass over
 * each column: the bin of row i, feature f is columns[f * rows + i], as histograms read it.
 */
export function binTrainingColumns(x: Matrix, maxBins: number, categorical: ReadonlySet<number>, maxCategories: number): { bins: FeatureBins[]; columns: Uint8Array } {
  const column = new Float64Array(x.rows);
  const columns = new Uint8Array(x.rows * x.cols);
  const bins: FeatureBins[] = [];
  for (let j = 0; j < x.cols; j++) {
    for (let i = 0; i < x.rows; i++) column[i] = x.values[i * x.cols + j]!;
    const b = categorical.has(j) ? fitCategoricalBins(column, maxCategories) : fitNumericBins(column, maxBins);
    bins.push(b);
    for (let i = 0; i < x.rows; i++) columns[j * x.rows + i] = binValue(b, column[i]!);
  }
  return { bins, columns };
}

/** Bins a whole matrix, row-major like the input: one byte per value. */
export function binMatrix(x: Matrix, bins: readonly FeatureBins[]): Uint8Array {
  if (x.cols !== bins.length) throw new RangeError(`expected ${bins.length} features, got ${x.cols}`);
  const out = new Uint8Array(x.rows * x.cols);
  for (let i = 0; i < x.rows; i++) {
    const base = i * x.cols;
    for (let j = 0; j < x.cols; j++) out[base + j] = binValue(bins[j]!, x.values[base + j]!);
  }
  return out;
}
