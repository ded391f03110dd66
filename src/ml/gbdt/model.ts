/** A trained GBDT: prediction, feature importance, and the versioned JSON format (format.ts). */
import type { Matrix } from '../matrix.js';
import { categoryBinsOf, sumTrees, sumTreesMatrix, type FeatureLookup, type Forest } from './forest.js';
import type { GbdtParams, LossName } from './params.js';

export type ModelFeature =
  | { readonly name: string; readonly kind: 'numeric' }
  | {
      readonly name: string;
      readonly kind: 'categorical';
      /** categories[b] is the code held by bin b; every other code is bin categories.length. */
      readonly categories: Float64Array;
      readonly binOf: ReadonlyMap<number, number>;
      readonly numBins: number;
    };

export interface TrainingSummary {
  /** Rounds run, including those after the best one that early stopping discarded. */
  readonly iterations: number;
  /** Trees kept (= best iteration + 1 with early stopping). */
  readonly bestIteration: number;
  /** Validation loss of the kept model (null without a validation set). */
  readonly bestValidationLoss: number | null;
  /** Loss on the training rows after each round. */
  readonly trainLoss: readonly number[];
  /** Loss on the validation rows after each round (empty without early stopping). */
  readonly validationLoss: readonly number[];
  readonly params: GbdtParams;
}

export interface GbdtModelParts {
  readonly loss: LossName;
  /** Quantile level when loss = 'quantile'. */
  readonly alpha: number;
  readonly baseScore: number;
  readonly features: readonly ModelFeature[];
  readonly forest: Forest;
  readonly training: TrainingSummary;
}

export class GbdtModel {
  readonly loss: LossName;
  readonly alpha: number;
  readonly baseScore: number;
  readonly features: readonly ModelFeature[];
  readonly forest: Forest;
  readonly training: TrainingSummary;
  private readonly lookups: readonly FeatureLookup[];
  private readonly scratch: Int32Array;

  constructor(parts: GbdtModelParts) {
    this.loss = parts.loss;
    this.alpha = parts.alpha;
    this.baseScore = parts.baseScore;
    this.features = parts.features;
    this.forest = parts.forest;
    this.training = parts.training;
    this.lookups = parts.features;
    this.scratch = new Int32Array(parts.features.length);
  }

  get numTrees(): number {
    return this.forest.roots.length;
  }

  get numFeatures(): number {
    return this.features.length;
  }

  get featureNames(): string[] {
    return this.features.map((f) => f.name);
  }

  /** Prediction for one row of raw feature values (NaN = missing). */
  predict(row: ArrayLike<number>): number {
    this.checkWidth(row.length);
    return this.baseScore + sumTrees(this.forest, this.numTrees, row, categoryBinsOf(row, this.lookups, this.scratch));
  }

  /** Predictions for every row of a matrix. */
  predictMatrix(x: Matrix): Float64Array {
    this.checkWidth(x.cols);
    const out = new Float64Array(x.rows);
    sumTreesMatrix(this.forest, this.numTrees, x.values, x.rows, x.cols, this.lookups, out);
    for (let i = 0; i < x.rows; i++) out[i] = this.baseScore + out[i]!;
    return out;
  }

  /** Bins of the categorical features of a row, as TreeSHAP and other tree walkers need them. */
  categoryBins(row: ArrayLike<number>): Int32Array {
    return categoryBinsOf(row, this.lookups, new Int32Array(this.numFeatures));
  }

  /** Total split gain per feature, normalised to sum to 1 (all zeros for a model without splits). */
  featureImportance(): Float64Array {
    const out = new Float64Array(this.numFeatures);
    const { feature, gain } = this.forest;
    let total = 0;
    for (let n = 0; n < feature.length; n++) {
      const f = feature[n]!;
      if (f >= 0) {
        out[f]! += gain[n]!;
        total += gain[n]!;
      }
    }
    if (total > 0) for (let f = 0; f < out.length; f++) out[f]! /= total;
    return out;
  }

  private checkWidth(width: number): void {
    if (width !== this.numFeatures) throw new RangeError(`the model takes ${this.numFeatures} features, got ${width}`);
  }
}

export function categoricalFeature(name: string, categories: Float64Array): ModelFeature {
  const binOf = new Map<number, number>();
  categories.forEach((code, bin) => binOf.set(code, bin));
  return { name, kind: 'categorical', categories, binOf, numBins: categories.length };
}
