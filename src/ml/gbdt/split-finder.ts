/**
 * Best-split search on a node's histogram. Row counts (for minSamplesLeaf and
 * minDataPerCategory) are hessian sums times the node's rows per unit of hessian: exact for
 * unit-hessian losses, LightGBM's estimate otherwise. The gain of splitting (G, H) into (GL, HL) and
 * (GR, HR) is GL²/(HL+λ) + GR²/(HR+λ) − G²/(H+λ): twice the decrease of the second-order
 * approximation of the loss (XGBoost's and LightGBM's convention, without the ½).
 */
import { SLOTS, type HistogramLayout } from './histogram.js';

export interface SplitConstraints {
  readonly minSamplesLeaf: number;
  readonly minHessianLeaf: number;
  readonly lambda: number;
  readonly minDataPerCategory: number;
  readonly maxCategoricalThreshold: number;
  readonly categoricalSmoothing: number;
  readonly categoricalL2: number;
}

/** A candidate split; mutable so that the search reuses one object per node. */
export class SplitCandidate {
  gain = -Infinity;
  feature = -1;
  /** Numeric: rows with bin <= binThreshold go left. */
  binThreshold = 0;
  /** Numeric: where the missing bin goes. */
  defaultLeft = false;
  /** Categorical: bins whose bit is set go left; all others (and unseen codes) go right. */
  categoryBits: Uint32Array | null = null;
  leftGradient = 0;
  leftHessian = 0;

  get found(): boolean {
    return this.feature >= 0;
  }
}

export interface NodeTotals {
  readonly gradient: number;
  readonly hessian: number;
  readonly count: number;
}

export function findBestSplit(
  hist: Float64Array,
  layout: HistogramLayout,
  features: Int32Array,
  totals: NodeTotals,
  c: SplitConstraints,
  best: SplitCandidate,
): SplitCandidate {
  best.gain = -Infinity;
  best.feature = -1;
  best.categoryBits = null;
  for (let j = 0; j < features.length; j++) {
    const f = features[j]!;
    if (layout.isCategorical[f]) categoricalSplit(hist, layout, f, totals, c, best);
    else numericSplit(hist, layout, f, totals, c, best);
  }
  return best;
}

/**
 * Scans the thresholds of a numeric feature in bin order, with the missing rows right and then
 * left at each one, and finally "every present value left, missing right": the first candidate
 * with the strictly largest gain wins, across features in the order searched. The hot loop of
 * split finding, so the bookkeeping stays in locals and `best` is written once per feature.
 */
function numericSplit(hist: Float64Array, layout: HistogramLayout, f: number, t: NodeTotals, c: SplitConstraints, best: SplitCandidate): void {
  const from = layout.slotOffset[f]!;
  const nonMissing = layout.binCount[f]! - 1;
  const missingAt = from + nonMissing * SLOTS;
  const gM = hist[missingAt]!;
  const hM = hist[missingAt + 1]!;
  const hasMissing = hM > 0;
  const { lambda, minSamplesLeaf, minHessianLeaf } = c;
  const G = t.gradient;
  const H = t.hessian;
  const count = t.count;
  const parent = (G * G) / (H + lambda);
  const countPerHessian = count / H;
  let bestGain = best.gain;
  let bestBin = -1;
  let bestMissingLeft = false;
  let bestGL = 0;
  let bestHL = 0;
  let gL = 0;
  let hL = 0;
  for (let b = 0; b < nonMissing - 1; b++) {
    const at = from + b * SLOTS;
    const h = hist[at + 1]!;
    // An empty bin moves no row: the split after it equals the one before it.
    if (h === 0) continue;
    gL += hist[at]!;
    hL += h;
    const nL = hL * countPerHessian;
    const nR = count - nL;
    const hR = H - hL;
    // The left side only grows with b: once the right is too small it stays so, also with the
    // missing rows added to the left.
    if (nR < minSamplesLeaf || hR < minHessianLeaf) break;
    if (nL >= minSamplesLeaf && hL >= minHessianLeaf) {
      const gR = G - gL;
      const gain = (gL * gL) / (hL + lambda) + (gR * gR) / (hR + lambda) - parent;
      if (gain > bestGain) {
        bestGain = gain;
        bestBin = b;
        bestMissingLeft = false;
        bestGL = gL;
        bestHL = hL;
      }
    }
    if (hasMissing) {
      const gLM = gL + gM;
      const hLM = hL + hM;
      const nLM = hLM * countPerHessian;
      const nRM = count - nLM;
      const hRM = H - hLM;
      if (nLM >= minSamplesLeaf && nRM >= minSamplesLeaf && hLM >= minHessianLeaf && hRM >= minHessianLeaf) {
        const gR = G - gLM;
        const gain = (gLM * gLM) / (hLM + lambda) + (gR * gR) / (hRM + lambda) - parent;
        if (gain > bestGain) {
          bestGain = gain;
          bestBin = b;
          bestMissingLeft = true;
          bestGL = gLM;
          bestHL = hLM;
        }
      }
    }
  }
  if (bestBin >= 0) {
    const nL = bestHL * countPerHessian;
    best.gain = bestGain;
    best.feature = f;
    best.binThreshold = bestBin;
    best.categoryBits = null;
    // Without missing values in the node, send future missing values to the larger side.
    best.defaultLeft = hasMissing ? bestMissingLeft : nL >= count - nL;
    best.leftGradient = bestGL;
    best.leftHessian = bestHL;
  }
  // Every present value left, missing values right.
  if (hasMissing && nonMissing >= 1) {
    consider(t, c, parent, countPerHessian, best, f, nonMissing - 1, false, hasMissing, G - gM, H - hM);
  }
}

