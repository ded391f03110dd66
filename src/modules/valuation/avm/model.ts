/**
 * The automated valuation model: a GBDT on the log price over the features of features.ts,
 * blended with adjusted comparable sales, with an 80% split-conformal range calibrated on
 * held-out sales. Training and valuation are pure: no platform, no I/O.
 *
 * Ensemble. A comparable's price is adjusted to the subject by the model: its adjusted log value
 * is log price_c + f(subject) − f(c), i.e. the subject's model value plus the comparable's
 * residual. The comparables estimate is the subject's model value plus the distance-weighted
 * mean residual of the k nearest sales in place and size; the AVM value is
 *   log v = f(subject) + β · mean residual  =  (1 − β) · model + β · comparables,
 * with k and β chosen on the held-out calibration sales (which, like a subject, are not in the
 * fit). The model that is calibrated is the model that serves: the range's coverage guarantee
 * holds for exactly these predictions.
 */
import { createRng, offer, permutation, SpatialIndex, SplitConformal, trainAveraged, type ComputeFunction, type GbdtModel, type GbdtParams } from '../../../ml/index.js';
import { buildPool, marketIndexes, rankComparables, sizeValues, featureNames, foldsOf, neighbourFeatureNames, neighbourFeatures, placeAndTime, CANDIDATES, type MarketIndex, type NeighbourPool } from './features.js';
import { outlookLevel, type MarketOutlook } from './outlook.js';
import { selectSales, type SalesTable } from './sales.js';

export interface AvmTrainOptions {
  readonly seed?: number;
  /** 'time': calibrate on the latest sales (what a range must cover is the future); 'random': a seeded sample. */
  readonly calibration?: 'time' | 'random';
  readonly calibrationFraction?: number;
  readonly gbdt?: Partial<GbdtParams>;
  /** Forests of different seeds averaged (default AVM_FORESTS). */
  readonly forests?: number;
  readonly coverage?: number;
  /**
   * Where the market went after the training sales (observed and forecast index levels,
   * outlook.ts): a value for a date after the last fitted sale moves by the outlook's change
   * since that sale. Without one, such a value keeps the held-out sales' level (and trend).
   */
  readonly outlook?: MarketOutlook;
  /** Called with each phase's wall milliseconds (index, features, trees, calibration). */
  readonly onPhase?: (phase: string, milliseconds: number) => void;
}

/**
 * The median (L1) of the log price — MdAPE and "within 10%" reward the median, not the mean — at
 * a lower learning rate with more trees than the library defaults: two forests of 350 trees with
 * different seeds, averaged (one model, 700 trees; trainAveraged trains them on two threads).
 * Two averaged forests of 350 beat one of 700 on every split measured (docs/valuation.md).
 */
export const avmGbdtParams: Partial<GbdtParams> = { loss: 'quantile', alpha: 0.5, learningRate: 0.05, maxIterations: 350, maxBins: 63, maxDepth: 8, subsample: 0.5, featureFraction: 0.35 };
/** Forests averaged into the AVM's GBDT (each of avmGbdtParams.maxIterations trees). */
export const AVM_FORESTS = 2;
/** Training sets from this size share their feature rows with the compute thread. */
const PARALLEL_FEATURE_ROWS = 4000;

/**
 * How the model value and the comparables combine, and the level the held-out latest sales
 * showed: log value = model + β · mean residual + shift + perDay · min(days after `from`, maxDays).
 * `shift` is the calibration sales' median error (the market moved since the fitted sales, or
 * the model is off-level); `perDay` its trend over the days after the last fitted sale, kept only
 * when clearly non-zero (|t| > 2) — the market's drift carried a few months forward.
 */
export interface Blend {
  readonly beta: number;
  readonly k: number;
  readonly shift?: number;
  readonly from?: number;
  readonly perDay?: number;
  readonly maxDays?: number;
  /** The market outlook: a valuation date after `from` (the last fitted sale) adds its change since then. */
  readonly outlook?: MarketOutlook;
}

