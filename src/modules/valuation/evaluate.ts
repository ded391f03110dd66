/**
 * The general evaluator (issue 5, item 5): any sales CSV, column types inferred, a GBDT on the
 * log price with neighbourhood features, an 80% split-conformal range, metrics on a held-out
 * test split. No platform imports: it reads a file and computes.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import {
  buildFeatures,
  coverage,
  createRng,
  inferColumnTypes,
  isMissing,
  kFold,
  parseDate,
  parseNumber,
  permutation,
  randomSplit,
  selectRows,
  selectValues,
  SplitConformal,
  timeSplit,
  trainGbdt,
  valuationReport,
  type ColumnType,
  type GbdtParams,
  type Split,
} from '../../ml/index.js';

export type EvaluationSplit = 'random' | 'time' | 'kfold';

export interface EvaluateCsvOptions {
  readonly csv: string;
  readonly target: string;
  readonly date?: string;
  readonly split?: EvaluationSplit;
  readonly seed?: number;
  /** Overrides of the GBDT defaults (tests use fewer trees). */
  readonly gbdt?: Partial<GbdtParams>;
}

/** The keys of `--json`, in this order. Fractions, not percentages. */
export interface EvaluationMetrics {
  mape: number;
  mdape: number;
  within5: number;
  within10: number;
  within20: number;
  r2: number;
  rmse: number;
  log_rmse: number;
  coverage80: number;
  train_seconds: number;
  n_train: number;
  n_test: number;
}

export interface EvaluationResult {
  readonly metrics: EvaluationMetrics;
  readonly columns: readonly ColumnType[];
  readonly featureNames: readonly string[];
  readonly rowsRead: number;
  readonly rowsUsed: number;
  readonly emptyRows: number;
  /** Rows skipped for a bad target, a bad date or a wrong number of cells, with the first few reasons. */
  readonly skippedRows: number;
  readonly skipped: readonly { line: number; reason: string }[];
  /** Things a person should know: mixed-type columns, ids left out, ... */
  readonly warnings: readonly string[];
  readonly split: EvaluationSplit;
  readonly folds: number;
}

export class EvaluationInputError extends Error {
  override readonly name = 'EvaluationInputError';
}

/** Share of the training split held out to calibrate the conformal range. */
const CALIBRATION_FRACTION = 0.1;
const TEST_FRACTION = 0.2;
const FOLDS = 5;
const SKIPPED_LISTED = 10;
/** Half the library's learning rate with more trees: on King County 7.4% MdAPE against 7.7% (docs/valuation.md). */
export const evaluatorGbdtParams: Partial<GbdtParams> = { learningRate: 0.05, maxIterations: 700 };

