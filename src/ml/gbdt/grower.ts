/**
 * Grows one regression tree on gradient histograms, leaf-wise (best-gain leaf next, as
 * LightGBM) or depth-wise (shallowest leaf next). Rows of a node occupy a contiguous range of
 * `rows`; a split partitions that range in place. Only the smaller child's histogram is built
 * from rows; the larger child's is the parent's minus the smaller's.
 */
import { SLOTS, type HistogramLayout, type HistogramPool, type HistogramSource } from './histogram.js';
import { runNodeWork, type NodeEvaluation, type NodeWorker } from './node-work.js';
import { SplitCandidate, type SplitConstraints } from './split-finder.js';
import { TreeBuilder } from './tree-builder.js';
import type { Growth } from './params.js';

export interface GrowOptions extends SplitConstraints {
  readonly growth: Growth;
  readonly maxLeaves: number;
  /** 0 = no limit. */
  readonly maxDepth: number;
  readonly minGainToSplit: number;
  readonly learningRate: number;
}

export interface GrowContext {
  readonly layout: HistogramLayout;
  readonly source: HistogramSource;
  readonly pool: HistogramPool;
  readonly options: GrowOptions;
  /** Scratch of at least as many entries as rows, for stable partitioning. */
  readonly scratch: Uint32Array;
  /** Scratch of 256 entries: whether each bin goes left under the split being applied. */
  readonly goLeft: Uint8Array;
  /** Runs histogram building and split finding; null: this thread alone. */
  readonly worker: NodeWorker | null;
}

function run(ctx: GrowContext, rows: Uint32Array, work: Parameters<NodeWorker['run']>[0], features: Int32Array): void {
  if (ctx.worker) ctx.worker.run(work, features);
  else runNodeWork(work, ctx.layout, ctx.source, rows, ctx.options, features);
}

/** A finished leaf and the rows (ranges of the `rows` argument) that reached it. */
export interface LeafRows {
  readonly node: number;
  readonly start: number;
  readonly end: number;
  /** The out-of-bag rows that reach the leaf: rows[outStart..outEnd). */
  readonly outStart: number;
  readonly outEnd: number;
  readonly gradient: number;
  readonly hessian: number;
}

export interface GrownTree {
  readonly tree: TreeBuilder;
  readonly leaves: LeafRows[];
}

interface OpenLeaf {
  node: number;
  start: number;
  end: number;
  outStart: number;
  outEnd: number;
  depth: number;
  gradient: number;
  hessian: number;
  hist: Float64Array | null;
  split: SplitCandidate;
}

/**
 * Grows a tree on rows[0..numRows), which it reorders. Leaf values are shrunk Newton steps. The
 * out-of-bag rows rows[numRows..totalRows) are partitioned along (stable, never histogrammed),
 * so each leaf also knows its out-of-bag rows: cheaper than routing them through the finished
 * tree, whose walk waits on a chain of dependent loads per row.
 */
export function growTree(ctx: GrowContext, rows: Uint32Array, numRows: number, features: Int32Array, totalRows = numRows): GrownTree {
  const { layout, pool, options } = ctx;
  const tree = new TreeBuilder();
  const rootHist = pool.take();
  run(ctx, rows, { build: { hist: rootHist, start: 0, end: numRows }, subtractFrom: null, evaluations: [] }, features);
  const [gradient, hessian] = sumFeature(rootHist, layout, features[0]!);
  const root: OpenLeaf = { node: tree.addLeaf(numRows), start: 0, end: numRows, outStart: numRows, outEnd: totalRows, depth: 0, gradient, hessian, hist: rootHist, split: new SplitCandidate() };
  evaluate(ctx, rows, [root], features);
  const open: OpenLeaf[] = [root];
  while (open.length < options.maxLeaves) {
    const pick = nextLeaf(open, options.growth);
    if (pick < 0) break;
    const parent = open[pick]!;
    // The split that makes the last leaf: its children will never be split, so their
    // histograms and split searches would be wasted.
    const last = open.length + 1 >= options.maxLeaves;
    const [left, right] = splitLeaf(ctx, tree, parent, rows, features, last);
    open.splice(pick, 1, left, right);
  }
  const leaves: LeafRows[] = open.map((leaf) => {
    if (leaf.hist) pool.give(leaf.hist);
    leaf.hist = null;
    tree.value[leaf.node] = (-leaf.gradient / (leaf.hessian + options.lambda)) * options.learningRate;
    return { node: leaf.node, start: leaf.start, end: leaf.end, outStart: leaf.outStart, outEnd: leaf.outEnd, gradient: leaf.gradient, hessian: leaf.hessian };
  });
  return { tree, leaves };
}

function sumFeature(hist: Float64Array, layout: HistogramLayout, f: number): [number, number] {
  let g = 0;
  let h = 0;
  const from = layout.slotOffset[f]!;
  const to = from + layout.binCount[f]! * SLOTS;
  for (let at = from; at < to; at += SLOTS) {
    g += hist[at]!;
    h += hist[at + 1]!;
  }
  return [g, h];
}

