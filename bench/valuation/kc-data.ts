/**
 * The King County house-sales data set (../shared/data/kc_house_data.csv) as plain features
 * for the valuation benchmarks. Read from the shared folder, never copied into the repository.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** Where the data set is looked for: DOMUS_DATA_DIR, then ../shared/data beside the repository. */
export function kcDataPath(): string {
  const dir = process.env.DOMUS_DATA_DIR ?? resolve(here, '../../../shared/data');
  return resolve(dir, 'kc_house_data.csv');
}

export const kcFeatureNames = [
  'bedrooms', 'bathrooms', 'sqft_living', 'sqft_lot', 'floors', 'waterfront', 'view', 'condition', 'grade',
  'sqft_above', 'sqft_basement', 'yr_built', 'yr_renovated', 'zipcode', 'lat', 'long', 'sqft_living15', 'sqft_lot15',
  'sale_year', 'sale_month',
] as const;

/** Index of the categorical feature (zipcode). */
export const kcCategorical = [kcFeatureNames.indexOf('zipcode')];

export interface KcData {
  readonly rows: number;
  readonly cols: number;
  /** Row-major features in the order of kcFeatureNames. */
  readonly features: Float64Array;
  readonly price: Float64Array;
}

/** Loads the data set, or returns null when the file is absent. */
export function loadKcData(path = kcDataPath()): KcData | null {
  if (!existsSync(path)) return null;
  const lines = readFileSync(path, 'utf8').split(/\r?\n/).filter((l) => l.length > 0);
  const header = lines[0]!.split(',').map((h) => h.replace(/"/g, ''));
  const col = (name: string): number => {
    const at = header.indexOf(name);
    if (at < 0) throw new Error(`${path} has no column ${name}`);
    return at;
  };
  const rawColumns = kcFeatureNames.filter((n) => n !== 'sale_year' && n !== 'sale_month').map(col);
  const dateCol = col('date');
  const priceCol = col('price');
  const rows = lines.length - 1;
  const cols = kcFeatureNames.length;
  const features = new Float64Array(rows * cols);
  const price = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    const cells = lines[i + 1]!.split(',').map((c) => c.replace(/"/g, ''));
    rawColumns.forEach((c, j) => (features[i * cols + j] = Number(cells[c])));
    const date = cells[dateCol]!; // 20141013T000000
    features[i * cols + cols - 2] = Number(date.slice(0, 4));
    features[i * cols + cols - 1] = Number(date.slice(4, 6));
    price[i] = Number(cells[priceCol]);
  }
  return { rows, cols, features, price };
}