function consider(
  t: NodeTotals, c: SplitConstraints, parent: number, countPerHessian: number, best: SplitCandidate,
  f: number, threshold: number, defaultLeft: boolean, hasMissing: boolean, gL: number, hL: number,
): void {
  const hR = t.hessian - hL;
  const nL = hL * countPerHessian;
  const nR = t.count - nL;
  if (nL < c.minSamplesLeaf || nR < c.minSamplesLeaf || hL < c.minHessianLeaf || hR < c.minHessianLeaf) return;
  const gR = t.gradient - gL;
  const gain = (gL * gL) / (hL + c.lambda) + (gR * gR) / (hR + c.lambda) - parent;
  if (gain > best.gain) {
    best.gain = gain;
    best.feature = f;
    best.binThreshold = threshold;
    best.categoryBits = null;
    best.defaultLeft = hasMissing ? defaultLeft : nL >= nR;
    best.leftGradient = gL;
    best.leftHessian = hL;
  }
}

/**
 * LightGBM's categorical split: order the node's categories by gradient/(hessian + smoothing),
 * then the best split is a prefix of that order (Fisher 1958 for squared error); scan prefixes
 * from both ends, up to `maxCategoricalThreshold` categories. Categories with fewer than
 * `minDataPerCategory` rows in the node always go right, with the unseen ones.
 */
let ratioScratch = new Float64Array(256);

function categoricalSplit(hist: Float64Array, layout: HistogramLayout, f: number, t: NodeTotals, c: SplitConstraints, best: SplitCandidate): void {
  const from = layout.slotOffset[f]!;
  const numBins = layout.binCount[f]!;
  const used: number[] = [];
  const countPerHessian = t.count / t.hessian;
  for (let b = 0; b < numBins; b++) if (hist[from + b * SLOTS + 1]! * countPerHessian >= c.minDataPerCategory) used.push(b);
  if (used.length === 0) return;
  // The order key of each used bin, computed once rather than twice per comparison.
  if (ratioScratch.length < numBins) ratioScratch = new Float64Array(numBins);
  const ratio = ratioScratch;
  for (const b of used) ratio[b] = hist[from + b * SLOTS]! / (hist[from + b * SLOTS + 1]! + c.categoricalSmoothing);
  used.sort((a, b) => ratio[a]! - ratio[b]! || a - b);
  const lambda = c.lambda + c.categoricalL2;
  const parent = (t.gradient * t.gradient) / (t.hessian + lambda);
  const limit = Math.min(c.maxCategoricalThreshold, Math.max(1, (used.length + 1) >> 1));
  for (const forward of [true, false]) {
    let gL = 0;
    let hL = 0;
    for (let k = 0; k < limit; k++) {
      const b = used[forward ? k : used.length - 1 - k]!;
      const at = from + b * SLOTS;
      gL += hist[at]!;
      hL += hist[at + 1]!;
      const cL = hL * countPerHessian;
      const nR = t.count - cL;
      const hR = t.hessian - hL;
      if (cL < c.minSamplesLeaf || nR < c.minSamplesLeaf || hL < c.minHessianLeaf || hR < c.minHessianLeaf) continue;
      const gR = t.gradient - gL;
      const gain = (gL * gL) / (hL + lambda) + (gR * gR) / (hR + lambda) - parent;
      if (gain > best.gain) {
        const bits = new Uint32Array((numBins + 31) >>> 5);
        for (let m = 0; m <= k; m++) {
          const leftBin = used[forward ? m : used.length - 1 - m]!;
          bits[leftBin >>> 5]! |= 1 << (leftBin & 31);
        }
        best.gain = gain;
        best.feature = f;
        best.binThreshold = 0;
        best.defaultLeft = false;
        best.categoryBits = bits;
        best.leftGradient = gL;
        best.leftHessian = hL;
      }
    }
  }
}

export function bitIsSet(bits: Uint32Array, offset: number, bin: number): boolean {
  return ((bits[offset + (bin >>> 5)]! >>> (bin & 31)) & 1) === 1;
}
