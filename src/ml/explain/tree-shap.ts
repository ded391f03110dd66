/**
 * TreeSHAP for the GBDT ensemble: the exact path algorithm (treeShap, in tree-shap-path.ts) and,
 * for explaining many rows of one model, TreeShapExplainer with precomputed tables.
 */
import type { GbdtModel } from '../gbdt/model.js';
import { buildShapTables, MAX_BLOCK_LEAVES, type ShapTables } from './shap-tables.js';
import { expectedValue, treeShap, type ShapExplanation } from './tree-shap-path.js';

export { expectedValue, treeShap, type ShapExplanation } from './tree-shap-path.js';

/**
 * TreeSHAP with tables, for explaining many rows of one model (after Yang 2021, "Fast TreeSHAP"
 * v2, with leaves merged into blocks; shap-tables.ts builds them).
 *
 * A leaf's contributions to the players (features or groups) on its path depend on the row only
 * through a 0/1 pattern over those u players (bit j: the row follows player j's every split on
 * the path) and on fixed cover fractions, so they can be tabulated per pattern. Leaves are
 * merged into blocks, subtrees of up to 8 leaves whose summed contributions depend only on the
 * pattern at the block's root and the row's directions at the block's own splits: one table row
 * per block instead of one per leaf (the AVM's 21,692 leaves make about 6,100 blocks).
 *
 * An explanation is four passes over flat arrays, without the branchy walk over every node:
 * every split's direction (numeric splits compare the rank of x among the feature's thresholds,
 * found once per feature, with integer arithmetic); the pattern at each block root, top-down;
 * each block's table row located and touched (independent reads, so the CPU overlaps their cache
 * misses); the rows added to their players. The tables' entries are bounded by
 * `maxTableEntries`; beyond it `explain` falls back to the path algorithm (treeShap). Values
 * agree with treeShap to float64 rounding, or with float32 tables to about 1e-7 of the largest
 * contribution in a row (tested).
 */
export class TreeShapExplainer {
  private readonly player: Int32Array | null;
  private readonly players: number;
  private readonly t: ShapTables;
  private readonly table: Float32Array | Float64Array | null;
  /** Per explanation: feature ranks (2f: missing goes right, 2f + 1: missing goes left), directions (1 = left), patterns, rows. */
  private readonly rank: Int32Array;
  private readonly dir: Int32Array;
  private readonly mask: Int32Array;
  private readonly rowAt: Int32Array;
  private readonly rowEnd: Int32Array;
  private touched = 0;

  /**
   * `precision: 'float32'` halves the tables (fewer cache misses per row); a contribution then
   * carries a rounding error of about 1e-7 of the largest in its table row. `blockLeaves` (≤ 8,
   * default 8) and `blockGrowth` (default 3: a block's table at most 3 times its leaves' apart)
   * trade table size against reads per explanation; when the tables would exceed
   * `maxTableEntries` (8 M), blocks are held to their leaves' size, and beyond that too `explain`
   * falls back to treeShap.
   */
  constructor(private readonly model: GbdtModel, options: { groups?: ArrayLike<number>; maxTableEntries?: number; precision?: 'float64' | 'float32'; blockLeaves?: number; blockGrowth?: number } = {}) {
    const groups = options.groups;
    if (groups) {
      if (groups.length !== model.numFeatures) throw new RangeError(`groups names ${groups.length} features, the model has ${model.numFeatures}`);
      for (let f = 0; f < groups.length; f++) if (!Number.isInteger(groups[f]) || groups[f]! < 0) throw new RangeError(`groups[${f}] = ${groups[f]} is not a group number`);
    }
    const player = groups ? Int32Array.from(groups) : null;
    this.player = player;
    this.players = groups ? Math.max(0, ...Array.from(groups)) + 1 : model.numFeatures;
    const build = (blockGrowth: number): ShapTables =>
      buildShapTables(model, player ? (f) => player[f]! : (f) => f, {
        maxTableEntries: options.maxTableEntries ?? 8_000_000,
        blockLeaves: options.blockLeaves ?? MAX_BLOCK_LEAVES,
        blockGrowth,
        precision: options.precision ?? 'float64',
      });
    const growth = options.blockGrowth ?? 3;
    let tables = build(growth);
    // Over budget: blocks no larger than their leaves' tables apart (at most the per-leaf tables' size).
    if (!tables.table && growth > 1) tables = build(1);
    this.t = tables;
    this.table = this.t.table;
    this.rank = new Int32Array(2 * model.numFeatures);
    this.dir = new Int32Array(this.t.numericSplits + this.t.categoricalFeature.length);
    this.mask = new Int32Array(this.t.maskSlots);
    const rows = this.t.groups.reduce((sum, g) => sum + g.maskSlot.length, 0);
    this.rowAt = new Int32Array(rows);
    this.rowEnd = new Int32Array(rows);
  }

