/**
 * A second thread for tree growth: one persistent worker (worker_threads), started once per
 * process on the first large training and reused by every training after it. Per split, the
 * tree's sampled features are divided between this thread and the worker; each builds the
 * histograms of its features, subtracts them and finds its features' best splits (node-work.ts),
 * and this thread keeps the better candidate (the worker's features come later in the search
 * order, so it wins only with a strictly larger gain, exactly as a one-thread search would
 * decide). Every feature's histogram is summed by one thread in the usual row order, so the
 * model is bit for bit the model of one thread (the pinned-fingerprint test runs both).
 *
 * Memory is shared (SharedArrayBuffer): the binned columns, the gradients, the row order (this
 * thread partitions it) and an arena of histogram buffers. One split is one round trip through
 * Atomics: this thread publishes the job and wakes the worker, does its own share, then waits
 * (briefly spinning, then sleeping) until the worker is done. Work too small to repay a round
 * trip (about 10 µs on a busy machine) stays on this thread.
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import type { HistogramLayout, HistogramSource } from './histogram.js';
import { runNodeWork, type NodeWork, type NodeWorker } from './node-work.js';
import { SplitCandidate, type SplitConstraints } from './split-finder.js';

/** Control words (Int32Array over the control buffer). */
export const CONTROL = {
  sequence: 0,
  done: 1,
  stop: 2,
  buildHist: 3,
  buildStart: 4,
  buildEnd: 5,
  subtractHist: 6,
  evaluations: 7,
  evalHist: 8, // 2 entries
  evalCount: 10, // 2 entries
  featureCount: 12,
  failed: 13,
  features: 16, // featureCount entries
} as const;
/** Per evaluation in the result buffer: gain, feature, binThreshold, defaultLeft, leftGradient, leftHessian, bit words. */
export const RESULT_STRIDE = 8;
export const BIT_WORDS = 8;

export interface WorkerSetup {
  readonly control: SharedArrayBuffer;
  readonly totals: SharedArrayBuffer;
  readonly results: SharedArrayBuffer;
  readonly bits: SharedArrayBuffer;
  readonly columns: SharedArrayBuffer;
  readonly gradients: SharedArrayBuffer;
  readonly rows: SharedArrayBuffer;
  readonly arena: SharedArrayBuffer;
  readonly histSize: number;
  readonly numRows: number;
  readonly slotOffset: Int32Array;
  readonly binCount: Int32Array;
  readonly isCategorical: Uint8Array;
  readonly constraints: SplitConstraints;
}

/** Rows below which a split's work stays on this thread (its histogram rows, or the node's rows for evaluations alone). */
export const PARALLEL_MIN_ROWS = 1500;
/** Training rows (in bag) below which the helper thread is not used at all. */
export const PARALLEL_MIN_TRAINING_ROWS = 4000;

interface Pool {
  worker: Worker | null;
  ready: boolean;
  failed: boolean;
  startedAt: number;
  startupMs: number;
  readyPromise: Promise<boolean>;
}

let pool: Pool | null = null;

/** Counters for tests and benchmarks: how much work went to the helper thread. */
export const parallelStats = { trainings: 0, jobs: 0, localJobs: 0 };

let defaultThreads = 1;

/**
 * The threads a training uses when its options do not say (1 or 2). Process-wide, for
 * benchmarks and operators; 1 by default (docs/ml.md has the measurements).
 */
export function setGbdtThreads(threads: number): void {
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`threads must be an integer >= 1, got ${threads}`);
  defaultThreads = threads;
  if (threads > 1) void startGbdtWorker();
}

/** Run as TypeScript (tsx, vitest), the worker starts from a small module that registers tsx in its thread. */
function workerUrl(): URL {
  const here = import.meta.url;
  return new URL(here.endsWith('.ts') ? './histogram-worker-tsx.mjs' : './histogram-worker.js', here);
}

/**
 * Starts the helper thread (once per process; later calls return the same promise). Resolves to
 * whether it is usable; if it fails to start, training stays on one thread.
 */
export function startGbdtWorker(): Promise<boolean> {
  if (pool) return pool.readyPromise;
  const startedAt = performance.now();
  const state: Pool = { worker: null, ready: false, failed: false, startedAt, startupMs: Number.NaN, readyPromise: Promise.resolve(false) };
  pool = state;
  if (availableParallelism() < 2 || typeof SharedArrayBuffer === 'undefined') {
    state.failed = true;
    return state.readyPromise;
  }
  state.readyPromise = new Promise<boolean>((resolve) => {
    try {
      const worker = new Worker(workerUrl());
      worker.unref();
      state.worker = worker;
      worker.once('message', (message: unknown) => {
        if (message === 'ready') {
          state.ready = true;
          state.startupMs = performance.now() - startedAt;
          resolve(true);
        }
      });
      const fail = () => {
        state.failed = true;
        state.ready = false;
        resolve(false);
      };
      worker.once('error', fail);
      worker.once('exit', fail);
    } catch {
      state.failed = true;
      resolve(false);
    }
  });
  return state.readyPromise;
}

