/**
 * Exact TreeSHAP for the GBDT ensemble: Lundberg, Erion & Lee (2018), "Consistent
 * Individualized Feature Attribution for Tree Ensembles", Algorithm 2 — the path-dependent
 * variant, where a feature left out of a coalition follows both children weighted by the
 * training rows ("cover") that went each way.
 *
 * It gives, for one row x, contributions φ with  baseValue + Σ φ_f = prediction(x)  exactly (up
 * to float rounding), where baseValue is the cover-weighted mean prediction of the ensemble.
 * Cost: O(trees · leaves · depth²) per row.
 */
import { goesLeft, type Forest } from '../gbdt/forest.js';
import type { GbdtModel } from '../gbdt/model.js';

export interface ShapExplanation {
  /** E[f(X)] under the training distribution the covers record (includes the model's base score). */
  readonly baseValue: number;
  /** Contribution of each feature; baseValue + Σ values = prediction. */
  readonly values: Float64Array;
}

const expectedCache = new WeakMap<GbdtModel, number>();

/** The cover-weighted expected prediction: Σ over trees of Σ leaf value · cover(leaf) / cover(root). */
export function expectedValue(model: GbdtModel): number {
  const cached = expectedCache.get(model);
  if (cached !== undefined) return cached;
  const value = computeExpected(model);
  expectedCache.set(model, value);
  return value;
}

function computeExpected(model: GbdtModel): number {
  const { forest } = model;
  let sum = model.baseScore;
  for (let t = 0; t < forest.roots.length; t++) sum += expectedTree(forest, forest.roots[t]!);
  return sum;
}

function expectedTree(forest: Forest, node: number): number {
  if (forest.feature[node]! < 0) return forest.value[node]!;
  const l = forest.left[node]!;
  const r = forest.right[node]!;
  const total = forest.cover[node]!;
  if (total <= 0) return 0;
  return (forest.cover[l]! * expectedTree(forest, l) + forest.cover[r]! * expectedTree(forest, r)) / total;
}

/**
 * Exact SHAP values of one row (raw features, NaN = missing).
 *
 * With `groups` (the group of each feature, 0 … numGroups − 1), the players of the game are the
 * groups: a group is present or absent as a whole, and the values (one per group) are the exact
 * Shapley values of that game — not the sums of the members' own values, which differ when
 * members interact. A split on any member counts as a split on its group, as a feature met again
 * on the path, so the paths are shorter and the walk is faster (O(trees · leaves · groups on the
 * path²)). Base value + Σ values = prediction either way.
 */
export function treeShap(model: GbdtModel, row: ArrayLike<number>, options: { groups?: ArrayLike<number> } = {}): ShapExplanation {
  if (row.length !== model.numFeatures) throw new RangeError(`the model takes ${model.numFeatures} features, got ${row.length}`);
  const forest = model.forest;
  const categoryBins = model.categoryBins(row);
  const groups = options.groups;
  let players = model.numFeatures;
  if (groups) {
    if (groups.length !== model.numFeatures) throw new RangeError(`groups names ${groups.length} features, the model has ${model.numFeatures}`);
    players = 0;
    for (let f = 0; f < groups.length; f++) {
      const g = groups[f]!;
      if (!Number.isInteger(g) || g < 0) throw new RangeError(`groups[${f}] = ${g} is not a group number`);
      players = Math.max(players, g + 1);
    }
  }
  const values = new Float64Array(players);
  const path = pathBuffer(maxDepth(forest));
  const walk: Walk = { forest, row, categoryBins, values, path, player: groups ? Int32Array.from(groups) : null };
  for (let t = 0; t < forest.roots.length; t++) recurse(walk, forest.roots[t]!, 0, 0, 1, 1, -1);
  return { baseValue: expectedValue(model), values };
}

interface Walk {
  readonly forest: Forest;
  readonly row: ArrayLike<number>;
  readonly categoryBins: Int32Array;
  readonly values: Float64Array;
  readonly path: PathBuffer;
  /** The player of each feature (its group), or null: each feature is its own. */
  readonly player: Int32Array | null;
}

let sharedPath: PathBuffer | null = null;
let sharedDepth = -1;

/** One path buffer per depth, reused across calls (a walk never runs inside another). */
function pathBuffer(depth: number): PathBuffer {
  if (!sharedPath || sharedDepth < depth) {
    sharedPath = new PathBuffer(depth);
    sharedDepth = depth;
  }
  return sharedPath;
}

/**
 * The unique path of features from the root to the current node, one segment per recursion
 * level (each level copies its parent's path, as in the reference implementation). For element
 * i: the feature, the fraction of "zero" paths (feature absent: cover ratio) and "one" paths
 * (feature present: 1 if x goes that way, else 0) flowing through it, and the permutation weight.
 */
export class PathBuffer {
  readonly feature: Int32Array;
  readonly zero: Float64Array;
  readonly one: Float64Array;
  readonly weight: Float64Array;
  constructor(depth: number) {
    const size = ((depth + 2) * (depth + 3)) / 2 + 1;
    this.feature = new Int32Array(size);
    this.zero = new Float64Array(size);
    this.one = new Float64Array(size);
    this.weight = new Float64Array(size);
  }
}

