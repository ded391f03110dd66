/**
 * The AVM's features, the same for training rows and for a subject at valuation time:
 * the property's own columns; the place (latitude, longitude and rotations of them, because a
 * tree splits on one axis at a time and a diagonal boundary costs it many splits); the sale
 * date; and neighbourhood levels — medians of nearby sales' prices brought to today by the
 * market index, per unit of size and as totals, over the nearest sales in place and in place
 * and size (comparables). Training rows see only sales of other folds (out of fold), so no
 * row's features contain its own price.
 */
import { createRng, offer, permutation, SpatialIndex, type ComputeFunction } from '../../../ml/index.js';
import type { SalesTable } from './sales.js';

const DAY_MS = 86_400_000;
/** Rotations of the coordinates, degrees. */
export const ROTATIONS = [15, 30, 45, 60, 75, 105, 120, 135, 150, 165] as const;
const LEVEL_COUNTS = [5, 15, 50] as const;
const COMPARABLE_COUNTS = [5, 15] as const;
/** Sales fetched by place before re-ranking by place and size. */
export const CANDIDATES = 60;
/** Kilometres that one unit of log size counts as (a 10% size difference ≈ 500 m). */
export const SIZE_KM = 5;

export const neighbourFeatureNames = [
  ...LEVEL_COUNTS.map((k) => `area_price_level_${k}`),
  ...LEVEL_COUNTS.map((k) => `area_unit_price_level_${k}`),
  ...COMPARABLE_COUNTS.map((k) => `comparables_unit_price_${k}`),
  'distance_to_50th_sale_km',
];

/** A monthly market index in log points; index(month) + today's level brings a price to today. */
export interface MarketIndex {
  readonly firstMonth: number;
  /** log index of each month from firstMonth; the last is the reference (0). */
  readonly values: number[];
}

export function monthOf(time: number): number {
  // Year and month of the UTC day without a Date object (this runs for every sale in every pool):
  // Howard Hinnant's civil_from_days, exact for every day a Date can hold.
  const z = Math.floor(time / DAY_MS) + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const month = mp < 10 ? mp + 3 : mp - 9; // 1 … 12
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return year * 12 + month - 1;
}

/** log factor that brings a sale of `time` to the index's latest month (0 outside the range's end). */
export function toToday(index: MarketIndex, time: number): number {
  if (!Number.isFinite(time) || index.values.length === 0) return 0;
  const m = Math.min(Math.max(monthOf(time) - index.firstMonth, 0), index.values.length - 1);
  return index.values[index.values.length - 1]! - index.values[m]!;
}

/** What neighbourhood features need of the pool of known sales. */
export interface NeighbourPool {
  readonly index: SpatialIndex;
  /** log price brought to today. */
  readonly logPrice: Float64Array;
  /** log price per unit of size brought to today (NaN without size). */
  readonly logUnitPrice: Float64Array;
  /** log size (NaN without). */
  readonly logSize: Float64Array;
}

export function sizeValues(table: SalesTable): Float64Array | null {
  const c = table.columns.findIndex((column) => column.name === table.sizeColumn);
  return c >= 0 ? table.values[c]! : null;
}

/** `index` may be passed when already built over the same table's places. */
export function buildPool(table: SalesTable, market: MarketIndex, index?: SpatialIndex): NeighbourPool {
  const size = sizeValues(table);
  const n = table.price.length;
  const logPrice = new Float64Array(n);
  const logUnitPrice = new Float64Array(n);
  const logSize = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const today = Math.log(table.price[i]!) + toToday(market, table.soldAt[i]!);
    logPrice[i] = today;
    logSize[i] = size && size[i]! > 0 ? Math.log(size[i]!) : Number.NaN;
    logUnitPrice[i] = today - logSize[i]!;
  }
  return { index: index ?? SpatialIndex.build(table.latitude, table.longitude), logPrice, logUnitPrice, logSize };
}

const levelScratch = new Float64Array(CANDIDATES);
const scoreScratch = new Float64Array(CANDIDATES);
const orderScratch = new Int32Array(CANDIDATES);
const rankedRows = new Int32Array(CANDIDATES);
const foundIndex = new Int32Array(CANDIDATES);
const foundKm = new Float64Array(CANDIDATES);

