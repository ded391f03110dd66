/**
 * Deterministic synthetic sales for tests and examples (labelled synthetic in every ref): homes
 * in a 20 × 20 km town whose prices follow size, age, energy label, a smooth location surface
 * and a market that rises 6% a year, with 8% log-normal noise. Not real data.
 */
import { createRng, normal } from '../../../ml/index.js';
import type { PropertySale } from './listings-sales.js';

const DAY_MS = 86_400_000;
const types = ['apartment', 'house', 'townhouse'] as const;
const labels = ['A', 'B', 'C', 'D', 'E'] as const;

export function syntheticSales(n: number, seed = 1, options: { start?: number; days?: number; centre?: [number, number] } = {}): PropertySale[] {
  const rng = createRng(seed);
  const start = options.start ?? Date.UTC(2024, 0, 1);
  const days = options.days ?? 730;
  const [lat0, lng0] = options.centre ?? [52.0, 5.0];
  const sales: PropertySale[] = [];
  for (let i = 0; i < n; i++) {
    const dy = (rng.next() - 0.5) * 0.18; // ≈ 20 km
    const dx = (rng.next() - 0.5) * 0.29;
    const type = types[rng.below(types.length)]!;
    const area = Math.round((type === 'apartment' ? 45 : 80) + rng.next() * 120);
    const yearBuilt = 1900 + rng.below(124);
    const label = labels[rng.below(labels.length)]!;
    const day = rng.below(days);
    const location = 0.35 * Math.sin(dy * 40) + 0.25 * Math.cos(dx * 30) + (dx > 0.05 ? 0.2 : 0);
    const log = Math.log(3200 * area) + location + (type === 'house' ? 0.1 : 0) - 0.0015 * Math.abs(yearBuilt - 1990) + 0.04 * (4 - labels.indexOf(label)) + 0.06 * (day / 365) + 0.08 * normal(rng);
    sales.push({
      ref: `synthetic:${i + 1}`,
      facts: { propertyType: type, livingAreaM2: area, plotAreaM2: type === 'apartment' ? null : Math.round(area * (1.5 + rng.next() * 3)), rooms: Math.max(1, Math.round(area / 25)), bedrooms: Math.max(1, Math.round(area / 35)), bathrooms: 1 + rng.below(2), yearBuilt, yearRenovated: null, energyLabel: label },
      latitude: lat0 + dy,
      longitude: lng0 + dx,
      price: Math.round(Math.exp(log) / 1000) * 1000,
      soldAt: start + day * DAY_MS,
    });
  }
  return sales;
}
