/**
 * Turns inferred columns (tabular-types.ts) into a feature matrix for the GBDT, without target
 * leakage: raw numeric and boolean columns, categorical codes, dates as year / month / day
 * index, and, when the table has coordinates, neighbourhood price levels — the median log
 * target of the nearest "pool" rows, computed out-of-fold for the pool rows themselves so a
 * row never sees its own price. Pure.
 */
import { KnnIndex } from './knn.js';
import { createMatrix, type Matrix } from './matrix.js';
import { createRng, permutation } from './random.js';
import { isMissing, parseBoolean, parseDate, parseNumber, type ColumnType } from './tabular-types.js';

const DAY_MS = 86_400_000;

export interface FeatureBuildInput {
  readonly types: readonly ColumnType[];
  /** Data rows as cells. */
  readonly rows: readonly (readonly string[])[];
  /** Columns never used as features (the target). */
  readonly exclude: readonly number[];
  /** The log target of every row; only the entries of `pool` rows are read. */
  readonly logTarget: ArrayLike<number>;
  /** Rows whose targets may feed neighbourhood features: the training rows. */
  readonly pool: Uint32Array;
  /** Seed of the out-of-fold assignment. */
  readonly seed: number;
  /** Folds for the out-of-fold neighbourhood levels of pool rows (default 5). */
  readonly folds?: number;
}

export interface FeatureSet {
  readonly x: Matrix;
  readonly featureNames: string[];
  readonly categoricalFeatures: number[];
  /** Set when latitude and longitude were found and neighbourhood features built. */
  readonly coordinates: { readonly latitude: string; readonly longitude: string } | null;
}

/** Neighbour counts of the neighbourhood levels; the largest also gives a density feature. */
const NEIGHBOUR_COUNTS = [5, 15, 50] as const;
/** Degrees of latitude that one unit of log size counts as in the comparables' distance (0.1 → 0.0045° ≈ 500 m). */
const COMPARABLE_SIZE_DEGREES = 0.045;

export function buildFeatures(input: FeatureBuildInput): FeatureSet {
  const { types, rows } = input;
  const excluded = new Set(input.exclude);
  const columns: { name: string; values: Float64Array; categorical: boolean }[] = [];
  const n = rows.length;
  const column = (index: number, parse: (cell: string) => number) => {
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const cell = rows[i]![index];
      values[i] = isMissing(cell) ? Number.NaN : parse(cell!);
    }
    return values;
  };

  for (const type of types) {
    if (excluded.has(type.index)) continue;
    switch (type.kind) {
      case 'numeric':
        columns.push({ name: type.name, values: column(type.index, parseNumber), categorical: false });
        break;
      case 'boolean':
        columns.push({ name: type.name, values: column(type.index, parseBoolean), categorical: false });
        break;
      case 'categorical':
        columns.push({ name: type.name, values: categoryCodes(rows, type.index), categorical: true });
        break;
      case 'date': {
        const times = column(type.index, parseDate);
        const year = new Float64Array(n);
        const month = new Float64Array(n);
        const day = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          const t = times[i]!;
          if (Number.isNaN(t)) {
            year[i] = month[i] = day[i] = Number.NaN;
            continue;
          }
          const date = new Date(t);
          year[i] = date.getUTCFullYear();
          month[i] = date.getUTCMonth() + 1;
          day[i] = Math.floor(t / DAY_MS);
        }
        columns.push({ name: `${type.name}_year`, values: year, categorical: false });
        columns.push({ name: `${type.name}_month`, values: month, categorical: false });
        columns.push({ name: `${type.name}_day_index`, values: day, categorical: false });
        break;
      }
      default:
        break; // id and empty columns carry nothing a model should learn from
    }
  }

  const latitude = types.find((t) => t.coordinate === 'latitude' && !excluded.has(t.index));
  const longitude = types.find((t) => t.coordinate === 'longitude' && !excluded.has(t.index));
  let coordinates: FeatureSet['coordinates'] = null;
  if (latitude && longitude && input.pool.length > NEIGHBOUR_COUNTS[0]) {
    const lat = column(latitude.index, parseNumber);
    const lon = column(longitude.index, parseNumber);
    for (const feature of neighbourhoodLevels(lat, lon, input.logTarget, '', input)) columns.push({ ...feature, categorical: false });
    const size = sizeColumn(columns, input);
    if (size) {
      // The level of price per unit of the column that best explains price (living area, in a sales file): neighbours differ in size, their unit price travels better.
      const perUnit = Float64Array.from(input.logTarget, (y, i) => y - Math.log(size.values[i]!));
      for (const feature of neighbourhoodLevels(lat, lon, perUnit, `_per_${size.name}`, input)) columns.push({ ...feature, categorical: false });
      // Comparables: near in place AND in size; a 10% size difference weighs like about 500 m.
      const logSize = Float64Array.from(size.values, (v) => (v > 0 ? Math.log(v) * COMPARABLE_SIZE_DEGREES : Number.NaN));
      for (const feature of neighbourhoodLevels(lat, lon, perUnit, `_per_${size.name}`, input, logSize)) columns.push({ name: feature.name.replace('neighbourhood_', 'comparables_'), values: feature.values, categorical: false });
    }
    coordinates = { latitude: latitude.name, longitude: longitude.name };
  }

  const cols = columns.length;
  const values = new Float64Array(n * cols);
  columns.forEach((c, j) => {
    for (let i = 0; i < n; i++) values[i * cols + j] = c.values[i]!;
  });
  return {
    x: createMatrix(n, cols, values),
    featureNames: columns.map((c) => c.name),
    categoricalFeatures: columns.flatMap((c, j) => (c.categorical ? [j] : [])),
    coordinates,
  };
}