/** The market adjustment of a blend for a valuation date (log points). */
export function driftAt(blend: Blend, at: number): number {
  const shift = blend.shift ?? 0;
  const ahead = blend.outlook && blend.from !== undefined && at > blend.from ? outlookLevel(blend.outlook, at) - outlookLevel(blend.outlook, blend.from) : 0;
  if (!blend.perDay || blend.from === undefined || !Number.isFinite(at)) return shift + ahead;
  const days = Math.min(Math.max((at - blend.from) / 86_400_000, 0), blend.maxDays ?? 0);
  return shift + ahead + blend.perDay * days;
}

/**
 * The shift and drift of a blend from held-out sales: their log errors against the days after
 * the last fitted sale, large errors clipped at 2.5 robust standard deviations, by least squares.
 * A trend needs at least 100 such sales over at least two weeks and |t| > 2; otherwise the shift
 * is the median error alone.
 */
export function fitDrift(errors: Float64Array, days: Float64Array, maxDays = 120): Pick<Blend, 'shift' | 'perDay' | 'maxDays'> {
  const n = errors.length;
  if (n === 0) return { shift: 0 };
  const sorted = errors.slice().sort();
  const median = sorted[n >> 1]!;
  const mad = Float64Array.from(errors, (e) => Math.abs(e - median)).sort()[n >> 1]! * 1.4826;
  const limit = 2.5 * (mad > 0 ? mad : 1);
  const clipped = Float64Array.from(errors, (e) => Math.min(Math.max(e, median - limit), median + limit));
  let after = 0;
  let maxD = 0;
  for (let i = 0; i < n; i++) if (days[i]! > 0) (after++, (maxD = Math.max(maxD, days[i]!)));
  if (after < 100 || maxD < 14) return { shift: median };
  let sd = 0;
  let se = 0;
  for (let i = 0; i < n; i++) (sd += Math.max(days[i]!, 0)), (se += clipped[i]!);
  const meanD = sd / n;
  const meanE = se / n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    const d = Math.max(days[i]!, 0) - meanD;
    sxx += d * d;
    sxy += d * (clipped[i]! - meanE);
  }
  if (sxx <= 0) return { shift: median };
  const slope = sxy / sxx;
  const intercept = meanE - slope * meanD;
  let rss = 0;
  for (let i = 0; i < n; i++) rss += (clipped[i]! - intercept - slope * Math.max(days[i]!, 0)) ** 2;
  const t = slope / Math.sqrt(rss / (n - 2) / sxx);
  if (!(Math.abs(t) > 2)) return { shift: median };
  return { shift: intercept, perDay: slope, maxDays };
}

export interface AvmDomain {
  /** Per numeric column: [min, p1, p99, max] over the training sales. */
  readonly ranges: Record<string, readonly [number, number, number, number]>;
  /** Distance to the 5th nearest other sale: median and 99th percentile over training sales (km). */
  readonly typicalKm: number;
  readonly farKm: number;
  /** Share of the GBDT's split gain per column (missing important columns lower the grade). */
  readonly importance: Record<string, number>;
}

export interface AvmParts {
  readonly table: SalesTable;
  readonly market: MarketIndex;
  readonly gbdt: GbdtModel;
  readonly fitted: Float64Array;
  readonly blend: Blend;
  readonly conformal: SplitConformal;
  readonly domain: AvmDomain;
  readonly calibrationSize: number;
}

export class Avm {
  readonly pool: NeighbourPool;
  readonly residual: Float64Array;
  readonly names: string[];
  private readonly columnIndex: Map<string, number>;
  private readonly categoryCodes: (Map<string, number> | null)[];

  /** `pool` may be passed when already built for the same table and index. */
  constructor(readonly parts: AvmParts, pool?: NeighbourPool) {
    this.pool = pool ?? buildPool(parts.table, parts.market);
    this.residual = Float64Array.from(parts.fitted, (f, i) => Math.log(parts.table.price[i]!) - f);
    this.names = featureNames(parts.table);
    this.columnIndex = new Map(parts.table.columns.map((c, i) => [c.name, i]));
    this.categoryCodes = parts.table.columns.map((c) => (c.categories ? new Map(c.categories.map((v, i) => [v, i])) : null));
  }

  get table(): SalesTable {
    return this.parts.table;
  }