  /** Whether the tables were built (false: explain falls back to treeShap). */
  get tabulated(): boolean {
    return this.table !== null;
  }

  /** Numbers in the tables (0 without). */
  get tableEntries(): number {
    return this.table?.length ?? 0;
  }

  /** Table rows read per explanation. */
  get blocks(): number {
    return this.t.blocks;
  }

  explain(row: ArrayLike<number>): ShapExplanation {
    const model = this.model;
    const table = this.table;
    if (!table) return treeShap(model, row, this.player ? { groups: this.player } : {});
    if (row.length !== model.numFeatures) throw new RangeError(`the model takes ${model.numFeatures} features, got ${row.length}`);
    const values = new Float64Array(this.players);
    this.directions(row, model.categoryBins(row), model.forest.categoryBits);
    this.patterns();
    const groups = this.t.groups;
    for (const g of groups) this.locate(g.u, g.k, g.first, g.maskSlot, g.splits, g.offset);
    this.touched = this.touch(table);
    for (const g of groups) this.addRows(g.u, g.first, g.maskSlot.length, g.players, table, values);
    return { baseValue: expectedValue(model), values };
  }

  private directions(row: ArrayLike<number>, categoryBins: Int32Array, bits: Uint32Array): void {
    const { thresholds, thresholdStart, splitRank, splitRankOf, numericSplits, categoricalFeature, categoricalOffset } = this.t;
    const { rank, dir } = this;
    // Each feature's rank: how many of its thresholds lie below x (x <= t exactly as the trees test it).
    const features = thresholdStart.length - 1;
    for (let f = 0; f < features; f++) {
      const x = row[f]!;
      if (x !== x) {
        rank[2 * f] = 1 << 30;
        rank[2 * f + 1] = -1;
        continue;
      }
      let lo = thresholdStart[f]!;
      let hi = thresholdStart[f + 1]!;
      const start = lo;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (thresholds[mid]! < x) lo = mid + 1;
        else hi = mid;
      }
      rank[2 * f] = lo - start;
      rank[2 * f + 1] = lo - start;
    }
    // Left (1) when the rank is at most the threshold's: the sign bit of the difference, no branch.
    for (let s = 0; s < numericSplits; s++) dir[s] = ((splitRank[s]! - rank[splitRankOf[s]!]!) >>> 31) ^ 1;
    const n = categoricalFeature.length;
    for (let i = 0; i < n; i++) {
      const bin = categoryBins[categoricalFeature[i]!]!;
      const c = categoricalOffset[i]!;
      dir[numericSplits + i] = (bits[c + (bin >>> 5)]! >>> (bin & 31)) & 1;
    }
  }

  /** Each edge's pattern from its parent's: followed ? parent | set : parent & ~bit (pattern 0, the roots', stays 0). */
  private patterns(): void {
    const { maskSource: source, maskSplitSide: splitSide, maskBit: bits } = this.t;
    const { mask, dir } = this;
    const n = source.length;
    for (let e = 0; e < n; e++) {
      const m = mask[source[e]!]!;
      const a = splitSide[e]!;
      const b = bits[e]!;
      const bit = 1 << (b >> 1);
      const set = (b & 1) << (b >> 1);
      // All ones when the row takes this edge (dir 1 = left, side 0 = left).
      const followed = -(dir[a >> 1]! ^ (a & 1));
      mask[e + 1] = ((m | set) & followed) | (m & ~bit & ~followed);
    }
  }

  /** Where each block's table row starts. */
  private locate(u: number, k: number, first: number, maskSlot: Int32Array, splits: Int32Array, offset: Int32Array): void {
    const { mask, dir, rowAt, rowEnd } = this;
    const n = maskSlot.length;
    for (let b = 0; b < n; b++) {
      let c = mask[maskSlot[b]!]!;
      for (let j = 0, s = b * k; j < k; j++, s++) c = (c << 1) | dir[splits[s]!]!;
      const at = offset[b]! + c * u;
      rowAt[first + b] = at;
      rowEnd[first + b] = at + u - 1;
    }
  }

  /**
   * Reads the first and last number of every row: a loop this small keeps many independent reads in
   * flight, so their cache misses overlap, and addRows then finds the rows in cache. (Returns
   * their sum so that the reads stay.)
   */
  private touch(table: Float32Array | Float64Array): number {
    const { rowAt, rowEnd } = this;
    const n = rowAt.length;
    let sum = 0;
    for (let b = 0; b < n; b++) sum += table[rowAt[b]!]! + table[rowEnd[b]!]!;
    return sum;
  }

  private addRows(u: number, first: number, n: number, players: Int32Array, table: Float32Array | Float64Array, values: Float64Array): void {
    const rowAt = this.rowAt;
    for (let b = 0; b < n; b++) {
      const at = rowAt[first + b]!;
      for (let j = 0, p = b * u; j < u; j++, p++) values[players[p]!]! += table[at + j]!;
    }
  }
}
