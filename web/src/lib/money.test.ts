import { describe, expect, it } from 'vitest';
import { formatCompactMoney, formatListingPrice, formatMoney, majorToMinor, minorToMajorInput, minorUnitDigits } from './money';

describe('formatMoney', () => {
  it('formats whole amounts of minor units without decimals', () => {
    expect(formatMoney({ amountMinor: 45_000_000, currency: 'EUR' }, 'en-US')).toBe('€450,000');
  });

  it('keeps cents when the amount has them', () => {
    expect(formatMoney({ amountMinor: 123_456, currency: 'USD' }, 'en-US')).toBe('$1,234.56');
  });

  it('respects currencies without minor units', () => {
    expect(minorUnitDigits('JPY')).toBe(0);
    expect(formatMoney({ amountMinor: 5_000_000, currency: 'JPY' }, 'en-US')).toBe('¥5,000,000');
  });

  it('uses the locale separators', () => {
    expect(formatMoney({ amountMinor: 45_000_000, currency: 'EUR' }, 'de-DE')).toBe('450.000\u00a0€');
  });

  it('adds the rent period for rent listings', () => {
    expect(formatListingPrice({ amountMinor: 150_000, currency: 'EUR' }, 'rent', 'en-US')).toBe('€1,500 / month');
    expect(formatListingPrice({ amountMinor: 150_000, currency: 'EUR' }, 'sale', 'en-US')).toBe('€1,500');
  });

  it('shortens prices for map pins', () => {
    expect(formatCompactMoney({ amountMinor: 45_000_000, currency: 'EUR' }, 'en-US')).toBe('€450K');
    expect(formatCompactMoney({ amountMinor: 125_000_000, currency: 'USD' }, 'en-US')).toBe('$1.3M');
  });
});

describe('majorToMinor', () => {
  it('converts typed major amounts to integer minor units without float error', () => {
    expect(majorToMinor('450000', 'EUR')).toBe(45_000_000);
    expect(majorToMinor('0.29', 'EUR')).toBe(29);
    expect(majorToMinor('1234.5', 'EUR')).toBe(123_450);
    expect(majorToMinor(' 450,000 ', 'EUR')).toBe(45_000_000);
    expect(majorToMinor('5000', 'JPY')).toBe(5000);
  });

  it('rejects empty, negative, and over-precise input', () => {
    expect(majorToMinor('', 'EUR')).toBeNull();
    expect(majorToMinor('-5', 'EUR')).toBeNull();
    expect(majorToMinor('1.234', 'EUR')).toBeNull();
    expect(majorToMinor('12abc', 'EUR')).toBeNull();
    expect(majorToMinor('1.5', 'JPY')).toBeNull();
  });

  it('round-trips with minorToMajorInput', () => {
    for (const amount of [0, 5, 29, 100, 123_450, 45_000_000]) {
      expect(majorToMinor(minorToMajorInput(amount, 'EUR'), 'EUR')).toBe(amount);
    }
    expect(minorToMajorInput(45_000_000, 'EUR')).toBe('450000');
    expect(minorToMajorInput(123_450, 'EUR')).toBe('1234.5');
    expect(minorToMajorInput(5, 'EUR')).toBe('0.05');
  });
});
