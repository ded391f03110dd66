import { createHash } from 'node:crypto';
import { z } from 'zod';
import { currencyCodes, fromMajor, type CurrencyCode } from '../../platform/money';
import { areaUnits, CellError, convertArea, dateFormats, parseBoolean, parseDate, parseInteger, parseNumber, parsePrice, type DecimalSeparator } from './csv-import.parsers';
import type { EnergyLabel, ImportRecord, ListingKind, ListingStatus, PropertyType } from './listings-contract';

/**
 * A column mapping says, for each listing field, where its value comes from: a CSV column (with
 * a type, unit, date format, null markers and value translations), a constant, or a template
 * over columns. Mappings are JSON files (`--mapping FILE`) or built-in presets.
 */
const valueTypes = ['text', 'number', 'integer', 'price', 'date', 'boolean'] as const;
type ValueType = (typeof valueTypes)[number];
const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

const columnRule = z
  .object({
    column: z.string().min(1),
    type: z.enum(valueTypes).optional(),
    unit: z.enum(Object.keys(areaUnits) as [keyof typeof areaUnits]).optional(),
    format: z.enum(dateFormats).optional(),
    decimal: z.enum(['.', ',']).optional(),
    nullIf: z.array(z.string()).optional(),
    values: z.record(z.string(), scalar).optional(),
    default: scalar.optional(),
  })
  .strict();
const constantRule = z.object({ value: scalar }).strict();
const templateRule = z.object({ template: z.string().min(1) }).strict();
const fieldRule = z.union([columnRule, constantRule, templateRule]);
export type FieldRule = z.infer<typeof fieldRule>;

const propertyTypes = ['apartment', 'house', 'townhouse', 'villa', 'land', 'commercial'] as const satisfies readonly PropertyType[];
const energyLabels = ['A+++', 'A++', 'A+', 'A', 'B', 'C', 'D', 'E', 'F', 'G'] as const satisfies readonly EnergyLabel[];
const kinds = ['sale', 'rent'] as const satisfies readonly ListingKind[];
const statuses = ['draft', 'active', 'under_offer', 'sold', 'rented', 'withdrawn'] as const satisfies readonly ListingStatus[];

interface TargetSpec {
  type: ValueType;
  required?: boolean;
  oneOf?: readonly string[];
}

/** Every field a mapping can fill, its value type and whether a row without it is rejected. */
export const mappingTargets = {
  address: { type: 'text', required: true },
  city: { type: 'text', required: true },
  country: { type: 'text', required: true },
  postalCode: { type: 'text' },
  latitude: { type: 'number', required: true },
  longitude: { type: 'number', required: true },
  propertyType: { type: 'text', required: true, oneOf: propertyTypes },
  livingAreaM2: { type: 'number' },
  plotAreaM2: { type: 'number' },
  rooms: { type: 'integer' },
  bedrooms: { type: 'integer' },
  bathrooms: { type: 'number' },
  yearBuilt: { type: 'integer' },
  yearRenovated: { type: 'integer' },
  energyLabel: { type: 'text', oneOf: energyLabels },
  kind: { type: 'text', oneOf: kinds },
  status: { type: 'text', oneOf: statuses },
  title: { type: 'text' },
  description: { type: 'text' },
  currency: { type: 'text', required: true, oneOf: currencyCodes },
  askingPrice: { type: 'price', required: true },
  closingPrice: { type: 'price' },
  publishedAt: { type: 'date' },
  closedAt: { type: 'date' },
  externalRef: { type: 'text' },
} as const satisfies Record<string, TargetSpec>;
export type MappingTarget = keyof typeof mappingTargets;

const featureRule = z
  .object({
    column: z.string().min(1),
    /** The feature to add when the condition holds; omit with `split` to take the cell's own words. */
    feature: z.string().min(1).optional(),
    when: z.union([z.enum(['truthy', 'positive']), z.object({ equals: z.string() }).strict()]).optional(),
    split: z.string().min(1).optional(),
  })
  .strict()
  .refine((rule) => rule.feature !== undefined || rule.split !== undefined, { message: 'needs "feature" or "split"' });

