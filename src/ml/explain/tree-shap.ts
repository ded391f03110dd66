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
class PathBuffer {
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

function extendPath(p: PathBuffer, o: number, depth: number, zero: number, one: number, feature: number): void {
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
function unwoundPathSum(p: PathBuffer, o: number, depth: number, index: number): number {
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

function maxDepth(forest: Forest): number {
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

/**
 * TreeSHAP with per-leaf tables, for explaining many rows of one model (after Yang 2021, "Fast
 * TreeSHAP", v2). A leaf's contribution to the players on its path depends only on which of
 * them the row follows all the way (a 0/1 pattern over the path's u distinct players) and on
 * fixed cover fractions; so each leaf keeps, for each of its 2^u patterns, the u contributions.
 * Explaining a row is then one walk over every node (O(trees · nodes)) that tracks the pattern,
 * plus u additions per leaf — instead of O(trees · leaves · u²) path arithmetic. The tables cost
 * Σ u · 2^u numbers over the leaves: `maxTableEntries` bounds them, and beyond it `explain`
 * falls back to the path algorithm (treeShap). Values agree with treeShap to float rounding.
 */
export class TreeShapExplainer {
  private readonly player: Int32Array | null;
  private readonly players: number;
  /** Per leaf node: offset of its table (−1 for internal nodes). */
  private readonly tableOffset: Int32Array;
  private readonly table: Float64Array | Float32Array | null;
  /** Per leaf node: its distinct players, in first-met order, at leafPlayers[leafPlayerOffset[node] …], and how many. */
  private readonly leafPlayerOffset: Int32Array;
  private readonly leafPlayerCount: Int32Array;
  private readonly leafPlayers: Int32Array;
  /** Per internal node: the bit of its player in the pattern of the path (the path is fixed, so is the bit). */
  private readonly nodeBit: Int32Array;
  /** Per internal node: 1 when its player is split on for the first time on the path. */
  private readonly firstSplit: Uint8Array;
  private readonly stackMask: Int32Array;
  /**
   * Every tree's nodes in depth-first order, left before right (a node's left child follows it;
   * its right child follows its left subtree), as flat arrays: an explanation is one pass over
   * them with a stack of masks, in the order the leaves' tables were laid out.
   */
  private readonly order: null | {
    readonly feature: Int32Array;
    readonly threshold: Float64Array;
    readonly defaultLeft: Uint8Array;
    readonly categoryOffset: Int32Array;
    readonly bit: Int32Array;
    readonly first: Uint8Array;
    /** Leaves: where their table and players start, and how many players. */
    readonly tableOffset: Int32Array;
    readonly playerOffset: Int32Array;
    readonly playerCount: Int32Array;
  };

  /**
   * `precision: 'float32'` halves the tables (fewer cache misses per row, which dominate the
   * time); each contribution then carries a relative rounding error of about 1e-7.
   */
  constructor(private readonly model: GbdtModel, options: { groups?: ArrayLike<number>; maxTableEntries?: number; precision?: 'float64' | 'float32' } = {}) {
    const forest = model.forest;
    const groups = options.groups;
    this.player = groups ? Int32Array.from(groups) : null;
    this.players = groups ? Math.max(0, ...Array.from(groups)) + 1 : model.numFeatures;
    const depth = maxDepth(forest);
    const nodes = forest.feature.length;
    this.tableOffset = new Int32Array(nodes).fill(-1);
    this.leafPlayerOffset = new Int32Array(nodes).fill(-1);
    this.leafPlayerCount = new Int32Array(nodes);
    this.nodeBit = new Int32Array(nodes);
    this.firstSplit = new Uint8Array(nodes);
    this.stackMask = new Int32Array(depth + 2);
    // First pass: each node's bit, each leaf's distinct players and their zero fractions
    // (products of the cover ratios towards the leaf); the tables' size.
    const leafPlayers: number[] = [];
    const leafZeros: number[][] = [];
    const leaves: number[] = [];
    let entries = 0;
    const slotPlayers: number[] = [];
    const slotZeros: number[] = [];
    const visit = (node: number): void => {
      const f = forest.feature[node]!;
      if (f < 0) {
        this.leafPlayerOffset[node] = leafPlayers.length;
        this.leafPlayerCount[node] = slotPlayers.length;
        leafPlayers.push(...slotPlayers);
        leafZeros.push(slotZeros.slice());
        leaves.push(node);
        entries += slotPlayers.length * 2 ** slotPlayers.length;
        return;
      }
      const g = this.player ? this.player[f]! : f;
      const known = slotPlayers.indexOf(g);
      const s = known < 0 ? slotPlayers.length : known;
      this.nodeBit[node] = 1 << s;
      this.firstSplit[node] = known < 0 ? 1 : 0;
      const cover = forest.cover[node]!;
      for (const child of [forest.left[node]!, forest.right[node]!]) {
        const ratio = cover > 0 ? forest.cover[child]! / cover : 0;
        if (known < 0) {
          slotPlayers.push(g);
          slotZeros.push(ratio);
          visit(child);
          slotPlayers.pop();
          slotZeros.pop();
        } else {
          const before = slotZeros[s]!;
          slotZeros[s] = before * ratio;
          visit(child);
          slotZeros[s] = before;
        }
      }
    };
    for (const root of forest.roots) visit(root);
    this.leafPlayers = Int32Array.from(leafPlayers);
    if (entries > (options.maxTableEntries ?? 8_000_000)) {
      this.table = null;
      this.order = null;
      return;
    }
    // Second pass: the tables, in the order the leaves were met (left before right). For a
    // pattern (bit j: the row follows player j's every split on the path), a path is extended
    // by the players' (zero, one) fractions and each is unwound, as in treeShap's leaves.
    const table = options.precision === 'float32' ? new Float32Array(entries) : new Float64Array(entries);
    const path = new PathBuffer(depth + 1);
    let at = 0;
    leaves.forEach((node, l) => {
      const zeros = leafZeros[l]!;
      const u = zeros.length;
      const value = forest.value[node]!;
      this.tableOffset[node] = at;
      for (let pattern = 0; pattern < 1 << u; pattern++) {
        extendPath(path, 0, 0, 1, 1, -1);
        for (let j = 0; j < u; j++) extendPath(path, 0, j + 1, zeros[j]!, (pattern >> j) & 1, j);
        for (let j = 0; j < u; j++) table[at++] = unwoundPathSum(path, 0, u, j + 1) * (((pattern >> j) & 1) - zeros[j]!) * value;
      }
    });
    this.table = table;
    const order = {
      feature: new Int32Array(nodes),
      threshold: new Float64Array(nodes),
      defaultLeft: new Uint8Array(nodes),
      categoryOffset: new Int32Array(nodes),
      bit: new Int32Array(nodes),
      first: new Uint8Array(nodes),
      tableOffset: new Int32Array(nodes),
      playerOffset: new Int32Array(nodes),
      playerCount: new Int32Array(nodes),
    };
    let next = 0;
    const stack: number[] = [];
    for (const root of forest.roots) {
      stack.push(root);
      while (stack.length > 0) {
        const node = stack.pop()!;
        const at = next++;
        order.feature[at] = forest.feature[node]!;
        order.threshold[at] = forest.threshold[node]!;
        order.defaultLeft[at] = forest.defaultLeft[node]!;
        order.categoryOffset[at] = forest.categoryOffset[node]!;
        order.bit[at] = this.nodeBit[node]!;
        order.first[at] = this.firstSplit[node]!;
        order.tableOffset[at] = this.tableOffset[node]!;
        order.playerOffset[at] = this.leafPlayerOffset[node]!;
        order.playerCount[at] = this.leafPlayerCount[node]!;
        if (forest.feature[node]! >= 0) stack.push(forest.right[node]!, forest.left[node]!);
      }
    }
    this.order = order;
  }

  /** Whether the tables were built (false: explain falls back to treeShap). */
  get tabulated(): boolean {
    return this.table !== null;
  }

  /** Numbers in the tables (0 without). */
  get tableEntries(): number {
    return this.table?.length ?? 0;
  }

  explain(row: ArrayLike<number>): ShapExplanation {
    const model = this.model;
    if (!this.table || !this.order) return treeShap(model, row, this.player ? { groups: this.player } : {});
    if (row.length !== model.numFeatures) throw new RangeError(`the model takes ${model.numFeatures} features, got ${row.length}`);
    const forest = model.forest;
    const categoryBins = model.categoryBins(row);
    const values = new Float64Array(this.players);
    const { table, leafPlayers, stackMask } = this;
    const { feature, threshold, defaultLeft, categoryOffset, bit, first, tableOffset, playerOffset, playerCount } = this.order;
    const bits = forest.categoryBits;
    // One pass in depth-first order. The mask holds the pattern so far (a player's bit is set
    // when the row followed its every split); at a split the left child comes next, and the
    // right child's mask waits on the stack until the left subtree is done. A leaf with an
    // empty stack ends its tree: the next node is the next tree's root, with an empty pattern.
    let top = 0;
    let mask = 0;
    const nodes = feature.length;
    for (let i = 0; i < nodes; i++) {
      const f = feature[i]!;
      if (f < 0) {
        const u = playerCount[i]!;
        const offset = tableOffset[i]! + mask * u;
        const players = playerOffset[i]!;
        for (let j = 0; j < u; j++) values[leafPlayers[players + j]!]! += table[offset + j]!;
        mask = top > 0 ? stackMask[--top]! : 0;
        continue;
      }
      const b = bit[i]!;
      // First split on the player: the followed side sets its bit. A later one: the other side clears it.
      const followed = first[i] ? mask | b : mask;
      const missed = mask & ~b;
      const c = categoryOffset[i]!;
      let toLeft: boolean;
      if (c >= 0) {
        const bin = categoryBins[f]!;
        toLeft = ((bits[c + (bin >>> 5)]! >>> (bin & 31)) & 1) === 1;
      } else {
        const x = row[f]!;
        toLeft = Number.isNaN(x) ? defaultLeft[i] === 1 : x <= threshold[i]!;
      }
      stackMask[top++] = toLeft ? missed : followed;
      mask = toLeft ? followed : missed;
    }
    return { baseValue: expectedValue(model), values };
  }
}
