/**
 * A registry training's work, apart from the registry's storage: train on all but the latest 10%
 * of sales and measure on those. Pure (no platform, no I/O), so it can run on the compute thread
 * (`trainAndMeasureTask`) while the node that asked for it goes on serving.
 */
import type { ComputeFunction } from '../../../ml/index.js';
import { serializeAvm } from './format.js';
import { trainAvm, type Avm } from './model.js';
import { outlookAsOf, salesOutlook, type QuarterlyPoint } from './outlook.js';
import { SalesInputError, selectSales, type SalesTable } from './sales.js';
import { valueSubject } from './valuate.js';

/** The share of the latest sales a registry training holds out to measure the model. */
export const TEST_FRACTION = 0.1;

/** This module, for the compute thread to load. */
export const MEASURE_MODULE = import.meta.url;

/** A quarterly, not seasonally adjusted price index of the sales' market, for the AVM's outlook (avm/outlook.ts). */
export interface OutlookIndex {
  readonly points: readonly QuarterlyPoint[];
  /** What it is, e.g. "FHFA HPI, WA, not seasonally adjusted". */
  readonly source: string;
}

/**
 * Trains on all but the latest 10% of sales and measures on those (what the registry records).
 * With an index, the model gets the outlook it could have had when its last training sale was
 * made: the quarters published by then, forecast a year on; without one, the outlook of the
 * training sales' own quarterly index (salesOutlook) where they span three years.
 */
export function trainAndMeasure(table: SalesTable, seed: number, outlookIndex?: OutlookIndex): { avm: Avm; metrics: Record<string, number | string> } {
  const n = table.price.length;
  const order = Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => (table.soldAt[a]! - table.soldAt[b]!) || a - b);
  const testSize = Math.max(1, Math.round(n * TEST_FRACTION));
  const train = selectSales(table, order.slice(0, n - testSize).sort());
  const test = selectSales(table, order.slice(n - testSize).sort());
  const started = performance.now();
  const lastSale = train.soldAt.reduce((a, b) => Math.max(a, b), -Infinity);
  let outlook = outlookIndex ? outlookAsOf(outlookIndex.points, lastSale, outlookIndex.source) : null;
  if (outlookIndex && !outlook) throw new SalesInputError(`The index has fewer than 12 quarters published before the last training sale (${new Date(lastSale).toISOString().slice(0, 10)}); the outlook needs three years.`);
  // Without an outside index (the platform's own sold listings), the sales' own quarterly index
  // where they span three years; otherwise no outlook, and the registry says why.
  let outlookNote: string;
  if (outlook) {
    outlookNote = outlook.source;
  } else {
    const own = salesOutlook(train, lastSale);
    outlook = own.outlook;
    outlookNote = own.outlook ? own.outlook.source : `none: ${own.reason}`;
  }
  const avm = trainAvm(train, { seed, calibration: 'time', ...(outlook ? { outlook } : {}) });
  const trainSeconds = (performance.now() - started) / 1000;
  const errors: number[] = [];
  let covered = 0;
  for (let i = 0; i < test.price.length; i++) {
    const values: Record<string, number | string | null> = {};
    test.columns.forEach((c, j) => {
      const v = test.values[j]![i]!;
      values[c.name] = Number.isNaN(v) ? null : c.kind === 'categorical' ? c.categories![v]! : v;
    });
    const valuation = valueSubject(avm, { values, latitude: test.latitude[i]!, longitude: test.longitude[i]!, at: test.soldAt[i]! }, { explain: false });
    const actual = test.price[i]!;
    errors.push(Math.abs(valuation.value - actual) / actual);
    if (actual >= valuation.range.lower && actual <= valuation.range.upper) covered++;
  }
  errors.sort((a, b) => a - b);
  const m = errors.length;
  return {
    avm,
    metrics: {
      n_train: train.price.length,
      n_test: m,
      mdape: m % 2 ? errors[m >> 1]! : (errors[m / 2 - 1]! + errors[m / 2]!) / 2,
      mape: errors.reduce((s, e) => s + e, 0) / m,
      within10: errors.filter((e) => e <= 0.1).length / m,
      coverage80: covered / m,
      blend_beta: avm.parts.blend.beta,
      outlook: outlookNote,
      train_seconds: trainSeconds,
    },
  };
}


interface MeasureJob {
  readonly table: SalesTable;
  readonly seed: number;
  readonly outlookIndex?: OutlookIndex;
}

type MeasureOutcome = { ok: true; model: string; metrics: Record<string, number | string> } | { ok: false; input: boolean; message: string };

/**
 * trainAndMeasure as a compute-thread task: the model comes back serialised (the registry stores
 * that file), and a failure as a value — whether it was the input's fault (a SalesInputError, a
 * 4xx for the caller) and its message — since an error's class does not cross threads.
 */
export const trainAndMeasureTask: ComputeFunction<MeasureJob, MeasureOutcome> = ({ table, seed, outlookIndex }) => {
  try {
    const { avm, metrics } = trainAndMeasure(table, seed, outlookIndex);
    return { value: { ok: true, model: serializeAvm(avm), metrics } };
  } catch (error) {
    return { value: { ok: false, input: error instanceof SalesInputError, message: error instanceof Error ? error.message : String(error) } };
  }
};
