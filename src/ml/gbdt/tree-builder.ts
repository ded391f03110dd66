/**
 * A tree while it is being grown: growable node arrays with splits expressed in bins, so that
 * training can route binned rows (out-of-bag rows, the early-stopping set) without raw values.
 * forest.ts turns finished trees into the flat, raw-threshold layout used for prediction.
 */
import { bitIsSet } from './split-finder.js';

export class TreeBuilder {
  readonly feature: number[] = [];
  readonly binThreshold: number[] = [];
  readonly defaultLeft: boolean[] = [];
  readonly categoryBits: (Uint32Array | null)[] = [];
  readonly left: number[] = [];
  readonly right: number[] = [];
  readonly value: number[] = [];
  /** Training rows (in-bag) that reached the node: the "cover" TreeSHAP weighs paths by. */
  readonly cover: number[] = [];
  readonly gain: number[] = [];

  get size(): number {
    return this.feature.length;
  }

  addLeaf(cover: number, value = 0): number {
    this.feature.push(-1);
    this.binThreshold.push(0);
    this.defaultLeft.push(false);
    this.categoryBits.push(null);
    this.left.push(-1);
    this.right.push(-1);
    this.value.push(value);
    this.cover.push(cover);
    this.gain.push(0);
    return this.feature.length - 1;
  }

  /** Turns leaf `node` into a split with two new leaf children; returns [left, right]. */
  split(
    node: number,
    feature: number,
    binThreshold: number,
    defaultLeft: boolean,
    categoryBits: Uint32Array | null,
    gain: number,
    leftCover: number,
    rightCover: number,
  ): [number, number] {
    const l = this.addLeaf(leftCover);
    const r = this.addLeaf(rightCover);
    this.feature[node] = feature;
    this.binThreshold[node] = binThreshold;
    this.defaultLeft[node] = defaultLeft;
    this.categoryBits[node] = categoryBits;
    this.left[node] = l;
    this.right[node] = r;
    this.gain[node] = gain;
    return [l, r];
  }

  /** Whether a row with bin `bin` for the node's feature goes left. */
  goesLeft(node: number, bin: number, missingBin: number): boolean {
    const bits = this.categoryBits[node];
    if (bits) return bitIsSet(bits, 0, bin);
    return bin === missingBin ? this.defaultLeft[node]! : bin <= this.binThreshold[node]!;
  }

  /** A compact copy for routing binned rows, once the tree is finished. */
  router(missingBins: Int32Array, scratch?: Int32Array): BinnedRouter {
    return new BinnedRouter(this, missingBins, scratch);
  }
}

/**
 * Routes binned rows through a finished tree with one table lookup per node: for each internal
 * node, 256 entries holding the child that each bin goes to. Used for the rows a tree did not
 * train on (out-of-bag rows, the early-stopping set), where the partition gives no leaf for
 * free. Looking the child up instead of branching on the direction (a coin flip for a random
 * row) measured up to 1.5× faster; walking all rows level by level, or four rows at a time, was
 * slower than one row at a time.
 */
export class BinnedRouter {
  private readonly feature: Int32Array;
  private readonly next: Int32Array;

  /** `scratch`, when long enough (size · 256), holds the table: the router is then valid until it is reused. */
  constructor(tree: TreeBuilder, missingBins: Int32Array, scratch?: Int32Array) {
    const size = tree.size;
    this.feature = Int32Array.from(tree.feature);
    this.next = scratch && scratch.length >= size * 256 ? scratch : new Int32Array(size * 256);
    const next = this.next;
    for (let n = 0; n < size; n++) {
      const f = tree.feature[n]!;
      if (f < 0) continue;
      const left = tree.left[n]!;
      const right = tree.right[n]!;
      const base = n * 256;
      const missing = missingBins[f]!;
      const bits = tree.categoryBits[n];
      if (bits) {
        for (let b = 0; b < 256; b++) next[base + b] = b <= missing && bitIsSet(bits, 0, b) ? left : right;
      } else {
        const threshold = Math.min(tree.binThreshold[n]!, missing - 1);
        next.fill(left, base, base + threshold + 1);
        next.fill(right, base + threshold + 1, base + 256);
        next[base + missing] = tree.defaultLeft[n] ? left : right;
      }
    }
  }

  /**
   * out[i] += values[leaf of row i] for i = rows[from..to) (or i = from..to when rows is null),
   * where row i's bins are binned[i * stride + f].
   */
  addLeafValues(binned: Uint8Array, stride: number, rows: Uint32Array | null, from: number, to: number, values: Float64Array, out: Float64Array): void {
    const { feature, next } = this;
    const root = feature[0]!;
    for (let k = from; k < to; k++) {
      const i = rows ? rows[k]! : k;
      const base = i * stride;
      let node = 0;
      let f = root;
      while (f >= 0) {
        node = next[(node << 8) | binned[base + f]!]!;
        f = feature[node]!;
      }
      out[i]! += values[node]!;
    }
  }

}