function recurse(w: Walk, node: number, parentOffset: number, depth: number, parentZero: number, parentOne: number, parentFeature: number): void {
  const { forest, path } = w;
  const offset = parentOffset + depth + 1;
  path.feature.copyWithin(offset, parentOffset, parentOffset + depth + 1);
  path.zero.copyWithin(offset, parentOffset, parentOffset + depth + 1);
  path.one.copyWithin(offset, parentOffset, parentOffset + depth + 1);
  path.weight.copyWithin(offset, parentOffset, parentOffset + depth + 1);
  extendPath(path, offset, depth, parentZero, parentOne, parentFeature);

  const splitFeature = forest.feature[node]!;
  if (splitFeature < 0) {
    const leafValue = forest.value[node]!;
    for (let i = 1; i <= depth; i++) {
      const scale = unwoundPathSum(path, offset, depth, i);
      w.values[path.feature[offset + i]!]! += scale * (path.one[offset + i]! - path.zero[offset + i]!) * leafValue;
    }
    return;
  }
  const split = w.player ? w.player[splitFeature]! : splitFeature;
  const left = forest.left[node]!;
  const right = forest.right[node]!;
  const toLeft = goesLeft(forest, node, w.row, w.categoryBins);
  const hot = toLeft ? left : right;
  const cold = toLeft ? right : left;
  const cover = forest.cover[node]!;
  const hotZero = cover > 0 ? forest.cover[hot]! / cover : 0;
  const coldZero = cover > 0 ? forest.cover[cold]! / cover : 0;
  let incomingZero = 1;
  let incomingOne = 1;
  // A feature met again on the path: undo its earlier element and carry its fractions down.
  let k = 0;
  while (k <= depth && path.feature[offset + k] !== split) k++;
  if (k <= depth) {
    incomingZero = path.zero[offset + k]!;
    incomingOne = path.one[offset + k]!;
    unwindPath(path, offset, depth, k);
    depth -= 1;
  }
  recurse(w, hot, offset, depth + 1, hotZero * incomingZero, incomingOne, split);
  recurse(w, cold, offset, depth + 1, coldZero * incomingZero, 0, split);
}

export function extendPath(p: PathBuffer, o: number, depth: number, zero: number, one: number, feature: number): void {
  p.feature[o + depth] = feature;
  p.zero[o + depth] = zero;
  p.one[o + depth] = one;
  p.weight[o + depth] = depth === 0 ? 1 : 0;
  for (let i = depth - 1; i >= 0; i--) {
    p.weight[o + i + 1]! += (one * p.weight[o + i]! * (i + 1)) / (depth + 1);
    p.weight[o + i] = (zero * p.weight[o + i]! * (depth - i)) / (depth + 1);
  }
}

function unwindPath(p: PathBuffer, o: number, depth: number, index: number): void {
  const one = p.one[o + index]!;
  const zero = p.zero[o + index]!;
  let next = p.weight[o + depth]!;
  for (let i = depth - 1; i >= 0; i--) {
    if (one !== 0) {
      const tmp = p.weight[o + i]!;
      p.weight[o + i] = (next * (depth + 1)) / ((i + 1) * one);
      next = tmp - (p.weight[o + i]! * zero * (depth - i)) / (depth + 1);
    } else {
      p.weight[o + i] = (p.weight[o + i]! * (depth + 1)) / (zero * (depth - i));
    }
  }
  for (let i = index; i < depth; i++) {
    p.feature[o + i] = p.feature[o + i + 1]!;
    p.zero[o + i] = p.zero[o + i + 1]!;
    p.one[o + i] = p.one[o + i + 1]!;
  }
}

/** Σ of the permutation weights the path would have without element `index`. */
export function unwoundPathSum(p: PathBuffer, o: number, depth: number, index: number): number {
  const one = p.one[o + index]!;
  const zero = p.zero[o + index]!;
  let next = p.weight[o + depth]!;
  let total = 0;
  for (let i = depth - 1; i >= 0; i--) {
    if (one !== 0) {
      const tmp = (next * (depth + 1)) / ((i + 1) * one);
      total += tmp;
      next = p.weight[o + i]! - tmp * zero * ((depth - i) / (depth + 1));
    } else if (zero !== 0) {
      total += p.weight[o + i]! / zero / ((depth - i) / (depth + 1));
    }
  }
  return total;
}

const depthCache = new WeakMap<Forest, number>();

export function maxDepth(forest: Forest): number {
  const cached = depthCache.get(forest);
  if (cached !== undefined) return cached;
  let deepest = 0;
  const depthOf = new Int32Array(forest.feature.length);
  // Children always come after their parent, so one forward pass sets every depth.
  for (let n = 0; n < forest.feature.length; n++) {
    if (forest.feature[n]! < 0) continue;
    const d = depthOf[n]! + 1;
    depthOf[forest.left[n]!] = d;
    depthOf[forest.right[n]!] = d;
    if (d > deepest) deepest = d;
  }
  depthCache.set(forest, deepest);
  return deepest;
}
