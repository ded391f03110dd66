/**
 * The boosting loop: gradients → (bagged rows, sampled features) → one tree on histograms →
 * predictions updated → early stopping on a held-out set. Everything random comes from one
 * seeded PRNG, so the same data, parameters and seed give the same model.
 */
import { selectRows, selectValues, type Matrix } from '../matrix.js';
import { createRng, permutation, type Rng } from '../random.js';
import { binMatrix, binTrainingColumns, type FeatureBins } from './binning.js';
import { forestFromTrees } from './forest.js';
import { growTree, type GrowContext } from './grower.js';
import { histogramLayout, HistogramPool } from './histogram.js';
import { ParallelNodeWorker, sharedFloat64, sharedUint32, sharedUint8, wantsParallel } from './parallel.js';
import { createLoss } from './loss.js';
import { categoricalFeature, GbdtModel, type ModelFeature } from './model.js';
import { resolveParams, type GbdtParams } from './params.js';
import type { TreeBuilder } from './tree-builder.js';

export interface TrainOptions {
  /**
   * Validation set: its loss is recorded every round, and early stopping (earlyStoppingRounds > 0)
   * watches it. Early stopping without one holds out `validationFraction` of the training rows.
   */
  readonly validation?: { readonly x: Matrix; readonly y: ArrayLike<number> };
  /** Called after every round, e.g. for progress logs. */
  readonly onIteration?: (info: { iteration: number; trainLoss: number; validationLoss: number | null }) => void;
  /**
   * Whether the training loss is evaluated after every round (TrainingSummary.trainLoss; a pass
   * over all rows per round). Default true; the averaged trainings, whose merged model keeps no
   * per-round history, turn it off: trainLoss stays empty and onIteration reports NaN.
   */
  readonly recordTrainLoss?: boolean;
  /**
   * Filled with the final model's predictions for the rows of x, kept up to date while
   * boosting (no second pass over the trees). Left untouched when early stopping held out rows
   * of x or dropped trees after the best one (fill it with NaN to tell).
   */
  readonly fitted?: Float64Array;
  /**
   * Filled with the final model's predictions for the rows of `validation`, kept up to date
   * while boosting on their bins; left untouched when early stopping dropped trees after the
   * best one. They equal predictMatrix's up to float rounding (the sum starts at the base score).
   */
  readonly validationPredicted?: Float64Array;
  /**
   * Threads for tree growth: 1 trains on the calling thread; 2 lets a large training (thousands
   * of rows) share its large nodes' histograms and split search with one persistent helper
   * thread, once that has started (parallel.ts). The model is the same either way. Default:
   * `setGbdtThreads` (1: on the shared 2-core benchmark machine the helper did not pay off).
   */
  readonly threads?: number;
}

