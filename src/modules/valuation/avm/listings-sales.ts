/**
 * The platform's own sales as AVM training data: a sold listing's property, closing price and
 * close date. Property fields become columns under their API names, so an ad-hoc valuation
 * request names them the same way. The energy label is ordinal (G = 1 … A+++ = 10).
 */
import { encodeCategories, chooseSizeColumn, type SalesColumn, type SalesTable } from './sales.js';

const energyOrder = ['G', 'F', 'E', 'D', 'C', 'B', 'A', 'A+', 'A++', 'A+++'];

export interface PropertyFacts {
  readonly propertyType: string;
  readonly livingAreaM2: number | null;
  readonly plotAreaM2: number | null;
  readonly rooms: number | null;
  readonly bedrooms: number | null;
  readonly bathrooms: number | null;
  readonly yearBuilt: number | null;
  readonly yearRenovated: number | null;
  readonly energyLabel: string | null;
}

export const propertyNumericColumns = ['livingAreaM2', 'plotAreaM2', 'rooms', 'bedrooms', 'bathrooms', 'yearBuilt', 'yearRenovated', 'energyLabel'] as const;

/** A property's column values for the AVM (the energy label as its rank). */
export function propertyValues(facts: PropertyFacts): Record<string, number | string | null> {
  const rank = facts.energyLabel ? energyOrder.indexOf(facts.energyLabel) : -1;
  return {
    propertyType: facts.propertyType,
    livingAreaM2: facts.livingAreaM2,
    plotAreaM2: facts.plotAreaM2,
    rooms: facts.rooms,
    bedrooms: facts.bedrooms,
    bathrooms: facts.bathrooms,
    yearBuilt: facts.yearBuilt,
    yearRenovated: facts.yearRenovated,
    energyLabel: rank >= 0 ? rank + 1 : null,
  };
}

export interface PropertySale {
  readonly ref: string;
  readonly facts: PropertyFacts;
  readonly latitude: number;
  readonly longitude: number;
  /** Major units of the model's currency. */
  readonly price: number;
  readonly soldAt: number;
}

export function salesFromProperties(sales: readonly PropertySale[]): SalesTable {
  const rows = sales.map((s) => propertyValues(s.facts));
  const types = encodeCategories(rows.map((r) => r.propertyType as string));
  const columns: SalesColumn[] = [{ name: 'propertyType', kind: 'categorical', categories: types.categories }, ...propertyNumericColumns.map((name) => ({ name, kind: 'numeric' as const }))];
  const values = [types.codes, ...propertyNumericColumns.map((name) => Float64Array.from(rows, (r) => (typeof r[name] === 'number' ? (r[name] as number) : Number.NaN)))];
  const table = {
    columns,
    values,
    latitude: Float64Array.from(sales, (s) => s.latitude),
    longitude: Float64Array.from(sales, (s) => s.longitude),
    soldAt: Float64Array.from(sales, (s) => s.soldAt),
    price: Float64Array.from(sales, (s) => s.price),
    refs: sales.map((s) => s.ref),
  };
  const size = chooseSizeColumn(table);
  return { ...table, sizeColumn: size ?? (rows.some((r) => typeof r.livingAreaM2 === 'number') ? 'livingAreaM2' : null) };
}
