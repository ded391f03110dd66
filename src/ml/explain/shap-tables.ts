/**
 * The build of TreeShapExplainer (tree-shap.ts): each tree cut into blocks, the tables of the
 * blocks, and the flat arrays of the three passes an explanation makes.
 *
 * A block is a subtree of at most `blockLeaves` leaves (a leaf alone is one too). The sum of its
 * leaves' contributions depends on the row only through the pattern m at its root (bit j: the
 * row follows every split of the root path's player j) and the directions c of its own k splits,
 * so its table has a row of its players' contributions for each (m, c): width · 2^(u + k)
 * numbers. A subtree is one block only where that is at most `blockGrowth` times its leaves'
 * tables apart (Σ u_ℓ · 2^u_ℓ); otherwise its root's split stays above the blocks and its
 * children are tried.
 */
import type { GbdtModel } from '../gbdt/model.js';
import { extendPath, PathBuffer, unwoundPathSum } from './tree-shap-path.js';

/** Most leaves in one block (its splits index 2^(leaves − 1) rows per root pattern). */
export const MAX_BLOCK_LEAVES = 8;

interface Step {
  /** The split's index within the block, which child (0 left), the leaf's slot of its player, and whether the leaf's path meets that player here first. */
  readonly split: number;
  readonly side: number;
  readonly slot: number;
  readonly first: boolean;
}

interface BlockPlan {
  readonly maskSlot: number;
  /** Nodes of the block's splits, depth-first. */
  readonly splits: number[];
  readonly pathPlayers: number;
  /** The root path's players, then the block's new ones: the table's columns. */
  readonly players: number[];
  readonly leaves: { value: number; zeros: number[]; slots: number[]; steps: Step[] }[];
  readonly entries: number;
}

export interface ShapTables {
  readonly blocks: number;
  readonly entries: number;
  /** Null when the entries exceed the budget. */
  readonly table: Float32Array | Float64Array | null;
  // Directions: numeric splits first (by threshold rank), then categorical ones.
  readonly numericSplits: number;
  readonly splitRank: Int32Array;
  readonly splitRankOf: Int32Array;
  readonly thresholds: Float64Array;
  readonly thresholdStart: Int32Array;
  readonly categoricalFeature: Int32Array;
  readonly categoricalOffset: Int32Array;
  // Patterns: one edge per child above the blocks, parents first; edge e sets pattern e + 1 from
  // pattern maskSource[e] (0 for roots), by its split and side (split · 2 + side: 0 left) and its
  // player's bit (bit · 2 + 1 at the player's first split on the path).
  readonly maskSlots: number;
  readonly maskSource: Int32Array;
  readonly maskSplitSide: Int32Array;
  readonly maskBit: Int32Array;
  // Blocks with u players and k splits, grouped by (u, k).
  readonly groups: { readonly u: number; readonly k: number; readonly first: number; readonly maskSlot: Int32Array; readonly splits: Int32Array; readonly offset: Int32Array; readonly players: Int32Array }[];
}