  /** A subject's column values (by name; numbers, or category text) as the table's codes; unknown names are ignored, absent ones missing. */
  encode(values: Readonly<Record<string, number | string | null | undefined>>): Float64Array {
    return Float64Array.from(this.parts.table.columns, (column, c) => {
      const raw = values[column.name];
      if (raw === null || raw === undefined || raw === '') return Number.NaN;
      if (column.kind === 'categorical') return this.categoryCodes[c]!.get(String(raw).trim()) ?? Number.NaN;
      return typeof raw === 'number' ? raw : Number(raw);
    });
  }

  /** The feature row of a subject from its encoded column values, place and date. */
  featureRow(encoded: ArrayLike<number>, latitude: number, longitude: number, at: number): Float64Array {
    const { table } = this.parts;
    const row = new Float64Array(this.names.length);
    for (let c = 0; c < table.columns.length; c++) row[c] = encoded[c]!;
    const at0 = placeAndTime(latitude, longitude, at, row, table.columns.length);
    const size = this.sizeOf(encoded);
    neighbourFeatures(this.pool, latitude, longitude, size > 0 ? Math.log(size) : Number.NaN, row, at0);
    return row;
  }

  /** The k comparables of a subject with their weights. */
  comparables(latitude: number, longitude: number, size: number, k = this.parts.blend.k): PoolComparable[] {
    return comparablesIn(this.pool, latitude, longitude, size, k);
  }

  /** log value of the blend for a model value, its comparables and the valuation date. */
  blendLog(modelLog: number, comps: readonly { index: number; weight: number }[], at: number): { logValue: number; comparablesLog: number; market: number } {
    let sum = 0;
    let weights = 0;
    for (const c of comps) {
      sum += c.weight * this.residual[c.index]!;
      weights += c.weight;
    }
    const meanResidual = weights > 0 ? sum / weights : 0;
    const market = driftAt(this.parts.blend, at);
    return { logValue: modelLog + this.parts.blend.beta * meanResidual + market, comparablesLog: modelLog + meanResidual, market };
  }

  /** The size column's value of encoded column values (NaN without one). */
  sizeOf(encoded: ArrayLike<number>): number {
    const name = this.parts.table.sizeColumn;
    return name ? encoded[this.columnIndex.get(name)!]! : Number.NaN;
  }
}

/** A comparable sale of a pool: its row, distance, place-and-size score and blend weight. */
export interface PoolComparable {
  readonly index: number;
  readonly km: number;
  readonly score: number;
  readonly weight: number;
}

const candidateIndex = new Int32Array(CANDIDATES);
const candidateKm = new Float64Array(CANDIDATES);
const candidateScore = new Float64Array(CANDIDATES);
const candidateOrder = new Int32Array(CANDIDATES);

/** The k nearest sales of a pool in place and size (rankComparables), weighted 1 / (0.25 + score); objects only for the k kept. */
function comparablesIn(pool: NeighbourPool, latitude: number, longitude: number, size: number, k: number): PoolComparable[] {
  const found = pool.index.nearestInto(latitude, longitude, CANDIDATES, candidateIndex, candidateKm);
  rankComparables(pool, size > 0 ? Math.log(size) : Number.NaN, candidateIndex, candidateKm, found, candidateScore, candidateOrder);
  const kept: PoolComparable[] = [];
  for (let r = 0; r < Math.min(k, found); r++) {
    const at = candidateOrder[r]!;
    kept.push({ index: candidateIndex[at]!, km: candidateKm[at]!, score: candidateScore[r]!, weight: 1 / (0.25 + candidateScore[r]!) });
  }
  return kept;
}