/** How long the helper thread took to start, in ms (NaN before it is ready). */
export function gbdtWorkerStartupMs(): number {
  return pool?.startupMs ?? Number.NaN;
}

/** The worker if it is ready now; starts it otherwise (this training then runs on one thread). */
function readyWorker(): Worker | null {
  if (!pool) void startGbdtWorker();
  return pool && pool.ready && !pool.failed ? pool.worker : null;
}

export interface ParallelRequest {
  readonly threads: number | undefined;
  readonly numRows: number;
  readonly numFeatures: number;
  readonly histSize: number;
  readonly maxHistograms: number;
  readonly hasHessians: boolean;
}

/** Whether a training should use the helper thread: large enough, asked for, and the worker ready. */
export function wantsParallel(request: ParallelRequest): boolean {
  if ((request.threads ?? defaultThreads) < 2) return false;
  if (request.hasHessians || request.numRows < PARALLEL_MIN_TRAINING_ROWS || request.numFeatures < 2) return false;
  if (request.histSize * request.maxHistograms * 8 > 256 * 1024 * 1024) return false;
  return readyWorker() !== null;
}

/** Shared buffers the trainer allocates its arrays in, so that the worker sees them. */
export function sharedFloat64(length: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(length * 8));
}
export function sharedUint32(length: number): Uint32Array {
  return new Uint32Array(new SharedArrayBuffer(length * 4));
}
export function sharedUint8(length: number): Uint8Array {
  return new Uint8Array(new SharedArrayBuffer(length));
}

/**
 * The helper thread's side of one training: hands the worker the shared buffers, then runs
 * each split's node work on both threads. `close()` releases the worker for the next training.
 */
export class ParallelNodeWorker implements NodeWorker {
  private readonly control: Int32Array;
  private readonly totals: Float64Array;
  private readonly results: Float64Array;
  private readonly bits: Uint32Array;
  private readonly arena: SharedArrayBuffer;
  private readonly mainFeatures: Int32Array;
  private readonly mainCandidates = [new SplitCandidate(), new SplitCandidate()];
  private sequence = 0;
  private closed = false;

  constructor(
    private readonly layout: HistogramLayout,
    private readonly source: HistogramSource,
    private readonly rows: Uint32Array,
    private readonly constraints: SplitConstraints,
    arena: SharedArrayBuffer,
  ) {
    const worker = readyWorker();
    if (!worker) throw new Error('the GBDT helper thread is not ready');
    this.arena = arena;
    const setup: WorkerSetup = {
      control: new SharedArrayBuffer(4 * (CONTROL.features + layout.numFeatures)),
      totals: new SharedArrayBuffer(8 * 4),
      results: new SharedArrayBuffer(8 * 2 * RESULT_STRIDE),
      bits: new SharedArrayBuffer(4 * 2 * BIT_WORDS),
      columns: source.columns.buffer as SharedArrayBuffer,
      gradients: source.gradients.buffer as SharedArrayBuffer,
      rows: rows.buffer as SharedArrayBuffer,
      arena,
      histSize: layout.size,
      numRows: source.numRows,
      slotOffset: layout.slotOffset,
      binCount: layout.binCount,
      isCategorical: layout.isCategorical,
      constraints: {
        minSamplesLeaf: constraints.minSamplesLeaf,
        minHessianLeaf: constraints.minHessianLeaf,
        lambda: constraints.lambda,
        minDataPerCategory: constraints.minDataPerCategory,
        maxCategoricalThreshold: constraints.maxCategoricalThreshold,
        categoricalSmoothing: constraints.categoricalSmoothing,
        categoricalL2: constraints.categoricalL2,
      },
    };
    this.control = new Int32Array(setup.control);
    this.totals = new Float64Array(setup.totals);
    this.results = new Float64Array(setup.results);
    this.bits = new Uint32Array(setup.bits);
    this.mainFeatures = new Int32Array(layout.numFeatures);
    worker.postMessage(setup);
    parallelStats.trainings++;
  }

  /** The index of a histogram in the shared arena, or −1 when it lives elsewhere. */
  private indexOf(hist: Float64Array): number {
    if (hist.buffer !== this.arena) return -1;
    return hist.byteOffset / (this.layout.size * 8);
  }

