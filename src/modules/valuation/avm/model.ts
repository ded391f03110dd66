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
import { createRng, permutation, SplitConformal, trainGbdt, type GbdtModel, type GbdtParams } from '../../../ml/index.js';
import { buildPool, comparableOrder, sizeValues, featureNames, foldsOf, marketIndex, neighbourFeatureNames, neighbourFeatures, placeAndTime, CANDIDATES, type MarketIndex, type NeighbourPool } from './features.js';
import { selectSales, type SalesTable } from './sales.js';

export interface AvmTrainOptions {
  readonly seed?: number;
  /** 'time': calibrate on the latest sales (what a range must cover is the future); 'random': a seeded sample. */
  readonly calibration?: 'time' | 'random';
  readonly calibrationFraction?: number;
  readonly gbdt?: Partial<GbdtParams>;
  readonly coverage?: number;
  /** Called with each phase's wall milliseconds (index, features, trees, calibration). */
  readonly onPhase?: (phase: string, milliseconds: number) => void;
}

/** Lower learning rate with more trees than the library defaults (docs/valuation.md). */
export const avmGbdtParams: Partial<GbdtParams> = { learningRate: 0.05, maxIterations: 700 };

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
  readonly blend: { readonly beta: number; readonly k: number };
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

  /** The k comparables of a subject with their weights and residuals. */
  comparables(latitude: number, longitude: number, size: number, k = this.parts.blend.k): { index: number; km: number; score: number; weight: number }[] {
    const found = this.pool.index.nearest(latitude, longitude, CANDIDATES);
    return comparableOrder(this.pool, found, size > 0 ? Math.log(size) : Number.NaN)
      .slice(0, k)
      .map((c) => ({ ...c, weight: 1 / (0.25 + c.score) }));
  }

  /** log value of the blend for a feature row and its comparables. */
  blendLog(modelLog: number, comps: readonly { index: number; weight: number }[]): { logValue: number; comparablesLog: number } {
    let sum = 0;
    let weights = 0;
    for (const c of comps) {
      sum += c.weight * this.residual[c.index]!;
      weights += c.weight;
    }
    const meanResidual = weights > 0 ? sum / weights : 0;
    return { logValue: modelLog + this.parts.blend.beta * meanResidual, comparablesLog: modelLog + meanResidual };
  }

  /** The size column's value of encoded column values (NaN without one). */
  sizeOf(encoded: ArrayLike<number>): number {
    const name = this.parts.table.sizeColumn;
    return name ? encoded[this.columnIndex.get(name)!]! : Number.NaN;
  }
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
  const market = marketIndex(fit, seed);
  phase('index');
  const pool = buildPool(fit, market);
  const names = featureNames(fit);
  const cols = names.length;
  const x = new Float64Array(fit.price.length * cols);
  const folds = foldsOf(fit.price.length, 5, seed);
  const fitSize = sizeValues(fit);
  for (let i = 0; i < fit.price.length; i++) {
    const row = x.subarray(i * cols, (i + 1) * cols);
    fit.columns.forEach((_, c) => (row[c] = fit.values[c]![i]!));
    const at = placeAndTime(fit.latitude[i]!, fit.longitude[i]!, fit.soldAt[i]!, row, fit.columns.length);
    const logSize = fitSize && fitSize[i]! > 0 ? Math.log(fitSize[i]!) : Number.NaN;
    neighbourFeatures(pool, fit.latitude[i]!, fit.longitude[i]!, logSize, row, at, (j) => folds[j] !== folds[i]);
  }
  phase('features');
  const logPrice = Float64Array.from(fit.price, Math.log);
  const gbdt = trainGbdt({ rows: fit.price.length, cols, values: x }, logPrice, {
    categoricalFeatures: fit.columns.flatMap((c, j) => (c.kind === 'categorical' ? [j] : [])),
    featureNames: names,
    seed,
    // Small sale sets (a young platform) need smaller leaves to learn anything; King County keeps 20.
    minSamplesLeaf: Math.max(3, Math.min(20, Math.round(fit.price.length / 200))),
    ...avmGbdtParams,
    ...options.gbdt,
  });
  const fitted = gbdt.predictMatrix({ rows: fit.price.length, cols, values: x });
  phase('trees');

  const draft = new Avm({ table: fit, market, gbdt, fitted, blend: { beta: 0, k: 8 }, conformal: SplitConformal.fromJSON({ coverage: 0.8, quantile: 0, calibrationSize: 0, normalized: false }), domain: domainOf(fit, pool, gbdt, names), calibrationSize: 0 }, pool);
  // Model values and comparables of the calibration sales, valued at their sale dates.
  const calLog = Float64Array.from(calibration.price, Math.log);
  const calSize = sizeValues(calibration);
  const modelLog = new Float64Array(calibration.price.length);
  const comps: { index: number; weight: number }[][] = [];
  for (let i = 0; i < calibration.price.length; i++) {
    const encoded = calibration.values.map((v) => v[i]!);
    const row = draft.featureRow(encoded, calibration.latitude[i]!, calibration.longitude[i]!, calibration.soldAt[i]!);
    modelLog[i] = gbdt.predict(row);
    comps.push(draft.comparables(calibration.latitude[i]!, calibration.longitude[i]!, calSize ? calSize[i]! : Number.NaN, 20));
  }
  // k and β on the calibration sales: the mean residual of the first k comparables, weighted.
  let best = { beta: 0, k: 8, loss: Infinity };
  for (const k of [5, 8, 12, 20]) {
    const meanResidual = comps.map((list) => {
      let sum = 0;
      let weights = 0;
      for (const c of list.slice(0, k)) {
        sum += c.weight * draft.residual[c.index]!;
        weights += c.weight;
      }
      return weights > 0 ? sum / weights : 0;
    });
    for (let step = 0; step <= 10; step++) {
      const beta = step / 10;
      let loss = 0;
      for (let i = 0; i < modelLog.length; i++) loss += Math.abs(calLog[i]! - modelLog[i]! - beta * meanResidual[i]!);
      if (loss < best.loss - 1e-12) best = { beta, k, loss };
    }
  }
  const blend = { beta: best.beta, k: best.k };
  const blended = new Avm({ ...draft.parts, blend }, pool);
  const predicted = Float64Array.from(modelLog, (m, i) => blended.blendLog(m, comps[i]!.slice(0, blend.k)).logValue);
  const conformal = SplitConformal.calibrate({ actual: calLog, predicted, coverage: options.coverage ?? 0.8 });
  phase('calibration');
  return new Avm({ ...draft.parts, blend, conformal, calibrationSize: calibration.price.length }, pool);
}

