import { trainGbdt, type GbdtModel } from '../gbdt/index.js';
import { createMatrix } from '../matrix.js';

/**
 * A pooled gradient-boosted forecaster for a panel of aligned log-level series (states, areas):
 * one model learns, from every series' history, how the growth of the next h periods departs
 * from momentum (growth over the last `season` periods continuing). Pooling gives it hundreds of
 * booms and busts to learn from where one series has a handful; the features are the usual
 * suspects of the house-price literature — momentum at several lags, its acceleration, the
 * panel-wide (national) growth, and how far the level sits above its 10-year trend (a gauge of
 * over-valuation that predicts reversals).
 */
export interface PanelGbdtOptions {
  horizon: number;
  /** Periods per year (4 quarterly, 12 monthly). */
  season: number;
  /** Boosting rounds (default 150), learning rate (0.05), leaves (15), rows per leaf (40), seed (1). */
  maxIterations?: number;
  learningRate?: number;
  maxLeaves?: number;
  minSamplesLeaf?: number;
  seed?: number;
}

export const panelFeatureNames = [
  'growth_1', 'growth_2', 'growth_season', 'growth_prev_season', 'acceleration',
  'panel_growth_season', 'panel_acceleration', 'trend_gap_10y', 'panel_trend_gap_10y', 'growth_5y_per_season', 'period_of_year',
] as const;

export interface PanelGbdtModel {
  model: GbdtModel;
  /** Rows the model was trained on. */
  trainingRows: number;
  /** Forecast log change over the horizon for series s at its last period `origin`. */
  predict(s: number, origin: number): number;
}

/** The first period index at which every feature is defined. */
export function panelWarmUp(season: number): number {
  return 10 * season + season;
}

/**
 * Trains on targets that are known by `origin` (t + horizon ≤ origin), i.e. without looking
 * ahead, and returns a predictor for any series at `origin`.
 */
export function trainPanelGbdt(panel: readonly ArrayLike<number>[], origin: number, options: PanelGbdtOptions): PanelGbdtModel {
  const { horizon: h, season } = options;
  if (panel.length === 0) throw new RangeError('the panel has no series');
  const length = panel[0]!.length;
  if (panel.some((s) => s.length !== length)) throw new RangeError('the panel series must be aligned (same length)');
  if (origin >= length) throw new RangeError(`origin ${origin} is past the series' end`);
  const mean = Float64Array.from({ length }, (_, t) => panel.reduce((sum, s) => sum + s[t]!, 0) / panel.length);
  const first = panelWarmUp(season);
  const rows: number[][] = [];
  const targets: number[] = [];
  for (const series of panel) {
    for (let t = first; t + h <= origin; t++) {
      rows.push(features(series, mean, t, season));
      targets.push(series[t + h]! - series[t]! - momentumChange(series, t, season, h));
    }
  }
  if (rows.length < 100) throw new RangeError(`a panel model needs at least 100 training rows before origin ${origin}, got ${rows.length}`);
  const x = createMatrix(rows.length, panelFeatureNames.length);
  rows.forEach((row, i) => x.values.set(row, i * panelFeatureNames.length));
  const model = trainGbdt(x, targets, {
    maxIterations: options.maxIterations ?? 150,
    learningRate: options.learningRate ?? 0.05,
    maxLeaves: options.maxLeaves ?? 15,
    minSamplesLeaf: options.minSamplesLeaf ?? 40,
    categoricalFeatures: [panelFeatureNames.length - 1],
    featureNames: [...panelFeatureNames],
    seed: options.seed ?? 1,
  });
  return {
    model,
    trainingRows: rows.length,
    predict: (s, at) => {
      if (at < first) throw new RangeError(`the panel model needs ${first} periods of history`);
      const series = panel[s]!;
      return momentumChange(series, at, season, h) + model.predict(features(series, mean, at, season));
    },
  };
}

function momentumChange(l: ArrayLike<number>, t: number, season: number, h: number): number {
  return ((l[t]! - l[t - season]!) * h) / season;
}

function features(l: ArrayLike<number>, mean: Float64Array, t: number, season: number): number[] {
  const d = (s: ArrayLike<number>, at: number, k: number) => s[at]! - s[at - k]!;
  return [
    d(l, t, 1),
    d(l, t, 2),
    d(l, t, season),
    d(l, t - season, season),
    d(l, t, season) - d(l, t - 1, season),
    d(mean, t, season),
    d(mean, t, season) - d(mean, t - 1, season),
    trendGap(l, t, 10 * season),
    trendGap(mean, t, 10 * season),
    d(l, t, 5 * season) / 5,
    t % season,
  ];
}

/** The level at t minus a least-squares line through the last n levels (evaluated at t). */
function trendGap(l: ArrayLike<number>, t: number, n: number): number {
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  for (let k = t - n + 1; k <= t; k++) {
    const x = k - t;
    sx += x;
    sy += l[k]!;
    sxx += x * x;
    sxy += x * l[k]!;
  }
  const slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  const intercept = (sy - slope * sx) / n;
  return l[t]! - intercept;
}