export function trainAvm(table: SalesTable, options: AvmTrainOptions = {}): Avm {
  const seed = options.seed ?? 42;
  const n = table.price.length;
  const size = Math.max(1, Math.round(n * (options.calibrationFraction ?? 0.1)));
  let ordered: Uint32Array;
  if ((options.calibration ?? 'time') === 'time' && Array.from(table.soldAt).every(Number.isFinite)) {
    ordered = Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => table.soldAt[a]! - table.soldAt[b]! || a - b);
  } else {
    ordered = permutation(n, createRng(seed ^ 0xca1));
  }
  const fitRows = ordered.slice(0, n - size).sort();
  const calibrationRows = ordered.slice(n - size).sort();
  const fit = selectSales(table, fitRows);
  const calibration = selectSales(table, calibrationRows);

  let mark = performance.now();
  const phase = (name: string) => {
    const now = performance.now();
    options.onPhase?.(name, now - mark);
    mark = now;
  };
  const folds = foldsOf(fit.price.length, 5, seed);
  const { full: market, byFold } = marketIndexes(fit, folds, 5);
  phase('index');
  const pool = buildPool(fit, market);
  const names = featureNames(fit);
  const cols = names.length;
  // The last training rows' features are offered to the compute thread: half of all the rows to
  // compute, since this thread also computes the calibration sales'.
  const half = fit.price.length >= PARALLEL_FEATURE_ROWS ? Math.max(0, (fit.price.length - calibration.price.length) >> 1) : fit.price.length;
  const rest = half < fit.price.length ? offer(import.meta.url, 'trainingFeatureRows', trainingFeatureRows, { fit: { ...fit, refs: [] }, folds, byFold, from: half, to: fit.price.length }) : null;
  const x = new Float64Array(fit.price.length * cols);
  x.set(trainingFeatures(fit, folds, byFold, pool, 0, half));
  // The calibration sales' feature rows, as a subject's (neighbours from every fitted sale).
  const calLog = Float64Array.from(calibration.price, Math.log);
  const calX = new Float64Array(calibration.price.length * cols);
  const calSize = sizeValues(calibration);
  for (let i = 0; i < calibration.price.length; i++) {
    const row = calX.subarray(i * cols, (i + 1) * cols);
    calibration.columns.forEach((_, c) => (row[c] = calibration.values[c]![i]!));
    const at = placeAndTime(calibration.latitude[i]!, calibration.longitude[i]!, calibration.soldAt[i]!, row, calibration.columns.length);
    neighbourFeatures(pool, calibration.latitude[i]!, calibration.longitude[i]!, calSize && calSize[i]! > 0 ? Math.log(calSize[i]!) : Number.NaN, row, at);
  }
  if (rest) x.set(rest.result(), half * cols);
  phase('features');
  const logPrice = Float64Array.from(fit.price, Math.log);
  // The boosting loop keeps the training rows' predictions: no second pass over 700 trees.
  const fitted = new Float64Array(fit.price.length).fill(Number.NaN);
  const base: Partial<GbdtParams> = {
    categoricalFeatures: fit.columns.flatMap((c, j) => (c.kind === 'categorical' ? [j] : [])),
    featureNames: names,
    // Small sale sets (a young platform) need smaller leaves to learn anything; King County keeps 20.
    minSamplesLeaf: Math.max(3, Math.min(20, Math.round(fit.price.length / 200))),
    ...avmGbdtParams,
    ...options.gbdt,
  };
  const forests = options.forests ?? AVM_FORESTS;
  // The calibration sales' model values come out of the boosting loops too (their bins walk each
  // new tree), not from a second pass over 700 trees.
  const calibrated = new Float64Array(calibration.price.length).fill(Number.NaN);
  // What needs no trees — the calibration sales' comparables, the served AVM's sales and their
  // neighbour pool, the domain's ranges and distances — is computed while the compute thread
  // finishes its forest (trainAveraged's `meanwhile`), not after.
  const comps: PoolComparable[][] = [];
  let all!: SalesTable;
  let allPool!: NeighbourPool;
  let domain!: Omit<AvmDomain, 'importance'>;
  const treeless = () => {
    for (let i = 0; i < calibration.price.length; i++) {
      comps.push(comparablesIn(pool, calibration.latitude[i]!, calibration.longitude[i]!, calSize ? calSize[i]! : Number.NaN, 20));
    }
    all = selectSales(table, Uint32Array.from([...fitRows, ...calibrationRows]));
    allPool = buildPool(all, market);
    domain = domainOf(fit, pool);
  };
  const gbdt = trainAveraged({ rows: fit.price.length, cols, values: x }, logPrice, Array.from({ length: forests }, (_, f) => ({ ...base, seed: seed + f })), {
    fitted,
    validation: { x: { rows: calibration.price.length, cols, values: calX }, y: calLog },
    validationPredicted: calibrated,
    meanwhile: treeless,
  });
  if (Number.isNaN(fitted[0]!)) fitted.set(gbdt.predictMatrix({ rows: fit.price.length, cols, values: x }));
  phase('trees');

  const draft = new Avm({ table: fit, market, gbdt, fitted, blend: { beta: 0, k: 8 }, conformal: SplitConformal.fromJSON({ coverage: 0.8, quantile: 0, calibrationSize: 0, normalized: false }), domain: { ...domain, importance: importanceOf(fit, gbdt, names) }, calibrationSize: 0 }, pool);
  // Model values of the calibration sales, valued at their sale dates.
  const modelLog = Number.isNaN(calibrated[0]!) ? gbdt.predictMatrix({ rows: calibration.price.length, cols, values: calX }) : calibrated;
  // k and β on the calibration sales: the mean residual of the first k comparables, weighted
  // (summed in the comparables' order, as Avm.blendLog sums them).
  const ks = [5, 8, 12, 20];
  const meanResiduals = ks.map(() => new Float64Array(calibration.price.length));
  comps.forEach((list, i) => {
    let sum = 0;
    let weights = 0;
    let next = 0;
    for (let r = 0; r <= list.length; r++) {
      while (next < ks.length && ks[next] === r) meanResiduals[next++]![i] = weights > 0 ? sum / weights : 0;
      if (r === list.length) break;
      sum += list[r]!.weight * draft.residual[list[r]!.index]!;
      weights += list[r]!.weight;
    }
    while (next < ks.length) meanResiduals[next++]![i] = weights > 0 ? sum / weights : 0;
  });
  let best = { beta: 0, k: 8, at: 1, loss: Infinity };
  ks.forEach((k, at) => {
    const meanResidual = meanResiduals[at]!;
    for (let step = 0; step <= 10; step++) {
      const beta = step / 10;
      let loss = 0;
      for (let i = 0; i < modelLog.length; i++) loss += Math.abs(calLog[i]! - modelLog[i]! - beta * meanResidual[i]!);
      if (loss < best.loss - 1e-12) best = { beta, k, at, loss };
    }
  });
  const lastFitted = fit.soldAt.reduce((a, b) => (Number.isFinite(b) ? Math.max(a, b) : a), -Infinity);
  // The outlook moves the values of dates after the last fitted sale, the calibration sales'
  // too: the shift and drift are what it leaves.
  const outlook = options.outlook && Number.isFinite(lastFitted) ? { outlook: options.outlook, from: lastFitted } : {};
  const bestResidual = meanResiduals[best.at]!;
  const blendedWith = (b: Blend) => Float64Array.from(modelLog, (m, i) => m + b.beta * bestResidual[i]! + driftAt(b, calibration.soldAt[i]!));
  const undrifted = blendedWith({ beta: best.beta, k: best.k, ...outlook });
  const days = Float64Array.from(calibration.soldAt, (t) => (Number.isFinite(t) && Number.isFinite(lastFitted) ? (t - lastFitted) / 86_400_000 : 0));
  const drift = fitDrift(Float64Array.from(undrifted, (p, i) => calLog[i]! - p), days);
  const blend: Blend = { beta: best.beta, k: best.k, ...drift, ...(drift.perDay ? { from: lastFitted } : {}), ...outlook };
  const predicted = blendedWith(blend);
  const conformal = SplitConformal.calibrate({ actual: calLog, predicted, coverage: options.coverage ?? 0.8 });
  phase('calibration');
  // The served AVM knows the calibration sales too — as neighbours and comparables (the latest
  // sales, on a time basis, are the best comparables there are), with their out-of-sample
  // residuals — but the trees never saw them.
  const allFitted = new Float64Array(all.price.length);
  allFitted.set(fitted);
  allFitted.set(modelLog, fitted.length);
  return new Avm({ ...draft.parts, table: all, fitted: allFitted, blend, conformal, calibrationSize: calibration.price.length }, allPool);
}