/** Neighbourhood features of one place (and size), writing into out (neighbourFeatureNames order). */
export function neighbourFeatures(pool: NeighbourPool, latitude: number, longitude: number, logSize: number, out: Float64Array, offset: number, accept?: (i: number) => boolean): void {
  const found = pool.index.nearestInto(latitude, longitude, CANDIDATES, foundIndex, foundKm, accept);
  let at = offset;
  const scratch = levelScratch;
  const level = (values: Float64Array, order: Int32Array, count: number, k: number) => {
    let m = 0;
    for (let r = 0; r < Math.min(k, count); r++) {
      const v = values[order[r]!]!;
      if (!Number.isNaN(v)) scratch[m++] = v;
    }
    return m === 0 ? Number.NaN : medianInPlace(scratch.subarray(0, m));
  };
  for (const k of LEVEL_COUNTS) out[at++] = level(pool.logPrice, foundIndex, found, k);
  for (const k of LEVEL_COUNTS) out[at++] = level(pool.logUnitPrice, foundIndex, found, k);
  rankComparables(pool, logSize, foundIndex, foundKm, found, scoreScratch, orderScratch);
  for (let r = 0; r < found; r++) rankedRows[r] = foundIndex[orderScratch[r]!]!;
  for (const k of COMPARABLE_COUNTS) out[at++] = level(pool.logUnitPrice, rankedRows, found, k);
  out[at] = found >= 50 ? foundKm[49]! : found > 0 ? foundKm[found - 1]! : Number.NaN;
}

/**
 * Ranks `found` candidate sales (rows index[0..found), km away) as comparables of a subject of
 * log size `logSize`: by score = √(km² + (SIZE_KM · Δ log size)²), ties by row. Writes the
 * candidates' positions in rank order to order[0..found) and their scores to score[0..found).
 * Insertion into scratch arrays, no objects: it runs for every training sale, calibration sale
 * and valuation (the comparables features here, the comparables of model.ts).
 */
export function rankComparables(pool: NeighbourPool, logSize: number, index: Int32Array, km: Float64Array, found: number, score: Float64Array, order: Int32Array): void {
  for (let r = 0; r < found; r++) {
    const row = index[r]!;
    const ds = Number.isNaN(logSize) || Number.isNaN(pool.logSize[row]!) ? 0 : SIZE_KM * (pool.logSize[row]! - logSize);
    const sc = Math.sqrt(km[r]! * km[r]! + ds * ds);
    let j = r - 1;
    while (j >= 0 && (score[j]! > sc || (score[j]! === sc && index[order[j]!]! > row))) {
      score[j + 1] = score[j]!;
      order[j + 1] = order[j]!;
      j--;
    }
    score[j + 1] = sc;
    order[j + 1] = r;
  }
}

/** The names of the GBDT's features, in order. */
export function featureNames(table: Pick<SalesTable, 'columns'>): string[] {
  return [
    ...table.columns.map((c) => c.name),
    'latitude',
    'longitude',
    ...ROTATIONS.map((r) => `rotated_coordinates_${r}`),
    'sale_day',
    ...neighbourFeatureNames,
  ];
}

/** Place and time features of one row, written at out[offset...]. */
export function placeAndTime(latitude: number, longitude: number, time: number, out: Float64Array, offset: number): number {
  let at = offset;
  out[at++] = latitude;
  out[at++] = longitude;
  const cosLat = Math.cos((latitude * Math.PI) / 180);
  for (const r of ROTATIONS) {
    const angle = (r * Math.PI) / 180;
    out[at++] = latitude * Math.cos(angle) + longitude * cosLat * Math.sin(angle);
  }
  out[at++] = Number.isFinite(time) ? Math.floor(time / DAY_MS) : Number.NaN;
  return at;
}

/**
 * The market index of a table: for every sale, its log unit price (or log price) less the
 * median of its 15 nearest neighbours from other folds — what is left is mostly time — then
 * the mean per month, shrunk towards 0 for thin months (20 pseudo-sales) and carried over
 * months without sales. Only the table's own prices are read.
 */
export function marketIndex(table: SalesTable, seed: number): MarketIndex {
  return marketIndexes(table, foldsOf(table.price.length, 5, seed), 0).full;
}

/**
 * The market index of all the sales, and (with `folds` > 0) one per fold that no price of the
 * fold has reached: built from the other folds' sales only, each measured against neighbours
 * outside both its own fold and the left-out one. The training rows of a fold bring their
 * neighbours' prices to today with their fold's index, so a sale's own price never enters its
 * features, not even through the time adjustment. One search for the 25 nearest other-fold
 * sales per sale serves every index.
 */
