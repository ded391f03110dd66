import { describe, expect, it } from 'vitest';
import { CellError, convertArea, parseBoolean, parseDate, parseInteger, parseNumber, parsePrice } from './csv-import.parsers';

describe('numbers', () => {
  it('reads plain, grouped, decimal-comma and scientific numbers', () => {
    expect(parseNumber('42')).toBe(42);
    expect(parseNumber(' 1,234.5 ')).toBe(1234.5);
    expect(parseNumber('1.234,5', ',')).toBe(1234.5);
    expect(parseNumber('1.23E+06')).toBe(1_230_000);
    expect(parseNumber('-3.5')).toBe(-3.5);
    expect(parseNumber('2.25')).toBe(2.25);
  });

  it('rejects what is not a number, saying what it got', () => {
    expect(() => parseNumber('12abc')).toThrow(new CellError('"12abc" is not a number'));
    expect(() => parseNumber('')).toThrow(CellError);
    expect(() => parseInteger('2.5')).toThrow('"2.5" is not a whole number');
    expect(parseInteger('1,955')).toBe(1955);
  });
});

describe('prices', () => {
  it('ignores currency symbols and codes around the amount', () => {
    expect(parsePrice('€ 350.000,-', ',')).toBe(350_000);
    expect(parsePrice('$1,200,000')).toBe(1_200_000);
    expect(parsePrice('1200 USD')).toBe(1200);
    expect(parsePrice('1.23E+06')).toBe(1_230_000);
    expect(parsePrice('221900')).toBe(221_900);
  });

  it('rejects zero, negative and non-numeric prices', () => {
    expect(() => parsePrice('0')).toThrow('not a positive price');
    expect(() => parsePrice('-5')).toThrow(CellError);
    expect(() => parsePrice('on request')).toThrow('"on request" is not a number');
  });
});

describe('dates', () => {
  it('reads each supported format as midnight UTC', () => {
    const expected = '2014-10-13T00:00:00.000Z';
    expect(parseDate('20141013T000000', 'yyyymmdd').toISOString()).toBe(expected);
    expect(parseDate('20141013', 'yyyymmdd').toISOString()).toBe(expected);
    expect(parseDate('2014-10-13').toISOString()).toBe(expected);
    expect(parseDate('13-10-2014', 'dd-mm-yyyy').toISOString()).toBe(expected);
    expect(parseDate('13/10/2014', 'dd/mm/yyyy').toISOString()).toBe(expected);
    expect(parseDate('10/13/2014', 'mm/dd/yyyy').toISOString()).toBe(expected);
    expect(parseDate('13.10.2014', 'dd.mm.yyyy').toISOString()).toBe(expected);
    expect(parseDate('2014-10-13T12:30:00+02:00').toISOString()).toBe('2014-10-13T10:30:00.000Z');
  });

  it('rejects impossible dates and the wrong format', () => {
    expect(() => parseDate('20140231', 'yyyymmdd')).toThrow('"20140231" is not a valid date');
    expect(() => parseDate('13/10/2014', 'mm/dd/yyyy')).toThrow('is not a valid date');
    expect(() => parseDate('2014/10/13')).toThrow('is not a date in the format iso');
    expect(() => parseDate('yesterday', 'yyyymmdd')).toThrow(CellError);
  });
});

describe('units and booleans', () => {
  it('converts areas to square metres, rounded to two decimals', () => {
    expect(convertArea(1180, 'sqft')).toBe(109.63);
    expect(convertArea(1, 'acre')).toBe(4046.86);
    expect(convertArea(0.5, 'ha')).toBe(5000);
    expect(convertArea(80, 'm2')).toBe(80);
  });

  it('reads yes/no in several spellings and rejects anything else', () => {
    expect(parseBoolean('Yes')).toBe(true);
    expect(parseBoolean('1')).toBe(true);
    expect(parseBoolean('nee')).toBe(false);
    expect(() => parseBoolean('maybe')).toThrow(CellError);
  });
});
