/**
 * k-nearest neighbours over standardised numeric features, for comparables ("comps"): each
 * feature is centred and divided by its standard deviation, then optionally weighted, so that
 * square feet and bedrooms count on one scale. Missing values (NaN) are imputed with the
 * column mean, i.e. contribute nothing to the distance. Exact brute-force search: at tens of
 * thousands of rows a query takes well under a millisecond, and it needs no index to keep.
 */
import type { Matrix } from './matrix.js';

export interface Neighbour {
  /** Row index in the fitted matrix. */
  readonly index: number;
  /** Euclidean distance in the standardised, weighted space. */
  readonly distance: number;
}

export interface KnnQueryOptions {
  /** Rows for which this returns false are skipped (e.g. other markets, the subject itself). */
  readonly filter?: (index: number) => boolean;
}

export class KnnIndex {
  private constructor(
    readonly cols: number,
    readonly means: Float64Array,
    readonly scales: Float64Array,
    /** Row-major standardised and weighted rows. */
    private readonly points: Float64Array,
    readonly rows: number,
  ) {}

  /** Fits the standardisation on x and indexes its rows. `weights` multiply standardised features. */
  static fit(x: Matrix, weights?: ArrayLike<number>): KnnIndex {
    const { rows, cols, values } = x;
    if (weights && weights.length !== cols) throw new RangeError(`${weights.length} weights for ${cols} features`);
    const means = new Float64Array(cols);
    const scales = new Float64Array(cols);
    for (let j = 0; j < cols; j++) {
      let sum = 0;
      let sq = 0;
      let count = 0;
      for (let i = 0; i < rows; i++) {
        const v = values[i * cols + j]!;
        if (Number.isNaN(v)) continue;
        sum += v;
        sq += v * v;
        count++;
      }
      const mean = count > 0 ? sum / count : 0;
      const sd = count > 1 ? Math.sqrt(Math.max(0, sq / count - mean * mean)) : 0;
      means[j] = mean;
      // A constant column carries no distance; a weight scales what it carries.
      scales[j] = sd > 0 ? (weights ? weights[j]! : 1) / sd : 0;
    }
    const index = new KnnIndex(cols, means, scales, new Float64Array(rows * cols), rows);
    for (let i = 0; i < rows; i++) index.standardise(values.subarray(i * cols, (i + 1) * cols), index.points.subarray(i * cols, (i + 1) * cols));
    return index;
  }

  /** The k nearest fitted rows to `row` (raw features), nearest first; ties keep the lower index. */
  query(row: ArrayLike<number>, k: number, options: KnnQueryOptions = {}): Neighbour[] {
    if (row.length !== this.cols) throw new RangeError(`expected ${this.cols} features, got ${row.length}`);
    if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
    const q = this.standardise(row, new Float64Array(this.cols));
    const { points, cols, rows } = this;
    // A sorted array of the best k so far: k is small, insertion beats a heap.
    const bestIndex: number[] = [];
    const bestDistance: number[] = [];
    for (let i = 0; i < rows; i++) {
      if (options.filter && !options.filter(i)) continue;
      const base = i * cols;
      let d = 0;
      for (let j = 0; j < cols; j++) {
        const diff = points[base + j]! - q[j]!;
        d += diff * diff;
      }
      if (bestIndex.length === k && d >= bestDistance[k - 1]!) continue;
      let at = bestIndex.length === k ? k - 1 : bestIndex.length;
      while (at > 0 && bestDistance[at - 1]! > d) {
        bestDistance[at] = bestDistance[at - 1]!;
        bestIndex[at] = bestIndex[at - 1]!;
        at--;
      }
      bestDistance[at] = d;
      bestIndex[at] = i;
    }
    return bestIndex.map((index, r) => ({ index, distance: Math.sqrt(bestDistance[r]!) }));
  }

  private standardise(row: ArrayLike<number>, out: Float64Array): Float64Array {
    for (let j = 0; j < this.cols; j++) {
      const v = row[j]!;
      out[j] = Number.isNaN(v) ? 0 : (v - this.means[j]!) * this.scales[j]!;
    }
    return out;
  }
}

const EARTH_RADIUS_KM = 6371.0088;

/** Great-circle distance in kilometres between two points given in degrees (haversine formula). */
export function haversineKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLon = (lon2 - lon1) * rad;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(a)));
}
