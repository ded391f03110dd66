/**
 * Averaging GBDTs into one: models trained on the same features (the same matrix, so the same
 * categorical bins) with different seeds are merged into one forest whose prediction is the
 * mean of theirs — every leaf value scaled by 1/m, base scores averaged. The result is an
 * ordinary GbdtModel: the same format, prediction and TreeSHAP code serve it, and a SHAP value
 * of the average is the average of the SHAP values (SHAP is linear in the model).
 */
import { offer, type ComputeFunction, type OfferedTask } from '../compute-thread.js';
import type { Matrix } from '../matrix.js';
import type { Forest } from './forest.js';
import { GbdtModel, type GbdtModelParts, type ModelFeature } from './model.js';
import type { GbdtParams } from './params.js';
import { trainGbdt } from './train.js';

export function averageModels(models: readonly GbdtModel[]): GbdtModel {
  if (models.length === 0) throw new RangeError('averageModels needs at least one model');
  if (models.length === 1) return models[0]!;
  const first = models[0]!;
  for (const m of models) {
    if (m.loss !== first.loss || m.alpha !== first.alpha) throw new RangeError('averaged models must share their loss');
    if (!sameFeatures(m.features, first.features)) throw new RangeError('averaged models must share their features and categorical bins');
  }
  const scale = 1 / models.length;
  const forests = models.map((m) => m.forest);
  const nodes = forests.reduce((n, f) => n + f.feature.length, 0);
  const trees = forests.reduce((n, f) => n + f.roots.length, 0);
  const bits = forests.reduce((n, f) => n + f.categoryBits.length, 0);
  const out: Forest = {
    roots: new Int32Array(trees),
    feature: new Int32Array(nodes),
    threshold: new Float64Array(nodes),
    defaultLeft: new Uint8Array(nodes),
    categoryOffset: new Int32Array(nodes),
    categoryBits: new Uint32Array(bits),
    left: new Int32Array(nodes),
    right: new Int32Array(nodes),
    value: new Float64Array(nodes),
    cover: new Float64Array(nodes),
    gain: new Float64Array(nodes),
  };
  let nodeBase = 0;
  let treeBase = 0;
  let bitBase = 0;
  for (const f of forests) {
    const n = f.feature.length;
    for (let t = 0; t < f.roots.length; t++) out.roots[treeBase + t] = f.roots[t]! + nodeBase;
    out.feature.set(f.feature, nodeBase);
    out.threshold.set(f.threshold, nodeBase);
    out.defaultLeft.set(f.defaultLeft, nodeBase);
    out.cover.set(f.cover, nodeBase);
    out.categoryBits.set(f.categoryBits, bitBase);
    for (let i = 0; i < n; i++) {
      const at = nodeBase + i;
      out.categoryOffset[at] = f.categoryOffset[i]! >= 0 ? f.categoryOffset[i]! + bitBase : -1;
      out.left[at] = f.left[i]! >= 0 ? f.left[i]! + nodeBase : -1;
      out.right[at] = f.right[i]! >= 0 ? f.right[i]! + nodeBase : -1;
      out.value[at] = f.value[i]! * scale;
      out.gain[at] = f.gain[i]! * scale;
    }
    nodeBase += n;
    treeBase += f.roots.length;
    bitBase += f.categoryBits.length;
  }
  const baseScore = models.reduce((s, m) => s + m.baseScore, 0) * scale;
  const iterations = models.reduce((s, m) => s + m.training.iterations, 0);
  return new GbdtModel({
    loss: first.loss,
    alpha: first.alpha,
    baseScore,
    features: first.features,
    forest: out,
    training: { ...first.training, iterations, bestIteration: trees - 1, trainLoss: [], validationLoss: [] },
  });
}

