import { describe, expect, it } from 'vitest';
import { addMoney, formatMoney, fromMajor, money, moneySchema, toMajor } from './money';

describe('money', () => {
  it('converts major amounts to integer minor units, rounding half away from zero', () => {
    expect(fromMajor(1234.565, 'EUR').amountMinor).toBe(123457);
    expect(fromMajor(0.005, 'EUR').amountMinor).toBe(1);
    expect(fromMajor(1500, 'JPY').amountMinor).toBe(1500);
    expect(toMajor(money(123456, 'EUR'))).toBe(1234.56);
  });

  it('refuses to add different currencies and non-integer amounts', () => {
    expect(() => addMoney(money(1, 'EUR'), money(1, 'USD'))).toThrow(/EUR to USD/);
    expect(() => money(1.5, 'EUR')).toThrow(RangeError);
    expect(addMoney(money(150, 'EUR'), money(250, 'EUR'))).toEqual({ amountMinor: 400, currency: 'EUR' });
  });

  it('validates API input: decimals, negative amounts and unknown currencies are rejected', () => {
    expect(moneySchema.safeParse({ amountMinor: 100, currency: 'EUR' }).success).toBe(true);
    expect(moneySchema.safeParse({ amountMinor: 10.5, currency: 'EUR' }).success).toBe(false);
    expect(moneySchema.safeParse({ amountMinor: -1, currency: 'EUR' }).success).toBe(false);
    expect(moneySchema.safeParse({ amountMinor: 1, currency: 'XXX' }).success).toBe(false);
    expect(moneySchema.safeParse({ amountMinor: 1, currency: 'EUR', extra: 1 }).success).toBe(false);
  });

  it('formats for people', () => {
    expect(formatMoney(money(45000000, 'EUR'), 'en-IE')).toBe('€450,000.00');
  });
});
