/**
 * A market outlook: monthly log levels of a price index for the AVM's market, observed and
 * forecast past the training sales. The sales show the market only up to the last one; a value
 * for a later date needs to know where the market went since (the spring rise of King County's
 * 2015, which no sale before February shows). The AVM moves a value for a date after its last
 * fitted sale by the outlook's change since then (model.ts, `driftAt`).
 *
 * `quarterlyOutlook` builds one from a quarterly, not seasonally adjusted index (e.g. FHFA's
 * state index) with the forecasting of src/ml/timeseries — the market module's own forecast
 * (`autoForecast`, seasonal candidates averaged) — so the usual spring rise and winter dip of the
 * index's past years carry into the forecast.
 */
import { autoForecast } from '../../../ml/index.js';
import { monthOf } from './features.js';

export interface MarketOutlook {
  /** Month key (year · 12 + month, 0-based) of values[0]. */
  readonly firstMonth: number;
  /** Log level of each month from firstMonth (observed, then forecast); differences matter, not the level. */
  readonly values: readonly number[];
  /** The last month that was observed rather than forecast. */
  readonly lastObservedMonth: number;
  /** Where it came from, for the reader (e.g. "FHFA HPI, WA, NSA, to 2014Q3"). */
  readonly source: string;
}

const DAY_MS = 86_400_000;

/** The outlook's log level at a time: linear between the middles of its months, flat beyond its ends. */
export function outlookLevel(outlook: MarketOutlook, time: number): number {
  const { values } = outlook;
  if (values.length === 0 || !Number.isFinite(time)) return 0;
  const date = new Date(time);
  const month = monthOf(time) - outlook.firstMonth;
  const days = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1)).getTime() / DAY_MS - new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1)).getTime() / DAY_MS;
  // Position in months from the middle of firstMonth.
  const position = month + (date.getUTCDate() - 1 + (time % DAY_MS) / DAY_MS) / days - 0.5;
  if (position <= 0) return values[0]!;
  if (position >= values.length - 1) return values[values.length - 1]!;
  const m = Math.floor(position);
  return values[m]! + (values[m + 1]! - values[m]!) * (position - m);
}

/**
 * An outlook from quarterly index levels (at least three years, in order, without gaps): the
 * next `horizon` quarters forecast by `autoForecast` (season 4, candidates averaged), each
 * quarter's level placed at its middle month and the months between interpolated linearly.
 */
export function quarterlyOutlook(points: readonly { year: number; quarter: number; index: number }[], options: { horizon?: number; source: string }): MarketOutlook {
  if (points.length < 12) throw new RangeError(`a quarterly outlook needs at least 12 quarters, got ${points.length}`);
  const key = (p: { year: number; quarter: number }) => p.year * 4 + p.quarter - 1;
  points.forEach((p, i) => {
    if (!(p.index > 0) || (i > 0 && key(p) !== key(points[i - 1]!) + 1)) throw new RangeError(`quarterly index levels must be positive and consecutive (at ${p.year}Q${p.quarter})`);
  });
  const logLevels = points.map((p) => Math.log(p.index));
  const horizon = options.horizon ?? 4;
  const forecast = autoForecast(logLevels, { horizon, season: 4, combine: 'average' });
  const levels = [...logLevels, ...forecast.mean];
  // Quarter q's middle month: year · 12 + 3q + 1.
  const middle = (k: number) => Math.floor(k / 4) * 12 + (k % 4) * 3 + 1;
  const first = key(points[0]!);
  const values: number[] = [];
  for (let k = 0; k + 1 < levels.length; k++) {
    for (let step = 0; step < 3; step++) values.push(levels[k]! + ((levels[k + 1]! - levels[k]!) * step) / 3);
  }
  values.push(levels[levels.length - 1]!);
  return { firstMonth: middle(first), values, lastObservedMonth: middle(key(points[points.length - 1]!)), source: options.source };
}