function canSplit(leaf: OpenLeaf, options: GrowOptions): boolean {
  const count = leaf.end - leaf.start;
  return count >= 2 * options.minSamplesLeaf && (options.maxDepth === 0 || leaf.depth < options.maxDepth);
}

/** Finds the leaves' best splits (one run of node work), and frees the histograms of leaves that will never be split. */
function evaluate(ctx: GrowContext, rows: Uint32Array, leaves: OpenLeaf[], features: Int32Array, build: { hist: Float64Array; start: number; end: number } | null = null, subtractFrom: Float64Array | null = null): void {
  const { options } = ctx;
  const evaluations: NodeEvaluation[] = [];
  for (const leaf of leaves) {
    leaf.split.feature = -1;
    if (leaf.hist && canSplit(leaf, options)) {
      evaluations.push({ hist: leaf.hist, gradient: leaf.gradient, hessian: leaf.hessian, count: leaf.end - leaf.start, out: leaf.split });
    }
  }
  if (build || evaluations.length > 0) run(ctx, rows, { build, subtractFrom, evaluations }, features);
  for (const leaf of leaves) {
    if (leaf.split.found && !(leaf.split.gain > options.minGainToSplit)) leaf.split.feature = -1;
    if (!leaf.split.found && leaf.hist) {
      ctx.pool.give(leaf.hist);
      leaf.hist = null;
    }
  }
}

function nextLeaf(open: OpenLeaf[], growth: Growth): number {
  let pick = -1;
  for (let k = 0; k < open.length; k++) {
    const leaf = open[k]!;
    if (!leaf.split.found) continue;
    if (pick < 0) {
      pick = k;
      continue;
    }
    const best = open[pick]!;
    const better = growth === 'leafwise' ? leaf.split.gain > best.split.gain : leaf.depth < best.depth || (leaf.depth === best.depth && leaf.node < best.node);
    if (better) pick = k;
  }
  return pick;
}

function splitLeaf(ctx: GrowContext, tree: TreeBuilder, parent: OpenLeaf, rows: Uint32Array, features: Int32Array, last = false): [OpenLeaf, OpenLeaf] {
  const { source, pool, options, scratch, layout } = ctx;
  const s = parent.split;
  const f = s.feature;
  const missingBin = layout.binCount[f]! - 1;
  const column = source.columns.subarray(f * source.numRows, (f + 1) * source.numRows);
  // Stable, branchless partition: left rows stay in order at the front, right rows follow. A
  // per-bin lookup table replaces the unpredictable branch on the split condition.
  const goLeft = ctx.goLeft;
  const bits = s.categoryBits;
  for (let b = 0; b <= missingBin; b++) {
    goLeft[b] = bits ? (bits[b >>> 5]! >>> (b & 31)) & 1 : b === missingBin ? (s.defaultLeft ? 1 : 0) : b <= s.binThreshold ? 1 : 0;
  }
  // The in-bag rows, then the out-of-bag rows, each in their own range.
  const mid = partition(rows, parent.start, parent.end, column, goLeft, scratch);
  const outMid = partition(rows, parent.outStart, parent.outEnd, column, goLeft, scratch);
  const [ln, rn] = tree.split(parent.node, f, s.binThreshold, s.defaultLeft, bits, s.gain, mid - parent.start, parent.end - mid);
  const depth = parent.depth + 1;
  const left: OpenLeaf = {
    node: ln, start: parent.start, end: mid, outStart: parent.outStart, outEnd: outMid, depth, gradient: s.leftGradient, hessian: s.leftHessian, hist: null, split: new SplitCandidate(),
  };
  const right: OpenLeaf = {
    node: rn, start: mid, end: parent.end, outStart: outMid, outEnd: parent.outEnd, depth, gradient: parent.gradient - s.leftGradient, hessian: parent.hessian - s.leftHessian, hist: null, split: new SplitCandidate(),
  };
  const [small, large] = left.end - left.start <= right.end - right.start ? [left, right] : [right, left];
  const parentHist = parent.hist!;
  parent.hist = null;
  if (last) {
    pool.give(parentHist);
    return [left, right];
  }
  let build: { hist: Float64Array; start: number; end: number } | null = null;
  let subtractFrom: Float64Array | null = null;
  if (canSplit(large, options)) {
    small.hist = pool.take();
    build = { hist: small.hist, start: small.start, end: small.end };
    subtractFrom = parentHist;
    large.hist = parentHist;
  } else {
    pool.give(parentHist);
    if (canSplit(small, options)) {
      small.hist = pool.take();
      build = { hist: small.hist, start: small.start, end: small.end };
    }
  }
  evaluate(ctx, rows, [left, right], features, build, subtractFrom);
  return [left, right];
}

/** Partitions rows[start, end) stably by `goLeft[bin]`: left rows first; returns where the right rows begin. */
function partition(rows: Uint32Array, start: number, end: number, column: Uint8Array, goLeft: Uint8Array, scratch: Uint32Array): number {
  let w = start;
  let r = 0;
  for (let k = start; k < end; k++) {
    const i = rows[k]!;
    const left = goLeft[column[i]!]!;
    rows[w] = i;
    scratch[r] = i;
    w += left;
    r += 1 - left;
  }
  rows.set(scratch.subarray(0, r), w);
  return w;
}
