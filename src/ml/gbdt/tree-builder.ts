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

  /** The leaf a binned row lands in. */
  leafOf(binned: Uint8Array, rowStart: number, missingBins: Int32Array): number {
    let node = 0;
    while (this.feature[node]! >= 0) {
      const f = this.feature[node]!;
      node = this.goesLeft(node, binned[rowStart + f]!, missingBins[f]!) ? this.left[node]! : this.right[node]!;
    }
    return node;
  }

  leaves(): number[] {
    const out: number[] = [];
    for (let n = 0; n < this.size; n++) if (this.feature[n]! < 0) out.push(n);
    return out;
  }
}
