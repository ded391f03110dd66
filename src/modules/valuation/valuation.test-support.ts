import type { ImportRecord } from '../listings';
import { syntheticSales } from './avm/synthetic-sales';

/** Sold synthetic listings around (52.0, 5.0), labelled synthetic, written through the listings module's bulk import. */
export function soldRecords(count: number): ImportRecord[] {
  return syntheticSales(count, 11, { start: Date.UTC(2025, 0, 1), days: 420 }).map((sale, i) => ({
    property: {
      address: `Synthetic street ${i + 1}`,
      city: 'Testdorp',
      country: 'NL',
      postalCode: '1234 AB',
      latitude: sale.latitude,
      longitude: sale.longitude,
      propertyType: sale.facts.propertyType as ImportRecord['property']['propertyType'],
      livingAreaM2: sale.facts.livingAreaM2,
      plotAreaM2: sale.facts.plotAreaM2,
      rooms: sale.facts.rooms,
      bedrooms: sale.facts.bedrooms,
      bathrooms: sale.facts.bathrooms,
      yearBuilt: sale.facts.yearBuilt,
      energyLabel: sale.facts.energyLabel as ImportRecord['property']['energyLabel'],
      features: [],
    },
    listing: {
      kind: 'sale',
      title: `Synthetic home ${i + 1}`,
      description: 'Generated test data.',
      askingPrice: { amountMinor: sale.price * 100, currency: 'EUR' },
      status: 'sold',
      publishedAt: new Date(sale.soldAt - 40 * 86_400_000),
      closedAt: new Date(sale.soldAt),
      closingPrice: { amountMinor: sale.price * 100, currency: 'EUR' },
    },
    isSynthetic: true,
  }));
}

