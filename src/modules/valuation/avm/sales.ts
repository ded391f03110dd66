/**
 * The AVM's training data: one table of sales with coordinates, a sale date, a price and any
 * number of named property columns (numeric or categorical). It comes from a CSV (columns
 * inferred, as in the evaluator) or from the platform's own sold listings (listings.ts).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { inferColumnTypes, isMissing, parseBoolean, parseDate, parseNumber } from '../../../ml/index.js';

export interface SalesColumn {
  readonly name: string;
  readonly kind: 'numeric' | 'categorical';
  /** For categorical columns: the category of code i is categories[i]. */
  readonly categories?: readonly string[];
}

export interface SalesTable {
  readonly columns: readonly SalesColumn[];
  /** values[c][i]: column c of sale i; NaN = missing; categorical columns hold codes. */
  readonly values: readonly Float64Array[];
  readonly latitude: Float64Array;
  readonly longitude: Float64Array;
  /** Sale time in ms since the epoch. */
  readonly soldAt: Float64Array;
  readonly price: Float64Array;
  /** What a comparable is called in a valuation: a listing id, or `line N` of a CSV. */
  readonly refs: readonly string[];
  /** The size column: prices per unit of it travel between neighbours (living area). */
  readonly sizeColumn: string | null;
}

export class SalesInputError extends Error {
  override readonly name = 'SalesInputError';
}

/** A subject to value: column values by name (numbers, or category text), a place and a date. */
export interface SubjectInput {
  readonly values: Readonly<Record<string, number | string | null | undefined>>;
  readonly latitude: number;
  readonly longitude: number;
  /** The date the value is for (ms); default now. */
  readonly at?: number;
}

export function salesSize(table: SalesTable): number {
  return table.price.length;
}

/**
 * Reads a sales CSV: `target` is the price column, `date` the sale date; coordinates are
 * found by name (lat/latitude, lon/long/lng/longitude). Rows with a bad price, date or
 * coordinates are skipped and counted; a file where more than half are bad fails naming lines.
 */
export function salesFromCsv(file: string, options: { target: string; date: string }): { table: SalesTable; skipped: { line: number; reason: string }[]; skippedRows: number } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new SalesInputError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, { bom: true, relax_column_count: true, skip_empty_lines: true, info: true }) as unknown as typeof records;
  } catch (error) {
    throw new SalesInputError(`${file} is not valid CSV: ${(error as Error).message}`);
  }
  if (records.length < 2) throw new SalesInputError(`${file} has no data rows`);
  const header = records[0]!.record.map((cell) => cell.trim());
  const find = (name: string, option: string) => {
    const at = header.findIndex((h) => h.toLowerCase() === name.trim().toLowerCase());
    if (at < 0) throw new SalesInputError(`${option} ${name}: the CSV has no such column; its columns are: ${header.join(', ')}`);
    return at;
  };
  const targetIndex = find(options.target, '--target');
  const dateIndex = find(options.date, '--date');
  const rows: string[][] = [];
  const lines: number[] = [];
  const skipped: { line: number; reason: string }[] = [];
  let skippedRows = 0;
  for (const { record, info } of records.slice(1)) {
    const reason =
      record.length !== header.length
        ? `has ${record.length} cells; the header has ${header.length}`
        : !(parseNumber(record[targetIndex]!) > 0)
          ? `${options.target} is "${record[targetIndex]!.trim()}", not a positive number`
          : Number.isNaN(parseDate(record[dateIndex]!))
            ? `${options.date} is "${record[dateIndex]!.trim()}", not a date`
            : null;
    if (reason) {
      skippedRows++;
      if (skipped.length < 10) skipped.push({ line: info.lines, reason });
      continue;
    }
    rows.push(record);
    lines.push(info.lines);
  }
  const types = inferColumnTypes(header, rows);
  const latitude = types.find((t) => t.coordinate === 'latitude');
  const longitude = types.find((t) => t.coordinate === 'longitude');
  if (!latitude || !longitude) throw new SalesInputError(`${file} needs coordinate columns (lat/latitude and lon/long/lng/longitude) for comparables; its columns are: ${header.join(', ')}`);
  if (rows.length < 50 || skippedRows > (rows.length + skippedRows) / 2) {
    const examples = skipped.slice(0, 3).map((s) => `line ${s.line}: ${s.reason}`).join('; ');
    throw new SalesInputError(`only ${rows.length} of ${rows.length + skippedRows} data rows are usable (at least 50 and more than half are needed)${examples ? `; for example ${examples}` : ''}`);
  }
  const columns: SalesColumn[] = [];
  const values: Float64Array[] = [];
  const skip = new Set([targetIndex, dateIndex, latitude.index, longitude.index]);
  for (const type of types) {
    if (skip.has(type.index)) continue;
    if (type.kind === 'numeric' || type.kind === 'boolean') {
      const parseCell = type.kind === 'numeric' ? parseNumber : parseBoolean;
      columns.push({ name: type.name, kind: 'numeric' });
      values.push(Float64Array.from(rows, (row) => (isMissing(row[type.index]) ? Number.NaN : parseCell(row[type.index]!))));
    } else if (type.kind === 'categorical') {
      const { categories, codes } = encodeCategories(rows.map((row) => (isMissing(row[type.index]) ? null : row[type.index]!.trim())));
      columns.push({ name: type.name, kind: 'categorical', categories });
      values.push(codes);
    }
  }
  const coordinate = (index: number) => Float64Array.from(rows, (row) => parseNumber(row[index]!));
  const table: SalesTable = {
    columns,
    values,
    latitude: coordinate(latitude.index),
    longitude: coordinate(longitude.index),
    soldAt: Float64Array.from(rows, (row) => parseDate(row[dateIndex]!)),
    price: Float64Array.from(rows, (row) => parseNumber(row[targetIndex]!)),
    refs: lines.map((line) => `line ${line}`),
    sizeColumn: null,
  };
  return { table: { ...table, sizeColumn: chooseSizeColumn(table) }, skipped, skippedRows };
}