/**
 * The training rows' feature matrix, out of fold: the rows of fold f see only the sales of the
 * other folds, brought to today by the index that left fold f out (marketIndexes), so no row's
 * features contain its own price in any way. Rows [from, to) only, when given.
 */
export function trainingFeatures(fit: SalesTable, folds: Int32Array, byFold: readonly MarketIndex[], pool?: NeighbourPool, from = 0, to = fit.price.length): Float64Array {
  const names = featureNames(fit);
  const cols = names.length;
  const x = new Float64Array((to - from) * cols);
  const index = pool?.index ?? SpatialIndex.build(fit.latitude, fit.longitude);
  const pools = byFold.map((m) => buildPool(fit, m, index));
  const fitSize = sizeValues(fit);
  for (let i = from; i < to; i++) {
    const row = x.subarray((i - from) * cols, (i - from + 1) * cols);
    for (let c = 0; c < fit.columns.length; c++) row[c] = fit.values[c]![i]!;
    const at = placeAndTime(fit.latitude[i]!, fit.longitude[i]!, fit.soldAt[i]!, row, fit.columns.length);
    const logSize = fitSize && fitSize[i]! > 0 ? Math.log(fitSize[i]!) : Number.NaN;
    neighbourFeatures(pools[folds[i]!]!, fit.latitude[i]!, fit.longitude[i]!, logSize, row, at, (j) => folds[j] !== folds[i]);
  }
  return x;
}