  run(work: NodeWork, features: Int32Array): void {
    const rowsOfWork = work.build ? work.build.end - work.build.start : Math.max(0, ...work.evaluations.map((e) => e.count));
    const workerCount = splitPoint(features.length);
    const buildIndex = work.build ? this.indexOf(work.build.hist) : -1;
    const subtractIndex = work.subtractFrom ? this.indexOf(work.subtractFrom) : -1;
    const evalIndexes = work.evaluations.map((e) => this.indexOf(e.hist));
    const local =
      this.closed || workerCount === 0 || rowsOfWork < PARALLEL_MIN_ROWS || (work.build && buildIndex < 0) || (work.subtractFrom && subtractIndex < 0) || evalIndexes.some((i) => i < 0);
    if (local) {
      parallelStats.localJobs++;
      runNodeWork(work, this.layout, this.source, this.rows, this.constraints, features);
      return;
    }
    parallelStats.jobs++;
    const c = this.control;
    const mainCount = features.length - workerCount;
    c[CONTROL.buildHist] = buildIndex;
    c[CONTROL.buildStart] = work.build ? work.build.start : 0;
    c[CONTROL.buildEnd] = work.build ? work.build.end : 0;
    c[CONTROL.subtractHist] = subtractIndex;
    c[CONTROL.evaluations] = work.evaluations.length;
    work.evaluations.forEach((e, k) => {
      c[CONTROL.evalHist + k] = evalIndexes[k]!;
      c[CONTROL.evalCount + k] = e.count;
      this.totals[2 * k] = e.gradient;
      this.totals[2 * k + 1] = e.hessian;
    });
    c[CONTROL.featureCount] = workerCount;
    for (let j = 0; j < workerCount; j++) c[CONTROL.features + j] = features[mainCount + j]!;
    const sequence = ++this.sequence;
    Atomics.store(c, CONTROL.sequence, sequence);
    Atomics.notify(c, CONTROL.sequence);

    // This thread's share: the first features, into its own candidates.
    const mainFeatures = this.mainFeatures.subarray(0, mainCount);
    mainFeatures.set(features.subarray(0, mainCount));
    const mainWork: NodeWork = {
      build: work.build,
      subtractFrom: work.subtractFrom,
      evaluations: work.evaluations.map((e, k) => ({ ...e, out: this.mainCandidates[k]! })),
    };
    runNodeWork(mainWork, this.layout, this.source, this.rows, this.constraints, mainFeatures);
    this.waitFor(sequence);
    work.evaluations.forEach((e, k) => {
      const mine = this.mainCandidates[k]!;
      const at = k * RESULT_STRIDE;
      const theirGain = this.results[at]!;
      const theirFeature = this.results[at + 1]!;
      copyCandidate(mine, e.out);
      // Later features replace earlier ones only with a strictly larger gain, as in one search.
      if (theirFeature >= 0 && theirGain > e.out.gain) {
        e.out.gain = theirGain;
        e.out.feature = theirFeature;
        e.out.binThreshold = this.results[at + 2]!;
        e.out.defaultLeft = this.results[at + 3]! === 1;
        e.out.leftGradient = this.results[at + 4]!;
        e.out.leftHessian = this.results[at + 5]!;
        const words = this.results[at + 6]!;
        e.out.categoryBits = words > 0 ? this.bits.slice(k * BIT_WORDS, k * BIT_WORDS + words) : null;
      }
    });
  }

  private waitFor(sequence: number): void {
    const c = this.control;
    // Spin a little first: the worker usually finishes within microseconds of this thread.
    for (let spin = 0; spin < 4000; spin++) if (Atomics.load(c, CONTROL.done) === sequence) return;
    for (;;) {
      const done = Atomics.load(c, CONTROL.done);
      if (done === sequence) return;
      if (Atomics.load(c, CONTROL.failed) !== 0) throw new Error('the GBDT helper thread failed');
      Atomics.wait(c, CONTROL.done, done, 1000);
      if (pool?.failed) throw new Error('the GBDT helper thread exited');
    }
  }

  /** Lets the worker go back to waiting for the next training. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    Atomics.store(this.control, CONTROL.stop, 1);
    Atomics.add(this.control, CONTROL.sequence, 1);
    Atomics.notify(this.control, CONTROL.sequence);
  }
}

/** How many of a tree's features go to the worker: half, rounded down (this thread also partitions the rows). */
export function splitPoint(numFeatures: number): number {
  return numFeatures < 2 ? 0 : Math.floor(numFeatures / 2);
}

function copyCandidate(from: SplitCandidate, to: SplitCandidate): void {
  to.gain = from.gain;
  to.feature = from.feature;
  to.binThreshold = from.binThreshold;
  to.defaultLeft = from.defaultLeft;
  to.categoryBits = from.categoryBits;
  to.leftGradient = from.leftGradient;
  to.leftHessian = from.leftHessian;
}
