/**
 * Split-conformal prediction intervals (Vovk et al.; Lei et al. 2018, "Distribution-free
 * predictive inference for regression").
 *
 * Calibrate on rows the model was NOT trained on: scores s_i = |y_i − ŷ_i| / d_i, where d_i is an
 * optional difficulty estimate (e.g. a model of |residual|, or the spread of comparables) and 1
 * otherwise. With q the ⌈(n+1)·coverage⌉-th smallest score, the interval ŷ ± q·d holds a new
 * y with probability at least `coverage`, whatever the data distribution, provided calibration
 * and new rows are exchangeable (so: no drift between them). The guarantee is marginal — on
 * average over rows, not for every kind of property — and normalising by difficulty makes
 * intervals narrow where the model is sure and wide where it is not.
 *
 * For prices, calibrate on log prices (residuals are then relative errors) and use
 * `priceInterval`, which maps the log interval back to prices.
 */

export interface ConformalInterval {
  readonly lower: number;
  readonly upper: number;
}

export interface ConformalCalibrationInput {
  readonly actual: ArrayLike<number>;
  readonly predicted: ArrayLike<number>;
  /** Positive difficulty per row; omit for constant-width intervals. */
  readonly difficulty?: ArrayLike<number>;
  /** Target coverage in (0, 1), e.g. 0.9. */
  readonly coverage: number;
}

export interface SplitConformalJson {
  readonly coverage: number;
  readonly quantile: number | null;
  readonly calibrationSize: number;
  readonly normalized: boolean;
}

/** Difficulties below this are raised to it, so a near-zero estimate cannot give a zero-width interval. */
const MIN_DIFFICULTY = 1e-9;

export class SplitConformal {
  private constructor(
    /** The coverage the intervals guarantee (marginally). */
    readonly coverage: number,
    /** The score quantile q; Infinity when the calibration set is too small for the coverage. */
    readonly quantile: number,
    readonly calibrationSize: number,
    /** Whether scores were divided by a difficulty (then `interval` needs one too). */
    readonly normalized: boolean,
  ) {}

  static calibrate(input: ConformalCalibrationInput): SplitConformal {
    const { actual, predicted, difficulty, coverage } = input;
    if (!(coverage > 0 && coverage < 1)) throw new RangeError(`coverage must be in (0, 1), got ${coverage}`);
    if (actual.length !== predicted.length) throw new RangeError(`${actual.length} actual values but ${predicted.length} predictions`);
    if (difficulty && difficulty.length !== actual.length) throw new RangeError(`${difficulty.length} difficulties for ${actual.length} rows`);
    const n = actual.length;
    if (n === 0) throw new RangeError('calibration needs at least one row');
    const scores = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const residual = Math.abs(actual[i]! - predicted[i]!);
      if (!Number.isFinite(residual)) throw new RangeError(`calibration row ${i} has a non-finite residual`);
      scores[i] = residual / (difficulty ? checkedDifficulty(difficulty[i]!) : 1);
    }
    scores.sort();
    // The finite-sample correction: rank ⌈(n+1)·coverage⌉ among n scores; past n no finite q works.
    const rank = Math.ceil((n + 1) * coverage);
    const quantile = rank > n ? Infinity : scores[rank - 1]!;
    return new SplitConformal(coverage, quantile, n, difficulty !== undefined);
  }

  /** The interval for one prediction (same scale as calibration). */
  interval(predicted: number, difficulty?: number): ConformalInterval {
    const half = this.quantile * this.scale(difficulty);
    return { lower: predicted - half, upper: predicted + half };
  }

  /** For a model of log prices: the interval mapped back to prices, [exp(ŷ − q·d), exp(ŷ + q·d)]. */
  priceInterval(predictedLogPrice: number, difficulty?: number): ConformalInterval {
    const { lower, upper } = this.interval(predictedLogPrice, difficulty);
    return { lower: Math.exp(lower), upper: Math.exp(upper) };
  }

  toJSON(): SplitConformalJson {
    const quantile = Number.isFinite(this.quantile) ? this.quantile : null;
    return { coverage: this.coverage, quantile, calibrationSize: this.calibrationSize, normalized: this.normalized };
  }

  static fromJSON(json: SplitConformalJson): SplitConformal {
    if (!(json.coverage > 0 && json.coverage < 1)) throw new RangeError('conformal coverage must be in (0, 1)');
    const quantile = json.quantile === null ? Infinity : json.quantile;
    if (!(quantile >= 0)) throw new RangeError('conformal quantile must be >= 0');
    return new SplitConformal(json.coverage, quantile, json.calibrationSize, json.normalized);
  }

  private scale(difficulty: number | undefined): number {
    if (!this.normalized) return 1;
    if (difficulty === undefined) throw new RangeError('this calibration is normalised: pass the row\'s difficulty');
    return checkedDifficulty(difficulty);
  }
}

function checkedDifficulty(d: number): number {
  if (!(d >= 0) || !Number.isFinite(d)) throw new RangeError(`difficulty must be a finite number >= 0, got ${d}`);
  return Math.max(d, MIN_DIFFICULTY);
}
