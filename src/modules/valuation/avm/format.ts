/**
 * The serialised AVM (`domus-avm`, version 1): JSON holding the GBDT in its own versioned
 * format (src/ml/gbdt/format.ts), the market index, the blend, the conformal calibration, the
 * domain used for confidence grades, and the training sales that serve as comparables (their
 * columns, place, date, price and the model's fitted value). Missing numbers are null.
 */
import { modelFromJson, modelToJson, SplitConformal, type SplitConformalJson } from '../../../ml/index.js';
import type { MarketIndex } from './features.js';
import { Avm, type AvmDomain, type Blend } from './model.js';
import type { SalesColumn } from './sales.js';

export const AVM_FORMAT = 'domus-avm';
export const AVM_VERSION = 1;

export class AvmFormatError extends Error {
  override readonly name = 'AvmFormatError';
}

const toList = (values: Float64Array): (number | null)[] => Array.from(values, (v) => (Number.isFinite(v) ? v : null));
const fromList = (values: unknown, name: string, length?: number): Float64Array => {
  if (!Array.isArray(values) || (length !== undefined && values.length !== length)) throw new AvmFormatError(`${name} must be an array${length !== undefined ? ` of ${length} numbers` : ''}`);
  return Float64Array.from(values, (v: unknown) => (v === null ? Number.NaN : typeof v === 'number' ? v : Number.NaN));
};

export function serializeAvm(avm: Avm): string {
  const { table, market, gbdt, fitted, blend, conformal, domain, calibrationSize } = avm.parts;
  return JSON.stringify({
    format: AVM_FORMAT,
    version: AVM_VERSION,
    columns: table.columns,
    sizeColumn: table.sizeColumn,
    market,
    blend,
    conformal: conformal.toJSON(),
    domain,
    calibrationSize,
    gbdt: modelToJson(gbdt),
    sales: {
      refs: table.refs,
      latitude: toList(table.latitude),
      longitude: toList(table.longitude),
      soldAt: toList(table.soldAt),
      price: toList(table.price),
      fitted: toList(fitted),
      values: table.values.map(toList),
    },
  });
}

export function parseAvm(text: string): Avm {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new AvmFormatError(`not JSON: ${(error as Error).message}`);
  }
  if (doc.format !== AVM_FORMAT) throw new AvmFormatError(`not a ${AVM_FORMAT} model`);
  if (doc.version !== AVM_VERSION) throw new AvmFormatError(`${AVM_FORMAT} version ${String(doc.version)} is not supported (this build reads version ${AVM_VERSION})`);
  const sales = doc.sales as Record<string, unknown>;
  const columns = doc.columns as SalesColumn[];
  if (!Array.isArray(columns) || !sales || !Array.isArray(sales.refs)) throw new AvmFormatError('columns and sales are required');
  const n = sales.refs.length;
  const values = (sales.values as unknown[]).map((v, c) => fromList(v, `sales.values[${c}]`, n));
  if (values.length !== columns.length) throw new AvmFormatError(`${columns.length} columns but ${values.length} value arrays`);
  return new Avm({
    table: {
      columns,
      values,
      latitude: fromList(sales.latitude, 'sales.latitude', n),
      longitude: fromList(sales.longitude, 'sales.longitude', n),
      soldAt: fromList(sales.soldAt, 'sales.soldAt', n),
      price: fromList(sales.price, 'sales.price', n),
      refs: sales.refs as string[],
      sizeColumn: (doc.sizeColumn as string | null) ?? null,
    },
    market: doc.market as MarketIndex,
    gbdt: modelFromJson(doc.gbdt),
    fitted: fromList(sales.fitted, 'sales.fitted', n),
    blend: doc.blend as Blend,
    conformal: SplitConformal.fromJSON(doc.conformal as SplitConformalJson),
    domain: doc.domain as AvmDomain,
    calibrationSize: Number(doc.calibrationSize),
  });
}