export function buildShapTables(model: GbdtModel, playerOf: (feature: number) => number, options: { maxTableEntries: number; blockLeaves: number; blockGrowth: number; precision: 'float32' | 'float64' }): ShapTables {
  const forest = model.forest;
  const blockLeaves = Math.max(1, Math.min(options.blockLeaves, MAX_BLOCK_LEAVES));
  const nodes = forest.feature.length;
  // Children come after their parents, so one backward pass counts every subtree's leaves.
  const leafCount = new Int32Array(nodes);
  for (let n = nodes - 1; n >= 0; n--) leafCount[n] = forest.feature[n]! < 0 ? 1 : leafCount[forest.left[n]!]! + leafCount[forest.right[n]!]!;
  const ratio = (parent: number, child: number): number => (forest.cover[parent]! > 0 ? forest.cover[child]! / forest.cover[parent]! : 0);

  const splitNodes: number[] = [];
  const edges = { source: [] as number[], split: [] as number[], side: [] as number[], bit: [] as number[] };
  let maskSlots = 1;
  const plans: BlockPlan[] = [];
  let entries = 0;
  let widest = 0;
  // The root path's players (first-met order) and zero fractions (products of cover ratios).
  const slotPlayers: number[] = [];
  const slotZeros: number[] = [];

  const planBlock = (root: number, maskSlot: number): BlockPlan => {
    const splits: number[] = [];
    const players = slotPlayers.slice();
    const leaves: BlockPlan['leaves'] = [];
    const slots = slotPlayers.slice();
    const zeros = slotZeros.slice();
    const steps: Step[] = [];
    const walk = (node: number): void => {
      if (forest.feature[node]! < 0) {
        leaves.push({ value: forest.value[node]!, zeros: zeros.slice(), slots: slots.map((p) => players.indexOf(p)), steps: steps.slice() });
        widest = Math.max(widest, slots.length);
        return;
      }
      const local = splits.length;
      splits.push(node);
      const g = playerOf(forest.feature[node]!);
      if (!players.includes(g)) players.push(g);
      const known = slots.indexOf(g);
      for (let side = 0; side < 2; side++) {
        const child = side === 0 ? forest.left[node]! : forest.right[node]!;
        const r = ratio(node, child);
        if (known < 0) {
          steps.push({ split: local, side, slot: slots.length, first: true });
          slots.push(g);
          zeros.push(r);
          walk(child);
          slots.pop();
          zeros.pop();
        } else {
          steps.push({ split: local, side, slot: known, first: false });
          const before = zeros[known]!;
          zeros[known] = before * r;
          walk(child);
          zeros[known] = before;
        }
        steps.pop();
      }
    };
    walk(root);
    return { maskSlot, splits, pathPlayers: slotPlayers.length, players, leaves, entries: players.length * 2 ** (slotPlayers.length + splits.length) };
  };

  // Sizes before planning: the subtree's table as one block, and its leaves' tables apart.
  const extra: number[] = [];
  const leafEntries = (node: number): number => {
    if (forest.feature[node]! < 0) {
      const u = slotPlayers.length + extra.length;
      return u * 2 ** u;
    }
    const g = playerOf(forest.feature[node]!);
    const added = !slotPlayers.includes(g) && !extra.includes(g);
    if (added) extra.push(g);
    const sum = leafEntries(forest.left[node]!) + leafEntries(forest.right[node]!);
    if (added) extra.pop();
    return sum;
  };
  const blockEntries = (node: number): number => {
    const players = new Set(slotPlayers);
    const stack = [node];
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (forest.feature[n]! < 0) continue;
      players.add(playerOf(forest.feature[n]!));
      stack.push(forest.left[n]!, forest.right[n]!);
    }
    return players.size * 2 ** (slotPlayers.length + leafCount[node]! - 1);
  };

  const visit = (node: number, maskSlot: number): void => {
    if (forest.feature[node]! < 0 || (leafCount[node]! <= blockLeaves && blockEntries(node) <= options.blockGrowth * leafEntries(node))) {
      const plan = planBlock(node, maskSlot);
      plans.push(plan);
      entries += plan.entries;
      return;
    }
    const s = splitNodes.push(node) - 1;
    const g = playerOf(forest.feature[node]!);
    const known = slotPlayers.indexOf(g);
    const bit = (known < 0 ? slotPlayers.length : known) * 2 + (known < 0 ? 1 : 0);
    for (let side = 0; side < 2; side++) {
      const child = side === 0 ? forest.left[node]! : forest.right[node]!;
      const slot = maskSlots++;
      edges.source.push(maskSlot);
      edges.split.push(s);
      edges.side.push(side);
      edges.bit.push(bit);
      const r = ratio(node, child);
      if (known < 0) {
        slotPlayers.push(g);
        slotZeros.push(r);
        visit(child, slot);
        slotPlayers.pop();
        slotZeros.pop();
      } else {
        const before = slotZeros[known]!;
        slotZeros[known] = before * r;
        visit(child, slot);
        slotZeros[known] = before;
      }
    }
  };
  for (const root of forest.roots) visit(root, 0);

  // Splits numbered: numeric first (compared by rank), then categorical.
  const blockSplits = plans.map((plan) => plan.splits.map((node) => splitNodes.push(node) - 1));
  const numeric: number[] = [];
  const categorical: number[] = [];
  splitNodes.forEach((node, s) => (forest.categoryOffset[node]! >= 0 ? categorical : numeric).push(s));
  const renumber = new Int32Array(splitNodes.length);
  numeric.forEach((s, i) => (renumber[s] = i));
  categorical.forEach((s, i) => (renumber[s] = numeric.length + i));
  const byFeature: number[][] = Array.from({ length: model.numFeatures }, () => []);
  for (const s of numeric) byFeature[forest.feature[splitNodes[s]!]!]!.push(forest.threshold[splitNodes[s]!]!);
  const sorted = byFeature.map((list) => [...new Set(list)].sort((a, b) => a - b));
  const thresholdStart = new Int32Array(model.numFeatures + 1);
  sorted.forEach((list, f) => (thresholdStart[f + 1] = thresholdStart[f]! + list.length));
  const rankOf = sorted.map((list) => new Map(list.map((t, i) => [t, i])));

  const base = {
    blocks: plans.length,
    entries,
    numericSplits: numeric.length,
    splitRank: Int32Array.from(numeric, (s) => rankOf[forest.feature[splitNodes[s]!]!]!.get(forest.threshold[splitNodes[s]!]!)!),
    splitRankOf: Int32Array.from(numeric, (s) => 2 * forest.feature[splitNodes[s]!]! + forest.defaultLeft[splitNodes[s]!]!),
    thresholds: Float64Array.from(sorted.flat()),
    thresholdStart,
    categoricalFeature: Int32Array.from(categorical, (s) => forest.feature[splitNodes[s]!]!),
    categoricalOffset: Int32Array.from(categorical, (s) => forest.categoryOffset[splitNodes[s]!]!),
    maskSlots,
    maskSource: Int32Array.from(edges.source),
    maskSplitSide: Int32Array.from(edges.split, (s, e) => renumber[s]! * 2 + edges.side[e]!),
    maskBit: Int32Array.from(edges.bit),
  };
  if (entries > options.maxTableEntries) return { ...base, table: null, groups: [] };

  // The tables: for each root pattern m and directions c, the sum of the block's leaves'
  // contributions, each as treeShap computes it at a leaf.
  // Blocks grouped by players and splits (fixed inner loops); blocks without players add nothing.
  const byShape = new Map<number, number[]>();
  plans.forEach((plan, b) => {
    if (plan.players.length === 0) return;
    const key = plan.players.length * 64 + plan.splits.length;
    const list = byShape.get(key);
    if (list) list.push(b);
    else byShape.set(key, [b]);
  });
  const shapes = [...byShape.entries()].sort((a, b) => a[0] - b[0]);

  // The tables, laid out in the order an explanation reads them (group by group), so that
  // consecutive reads stay within a few pages. Each block is summed in float64, then stored
  // at the table's precision.
  const table = options.precision === 'float32' ? new Float32Array(entries) : new Float64Array(entries);
  const block = new Float64Array(plans.reduce((most, plan) => Math.max(most, plan.entries), 0));
  const path = new PathBuffer(widest + 1);
  const own = new Float64Array(widest * 2 ** widest);
  const keep = new Int32Array(2 ** (blockLeaves - 1));
  const set = new Int32Array(2 ** (blockLeaves - 1));
  const groups: ShapTables['groups'][number][] = [];
  let at = 0;
  let first = 0;
  for (const [key, list] of shapes) {
    const u = Math.floor(key / 64);
    const k = key % 64;
    const group = { u, k, first, maskSlot: new Int32Array(list.length), splits: new Int32Array(list.length * k), offset: new Int32Array(list.length), players: new Int32Array(list.length * u) };
    list.forEach((b, i) => {
      const plan = plans[b]!;
      group.maskSlot[i] = plan.maskSlot;
      blockSplits[b]!.forEach((s, j) => (group.splits[i * k + j] = renumber[s]!));
      plan.players.forEach((p, j) => (group.players[i * u + j] = p));
      group.offset[i] = at;
      block.fill(0, 0, plan.entries);
      for (const leaf of plan.leaves) {
        leafTable(path, leaf.zeros, leaf.value, own);
        leafPatterns(leaf.steps, k, keep, set);
        addLeaf(block, plan.pathPlayers, k, u, own, leaf.slots, keep, set);
      }
      table.set(block.subarray(0, plan.entries), at);
      at += plan.entries;
    });
    groups.push(group);
    first += list.length;
  }
  return { ...base, table, groups };
}

