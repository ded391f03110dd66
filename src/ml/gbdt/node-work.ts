/**
 * The per-split work of tree growth over a set of features: build a node's histogram, subtract
 * it from its parent's (which becomes the sibling's), and find the best split of up to two
 * nodes. The grower runs it on all of a tree's features, or splits the features between this
 * thread and a helper thread (parallel.ts), each running it on its share: every feature's
 * histogram is then summed by one thread in the same row order as before, so the sums, and the
 * model, are bit for bit the same.
 */
import { buildHistogram, subtractHistogram, type HistogramLayout, type HistogramSource } from './histogram.js';
import { findBestSplit, type SplitCandidate, type SplitConstraints } from './split-finder.js';

export interface HistogramBuild {
  readonly hist: Float64Array;
  readonly start: number;
  readonly end: number;
}

/** A node whose best split is wanted: its histogram and totals; the result goes to `out`. */
export interface NodeEvaluation {
  readonly hist: Float64Array;
  readonly gradient: number;
  readonly hessian: number;
  readonly count: number;
  readonly out: SplitCandidate;
}

export interface NodeWork {
  /** A histogram to build from rows[start..end), or null. */
  readonly build: HistogramBuild | null;
  /** When set, subtractFrom −= build.hist (the parent becomes the larger sibling). */
  readonly subtractFrom: Float64Array | null;
  readonly evaluations: readonly NodeEvaluation[];
}

export function runNodeWork(
  work: NodeWork,
  layout: HistogramLayout,
  source: HistogramSource,
  rows: Uint32Array,
  constraints: SplitConstraints,
  features: Int32Array,
): void {
  const { build, subtractFrom } = work;
  if (build) {
    buildHistogram(build.hist, layout, source, rows, build.start, build.end, features);
    if (subtractFrom) subtractHistogram(subtractFrom, build.hist, layout, features);
  }
  for (const e of work.evaluations) {
    findBestSplit(e.hist, layout, features, { gradient: e.gradient, hessian: e.hessian, count: e.count }, constraints, e.out);
  }
}

/** Runs node work; the grower's default is this thread alone, parallel.ts adds a helper thread. */
export interface NodeWorker {
  run(work: NodeWork, features: Int32Array): void;
}