export function trainGbdt(x: Matrix, y: ArrayLike<number>, overrides: Partial<GbdtParams> = {}, options: TrainOptions = {}): GbdtModel {
  const p = resolveParams(overrides, x.cols);
  if (y.length !== x.rows) throw new RangeError(`x has ${x.rows} rows but y has ${y.length} values`);
  if (x.rows < 2) throw new RangeError('training needs at least 2 rows');
  for (let i = 0; i < y.length; i++) if (!Number.isFinite(y[i]!)) throw new RangeError(`y[${i}] is not a finite number`);
  const rng = createRng(p.seed);

  let train: { x: Matrix; y: Float64Array } = { x, y: Float64Array.from(y) };
  let valid: { x: Matrix; y: Float64Array } | null = null;
  const earlyStopping = p.earlyStoppingRounds > 0;
  if (options.validation) {
    const v = options.validation;
    if (v.x.cols !== x.cols) throw new RangeError(`the validation set has ${v.x.cols} features, the training set ${x.cols}`);
    if (v.y.length !== v.x.rows) throw new RangeError(`the validation set has ${v.x.rows} rows but ${v.y.length} targets`);
    valid = { x: v.x, y: Float64Array.from(v.y) };
  } else if (earlyStopping) {
    const order = permutation(x.rows, rng);
    const held = Math.max(1, Math.min(x.rows - 1, Math.round(x.rows * p.validationFraction)));
    const validIdx = order.subarray(0, held).slice().sort();
    const trainIdx = order.subarray(held).slice().sort();
    valid = { x: selectRows(x, validIdx), y: selectValues(y, validIdx) };
    train = { x: selectRows(x, trainIdx), y: selectValues(y, trainIdx) };
  }

  const n = train.x.rows;
  const numFeatures = x.cols;
  // Bins fitted and the training rows binned feature-major (histograms read a feature's column
  // at a time) in one pass over each column.
  const binned = binTrainingColumns(train.x, p.maxBins, new Set(p.categoricalFeatures), p.maxCategories);
  const bins = binned.bins;
  const validBinned = valid ? binMatrix(valid.x, bins) : null;
  const missingBins = Int32Array.from(bins, (b) => b.numBins);
  const loss = createLoss(p.loss, p.alpha);
  const baseScore = loss.initialScore(train.y);
  const prediction = new Float64Array(n).fill(baseScore);
  const validPrediction = valid ? new Float64Array(valid.y.length).fill(baseScore) : null;
  const layout = histogramLayout(bins);
  const maxHistograms = p.maxLeaves + 2; // open leaves' histograms plus the one being built
  const parallel = wantsParallel({
    threads: options.threads,
    numRows: Math.round(n * p.subsample),
    numFeatures: Math.round(numFeatures * p.featureFraction),
    histSize: layout.size,
    maxHistograms,
    hasHessians: !loss.unitHessian,
  });
  // With the helper thread, what it reads lives in shared memory.
  const gradients = parallel ? sharedFloat64(n) : new Float64Array(n);
  const hessians = loss.unitHessian ? null : new Float64Array(n);
  const rows = parallel ? sharedUint32(n) : new Uint32Array(n);
  // With the helper thread, the bins it reads live in shared memory.
  const columns = parallel ? sharedUint8(n * numFeatures) : binned.columns;
  if (parallel) columns.set(binned.columns);
  const arena = parallel ? new SharedArrayBuffer(layout.size * 8 * maxHistograms) : undefined;
  const source = {
    columns,
    numRows: n,
    gradients,
    hessians,
    orderedGradients: new Float64Array(n),
    orderedHessians: new Float64Array(hessians ? n : 0),
  };
  const worker = parallel && arena ? new ParallelNodeWorker(layout, source, rows, p, arena) : null;
  const ctx: GrowContext = {
    layout,
    source,
    pool: new HistogramPool(layout.size, arena),
    options: p,
    scratch: new Uint32Array(n),
    goLeft: new Uint8Array(256),
    worker,
  };
  const residuals = new Float64Array(n);
  const routerTable = new Int32Array((2 * p.maxLeaves - 1) * 256);

  const trees: TreeBuilder[] = [];
  const trainLoss: number[] = [];
  const validationLoss: number[] = [];
  let best = { iteration: -1, loss: Infinity };
  try {
    for (let iteration = 0; iteration < p.maxIterations; iteration++) {
      const numRows = sampleRows(n, p.subsample, rng, rows);
      const features = sampleFeatures(numFeatures, p.featureFraction, rng);
      loss.gradients(train.y, prediction, gradients, hessians, rows, numRows);
      const { tree, leaves } = growTree(ctx, rows, numRows, features, n);
      if (loss.refitLeaf) {
        for (const leaf of leaves) {
          const count = leaf.end - leaf.start;
          for (let k = 0; k < count; k++) {
            const i = rows[leaf.start + k]!;
            residuals[k] = train.y[i]! - prediction[i]!;
          }
          tree.value[leaf.node] = loss.refitLeaf(residuals.subarray(0, count)) * p.learningRate;
        }
      }
      // In-bag and out-of-bag rows alike get their leaf's value (growTree partitioned both).
      for (const leaf of leaves) {
        const v = tree.value[leaf.node]!;
        for (let k = leaf.start; k < leaf.end; k++) prediction[rows[k]!]! += v;
        for (let k = leaf.outStart; k < leaf.outEnd; k++) prediction[rows[k]!]! += v;
      }
      const router = validBinned ? tree.router(missingBins, routerTable) : null;
      const values = router ? Float64Array.from(tree.value) : null;
      trees.push(tree);
      if (options.recordTrainLoss !== false) trainLoss.push(loss.evaluate(train.y, prediction));

      let stop = false;
      let currentValidLoss: number | null = null;
      if (valid && validBinned && validPrediction && router) {
        router.addLeafValues(validBinned, numFeatures, null, 0, validPrediction.length, values!, validPrediction);
        currentValidLoss = loss.evaluate(valid.y, validPrediction);
        validationLoss.push(currentValidLoss);
        if (best.iteration < 0 || best.loss - currentValidLoss > p.earlyStoppingTolerance * Math.abs(best.loss)) {
          best = { iteration, loss: currentValidLoss };
        } else if (earlyStopping && iteration - best.iteration >= p.earlyStoppingRounds) {
          stop = true;
        }
      }
      options.onIteration?.({ iteration, trainLoss: options.recordTrainLoss !== false ? trainLoss[trainLoss.length - 1]! : Number.NaN, validationLoss: currentValidLoss });
      // A tree that found no split on all rows and all features will be found again: nothing left to learn.
      if (tree.size === 1 && numRows === n && features.length === numFeatures) stop = true;
      if (stop) break;
    }
  } finally {
    worker?.close();
  }

  const kept = earlyStopping ? best.iteration + 1 : trees.length;
  if (options.fitted && train.x === x && kept === trees.length) {
    if (options.fitted.length !== n) throw new RangeError(`fitted has ${options.fitted.length} entries for ${n} rows`);
    options.fitted.set(prediction);
  }
  if (options.validationPredicted && options.validation && validPrediction && kept === trees.length) {
    if (options.validationPredicted.length !== validPrediction.length) throw new RangeError(`validationPredicted has ${options.validationPredicted.length} entries for ${validPrediction.length} rows`);
    options.validationPredicted.set(validPrediction);
  }
  return new GbdtModel({
    loss: p.loss,
    alpha: p.alpha,
    baseScore,
    features: modelFeatures(bins, p.featureNames),
    forest: forestFromTrees(trees.slice(0, kept), bins),
    training: {
      iterations: trees.length,
      bestIteration: kept - 1,
      bestValidationLoss: valid ? (earlyStopping ? best.loss : validationLoss[validationLoss.length - 1]!) : null,
      trainLoss,
      validationLoss,
      params: p,
    },
  });
}

