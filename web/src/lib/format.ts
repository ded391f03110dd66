import type { ListingStatus, PropertyType } from '../api/types';

const propertyTypeLabels: Record<PropertyType, string> = {
  apartment: 'Apartment',
  house: 'House',
  townhouse: 'Townhouse',
  villa: 'Villa',
  land: 'Land',
  commercial: 'Commercial',
};

export function propertyTypeLabel(type: string): string {
  return propertyTypeLabels[type as PropertyType] ?? type;
}

const statusLabels: Record<ListingStatus, string> = {
  draft: 'Draft',
  active: 'For sale',
  under_offer: 'Under offer',
  withdrawn: 'Withdrawn',
  sold: 'Sold',
  rented: 'Rented',
};

/** Status as a buyer reads it: an active rent listing is "For rent", not "For sale". */
export function statusLabel(status: string, kind?: 'sale' | 'rent'): string {
  if (status === 'active') return kind === 'rent' ? 'For rent' : kind === 'sale' ? 'For sale' : 'Active';
  return statusLabels[status as ListingStatus] ?? status;
}

export function formatArea(m2: number | null | undefined): string {
  if (m2 === null || m2 === undefined) return '–';
  return `${new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 }).format(m2)} m²`;
}

export function countryName(code: string): string {
  try {
    return new Intl.DisplayNames(undefined, { type: 'region' }).of(code.toUpperCase()) ?? code;
  } catch {
    return code;
  }
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '–';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' }).format(date);
}

export function pluralize(count: number, singular: string, plural = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : plural}`;
}

/** Countries offered in the property form; the server accepts any ISO 3166-1 alpha-2 code. */
export const countryCodes = [
  'AT', 'AU', 'BE', 'CA', 'CH', 'CZ', 'DE', 'DK', 'ES', 'FI', 'FR', 'GB', 'GR', 'HU', 'IE', 'IT',
  'LU', 'NL', 'NO', 'NZ', 'PL', 'PT', 'RO', 'SE', 'US', 'AE', 'SG', 'ZA',
] as const;
