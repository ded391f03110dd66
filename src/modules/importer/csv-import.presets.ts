import { parseMapping, type ColumnMapping, type Refine } from './csv-import.mapping';

/**
 * Built-in mappings for known public data sets. A preset is a mapping (the same format as a
 * `--mapping` JSON file) plus an optional refinement in code for what JSON cannot say, and the
 * organization its rows go to unless the operator names one.
 */
export interface CsvPreset {
  mapping: ColumnMapping;
  refine?: Refine;
  defaultOrganizationName: string;
  summary: string;
}

const squareFeetToM2 = 0.09290304;
const grouped = (value: number) => value.toLocaleString('en-US');

/**
 * King County (Seattle area) house sales, May 2014 - May 2015: every row is a closed sale, so it
 * becomes a sold sale listing in USD, published and closed on the sale date. The data set has no
 * street addresses: the address is "Parcel <id>".
 */
const kingCountyHouseSales: CsvPreset = {
  defaultOrganizationName: 'King County Records (imported)',
  summary: 'King County, WA house sales 2014-2015 (kc_house_data.csv) as sold listings in USD',
  mapping: parseMapping(
    {
      name: 'kc-house-sales',
      description: 'King County, WA house sales May 2014 - May 2015 (public Kaggle data set "House Sales in King County").',
      fields: {
        externalRef: { template: 'kc-house-sales:{id}:{date}' },
        address: { template: 'Parcel {id}' },
        city: { value: 'King County, WA' },
        country: { value: 'US' },
        postalCode: { column: 'zipcode' },
        latitude: { column: 'lat' },
        longitude: { column: 'long' },
        propertyType: { value: 'house' },
        livingAreaM2: { column: 'sqft_living', unit: 'sqft' },
        plotAreaM2: { column: 'sqft_lot', unit: 'sqft' },
        bedrooms: { column: 'bedrooms' },
        bathrooms: { column: 'bathrooms' },
        yearBuilt: { column: 'yr_built' },
        yearRenovated: { column: 'yr_renovated', nullIf: ['0'] },
        kind: { value: 'sale' },
        status: { value: 'sold' },
        currency: { value: 'USD' },
        askingPrice: { column: 'price' },
        closingPrice: { column: 'price' },
        publishedAt: { column: 'date', format: 'yyyymmdd' },
        closedAt: { column: 'date', format: 'yyyymmdd' },
      },
      features: [
        { column: 'waterfront', feature: 'waterfront', when: { equals: '1' } },
        { column: 'view', feature: 'view', when: 'positive' },
        { column: 'sqft_basement', feature: 'basement', when: 'positive' },
      ],
      attributes: {
        grade: { column: 'grade', type: 'integer' },
        condition: { column: 'condition', type: 'integer' },
        view: { column: 'view', type: 'integer' },
        floors: { column: 'floors', type: 'number' },
        sqft_living15: { column: 'sqft_living15', type: 'number' },
        sqft_lot15: { column: 'sqft_lot15', type: 'number' },
      },
    },
    'kc-house-sales preset',
  ),
  refine: (record, cell) => {
    const date = cell('date').slice(0, 8);
    // The contract's reference form: kc-house-sales:<id>:<yyyymmdd> (an id can sell twice).
    record.externalRef = `kc-house-sales:${cell('id')}:${date}`;
    const bedrooms = record.property.bedrooms ?? 0;
    const sold = `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}`;
    const living = Number(cell('sqft_living'));
    const lot = Number(cell('sqft_lot'));
    record.listing.title = `${bedrooms > 0 ? `${bedrooms}-bedroom house` : 'House'} in King County, WA ${record.property.postalCode} (sold ${sold})`;
    record.listing.description = [
      `A house sale recorded in King County, WA on ${sold}.`,
      `${bedrooms} bedrooms, ${record.property.bathrooms ?? 0} bathrooms, ${grouped(living)} sq ft of living space (${Math.round(living * squareFeetToM2)} m²) on a ${grouped(lot)} sq ft lot (${Math.round(lot * squareFeetToM2)} m²).`,
      `Built in ${record.property.yearBuilt ?? 'an unknown year'}${record.property.yearRenovated ? `, renovated in ${record.property.yearRenovated}` : ''}; King County grade ${cell('grade')}, condition ${cell('condition')}.`,
      '',
      'Imported from the public King County house sales data set (2014-2015). The data set has no street addresses, so the parcel id stands in for one.',
    ].join('\n');
  },
};

export const csvPresets: Record<string, CsvPreset> = {
  'kc-house-sales': kingCountyHouseSales,
};

export function findPreset(name: string): CsvPreset {
  const preset = csvPresets[name];
  if (!preset) throw new Error(`There is no preset "${name}". Presets: ${Object.keys(csvPresets).join(', ')}.`);
  return preset;
}
