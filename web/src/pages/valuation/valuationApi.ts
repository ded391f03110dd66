import { request } from '../../api/client';
import type { Listing, Money } from '../../api/types';

/** The answer of POST /api/v1/valuations (docs/valuation.md). */
export interface Valuation {
  id: string;
  propertyId: string | null;
  model: { id: string; version: number; synthetic: boolean };
  at: string;
  value: Money;
  range: { lower: Money; upper: Money; coverage: number };
  confidence: { grade: 'A' | 'B' | 'C' | 'D'; lowConfidence: boolean; reasons: string[] };
  modelValue: Money;
  comparablesValue: Money;
  comparablesWeight: number;
  comparables: { ref: string; price: Money; soldAt: string | null; distanceKm: number; size: number | null; adjustedValue: Money; weight: number }[];
  explanation: { baseValue: number; currency: string; contributions: { feature: string; value: number | string | null; logContribution: number; amount: number }[] } | null;
}

/** Values the listing's property: stored (kept in its history) for members, described otherwise. */
export function valueListing(listing: Listing, member: boolean, signal?: AbortSignal): Promise<Valuation> {
  const p = listing.property;
  const described = {
    latitude: p.latitude,
    longitude: p.longitude,
    propertyType: p.propertyType,
    ...(p.livingAreaM2 !== null ? { livingAreaM2: p.livingAreaM2 } : {}),
    ...(p.plotAreaM2 !== null ? { plotAreaM2: p.plotAreaM2 } : {}),
    ...(p.rooms !== null ? { rooms: p.rooms } : {}),
    ...(p.bedrooms !== null ? { bedrooms: p.bedrooms } : {}),
    ...(p.bathrooms !== null ? { bathrooms: p.bathrooms } : {}),
    ...(p.yearBuilt !== null ? { yearBuilt: p.yearBuilt } : {}),
    ...(p.yearRenovated !== null ? { yearRenovated: p.yearRenovated } : {}),
    ...(p.energyLabel !== null ? { energyLabel: p.energyLabel } : {}),
  };
  return request<Valuation>('POST', '/valuations', { json: member ? { propertyId: p.id } : { property: described }, signal });
}