/**
 * A leaf's contributions for every pattern over its u players (own[pattern · u + j]), as treeShap
 * computes them at a leaf: player j's is (bit j − z_j) · value · the permutation weight of the
 * path without j, which does not depend on bit j, so one unwinding serves both patterns.
 */
function leafTable(path: PathBuffer, zeros: readonly number[], value: number, own: Float64Array): void {
  const u = zeros.length;
  for (let pattern = 0; pattern < (1 << u) - 1; pattern++) {
    extendPath(path, 0, 0, 1, 1, -1);
    for (let j = 0; j < u; j++) extendPath(path, 0, j + 1, zeros[j]!, (pattern >> j) & 1, j);
    for (let j = 0; j < u; j++) {
      if ((pattern >> j) & 1) continue;
      const weight = unwoundPathSum(path, 0, u, j + 1) * value;
      own[pattern * u + j] = -zeros[j]! * weight;
      own[(pattern | (1 << j)) * u + j] = (1 - zeros[j]!) * weight;
    }
  }
}

/**
 * For each c (the block's k directions, its first split in the highest bit; 1 = left), the leaf's
 * pattern is (m & keep[c]) | set[c], m the pattern at the block's root.
 */
function leafPatterns(steps: readonly Step[], k: number, keep: Int32Array, set: Int32Array): void {
  for (let c = 0; c < 1 << k; c++) {
    let kept = -1;
    let added = 0;
    for (const step of steps) {
      const followed = ((c >> (k - 1 - step.split)) & 1) ^ step.side;
      if (step.first) added |= followed << step.slot;
      else if (!followed) {
        kept &= ~(1 << step.slot);
        added &= ~(1 << step.slot);
      }
    }
    keep[c] = kept;
    set[c] = added;
  }
}

/** Adds a leaf's contributions (own, over its slots) to every row (m, c) of its block's table. */
function addLeaf(block: Float64Array, pathPlayers: number, k: number, width: number, own: Float64Array, slots: readonly number[], keep: Int32Array, set: Int32Array): void {
  const u = slots.length;
  for (let m = 0, row = 0; m < 1 << pathPlayers; m++) {
    for (let c = 0; c < 1 << k; c++, row += width) {
      const from = ((m & keep[c]!) | set[c]!) * u;
      for (let j = 0; j < u; j++) block[row + slots[j]!]! += own[from + j]!;
    }
  }
}
