/**
 * The ensemble in a flat layout: every node of every tree in one set of typed arrays, children
 * as absolute indices, so prediction is a tight loop over numbers with no objects.
 *
 * A numeric split sends x left when x <= threshold, and NaN to its default side. A categorical
 * split maps the code to its bin (unknown codes and NaN to the "other" bin) and sends it left
 * when that bin's bit is set.
 */
import type { FeatureBins } from './binning.js';
import type { TreeBuilder } from './tree-builder.js';

export interface Forest {
  /** Index of each tree's root node. */
  readonly roots: Int32Array;
  /** Split feature, or -1 for a leaf. */
  readonly feature: Int32Array;
  readonly threshold: Float64Array;
  readonly defaultLeft: Uint8Array;
  /** Offset of the node's category bitset in `categoryBits`, or -1 for a numeric split. */
  readonly categoryOffset: Int32Array;
  readonly categoryBits: Uint32Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  /** Leaf output (shrinkage included); 0 for internal nodes. */
  readonly value: Float64Array;
  /** Training rows that reached the node. */
  readonly cover: Float64Array;
  /** Loss reduction of the split (0 for leaves). */
  readonly gain: Float64Array;
}

export function forestFromTrees(trees: readonly TreeBuilder[], bins: readonly FeatureBins[]): Forest {
  const total = trees.reduce((n, t) => n + t.size, 0);
  const roots = new Int32Array(trees.length);
  const feature = new Int32Array(total);
  const threshold = new Float64Array(total);
  const defaultLeft = new Uint8Array(total);
  const categoryOffset = new Int32Array(total).fill(-1);
  const bitWords: number[] = [];
  const left = new Int32Array(total).fill(-1);
  const right = new Int32Array(total).fill(-1);
  const value = new Float64Array(total);
  const cover = new Float64Array(total);
  const gain = new Float64Array(total);
  let base = 0;
  trees.forEach((tree, t) => {
    roots[t] = base;
    for (let n = 0; n < tree.size; n++) {
      const at = base + n;
      const f = tree.feature[n]!;
      feature[at] = f;
      value[at] = tree.value[n]!;
      cover[at] = tree.cover[n]!;
      gain[at] = tree.gain[n]!;
      if (f < 0) continue;
      left[at] = base + tree.left[n]!;
      right[at] = base + tree.right[n]!;
      defaultLeft[at] = tree.defaultLeft[n] ? 1 : 0;
      const bits = tree.categoryBits[n];
      const featureBins = bins[f]!;
      if (bits) {
        categoryOffset[at] = bitWords.length;
        bitWords.push(...bits);
      } else if (featureBins.kind === 'numeric') {
        const b = tree.binThreshold[n]!;
        threshold[at] = b < featureBins.upperBounds.length ? featureBins.upperBounds[b]! : Infinity;
      }
    }
    base += tree.size;
  });
  return { roots, feature, threshold, defaultLeft, categoryOffset, categoryBits: Uint32Array.from(bitWords), left, right, value, cover, gain };
}

/** Whether a row goes to the left child of internal node `node`. `categoryBins[f]` holds the bin of categorical feature f. */
export function goesLeft(forest: Forest, node: number, row: ArrayLike<number>, categoryBins: Int32Array): boolean {
  const f = forest.feature[node]!;
  const offset = forest.categoryOffset[node]!;
  if (offset >= 0) {
    const bin = categoryBins[f]!;
    return ((forest.categoryBits[offset + (bin >>> 5)]! >>> (bin & 31)) & 1) === 1;
  }
  const x = row[f]!;
  return Number.isNaN(x) ? forest.defaultLeft[node] === 1 : x <= forest.threshold[node]!;
}

/** What prediction needs to know of a feature: categorical ones map codes to bins. */
export type FeatureLookup =
  | { readonly kind: 'numeric' }
  | { readonly kind: 'categorical'; readonly binOf: ReadonlyMap<number, number>; readonly numBins: number };

