/**
 * Column type inference for arbitrary tabular data (a sales CSV, say), so a new file needs no
 * code: each column is numeric, categorical, date, boolean, an id (left out of features), or
 * empty. Pure; works on the cells as strings.
 */

export type ColumnKind = 'numeric' | 'categorical' | 'date' | 'boolean' | 'id' | 'empty';

export interface ColumnType {
  readonly name: string;
  readonly index: number;
  readonly kind: ColumnKind;
  /** 'latitude' / 'longitude' when the column holds coordinates (numeric, by name and range). */
  readonly coordinate?: 'latitude' | 'longitude';
  /** Why the kind was chosen when it is not the obvious one (mixed types, id, coded numbers). */
  readonly note?: string;
  readonly missing: number;
}

/** Cells that mean "no value". */
const missingTokens = new Set(['', 'na', 'n/a', 'nan', 'null', 'none', '?', '-']);
const trueTokens = new Set(['true', 'yes', 'y', 't']);
const falseTokens = new Set(['false', 'no', 'n', 'f']);

export function isMissing(cell: string | undefined): boolean {
  return cell === undefined || missingTokens.has(cell.trim().toLowerCase());
}

/** A number in plain or scientific notation; thousands separators and currency signs are not guessed at. */
export function parseNumber(cell: string): number {
  const text = cell.trim();
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return Number.NaN;
  return Number(text);
}

export function parseBoolean(cell: string): number {
  const text = cell.trim().toLowerCase();
  if (trueTokens.has(text) || text === '1') return 1;
  if (falseTokens.has(text) || text === '0') return 0;
  return Number.NaN;
}

/**
 * Milliseconds since the epoch (UTC) for the date shapes sales files use: 2014-10-13,
 * 2014-10-13T10:00:00Z, 20141013T000000 (King County), 2014/10/13, 13/10/2014 and 10/13/2014
 * (day first unless the first part cannot be a day… of a month, i.e. month first when the
 * second part exceeds 12). NaN when the cell is not a date.
 */
export function parseDate(cell: string): number {
  const text = cell.trim();
  let match = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.exec(text);
  if (match) return utc(+match[1]!, +match[2]!, +match[3]!);
  match = /^(\d{4})(\d{2})(\d{2})(?:T\d{6})?$/.exec(text);
  if (match && text.length !== 8) return utc(+match[1]!, +match[2]!, +match[3]!);
  match = /^(\d{4})\/(\d{1,2})\/(\d{1,2})$/.exec(text);
  if (match) return utc(+match[1]!, +match[2]!, +match[3]!);
  match = /^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$/.exec(text);
  if (match) {
    const a = +match[1]!;
    const b = +match[2]!;
    return b > 12 ? utc(+match[3]!, a, b) : utc(+match[3]!, b, a);
  }
  return Number.NaN;
}

function utc(year: number, month: number, day: number): number {
  if (year < 1800 || year > 2200 || month < 1 || month > 12 || day < 1 || day > 31) return Number.NaN;
  const time = Date.UTC(year, month - 1, day);
  return new Date(time).getUTCDate() === day ? time : Number.NaN;
}

const latitudeName = /^(lat|latitude|y_?coord)$/i;
const longitudeName = /^(lon|long|lng|longitude|x_?coord)$/i;
const idName = /^(id|_id|row_?id|index|uuid|.*[_ ]id)$/i;
/** Numbers that are codes, not quantities: a zip code of 98103 is not "more" than 98004. */
const codeName = /(zip|postcode|postal|post_code|area_?code|district|neighbou?rhood|region|code)$/i;

/** The most cells a column may have that do not fit its kind and still be that kind (typos, stray text). */
const FIT_SHARE = 0.98;

/**
 * Infers every column's kind from its cells. `rows` are the data rows (header excluded); a
 * column's missing cells do not count against any kind.
 */
export function inferColumnTypes(header: readonly string[], rows: readonly (readonly string[])[]): ColumnType[] {
  return header.map((name, index) => inferColumn(name, index, rows));
}

function inferColumn(name: string, index: number, rows: readonly (readonly string[])[]): ColumnType {
  const present: string[] = [];
  for (const row of rows) {
    const cell = row[index];
    if (!isMissing(cell)) present.push(cell!.trim());
  }
  const missing = rows.length - present.length;
  const base = { name, index, missing };
  if (present.length === 0) return { ...base, kind: 'empty' };
  const distinct = new Set(present);
  if (idName.test(name.trim())) return { ...base, kind: 'id', note: 'named like an identifier' };

  const count = (parse: (cell: string) => number) => present.reduce((n, cell) => n + (Number.isNaN(parse(cell)) ? 0 : 1), 0);
  const numbers = count(parseNumber);
  const fits = (n: number) => n >= FIT_SHARE * present.length;

  if (distinct.size <= 2 && count(parseBoolean) === present.length) return { ...base, kind: 'boolean' };
  if (fits(numbers)) {
    const values = present.map(parseNumber).filter((v) => !Number.isNaN(v));
    const integers = values.every(Number.isInteger);
    const coordinate = coordinateOf(name, values);
    if (coordinate) return { ...base, kind: 'numeric', coordinate };
    if (integers && codeName.test(name.trim())) return { ...base, kind: 'categorical', note: 'integer codes (named like a code), treated as categories' };
    if (integers && distinct.size === present.length && present.length >= 20 && looksLikeSequence(values)) {
      return { ...base, kind: 'id', note: 'unique increasing integers on every row, like a row number' };
    }
    return { ...base, kind: 'numeric', ...(numbers < present.length ? { note: `${present.length - numbers} non-numeric cell(s) read as missing` } : {}) };
  }
  const dates = count(parseDate);
  if (fits(dates)) return { ...base, kind: 'date', ...(dates < present.length ? { note: `${present.length - dates} unreadable date(s) read as missing` } : {}) };
  if (distinct.size === present.length && present.length >= 20) return { ...base, kind: 'id', note: 'a different text on every row' };
  if (numbers > 0) {
    return { ...base, kind: 'categorical', note: `mixed types: ${numbers} numeric and ${present.length - numbers} non-numeric cell(s); treated as categorical` };
  }
  return { ...base, kind: 'categorical' };
}

function coordinateOf(name: string, values: readonly number[]): 'latitude' | 'longitude' | undefined {
  const trimmed = name.trim();
  const within = (limit: number) => values.every((v) => Math.abs(v) <= limit);
  if (latitudeName.test(trimmed) && within(90)) return 'latitude';
  if (longitudeName.test(trimmed) && within(180)) return 'longitude';
  return undefined;
}

/** Sorted in file order or a dense range (1..n shuffled): a row number, not a measurement. */
function looksLikeSequence(values: readonly number[]): boolean {
  let increasing = true;
  for (let i = 1; i < values.length && increasing; i++) increasing = values[i]! > values[i - 1]!;
  if (increasing) return true;
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return max - min + 1 === values.length;
}