let outOfBag = new Uint32Array(0);

/**
 * Bagging: exactly round(n·fraction) rows, in increasing order (selection sampling, Knuth's
 * Algorithm S), into rows[0..chosen); the rows left out follow in rows[chosen..n), also in order.
 */
function sampleRows(n: number, fraction: number, rng: Rng, rows: Uint32Array): number {
  if (fraction >= 1) {
    for (let i = 0; i < n; i++) rows[i] = i;
    return n;
  }
  const wanted = Math.max(1, Math.round(n * fraction));
  if (outOfBag.length < n) outOfBag = new Uint32Array(n);
  rng.select(n, wanted, rows, outOfBag);
  rows.set(outOfBag.subarray(0, n - wanted), wanted);
  return wanted;
}

function sampleFeatures(numFeatures: number, fraction: number, rng: Rng): Int32Array {
  if (fraction >= 1) return Int32Array.from({ length: numFeatures }, (_, f) => f);
  const wanted = Math.max(1, Math.round(numFeatures * fraction));
  return Int32Array.from(permutation(numFeatures, rng).subarray(0, wanted)).sort();
}

function modelFeatures(bins: readonly FeatureBins[], names: readonly string[]): ModelFeature[] {
  return bins.map((b, f) => {
    const name = names[f] ?? `f${f}`;
    return b.kind === 'categorical' ? categoricalFeature(name, b.categories) : { name, kind: 'numeric' as const };
  });
}