/** Codes by descending frequency (ties by text), so the GBDT's "most frequent categories" cut keeps the common ones. */
function categoryCodes(rows: readonly (readonly string[])[], index: number): Float64Array {
  const counts = new Map<string, number>();
  for (const row of rows) {
    const cell = row[index];
    if (isMissing(cell)) continue;
    const key = cell!.trim();
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const order = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const code = new Map(order.map(([key], i) => [key, i]));
  return Float64Array.from(rows, (row) => (isMissing(row[index]) ? Number.NaN : code.get(row[index]!.trim())!));
}

/**
 * Median log target of the k nearest pool rows (equirectangular distance), for each k in
 * NEIGHBOUR_COUNTS, plus the log distance to the farthest of the largest k (sparse areas are
 * less certain). Pool rows get levels from the other folds of the pool only.
 */
function neighbourhoodLevels(lat: Float64Array, lon: Float64Array, target: ArrayLike<number>, suffix: string, input: FeatureBuildInput, extra?: Float64Array): { name: string; values: Float64Array }[] {
  const n = lat.length;
  const dims = extra ? 3 : 2;
  const known = (i: number) => Number.isFinite(lat[i]!) && Number.isFinite(lon[i]!) && (!extra || Number.isFinite(extra[i]!));
  const pool = Array.from(input.pool).filter((i) => known(i) && Number.isFinite(target[i]!));
  let latSum = 0;
  for (const i of pool) latSum += lat[i]!;
  const cosLat = Math.cos(((pool.length > 0 ? latSum / pool.length : 0) * Math.PI) / 180);
  const levels = NEIGHBOUR_COUNTS.map(() => new Float64Array(n).fill(Number.NaN));
  const spread = new Float64Array(n).fill(Number.NaN);
  const kMax = NEIGHBOUR_COUNTS[NEIGHBOUR_COUNTS.length - 1]!;

  const fill = (poolRows: readonly number[], queryRows: readonly number[]) => {
    if (poolRows.length === 0) return;
    const points = createMatrix(poolRows.length, dims);
    poolRows.forEach((r, i) => {
      points.values[i * dims] = lat[r]!;
      points.values[i * dims + 1] = lon[r]! * cosLat;
      if (extra) points.values[i * dims + 2] = extra[r]!;
    });
    // KnnIndex divides by each column's spread; weighting by that spread keeps plain degrees, so distance stays isotropic.
    const index = KnnIndex.fit(points, Array.from({ length: dims }, (_, d) => spreadOf(points, d)));
    const scratch = new Float64Array(kMax);
    for (const q of queryRows) {
      if (!known(q)) continue;
      const found = index.query(extra ? [lat[q]!, lon[q]! * cosLat, extra[q]!] : [lat[q]!, lon[q]! * cosLat], Math.min(kMax, poolRows.length));
      NEIGHBOUR_COUNTS.forEach((k, j) => {
        const m = Math.min(k, found.length);
        for (let r = 0; r < m; r++) scratch[r] = target[poolRows[found[r]!.index]!]!;
        levels[j]![q] = medianOf(scratch.subarray(0, m));
      });
      spread[q] = Math.log1p(found[found.length - 1]!.distance * 111.2); // degrees → km
    }
  };

  const folds = Math.max(2, input.folds ?? 5);
  const order = permutation(pool.length, createRng(input.seed ^ 0x5eed));
  const foldOf = new Int32Array(n).fill(-1);
  order.forEach((position, rank) => (foldOf[pool[position]!] = rank % folds));
  for (let f = 0; f < folds; f++) {
    fill(pool.filter((r) => foldOf[r] !== f), pool.filter((r) => foldOf[r] === f));
  }
  const outside: number[] = [];
  for (let i = 0; i < n; i++) if (foldOf[i] === -1) outside.push(i);
  fill(pool, outside);

  return [
    ...NEIGHBOUR_COUNTS.map((k, j) => ({ name: `neighbourhood_level${suffix}_${k}`, values: levels[j]! })),
    ...(suffix === '' ? [{ name: `neighbourhood_radius_${kMax}`, values: spread }] : []),
  ];
}

/**
 * The positive numeric quantity (20 or more distinct values: an area, not a 1–13 grade) whose
 * logarithm correlates best with the log target over the pool (at least 0.3), or null. Only pool targets are read, so nothing leaks from test rows.
 */
function sizeColumn(columns: readonly { name: string; values: Float64Array; categorical: boolean }[], input: FeatureBuildInput): { name: string; values: Float64Array } | null {
  let best: { name: string; values: Float64Array } | null = null;
  let bestCorrelation = 0.3;
  for (const c of columns) {
    if (c.categorical || c.name.startsWith('neighbourhood_') || distinctAtLeast(c.values, 20) === false) continue;
    let n = 0;
    let sx = 0;
    let sy = 0;
    let sxx = 0;
    let syy = 0;
    let sxy = 0;
    let positive = true;
    for (const i of input.pool) {
      const v = c.values[i]!;
      if (Number.isNaN(v)) continue;
      if (!(v > 0)) {
        positive = false;
        break;
      }
      const x = Math.log(v);
      const y = input.logTarget[i]!;
      n++;
      sx += x;
      sy += y;
      sxx += x * x;
      syy += y * y;
      sxy += x * y;
    }
    if (!positive || n < 10) continue;
    const cov = sxy / n - (sx / n) * (sy / n);
    const denominator = Math.sqrt(Math.max(0, sxx / n - (sx / n) ** 2) * Math.max(0, syy / n - (sy / n) ** 2));
    const correlation = denominator > 0 ? cov / denominator : 0;
    if (correlation > bestCorrelation) {
      bestCorrelation = correlation;
      best = c;
    }
  }
  return best;
}

function distinctAtLeast(values: Float64Array, count: number): boolean {
  const seen = new Set<number>();
  for (const v of values) {
    if (!Number.isNaN(v)) seen.add(v);
    if (seen.size >= count) return true;
  }
  return false;
}

function spreadOf(points: Matrix, column: number): number {
  let sum = 0;
  let sq = 0;
  for (let i = 0; i < points.rows; i++) {
    const v = points.values[i * points.cols + column]!;
    sum += v;
    sq += v * v;
  }
  const mean = sum / points.rows;
  const sd = Math.sqrt(Math.max(0, sq / points.rows - mean * mean));
  return sd > 0 ? sd : 1;
}

function medianOf(values: Float64Array): number {
  const sorted = values.slice().sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
