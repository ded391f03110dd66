import { z } from 'zod';

/**
 * Money is an integer of minor units plus an ISO 4217 currency, never a float (DESIGN.md §4.5).
 * Minor units per currency follow ISO 4217; the currencies Domus prices in are listed here.
 */
export const minorUnitsByCurrency = {
  EUR: 2, USD: 2, GBP: 2, CHF: 2, SEK: 2, NOK: 2, DKK: 2, PLN: 2, CZK: 2, HUF: 2, RON: 2,
  CAD: 2, AUD: 2, NZD: 2, JPY: 0, AED: 2, SGD: 2, HKD: 2, ZAR: 2, BRL: 2, MXN: 2, INR: 2,
} as const;

export type CurrencyCode = keyof typeof minorUnitsByCurrency;
export const currencyCodes = Object.keys(minorUnitsByCurrency) as [CurrencyCode, ...CurrencyCode[]];

export const currencySchema = z.enum(currencyCodes, {
  error: () => `must be one of the supported ISO 4217 codes: ${currencyCodes.join(', ')}`,
});

export const moneySchema = z
  .object({
    amountMinor: z
      .number()
      .int('must be an integer number of minor units (cents), not a decimal')
      .min(0)
      .max(Number.MAX_SAFE_INTEGER),
    currency: currencySchema,
  })
  .strict();

export type Money = z.infer<typeof moneySchema>;

export function money(amountMinor: number, currency: CurrencyCode): Money {
  if (!Number.isSafeInteger(amountMinor)) throw new RangeError('amountMinor must be a safe integer');
  return { amountMinor, currency };
}

/** Converts a decimal major amount (e.g. from a CSV) to minor units, rounding half away from zero. */
export function fromMajor(major: number, currency: CurrencyCode): Money {
  const factor = 10 ** minorUnitsByCurrency[currency];
  const scaled = major * factor;
  const rounded = Math.sign(scaled) * Math.round(Math.abs(scaled));
  return money(rounded, currency);
}

export function toMajor(value: Money): number {
  return value.amountMinor / 10 ** minorUnitsByCurrency[value.currency];
}

export function addMoney(a: Money, b: Money): Money {
  if (a.currency !== b.currency) throw new RangeError(`cannot add ${a.currency} to ${b.currency}`);
  return money(a.amountMinor + b.amountMinor, a.currency);
}

export function formatMoney(value: Money, locale = 'en-IE'): string {
  return new Intl.NumberFormat(locale, {
    style: 'currency',
    currency: value.currency,
    maximumFractionDigits: minorUnitsByCurrency[value.currency],
  }).format(toMajor(value));
}
