/**
 * Value parsers for CSV cells. Each returns the parsed value or throws a CellError whose message
 * a person can act on ("\"12,5x\" is not a number"); the importer adds the column and line.
 */
export class CellError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CellError';
  }
}

export type DecimalSeparator = '.' | ',';

/** Square metres per unit. */
export const areaUnits = {
  m2: 1,
  sqft: 0.09290304,
  sqyd: 0.83612736,
  acre: 4046.8564224,
  ha: 10_000,
} as const;
export type AreaUnit = keyof typeof areaUnits;

export const dateFormats = ['iso', 'yyyymmdd', 'dd-mm-yyyy', 'dd/mm/yyyy', 'mm/dd/yyyy', 'dd.mm.yyyy'] as const;
export type DateFormat = (typeof dateFormats)[number];

const quote = (value: string) => JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);

/**
 * Parses "1,234.5", "1.234,5" (with decimal ','), "1.23E+06", "  42 ". Grouping separators and
 * spaces are dropped; anything else that is not a number is an error.
 */
export function parseNumber(raw: string, decimal: DecimalSeparator = '.'): number {
  const compact = raw.replace(/[\s_\u00a0\u202f']/g, '');
  const normalised = decimal === ',' ? compact.replace(/\./g, '').replace(',', '.') : compact.replace(/,/g, '');
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(normalised)) throw new CellError(`${quote(raw)} is not a number`);
  const value = Number(normalised);
  if (!Number.isFinite(value)) throw new CellError(`${quote(raw)} is not a finite number`);
  return value;
}

export function parseInteger(raw: string, decimal: DecimalSeparator = '.'): number {
  const value = parseNumber(raw, decimal);
  if (!Number.isInteger(value)) throw new CellError(`${quote(raw)} is not a whole number`);
  return value;
}

/** A price in major units: currency symbols and codes around the number are ignored ("€ 350.000", "USD 1,200"). */
export function parsePrice(raw: string, decimal: DecimalSeparator = '.'): number {
  // Drop a leading symbol or code ("€ ", "USD ") and a trailing one (" EUR", the Dutch ",-").
  const stripped = raw.trim().replace(/^[^\d+.-]+/, '').replace(/\D+$/, '');
  const value = parseNumber(stripped === '' ? raw : stripped, decimal);
  if (value <= 0) throw new CellError(`${quote(raw)} is not a positive price`);
  return value;
}

export function convertArea(value: number, unit: AreaUnit): number {
  return Math.round(value * areaUnits[unit] * 100) / 100;
}

function utcDate(raw: string, year: number, month: number, day: number): Date {
  const date = new Date(Date.UTC(year, month - 1, day));
  if (year < 1000 || date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    throw new CellError(`${quote(raw)} is not a valid date`);
  }
  return date;
}

/** Dates without a time are midnight UTC. `yyyymmdd` also accepts a `T000000` time suffix (King County style). */
export function parseDate(raw: string, format: DateFormat = 'iso'): Date {
  const value = raw.trim();
  const fail = () => new CellError(`${quote(raw)} is not a date in the format ${format}`);
  let match: RegExpExecArray | null;
  switch (format) {
    case 'iso': {
      match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
      if (match) return utcDate(raw, Number(match[1]), Number(match[2]), Number(match[3]));
      if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(value)) throw fail();
      const date = new Date(value);
      if (Number.isNaN(date.getTime())) throw fail();
      return date;
    }
    case 'yyyymmdd':
      match = /^(\d{4})(\d{2})(\d{2})(T0{6})?$/.exec(value);
      if (!match) throw fail();
      return utcDate(raw, Number(match[1]), Number(match[2]), Number(match[3]));
    case 'mm/dd/yyyy':
      match = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(value);
      if (!match) throw fail();
      return utcDate(raw, Number(match[3]), Number(match[1]), Number(match[2]));
    default: {
      const separator = format.charAt(2);
      match = new RegExp(`^(\\d{1,2})\\${separator}(\\d{1,2})\\${separator}(\\d{4})$`).exec(value);
      if (!match) throw fail();
      return utcDate(raw, Number(match[3]), Number(match[2]), Number(match[1]));
    }
  }
}

const truthy = new Set(['1', 'true', 'yes', 'y', 'ja', 'oui', 'si', 'sí', 'x']);
const falsy = new Set(['0', 'false', 'no', 'n', 'nee', 'non', 'nein', '']);

export function parseBoolean(raw: string): boolean {
  const value = raw.trim().toLowerCase();
  if (truthy.has(value)) return true;
  if (falsy.has(value)) return false;
  throw new CellError(`${quote(raw)} is not yes/no (use 1/0, true/false or yes/no)`);
}
