/**
 * A house price index over contiguous integer periods (see periods.ts), as estimated by
 * hedonicIndex or repeatSalesIndex.
 */
export interface PriceIndex {
  method: 'hedonic' | 'repeat-sales';
  /** Every period from the first to the last sale, ascending and contiguous. */
  periods: number[];
  /** log(index / 100): 0 at the base period. */
  logIndex: Float64Array;
  /** 100 · exp(logIndex). */
  index: Float64Array;
  /** Standard error of logIndex (0 at the base, NaN where interpolated). */
  standardError: Float64Array;
  /** Sales (hedonic) or sales in a repeat pair (repeat-sales) per period. */
  sales: Int32Array;
  basePeriod: number;
  /** Residual SD of the regression in log points. */
  residualSd: number;
}

/** All periods from the smallest to the largest value, which must be integers. */
export function periodRange(period: ArrayLike<number>): { periods: number[]; first: number } {
  let first = Infinity;
  let last = -Infinity;
  for (let i = 0; i < period.length; i++) {
    const t = period[i]!;
    if (!Number.isInteger(t)) throw new RangeError(`period[${i}] is ${t}; periods are integers (see periodKey)`);
    first = Math.min(first, t);
    last = Math.max(last, t);
  }
  if (last - first > 100_000) throw new RangeError(`periods span ${last - first + 1} steps; is the frequency right?`);
  return { periods: Array.from({ length: last - first + 1 }, (_, j) => first + j), first };
}

/** Fills NaN (inestimable) log levels by log-linear interpolation and derives `index`. */
export function finishIndex(parts: Omit<PriceIndex, 'index'>): PriceIndex {
  const { logIndex } = parts;
  const known: number[] = [];
  logIndex.forEach((v, j) => {
    if (Number.isFinite(v)) known.push(j);
  });
  for (let j = 0; j < logIndex.length; j++) {
    if (Number.isFinite(logIndex[j]!)) continue;
    const before = known.filter((k) => k < j).pop();
    const after = known.find((k) => k > j);
    if (before !== undefined && after !== undefined) {
      logIndex[j] = logIndex[before]! + ((logIndex[after]! - logIndex[before]!) * (j - before)) / (after - before);
    } else {
      logIndex[j] = logIndex[before ?? after ?? j] ?? 0;
    }
    parts.standardError[j] = Number.NaN;
  }
  return { ...parts, index: Float64Array.from(logIndex, (v) => 100 * Math.exp(v)) };
}

/** The index's log level at a period; periods outside the index take the nearest end (no extrapolation). */
export function logIndexAt(index: PriceIndex, period: number): number {
  const first = index.periods[0]!;
  const j = Math.min(index.periods.length - 1, Math.max(0, Math.round(period) - first));
  return index.logIndex[j]!;
}

/**
 * The factor that brings a price of period `from` to period `to`: exp(logIndex[to] − logIndex[from]).
 * A sale of 400,000 in `from` is worth 400,000 × indexFactor(index, from, to) in `to`.
 */
export function indexFactor(index: PriceIndex, from: number, to: number): number {
  return Math.exp(logIndexAt(index, to) - logIndexAt(index, from));
}
