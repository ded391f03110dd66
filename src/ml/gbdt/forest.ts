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
