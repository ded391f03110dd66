/**
 * Gradient histograms: for each feature and bin, the sums of the gradients and hessians of the
 * training rows in a node: two float64 slots per bin, [gradient, hessian]. There is no row
 * count: with a unit hessian (both current losses) the hessian sum IS the count, which saves a
 * third of the memory traffic of the hottest loop; a loss with other hessians would estimate
 * counts from hessians as LightGBM does (see split-finder.ts).
 */
import type { FeatureBins } from './binning.js';

export const SLOTS = 2;

/** Where each feature's bins live in a histogram buffer. */
export interface HistogramLayout {
  readonly numFeatures: number;
  /** Start of feature f's first bin, in float64 slots (already multiplied by SLOTS). */
  readonly slotOffset: Int32Array;
  /** Bins of feature f including the missing/other bin. */
  readonly binCount: Int32Array;
  readonly isCategorical: Uint8Array;
  /** Length of one histogram buffer, in float64 slots. */
  readonly size: number;
}

export function histogramLayout(bins: readonly FeatureBins[]): HistogramLayout {
  const numFeatures = bins.length;
  const slotOffset = new Int32Array(numFeatures);
  const binCount = new Int32Array(numFeatures);
  const isCategorical = new Uint8Array(numFeatures);
  let total = 0;
  bins.forEach((b, f) => {
    slotOffset[f] = total * SLOTS;
    binCount[f] = b.numBins + 1;
    isCategorical[f] = b.kind === 'categorical' ? 1 : 0;
    total += b.numBins + 1;
  });
  return { numFeatures, slotOffset, binCount, isCategorical, size: total * SLOTS };
}

/** The training data a histogram is built from. */
export interface HistogramSource {
  /** Feature-major bins: the bin of row i, feature f is columns[f * numRows + i]. */
  readonly columns: Uint8Array;
  readonly numRows: number;
  readonly gradients: Float64Array;
  /** null when every hessian is 1. */
  readonly hessians: Float64Array | null;
  /** Scratch for the node's gradients (and hessians) in row order, at least numRows long each. */
  readonly orderedGradients: Float64Array;
  readonly orderedHessians: Float64Array;
}

/**
 * Fills `hist` for the rows rows[start..end) and the given features. Column by column, four
 * columns per pass over the rows (as scikit-learn and LightGBM work column-wise): each column
 * (numRows bytes) and histogram (4 KiB) stays in L1, the node's row indices and gathered
 * gradients are read once per four features, and four independent scatter chains keep the CPU
 * busy. Four at a time measured 2× faster than one at a time on V8.
 */
export function buildHistogram(
  hist: Float64Array,
  layout: HistogramLayout,
  source: HistogramSource,
  rows: Uint32Array,
  start: number,
  end: number,
  features: Int32Array,
): void {
  const { slotOffset, binCount } = layout;
  const { columns, numRows, gradients, hessians, orderedGradients: og, orderedHessians: oh } = source;
  const count = end - start;
  const nodeRows = rows.subarray(start, end);
  for (let k = 0; k < count; k++) og[k] = gradients[nodeRows[k]!]!;
  if (hessians) for (let k = 0; k < count; k++) oh[k] = hessians[nodeRows[k]!]!;
  for (let j = 0; j < features.length; j++) {
    const f = features[j]!;
    hist.fill(0, slotOffset[f]!, slotOffset[f]! + binCount[f]! * SLOTS);
  }
  const column = (f: number): Uint8Array => columns.subarray(f * numRows, (f + 1) * numRows);
  let j = 0;
  if (!hessians) {
    for (; j + 3 < features.length; j += 4) {
      const f0 = features[j]!, f1 = features[j + 1]!, f2 = features[j + 2]!, f3 = features[j + 3]!;
      const c0 = column(f0), c1 = column(f1), c2 = column(f2), c3 = column(f3);
      const o0 = slotOffset[f0]!, o1 = slotOffset[f1]!, o2 = slotOffset[f2]!, o3 = slotOffset[f3]!;
      for (let k = 0; k < count; k++) {
        const i = nodeRows[k]!;
        const g = og[k]!;
        const a0 = o0 + c0[i]! * SLOTS;
        hist[a0]! += g;
        hist[a0 + 1]! += 1;
        const a1 = o1 + c1[i]! * SLOTS;
        hist[a1]! += g;
        hist[a1 + 1]! += 1;
        const a2 = o2 + c2[i]! * SLOTS;
        hist[a2]! += g;
        hist[a2 + 1]! += 1;
        const a3 = o3 + c3[i]! * SLOTS;
        hist[a3]! += g;
        hist[a3 + 1]! += 1;
      }
    }
  }
  for (; j < features.length; j++) {
    const f = features[j]!;
    const c = column(f);
    const o = slotOffset[f]!;
    if (hessians) {
      for (let k = 0; k < count; k++) {
        const at = o + c[nodeRows[k]!]! * SLOTS;
        hist[at]! += og[k]!;
        hist[at + 1]! += oh[k]!;
      }
    } else {
      for (let k = 0; k < count; k++) {
        const at = o + c[nodeRows[k]!]! * SLOTS;
        hist[at]! += og[k]!;
        hist[at + 1]! += 1;
      }
    }
  }
}

/** parent -= child over the given features: the histogram subtraction trick (parent becomes the sibling). */
export function subtractHistogram(parent: Float64Array, child: Float64Array, layout: HistogramLayout, features: Int32Array): void {
  for (let j = 0; j < features.length; j++) {
    const f = features[j]!;
    const from = layout.slotOffset[f]!;
    const to = from + layout.binCount[f]! * SLOTS;
    for (let at = from; at < to; at++) parent[at]! -= child[at]!;
  }
}

/**
 * Reuses histogram buffers across nodes and trees instead of allocating one per node. With an
 * arena (shared memory, for the helper thread) the buffers are views into it while it lasts.
 */
export class HistogramPool {
  private readonly free: Float64Array[] = [];
  constructor(private readonly size: number, arena?: ArrayBufferLike) {
    if (arena) {
      const count = Math.floor(arena.byteLength / (size * 8));
      for (let k = count - 1; k >= 0; k--) this.free.push(new Float64Array(arena, k * size * 8, size));
    }
  }
  take(): Float64Array {
    return this.free.pop() ?? new Float64Array(this.size);
  }
  give(hist: Float64Array): void {
    this.free.push(hist);
  }
}