export function marketIndexes(table: SalesTable, foldOf: Int32Array, folds: number): { full: MarketIndex; byFold: MarketIndex[] } {
  const n = table.price.length;
  let first = Infinity;
  let last = -Infinity;
  for (let i = 0; i < n; i++) {
    const t = table.soldAt[i]!;
    if (!Number.isFinite(t)) continue;
    const m = monthOf(t);
    if (m < first) first = m;
    if (m > last) last = m;
  }
  if (!Number.isFinite(first)) return { full: { firstMonth: 0, values: [] }, byFold: Array.from({ length: folds }, () => ({ firstMonth: 0, values: [] })) };
  const months = last - first + 1;
  // Large tables: the second half of the sales is offered to the compute thread. The halves are
  // summed separately and then added, with or without the thread, so the index is the same.
  const half = n >= PARALLEL_INDEX_ROWS ? n >> 1 : n;
  const job = (from: number, to: number): IndexSumsJob => ({ table: { ...table, refs: [] }, foldOf, folds, first, months, from, to });
  const rest = half < n ? offer(import.meta.url, 'indexSums', indexSums, job(half, n)) : null;
  const { sum, count } = indexSums(job(0, half)).value;
  if (rest) {
    const other = rest.result();
    for (let s = 0; s <= folds; s++) {
      for (let m = 0; m < months; m++) {
        sum[s]![m]! += other.sum[s]![m]!;
        count[s]![m]! += other.count[s]![m]!;
      }
    }
  }
  const index = (s: Float64Array, c: Float64Array): MarketIndex => {
    const values: number[] = [];
    let carried = 0;
    for (let m = 0; m < months; m++) {
      if (c[m]! > 0) carried = s[m]! / (c[m]! + 20);
      values.push(carried);
    }
    const reference = values[values.length - 1]!;
    return { firstMonth: first, values: values.map((v) => v - reference) };
  };
  return { full: index(sum[0]!, count[0]!), byFold: Array.from({ length: folds }, (_, f) => index(sum[1 + f]!, count[1 + f]!)) };
}

/** Tables from this size share the market index's neighbour searches with the compute thread. */
const PARALLEL_INDEX_ROWS = 4000;

interface IndexSumsJob {
  readonly table: SalesTable;
  readonly foldOf: Int32Array;
  readonly folds: number;
  readonly first: number;
  readonly months: number;
  readonly from: number;
  readonly to: number;
}

/**
 * The per-month sums and counts of marketIndexes for sales [from, to): each sale's log unit price
 * (or log price) less the median of its 15 nearest other-fold neighbours, for the full index
 * (sum[0]) and for each index that leaves fold f out (sum[1 + f]). A compute-thread task.
 */
export const indexSums: ComputeFunction<IndexSumsJob, { sum: Float64Array[]; count: Float64Array[] }> = ({ table, foldOf, folds, first, months, from, to }) => {
  const flat: MarketIndex = { firstMonth: first, values: new Array<number>(months).fill(0) };
  const pool = buildPool(table, flat);
  const target = pool.logUnitPrice.some((v) => !Number.isNaN(v)) ? pool.logUnitPrice : pool.logPrice;
  const sum = Array.from({ length: folds + 1 }, () => new Float64Array(months));
  const count = Array.from({ length: folds + 1 }, () => new Float64Array(months));
  const scratch = new Float64Array(15);
  const near = new Int32Array(25);
  const nearKm = new Float64Array(25);
  const level = (found: number, skipFold: number): number => {
    let m = 0;
    for (let r = 0; r < found && m < 15; r++) {
      const j = near[r]!;
      if (skipFold >= 0 && foldOf[j] === skipFold) continue;
      if (!Number.isNaN(target[j]!)) scratch[m++] = target[j]!;
    }
    return m === 0 ? Number.NaN : medianInPlace(scratch.subarray(0, m));
  };
  for (let i = from; i < to; i++) {
    if (!Number.isFinite(table.soldAt[i]!) || Number.isNaN(target[i]!)) continue;
    const found = pool.index.nearestInto(table.latitude[i]!, table.longitude[i]!, folds > 0 ? 25 : 15, near, nearKm, (j) => foldOf[j] !== foldOf[i]);
    const month = monthOf(table.soldAt[i]!) - first;
    const full = level(found, -1);
    if (!Number.isNaN(full)) {
      sum[0]![month]! += target[i]! - full;
      count[0]![month]!++;
    }
    for (let f = 0; f < folds; f++) {
      if (foldOf[i] === f) continue;
      const without = level(found, f);
      if (Number.isNaN(without)) continue;
      sum[1 + f]![month]! += target[i]! - without;
      count[1 + f]![month]!++;
    }
  }
  return { value: { sum, count }, transfer: [...sum, ...count].map((a) => a.buffer as ArrayBuffer) };
};

/** Fold of each row, seeded: row i is in fold folds[i]. */
export function foldsOf(n: number, folds: number, seed: number): Int32Array {
  const order = permutation(n, createRng(seed ^ 0x5eed));
  const fold = new Int32Array(n);
  order.forEach((row, rank) => (fold[row] = rank % folds));
  return fold;
}

/** The median of a short scratch array, which it sorts in place (insertion sort: k ≤ 60). */
export function medianInPlace(values: Float64Array): number {
  const n = values.length;
  for (let i = 1; i < n; i++) {
    const v = values[i]!;
    let j = i - 1;
    while (j >= 0 && values[j]! > v) {
      values[j + 1] = values[j]!;
      j--;
    }
    values[j + 1] = v;
  }
  const mid = n >> 1;
  return n % 2 === 1 ? values[mid]! : (values[mid - 1]! + values[mid]!) / 2;
}

export function median(values: Float64Array): number {
  const sorted = values.slice().sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