export const mappingSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,59}$/, 'must be lowercase letters, digits and hyphens, e.g. "acme-export"'),
    description: z.string().optional(),
    delimiter: z.string().length(1).optional(),
    decimal: z.enum(['.', ',']).optional(),
    isSynthetic: z.boolean().optional(),
    fields: z.object(Object.fromEntries(Object.keys(mappingTargets).map((key) => [key, fieldRule.optional()]))).strict(),
    features: z.array(featureRule).optional(),
    attributes: z.record(z.string(), fieldRule).optional(),
  })
  .strict();
export type ColumnMapping = Omit<z.infer<typeof mappingSchema>, 'fields'> & { fields: Partial<Record<MappingTarget, FieldRule>> };

/** A mapping that cannot be used: bad JSON, an unknown field, a column missing from the file. Aborts the import. */
export class MappingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MappingError';
  }
}

export function parseMapping(input: unknown, source = 'mapping'): ColumnMapping {
  const parsed = mappingSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  ${issue.path.join('.') || '(root)'}: ${issue.message}`).join('\n');
    throw new MappingError(`The ${source} is invalid:\n${problems}`);
  }
  const mapping = parsed.data as ColumnMapping;
  const missing = (Object.entries(mappingTargets) as [MappingTarget, TargetSpec][])
    .filter(([target, spec]) => spec.required && !mapping.fields[target])
    .map(([target]) => target);
  if (missing.length > 0) {
    throw new MappingError(`The ${source} does not say where ${missing.join(', ')} come${missing.length === 1 ? 's' : ''} from; add them under "fields" (a column, a constant {"value": ...} or a template).`);
  }
  return mapping;
}

const placeholders = (template: string) => [...template.matchAll(/\{([^{}]+)\}/g)].map((match) => match[1] as string);

/** Each column the mapping reads, with what it feeds (for the "column missing" message). */
export function columnsUsed(mapping: ColumnMapping): { column: string; usedBy: string }[] {
  const used: { column: string; usedBy: string }[] = [];
  const visit = (rule: FieldRule | undefined, usedBy: string) => {
    if (!rule) return;
    if ('column' in rule) used.push({ column: rule.column, usedBy });
    if ('template' in rule) for (const column of placeholders(rule.template)) used.push({ column, usedBy });
  };
  for (const [target, rule] of Object.entries(mapping.fields)) visit(rule, target);
  for (const [name, rule] of Object.entries(mapping.attributes ?? {})) visit(rule, `attributes.${name}`);
  for (const rule of mapping.features ?? []) used.push({ column: rule.column, usedBy: `features (${rule.feature ?? 'split'})` });
  return used;
}

type Value = string | number | boolean | Date | null;
export type RowOutcome = { ok: true; record: ImportRecord } | { ok: false; reason: string };
export type Refine = (record: ImportRecord, cell: (column: string) => string) => void;

/** Binds a mapping to a header: checks every column exists, then maps rows by column index. */
export function compileMapping(mapping: ColumnMapping, header: readonly string[], refine?: Refine) {
  const index = new Map(header.map((name, position) => [name.trim(), position]));
  const missing = columnsUsed(mapping).filter(({ column }) => !index.has(column));
  if (missing.length > 0) {
    const list = missing.map(({ column, usedBy }) => `"${column}" (mapped to ${usedBy})`).join(', ');
    throw new MappingError(`The CSV has no column ${list}. Its header has: ${header.join(', ')}.`);
  }
  const decimal: DecimalSeparator = mapping.decimal ?? '.';

  return (cells: readonly string[]): RowOutcome => {
    const cell = (column: string) => (cells[index.get(column) as number] ?? '').trim();
    const evaluate = (rule: FieldRule, type: ValueType, label: string): Value => {
      if ('value' in rule) return rule.value;
      if ('template' in rule) return rule.template.replace(/\{([^{}]+)\}/g, (_match, column: string) => cell(column));
      const raw = cell(rule.column);
      const where = `column "${rule.column}" (${label})`;
      if (raw === '' || rule.nullIf?.includes(raw)) return rule.default ?? null;
      let text = raw;
      if (rule.values) {
        const translated = rule.values[raw] ?? rule.values[raw.toLowerCase()];
        if (translated === null) return null;
        if (translated !== undefined) text = String(translated);
      }
      try {
        switch (rule.type ?? type) {
          case 'text':
            return text;
          case 'boolean':
            return parseBoolean(text);
          case 'date':
            return parseDate(text, rule.format);
          case 'price':
            return parsePrice(text, rule.decimal ?? decimal);
          case 'integer': {
            const value = rule.unit ? parseNumber(text, rule.decimal ?? decimal) : parseInteger(text, rule.decimal ?? decimal);
            return rule.unit ? Math.round(convertArea(value, rule.unit)) : value;
          }
          case 'number': {
            const value = parseNumber(text, rule.decimal ?? decimal);
            return rule.unit ? convertArea(value, rule.unit) : value;
          }
        }
      } catch (error) {
        if (error instanceof CellError) throw new CellError(`${where}: ${error.message}`);
        throw error;
      }
    };

    try {
      const values = {} as Record<MappingTarget, Value>;
      for (const [target, spec] of Object.entries(mappingTargets) as [MappingTarget, TargetSpec][]) {
        const rule = mapping.fields[target];
        const value = rule ? evaluate(rule, spec.type, target) : null;
        if (value === null || value === '') {
          if (spec.required) throw new CellError(`${target} is empty${rule && 'column' in rule ? ` (column "${rule.column}")` : ''}`);
          values[target] = null;
          continue;
        }
        if (spec.oneOf && !spec.oneOf.includes(String(value))) {
          const source = rule && 'column' in rule ? ` from column "${rule.column}"` : '';
          throw new CellError(`${target}${source} is ${JSON.stringify(value)}; expected one of ${spec.oneOf.join(', ')}${rule && 'column' in rule ? ' (translate other words with "values")' : ''}`);
        }
        values[target] = value;
      }
      const record = buildRecord(values, mapping, cells, evaluate, cell);
      refine?.(record, cell);
      const problem = checkRecord(record);
      if (problem) throw new CellError(problem);
      return { ok: true, record };
    } catch (error) {
      if (error instanceof CellError) return { ok: false, reason: error.message };
      throw error;
    }
  };
}

function buildRecord(
  values: Record<MappingTarget, Value>,
  mapping: ColumnMapping,
  cells: readonly string[],
  evaluate: (rule: FieldRule, type: ValueType, label: string) => Value,
  cell: (column: string) => string,
): ImportRecord {
  const text = (target: MappingTarget) => (values[target] === null ? null : String(values[target]));
  const number = (target: MappingTarget) => {
    const value = values[target];
    if (value === null) return null;
    if (typeof value !== 'number') throw new CellError(`${target} must be a number, got ${JSON.stringify(value)}`);
    return value;
  };
  const date = (target: MappingTarget) => {
    const value = values[target];
    if (value === null) return undefined;
    if (!(value instanceof Date)) throw new CellError(`${target} must be a date (type "date" with a "format")`);
    return value;
  };
  const currency = text('currency') as CurrencyCode;
  const money = (target: MappingTarget) => {
    const value = number(target);
    return value === null ? undefined : fromMajor(value, currency);
  };
  const features = new Set<string>();
  for (const rule of mapping.features ?? []) {
    const raw = cell(rule.column);
    if (rule.split) {
      for (const word of raw.split(rule.split)) {
        const feature = word.trim().toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
        if (feature) features.add(feature);
      }
      continue;
    }
    const when = rule.when ?? 'truthy';
    const positive = () => {
      try {
        return parseNumber(raw, mapping.decimal) > 0;
      } catch (error) {
        throw new CellError(`column "${rule.column}" (feature ${rule.feature}): ${(error as Error).message}`);
      }
    };
    const holds =
      when === 'positive'
        ? raw !== '' && positive()
        : when === 'truthy'
          ? raw !== '' && !['0', 'false', 'no', 'n'].includes(raw.toLowerCase())
          : raw === when.equals;
    if (holds) features.add(rule.feature as string);
  }
  const attributes: Record<string, number | string | boolean> = {};
  for (const [name, rule] of Object.entries(mapping.attributes ?? {})) {
    const value = evaluate(rule, 'column' in rule && rule.type ? rule.type : 'text', `attributes.${name}`);
    if (value !== null) attributes[name] = value instanceof Date ? value.toISOString() : value;
  }
  const propertyType = text('propertyType') as PropertyType;
  const city = text('city') as string;
  const askingPrice = money('askingPrice');
  if (!askingPrice) throw new CellError('askingPrice is empty');
  const publishedAt = date('publishedAt');
  const closedAt = date('closedAt');
  const closingPrice = money('closingPrice');
  return {
    property: {
      address: text('address') as string,
      city,
      country: (text('country') as string).toUpperCase(),
      postalCode: text('postalCode') ?? '',
      latitude: number('latitude') as number,
      longitude: number('longitude') as number,
      propertyType,
      livingAreaM2: number('livingAreaM2'),
      plotAreaM2: number('plotAreaM2'),
      rooms: number('rooms'),
      bedrooms: number('bedrooms'),
      bathrooms: number('bathrooms'),
      yearBuilt: number('yearBuilt'),
      yearRenovated: number('yearRenovated'),
      energyLabel: text('energyLabel') as EnergyLabel | null,
      features: [...features],
      attributes,
    },
    listing: {
      kind: (text('kind') ?? 'sale') as ListingKind,
      title: text('title') ?? `${propertyType.charAt(0).toUpperCase()}${propertyType.slice(1)} in ${city}`,
      description: text('description') ?? '',
      askingPrice,
      status: (text('status') ?? 'active') as ListingStatus,
      ...(publishedAt ? { publishedAt } : {}),
      ...(closedAt ? { closedAt } : {}),
      ...(closingPrice ? { closingPrice } : {}),
    },
    isSynthetic: mapping.isSynthetic ?? false,
    // Without an id column, a hash of the row's cells: re-importing the same file adds nothing.
    externalRef: text('externalRef') ?? `${mapping.name}:${createHash('sha256').update(cells.join('\u001f')).digest('hex').slice(0, 24)}`,
  };
}

const currentYear = () => new Date().getUTCFullYear();

/** Plausibility checks that make a row a rejection with a reason rather than a failed batch. */
export function checkRecord(record: ImportRecord): string | null {
  const { property, listing } = record;
  const range = (label: string, value: number | null | undefined, low: number, high: number) =>
    value !== null && value !== undefined && !(value >= low && value <= high) ? `${label} is ${value}; expected ${low} to ${high}` : null;
  return (
    (/^[A-Z]{2}$/.test(property.country) ? null : `country is ${JSON.stringify(property.country)}; expected a two-letter ISO 3166 code such as NL or US`) ??
    range('latitude', property.latitude, -90, 90) ??
    range('longitude', property.longitude, -180, 180) ??
    range('livingAreaM2', property.livingAreaM2, 0.01, 99_999) ??
    range('plotAreaM2', property.plotAreaM2, 1, 100_000_000) ??
    range('rooms', property.rooms, 0, 500) ??
    range('bedrooms', property.bedrooms, 0, 200) ??
    range('bathrooms', property.bathrooms, 0, 50) ??
    range('yearBuilt', property.yearBuilt, 1000, Math.min(2100, currentYear() + 5)) ??
    range('yearRenovated', property.yearRenovated, property.yearBuilt ?? 1000, currentYear() + 1) ??
    (listing.status !== 'draft' && listing.status !== 'withdrawn' && !listing.publishedAt ? `publishedAt is empty, but a ${listing.status} listing needs the date it was published` : null) ??
    (listing.status === 'draft' && listing.publishedAt ? 'publishedAt is set, but a draft has not been published' : null) ??
    (listing.closedAt && listing.publishedAt && listing.closedAt < listing.publishedAt ? 'closedAt is before publishedAt' : null) ??
    (property.address.length > 300 ? 'address is longer than 300 characters' : null) ??
    (listing.title.length > 200 ? 'title is longer than 200 characters' : null)
  );
}
