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
  router(missingBins: Int32Array): BinnedRouter {
    return new BinnedRouter(this, missingBins);
  }
}

/**
 * Routes binned rows through a finished tree with one table lookup per node: for each internal
 * node, 256 bytes saying which bins go left. Used for the rows a tree did not train on
 * (out-of-bag rows, the early-stopping set), where the partition gives no leaf for free.
 */
export class BinnedRouter {
  private readonly feature: Int32Array;
  private readonly left: Int32Array;
  private readonly right: Int32Array;
  private readonly goLeft: Uint8Array;

  constructor(tree: TreeBuilder, missingBins: Int32Array) {
    const size = tree.size;
    this.feature = Int32Array.from(tree.feature);
    this.left = Int32Array.from(tree.left);
    this.right = Int32Array.from(tree.right);
    this.goLeft = new Uint8Array(size * 256);
    for (let n = 0; n < size; n++) {
      const f = tree.feature[n]!;
      if (f < 0) continue;
      for (let b = 0; b <= missingBins[f]!; b++) this.goLeft[n * 256 + b] = tree.goesLeft(n, b, missingBins[f]!) ? 1 : 0;
    }
  }

  /** The leaf reached by the row whose bins are binned[rowStart + f]. */
  leafOf(binned: Uint8Array, rowStart: number): number {
    const { feature, left, right, goLeft } = this;
    let node = 0;
    let f = feature[0]!;
    while (f >= 0) {
      node = goLeft[node * 256 + binned[rowStart + f]!] ? left[node]! : right[node]!;
      f = feature[node]!;
    }
    return node;
  }
}