/** Bins of the categorical features of one row (other entries untouched). */
export function categoryBinsOf(row: ArrayLike<number>, bins: readonly FeatureLookup[], out: Int32Array): Int32Array {
  for (let f = 0; f < bins.length; f++) {
    const b = bins[f]!;
    if (b.kind === 'categorical') out[f] = b.binOf.get(row[f]!) ?? b.numBins;
  }
  return out;
}

/** Sum of the leaf values of trees [0, numTrees) for one row. */
export function sumTrees(forest: Forest, numTrees: number, row: ArrayLike<number>, categoryBins: Int32Array): number {
  const { roots, feature, threshold, defaultLeft, categoryOffset, categoryBits, left, right, value } = forest;
  let sum = 0;
  for (let t = 0; t < numTrees; t++) {
    let n = roots[t]!;
    let f = feature[n]!;
    while (f >= 0) {
      const offset = categoryOffset[n]!;
      let toLeft: boolean;
      if (offset >= 0) {
        const bin = categoryBins[f]!;
        toLeft = ((categoryBits[offset + (bin >>> 5)]! >>> (bin & 31)) & 1) === 1;
      } else {
        const x = row[f]!;
        toLeft = x !== x ? defaultLeft[n] === 1 : x <= threshold[n]!;
      }
      n = toLeft ? left[n]! : right[n]!;
      f = feature[n]!;
    }
    sum += value[n]!;
  }
  return sum;
}

/** Number of nodes of tree t. */
export function treeSize(forest: Forest, t: number): number {
  const end = t + 1 < forest.roots.length ? forest.roots[t + 1]! : forest.feature.length;
  return end - forest.roots[t]!;
}

/** Rows per block of `addTreesBlocked`: a block's rows and category bins stay in cache while every tree walks them. */
const ROW_BLOCK = 256;

/**
 * out[i] += Σ leaf values of trees [0, numTrees) for the rows of a row-major matrix (cols values
 * per row), tree by tree over blocks of rows instead of row by row over all trees: one row at a
 * time streams the whole forest (megabytes for hundreds of trees) through the cache for every
 * row, a block reuses each tree's nodes for all its rows. Each row's sum is still 0 + tree 0 +
 * tree 1 + … in tree order, so the result is bit for bit sumTrees's.
 */
export function sumTreesMatrix(forest: Forest, numTrees: number, values: Float64Array, rows: number, cols: number, lookups: readonly FeatureLookup[], out: Float64Array): void {
  const { roots, feature, threshold, defaultLeft, categoryOffset, categoryBits, left, right, value } = forest;
  const hasCategorical = lookups.some((l) => l.kind === 'categorical');
  const bins = new Int32Array(ROW_BLOCK * cols);
  const acc = new Float64Array(ROW_BLOCK);
  for (let from = 0; from < rows; from += ROW_BLOCK) {
    const count = Math.min(ROW_BLOCK, rows - from);
    if (hasCategorical) {
      for (let r = 0; r < count; r++) categoryBinsOf(values.subarray((from + r) * cols, (from + r + 1) * cols), lookups, bins.subarray(r * cols, (r + 1) * cols));
    }
    acc.fill(0, 0, count);
    for (let t = 0; t < numTrees; t++) {
      const root = roots[t]!;
      for (let r = 0; r < count; r++) {
        const base = (from + r) * cols;
        let n = root;
        let f = feature[n]!;
        while (f >= 0) {
          const offset = categoryOffset[n]!;
          let toLeft: boolean;
          if (offset >= 0) {
            const bin = bins[r * cols + f]!;
            toLeft = ((categoryBits[offset + (bin >>> 5)]! >>> (bin & 31)) & 1) === 1;
          } else {
            const x = values[base + f]!;
            toLeft = x !== x ? defaultLeft[n] === 1 : x <= threshold[n]!;
          }
          n = toLeft ? left[n]! : right[n]!;
          f = feature[n]!;
        }
        acc[r]! += value[n]!;
      }
    }
    for (let r = 0; r < count; r++) out[from + r] = acc[r]!;
  }
}

