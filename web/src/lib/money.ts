import type { Money } from '../api/types';

/** Number of minor units per major unit for a currency, as ISO 4217 (and Intl) define it. */
export function minorUnitDigits(currency: string): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

function majorAmount(money: Money): number {
  return money.amountMinor / 10 ** minorUnitDigits(money.currency);
}

/**
 * Formats a Money value for display. Whole amounts (the common case for property prices) are
 * shown without decimals; amounts with cents keep them, so nothing is silently rounded away.
 */
export function formatMoney(money: Money, locale?: string): string {
  const digits = minorUnitDigits(money.currency);
  const whole = money.amountMinor % 10 ** digits === 0;
  try {
    return new Intl.NumberFormat(locale, {
      style: 'currency',
      currency: money.currency,
      minimumFractionDigits: whole ? 0 : digits,
      maximumFractionDigits: whole ? 0 : digits,
    }).format(majorAmount(money));
  } catch {
    return `${money.currency} ${majorAmount(money).toFixed(whole ? 0 : digits)}`;
  }
}

/** A short price for map pins: "€450K", "$1.2M". */
export function formatCompactMoney(money: Money, locale?: string): string {
  try {
    return new Intl.NumberFormat(locale, {
      style: 'currency',
      currency: money.currency,
      notation: 'compact',
      minimumFractionDigits: 0,
      maximumFractionDigits: 1,
    }).format(majorAmount(money));
  } catch {
    return formatMoney(money, locale);
  }
}

/** Price with the rent period where it applies. */
export function formatListingPrice(money: Money, kind: 'sale' | 'rent', locale?: string): string {
  return kind === 'rent' ? `${formatMoney(money, locale)} / month` : formatMoney(money, locale);
}

/**
 * Parses a major-unit amount typed by a person ("450000", "450,000", "1234.5") into integer
 * minor units without going through floating point. Returns null for empty or invalid input.
 */
export function majorToMinor(input: string, currency: string): number | null {
  const cleaned = input.trim().replace(/[\s_']/g, '').replace(/,(?=\d{3}(\D|$))/g, '');
  if (cleaned === '') return null;
  const match = /^(\d+)(?:[.,](\d*))?$/.exec(cleaned);
  if (!match) return null;
  const digits = minorUnitDigits(currency);
  const whole = match[1] ?? '0';
  const fraction = match[2] ?? '';
  if (fraction.length > digits) return null;
  const minor = Number(whole + fraction.padEnd(digits, '0'));
  return Number.isSafeInteger(minor) ? minor : null;
}

/** The inverse of majorToMinor, for pre-filling inputs: 45000000 EUR -> "450000". */
export function minorToMajorInput(amountMinor: number, currency: string): string {
  const digits = minorUnitDigits(currency);
  if (digits === 0) return String(amountMinor);
  const negative = amountMinor < 0;
  const text = String(Math.abs(amountMinor)).padStart(digits + 1, '0');
  const whole = text.slice(0, -digits);
  const fraction = text.slice(-digits).replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}