function sameFeatures(a: readonly ModelFeature[], b: readonly ModelFeature[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((fa, i) => {
    const fb = b[i]!;
    if (fa.name !== fb.name || fa.kind !== fb.kind) return false;
    if (fa.kind === 'numeric' || fb.kind === 'numeric') return true;
    return fa.categories.length === fb.categories.length && fa.categories.every((c, j) => Object.is(c, fb.categories[j]));
  });
}

/** One model of an averaged training, as the compute thread gets it. */
export interface PartJob {
  readonly rows: number;
  readonly cols: number;
  readonly values: Float64Array;
  readonly y: Float64Array;
  readonly params: Partial<GbdtParams>;
  readonly wantFitted: boolean;
  readonly validation?: { readonly rows: number; readonly values: Float64Array; readonly y: Float64Array };
}

interface PartAnswer {
  readonly parts: GbdtModelParts;
  readonly fitted: Float64Array | undefined;
  readonly validationPredicted: Float64Array | undefined;
}

/** Trains one model of an averaged training (on whichever thread gets the job). */
export const trainPart: ComputeFunction<PartJob, PartAnswer> = (job) => {
  const fitted = job.wantFitted ? new Float64Array(job.rows).fill(Number.NaN) : undefined;
  const v = job.validation;
  const validationPredicted = v ? new Float64Array(v.rows).fill(Number.NaN) : undefined;
  const validation = v ? { x: { rows: v.rows, cols: job.cols, values: v.values }, y: v.y } : undefined;
  const model = trainGbdt({ rows: job.rows, cols: job.cols, values: job.values }, job.y, job.params, { fitted, threads: 1, validation, validationPredicted, recordTrainLoss: false });
  const { loss, alpha, baseScore, features, forest, training } = model;
  return { value: { parts: { loss, alpha, baseScore, features, forest, training }, fitted, validationPredicted } };
};

/** Trainings smaller than this stay on one thread: a few ms of work does not repay a hand-over. */
export const ENSEMBLE_MIN_ROWS = 2000;

/**
 * Trains one GBDT per entry of `params` on the same data and averages them (averageModels). On a
 * machine with 2 cores or more every other model is offered to the compute thread
 * (compute-thread.ts) while this thread trains the rest; a model the thread has not started by
 * then is trained here. Every model is trained from its own parameters and seed on the same
 * rows, so the result is the same whichever thread trained what. `fitted`, when given, receives
 * the average of the models' in-sample predictions; `meanwhile` runs between this thread's models
 * and the wait for the thread's.
 */
export function trainAveraged(x: Matrix, y: ArrayLike<number>, params: readonly Partial<GbdtParams>[], options: AveragedTrainOptions = {}): GbdtModel {
  if (params.length === 0) throw new RangeError('trainAveraged needs at least one parameter set');
  const wantFitted = options.fitted !== undefined;
  const v = options.validation;
  if (v && v.x.cols !== x.cols) throw new RangeError(`the validation set has ${v.x.cols} features, the training set ${x.cols}`);
  const validation = v ? { rows: v.x.rows, values: Float64Array.from(v.x.values), y: Float64Array.from(v.y) } : undefined;
  const target = Float64Array.from(y);
  const job = (index: number): PartJob => ({ rows: x.rows, cols: x.cols, values: x.values as Float64Array, y: target, params: params[index]!, wantFitted, ...(validation ? { validation } : {}) });
  const share = params.length >= 2 && x.rows >= ENSEMBLE_MIN_ROWS;
  const offered = new Map<number, OfferedTask<PartAnswer>>();
  if (share) for (let index = 1; index < params.length; index += 2) offered.set(index, offer(import.meta.url, 'trainPart', trainPart, job(index)));
  const answers: PartAnswer[] = [];
  for (let index = 0; index < params.length; index++) if (!offered.has(index)) answers[index] = trainPart(job(index)).value;
  // This thread's models are done; while the compute thread may still be training, the caller's
  // own work that needs no model runs here rather than after the wait.
  options.meanwhile?.();
  for (const [index, task] of offered) answers[index] = task.result();
  const models = answers.map((a) => new GbdtModel(a.parts));
  if (options.fitted) averageInto(options.fitted, answers.map((a) => a.fitted));
  if (options.validationPredicted) averageInto(options.validationPredicted, answers.map((a) => a.validationPredicted));
  return averageModels(models);
}

export interface AveragedTrainOptions {
  /** Receives the average of the models' in-sample predictions (NaN when a model could not keep them). */
  readonly fitted?: Float64Array;
  /** Rows every model also predicts while boosting (a calibration set): recorded, never used to stop. */
  readonly validation?: { readonly x: Matrix; readonly y: ArrayLike<number> };
  /** Receives the average of the models' predictions of `validation`: the averaged model's, up to float rounding. */
  readonly validationPredicted?: Float64Array;
  /**
   * Work of the caller's that does not need the models, run on the calling thread once its own
   * models are trained and before it waits for the compute thread's (filling that wait).
   */
  readonly meanwhile?: () => void;
}

/** out = the mean of the parts, or NaN everywhere when a part is missing or was not kept. */
function averageInto(out: Float64Array, parts: readonly (Float64Array | undefined)[]): void {
  if (!parts.every((p) => p && p.length === out.length && !Number.isNaN(p[0]!))) {
    out.fill(Number.NaN);
    return;
  }
  out.fill(0);
  for (const p of parts) for (let i = 0; i < out.length; i++) out[i] = out[i]! + p![i]!;
  for (let i = 0; i < out.length; i++) out[i] = out[i]! / parts.length;
}