function domainOf(table: SalesTable, pool: NeighbourPool, gbdt: GbdtModel, names: readonly string[]): AvmDomain {
  const ranges: Record<string, [number, number, number, number]> = {};
  table.columns.forEach((column, c) => {
    if (column.kind !== 'numeric') return;
    const sorted = Float64Array.from(table.values[c]!.filter((v) => !Number.isNaN(v))).sort();
    if (sorted.length === 0) return;
    const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * (sorted.length - 1)))]!;
    ranges[column.name] = [sorted[0]!, q(0.01), q(0.99), sorted[sorted.length - 1]!];
  });
  const fifth: number[] = [];
  const step = Math.max(1, Math.floor(table.price.length / 2000));
  for (let i = 0; i < table.price.length; i += step) {
    const found = pool.index.nearest(table.latitude[i]!, table.longitude[i]!, 6);
    if (found.length === 6) fifth.push(found[5]!.km);
  }
  fifth.sort((a, b) => a - b);
  const importance: Record<string, number> = {};
  const gains = gbdt.featureImportance();
  table.columns.forEach((column, c) => (importance[column.name] = gains[c] ?? 0));
  const neighbourhood = neighbourFeatureNames.reduce((sum, name) => sum + (gains[names.indexOf(name)] ?? 0), 0);
  importance['(location)'] = neighbourhood;
  return {
    ranges,
    typicalKm: fifth.length > 0 ? fifth[fifth.length >> 1]! : 1,
    farKm: fifth.length > 0 ? Math.max(fifth[Math.floor(0.99 * (fifth.length - 1))]! * 3, 2) : 10,
    importance,
  };
}
