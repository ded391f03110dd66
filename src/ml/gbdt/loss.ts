/**
 * Losses. Both have a unit hessian (L2 exactly, with loss ½(p − y)²; the pinball loss by
 * convention, as scikit-learn and LightGBM do), which lets histograms count rows instead of
 * summing hessians. The quantile loss then re-fits each leaf to the α-quantile of the residuals
 * of its rows, because a Newton step on a piecewise-linear loss is only a direction.
 */
import type { LossName } from './params.js';

export interface Loss {
  readonly name: LossName;
  /** True when every hessian is 1 (histograms then skip the hessian sums). */
  readonly unitHessian: boolean;
  /** The constant model the boosting starts from. */
  initialScore(y: Float64Array): number;
  /**
   * gradient[i] (and hessian[i]) for the rows i = rows[0..count): only the rows a tree is grown
   * on need them (with bagging, about half).
   */
  gradients(y: Float64Array, prediction: Float64Array, gradient: Float64Array, hessian: Float64Array | null, rows: Uint32Array, count: number): void;
  /** The value early stopping minimises: RMSE for L2, mean pinball loss for quantile. */
  evaluate(y: ArrayLike<number>, prediction: ArrayLike<number>): number;
  /** When defined, the leaf output before shrinkage, from the residuals y − prediction of its rows (the array is scratch). */
  refitLeaf?(residuals: Float64Array): number;
}

export function createLoss(name: LossName, alpha: number): Loss {
  return name === 'l2' ? l2Loss : quantileLoss(alpha);
}

const l2Loss: Loss = {
  name: 'l2',
  unitHessian: true,
  initialScore: (y) => mean(y),
  gradients(y, prediction, gradient, _hessian, rows, count) {
    for (let k = 0; k < count; k++) {
      const i = rows[k]!;
      gradient[i] = prediction[i]! - y[i]!;
    }
  },
  evaluate(y, prediction) {
    let sum = 0;
    for (let i = 0; i < y.length; i++) {
      const d = prediction[i]! - y[i]!;
      sum += d * d;
    }
    return Math.sqrt(sum / Math.max(1, y.length));
  },
};

function quantileLoss(alpha: number): Loss {
  // Indexed by a comparison (0 or 1) instead of branching on it: the sign of a residual is a
  // coin flip, and a mispredicted branch per row cost more than the rest of these loops.
  const gradientOf = Float64Array.of(-alpha, 1 - alpha); // [p < y, p >= y]
  const slopeOf = Float64Array.of(alpha - 1, alpha); // [d < 0, d >= 0]
  return {
    name: 'quantile',
    unitHessian: true,
    initialScore: (y) => empiricalQuantile(Float64Array.from(y), alpha),
    gradients(y, prediction, gradient, _hessian, rows, count) {
      for (let k = 0; k < count; k++) {
        const i = rows[k]!;
        gradient[i] = gradientOf[bit(prediction[i]! >= y[i]!)]!;
      }
    },
    evaluate(y, prediction) {
      let sum = 0;
      for (let i = 0; i < y.length; i++) {
        const d = y[i]! - prediction[i]!;
        sum += slopeOf[bit(d >= 0)]! * d;
      }
      return sum / Math.max(1, y.length);
    },
    refitLeaf: (residuals) => empiricalQuantile(residuals, alpha),
  };
}

/** 1 or 0, without a branch. */
function bit(condition: boolean): number {
  return (condition as unknown as number) | 0;
}

function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  return values.length === 0 ? 0 : sum / values.length;
}

/**
 * The lower α-quantile: the smallest value v with at least α·n values <= v. It minimises the
 * pinball loss over the sample. Reorders `values`.
 */
export function empiricalQuantile(values: Float64Array, alpha: number): number {
  if (values.length === 0) return 0;
  const k = Math.min(values.length - 1, Math.max(0, Math.ceil(alpha * values.length) - 1));
  return quickSelect(values, k);
}

/** The k-th smallest value (0-based), in expected linear time; partially reorders `values`. */
export function quickSelect(values: Float64Array, k: number): number {
  let lo = 0;
  let hi = values.length - 1;
  while (lo < hi) {
    const pivot = median3(values[lo]!, values[(lo + hi) >>> 1]!, values[hi]!);
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i]! < pivot) i++;
      while (values[j]! > pivot) j--;
      if (i <= j) {
        const t = values[i]!;
        values[i] = values[j]!;
        values[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return values[k]!;
  }
  return values[k]!;
}

function median3(a: number, b: number, c: number): number {
  return a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
}