/** Category codes by descending frequency (the GBDT keeps the most frequent ones). */
export function encodeCategories(cells: readonly (string | null)[]): { categories: string[]; codes: Float64Array } {
  const counts = new Map<string, number>();
  for (const cell of cells) if (cell !== null) counts.set(cell, (counts.get(cell) ?? 0) + 1);
  const categories = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([key]) => key);
  const code = new Map(categories.map((key, i) => [key, i]));
  return { categories, codes: Float64Array.from(cells, (cell) => (cell === null ? Number.NaN : code.get(cell)!)) };
}

/**
 * The positive numeric column (20+ distinct values) whose logarithm correlates best with the
 * log price (at least 0.3): living area in a sales file. Null when none does.
 */
export function chooseSizeColumn(table: Omit<SalesTable, 'sizeColumn'>): string | null {
  let best: string | null = null;
  let bestCorrelation = 0.3;
  table.columns.forEach((column, c) => {
    if (column.kind !== 'numeric') return;
    const v = table.values[c]!;
    if (new Set(Array.from(v).filter((x) => !Number.isNaN(x))).size < 20) return;
    let n = 0, sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
    for (let i = 0; i < v.length; i++) {
      if (Number.isNaN(v[i]!)) continue;
      if (!(v[i]! > 0)) return;
      const x = Math.log(v[i]!);
      const y = Math.log(table.price[i]!);
      n++; sx += x; sy += y; sxx += x * x; syy += y * y; sxy += x * y;
    }
    if (n < 10) return;
    const cov = sxy / n - (sx / n) * (sy / n);
    const den = Math.sqrt(Math.max(0, sxx / n - (sx / n) ** 2) * Math.max(0, syy / n - (sy / n) ** 2));
    const correlation = den > 0 ? cov / den : 0;
    if (correlation > bestCorrelation) {
      bestCorrelation = correlation;
      best = column.name;
    }
  });
  return best;
}

/** The sales at the given indices, as a table of their own. */
export function selectSales(table: SalesTable, indices: ArrayLike<number>): SalesTable {
  // A plain loop: Float64Array.from with a mapping function costs ~30× more per element in V8,
  // and a training selects every column of every sale twice.
  const pick = (values: Float64Array) => {
    const out = new Float64Array(indices.length);
    for (let r = 0; r < indices.length; r++) out[r] = values[indices[r]!]!;
    return out;
  };
  return {
    ...table,
    values: table.values.map(pick),
    latitude: pick(table.latitude),
    longitude: pick(table.longitude),
    soldAt: pick(table.soldAt),
    price: pick(table.price),
    refs: Array.from(indices, (i) => table.refs[i]!),
  };
}

/** SHA-256 of the training sales as read: columns, places, dates and prices, in order. */
export function fingerprintSales(table: SalesTable): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify(table.columns));
  for (const values of [...table.values, table.latitude, table.longitude, table.soldAt, table.price]) hash.update(Buffer.from(values.buffer, values.byteOffset, values.byteLength));
  return hash.digest('hex');
}