interface FeatureRowsJob {
  readonly fit: SalesTable;
  readonly folds: Int32Array;
  readonly byFold: readonly MarketIndex[];
  readonly from: number;
  readonly to: number;
}

/** trainingFeatures of rows [from, to), as a compute-thread task (its answer is transferred, not copied). */
export const trainingFeatureRows: ComputeFunction<FeatureRowsJob, Float64Array> = (job) => {
  const rows = trainingFeatures(job.fit, job.folds, job.byFold, undefined, job.from, job.to);
  return { value: rows, transfer: [rows.buffer as ArrayBuffer] };
};

/** The domain of the training sales: their columns' ranges and how far apart sales lie. */
function domainOf(table: SalesTable, pool: NeighbourPool): Omit<AvmDomain, 'importance'> {
  const ranges: Record<string, [number, number, number, number]> = {};
  table.columns.forEach((column, c) => {
    if (column.kind !== 'numeric') return;
    // A typed array sorts NaN last: the present values are a prefix.
    const all = table.values[c]!.slice().sort();
    let present = all.length;
    while (present > 0 && Number.isNaN(all[present - 1]!)) present--;
    if (present === 0) return;
    const sorted = all.subarray(0, present);
    const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * (sorted.length - 1)))]!;
    ranges[column.name] = [sorted[0]!, q(0.01), q(0.99), sorted[sorted.length - 1]!];
  });
  const fifth: number[] = [];
  const step = Math.max(1, Math.floor(table.price.length / 2000));
  const near = new Int32Array(6);
  const nearKm = new Float64Array(6);
  for (let i = 0; i < table.price.length; i += step) {
    if (pool.index.nearestInto(table.latitude[i]!, table.longitude[i]!, 6, near, nearKm) === 6) fifth.push(nearKm[5]!);
  }
  fifth.sort((a, b) => a - b);
  return {
    ranges,
    typicalKm: fifth.length > 0 ? fifth[fifth.length >> 1]! : 1,
    farKm: fifth.length > 0 ? Math.max(fifth[Math.floor(0.99 * (fifth.length - 1))]! * 3, 2) : 10,
  };
}

/** Share of the GBDT's split gain per column, and of the neighbourhood features together as '(location)'. */
function importanceOf(table: SalesTable, gbdt: GbdtModel, names: readonly string[]): Record<string, number> {
  const importance: Record<string, number> = {};
  const gains = gbdt.featureImportance();
  table.columns.forEach((column, c) => (importance[column.name] = gains[c] ?? 0));
  importance['(location)'] = neighbourFeatureNames.reduce((sum, name) => sum + (gains[names.indexOf(name)] ?? 0), 0);
  return importance;
}