export function evaluateCsv(options: EvaluateCsvOptions): EvaluationResult {
  const split = options.split ?? 'random';
  const seed = options.seed ?? 42;
  let text: string;
  try {
    text = readFileSync(options.csv, 'utf8');
  } catch (error) {
    throw new EvaluationInputError(`cannot read ${options.csv}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, { bom: true, relax_column_count: true, skip_empty_lines: false, info: true }) as unknown as typeof records;
  } catch (error) {
    throw new EvaluationInputError(`${options.csv} is not valid CSV: ${(error as Error).message}`);
  }
  if (records.length === 0) throw new EvaluationInputError(`${options.csv} is empty: it has no header line`);
  const header = records[0]!.record.map((cell) => cell.trim());
  const targetIndex = columnIndex(header, options.target, '--target');
  const dateIndex = options.date !== undefined ? columnIndex(header, options.date, '--date') : -1;
  if (split === 'time' && dateIndex < 0) throw new EvaluationInputError('--split time needs --date DATE_COLUMN');

  const rows: string[][] = [];
  const lines: number[] = [];
  const skipped: { line: number; reason: string }[] = [];
  let skippedRows = 0;
  let emptyRows = 0;
  const skip = (line: number, reason: string) => {
    skippedRows++;
    if (skipped.length < SKIPPED_LISTED) skipped.push({ line, reason });
  };
  for (const { record, info } of records.slice(1)) {
    const line = info.lines - record.reduce((count, cell) => count + (cell.match(/\n/g)?.length ?? 0), 0);
    if (record.every((cell) => cell.trim() === '')) {
      emptyRows++;
      continue;
    }
    if (record.length !== header.length) {
      skip(line, `has ${record.length} cells; the header has ${header.length}`);
      continue;
    }
    const target = record[targetIndex]!;
    const price = parseNumber(target);
    if (!(price > 0) || !Number.isFinite(price)) {
      skip(line, `${options.target} is ${isMissing(target) ? 'missing' : `"${target.trim()}"`}, not a positive number`);
      continue;
    }
    if (dateIndex >= 0 && Number.isNaN(parseDate(record[dateIndex]!))) {
      skip(line, `${options.date} is ${isMissing(record[dateIndex]) ? 'missing' : `"${record[dateIndex]!.trim()}"`}, not a date`);
      continue;
    }
    rows.push(record);
    lines.push(line);
  }
  const nonEmpty = rows.length + skippedRows;
  if (rows.length < 20 || skippedRows > nonEmpty / 2) {
    const examples = skipped.slice(0, 3).map((s) => `line ${s.line}: ${s.reason}`).join('; ');
    throw new EvaluationInputError(
      `only ${rows.length} of ${nonEmpty} data rows are usable (at least 20 and more than half are needed)${examples ? `; for example ${examples}` : ''}`,
    );
  }

  const inferred = inferColumnTypes(header, rows);
  // The date column is a date whatever it looks like; the target is never a feature.
  const columns = inferred.map((c) => (c.index === dateIndex ? { ...c, kind: 'date' as const } : c));
  const warnings: string[] = [];
  for (const c of columns) {
    if (c.index === targetIndex) continue;
    if (c.note?.startsWith('mixed types')) warnings.push(`column ${c.name}: ${c.note}`);
    else if (c.kind === 'id') warnings.push(`column ${c.name} left out: ${c.note ?? 'an identifier'}`);
    else if (c.kind === 'empty') warnings.push(`column ${c.name} left out: it has no values`);
  }
  const price = Float64Array.from(rows, (row) => parseNumber(row[targetIndex]!));
  const logPrice = price.map(Math.log);
  const times = dateIndex >= 0 ? Float64Array.from(rows, (row) => parseDate(row[dateIndex]!)) : null;

  const splits: Split[] =
    split === 'kfold' ? kFold(rows.length, FOLDS, seed) : split === 'time' ? [timeSplit(times!, { testFraction: TEST_FRACTION })] : [randomSplit(rows.length, TEST_FRACTION, seed)];
  if (splits.some((s) => s.train.length < 10 || s.test.length === 0)) throw new EvaluationInputError(`the ${split} split leaves too few rows to train or test on`);

  const perSplit: EvaluationMetrics[] = [];
  let featureNames: string[] = [];
  for (const [fold, { train, test }] of splits.entries()) {
    const { fit, calibration } = carveCalibration(train, split === 'time' ? times : null, seed + fold);
    // Two fits: one on the training split less a held-out part, whose errors on that part calibrate the range;
    // and the reported model on the whole training split (the range's width carries over to it).
    const fitModel = (pool: Uint32Array, predictRows: readonly Uint32Array[]) => {
      const features = buildFeatures({ types: columns, rows, exclude: [targetIndex], logTarget: logPrice, pool, seed: seed + fold });
      featureNames = features.featureNames;
      const start = performance.now();
      const model = trainGbdt(selectRows(features.x, pool), selectValues(logPrice, pool), {
        categoricalFeatures: features.categoricalFeatures,
        featureNames: features.featureNames,
        seed: seed + fold,
        ...evaluatorGbdtParams,
        ...options.gbdt,
      });
      const seconds = (performance.now() - start) / 1000;
      return { seconds, predictions: predictRows.map((r) => model.predictMatrix(selectRows(features.x, r))) };
    };
    const calibrating = fitModel(fit, [calibration]);
    const conformal = SplitConformal.calibrate({ actual: selectValues(logPrice, calibration), predicted: calibrating.predictions[0]!, coverage: 0.8 });
    const final = fitModel(train, [test]);
    const trainSeconds = final.seconds;
    const predictedLog = final.predictions[0]!;
    const actual = selectValues(price, test);
    const report = valuationReport(actual, predictedLog.map(Math.exp));
    const lower = predictedLog.map((p) => conformal.priceInterval(p).lower);
    const upper = predictedLog.map((p) => conformal.priceInterval(p).upper);
    perSplit.push({
      mape: report.mape,
      mdape: report.mdape,
      within5: report.within5,
      within10: report.within10,
      within20: report.within20,
      r2: report.r2,
      rmse: report.rmse,
      log_rmse: report.logRmse,
      coverage80: coverage(actual, lower, upper),
      train_seconds: trainSeconds,
      n_train: train.length,
      n_test: test.length,
    });
  }
  const metrics = averaged(perSplit);
  return { metrics, columns, featureNames, rowsRead: records.length - 1, rowsUsed: rows.length, emptyRows, skippedRows, skipped, warnings, split, folds: splits.length };
}

function columnIndex(header: readonly string[], name: string, option: string): number {
  const at = header.indexOf(name.trim());
  if (at >= 0) return at;
  const folded = header.findIndex((h) => h.toLowerCase() === name.trim().toLowerCase());
  if (folded >= 0) return folded;
  throw new EvaluationInputError(`${option} ${name}: the CSV has no such column; its columns are: ${header.join(', ')}`);
}

/** The calibration rows: on a time split the latest part of the training split (the future is what a range must cover), else a seeded random part, exchangeable with the test rows. */
function carveCalibration(train: Uint32Array, times: Float64Array | null, seed: number): { fit: Uint32Array; calibration: Uint32Array } {
  const size = Math.max(1, Math.round(train.length * CALIBRATION_FRACTION));
  let ordered: Uint32Array;
  if (times) {
    ordered = train.slice().sort((a, b) => times[a]! - times[b]! || a - b);
  } else {
    const order = permutation(train.length, createRng(seed ^ 0xca1));
    ordered = Uint32Array.from(order, (i) => train[i]!);
  }
  const calibration = ordered.slice(ordered.length - size).sort();
  const fit = ordered.slice(0, ordered.length - size).sort();
  return { fit, calibration };
}

function averaged(all: readonly EvaluationMetrics[]): EvaluationMetrics {
  const keys = Object.keys(all[0]!) as (keyof EvaluationMetrics)[];
  const result = { ...all[0]! };
  for (const key of keys) result[key] = all.reduce((sum, m) => sum + m[key], 0) / all.length;
  return result;
}
