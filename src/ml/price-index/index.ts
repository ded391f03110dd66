/**
 * House price indices from sales: hedonic time-dummy and repeat-sales (Case–Shiller weighted),
 * plus `salesPriceIndex`, the one-call form for dated sales (docs/ml.md, "Price indices").
 */
import type { Matrix } from '../matrix.js';
import { hedonicIndex } from './hedonic.js';
import { periodKey, periodLabel, type PeriodFrequency } from './periods.js';
import { indexFactor, type PriceIndex } from './price-index.js';

export { hedonicIndex, type HedonicIndexInput } from './hedonic.js';
export { repeatSalesIndex, repeatSalePairs, type RepeatSalePair, type RepeatSalesOptions, type Sale } from './repeat-sales.js';
export { indexFactor, logIndexAt, type PriceIndex } from './price-index.js';
export * from './periods.js';

export interface SalesIndexInput {
  dates: readonly Date[];
  prices: ArrayLike<number>;
  /** Characteristics per sale (NaN = missing); without them the index tracks the mean log price. */
  features?: Matrix;
  frequency?: PeriodFrequency;
  smoothing?: number;
  basePeriod?: number;
  robust?: boolean;
  /** A fixed price level per group (one code per sale, e.g. zipcode), absorbed; see hedonicIndex. */
  groups?: ArrayLike<number>;
}

export interface DatedPriceIndex extends PriceIndex {
  frequency: PeriodFrequency;
  /** periodLabel of every period: '2014-05', '2014Q2', '2014'. */
  labels: string[];
  /** Multiplier from a price at `from` to the same home's price at `to` (dates outside the index take its ends). */
  factor(from: Date, to: Date): number;
}

/**
 * Sales → index per period in one call: a hedonic time-dummy index of log price on the given
 * characteristics (robust, optionally smoothed) at a monthly (default), quarterly or yearly
 * frequency. Prices must be positive.
 */
export function salesPriceIndex(input: SalesIndexInput): DatedPriceIndex {
  const frequency = input.frequency ?? 'month';
  if (input.dates.length !== input.prices.length) throw new RangeError(`dates has ${input.dates.length} values, prices ${input.prices.length}`);
  const period = input.dates.map((date, i) => {
    if (!(date instanceof Date) || Number.isNaN(date.getTime())) throw new RangeError(`dates[${i}] is not a valid date`);
    return periodKey(date, frequency);
  });
  const logPrice = Float64Array.from({ length: input.prices.length }, (_, i) => {
    const price = input.prices[i]!;
    if (!(price > 0) || !Number.isFinite(price)) throw new RangeError(`prices[${i}] is ${price}; prices must be positive`);
    return Math.log(price);
  });
  const index = hedonicIndex({ period, logPrice, features: input.features, smoothing: input.smoothing, basePeriod: input.basePeriod, robust: input.robust, groups: input.groups });
  return {
    ...index,
    frequency,
    labels: index.periods.map((t) => periodLabel(t, frequency)),
    factor: (from, to) => indexFactor(index, periodKey(from, frequency), periodKey(to, frequency)),
  };
}
