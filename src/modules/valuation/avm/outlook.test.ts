import { describe, expect, it } from 'vitest';
import { parseAvm, serializeAvm } from './format.js';
import { propertyValues, salesFromProperties } from './listings-sales.js';
import { driftAt, trainAvm } from './model.js';
import { outlookAsOf, outlookLevel, quarterlyOutlook, readQuarterlyIndex, salesOutlook, type MarketOutlook } from './outlook.js';
import { SalesInputError } from './sales.js';
import { syntheticSales } from './synthetic-sales.js';
import { valueSubject } from './valuate.js';

const DAY_MS = 86_400_000;
// A quarterly index that rises 1.5% a quarter, with a spring (Q2) high and a winter (Q1) low.
const seasonal = [-0.012, 0.012, 0.015, -0.015];
const quarters = Array.from({ length: 40 }, (_, k) => ({ year: 2005 + Math.floor(k / 4), quarter: (k % 4) + 1, index: 100 * Math.exp(0.015 * k + seasonal[k % 4]!) }));

describe('the market outlook', () => {
  it('forecasts a seasonal quarterly index with its trend and its spring rise, month by month', () => {
    const outlook = quarterlyOutlook(quarters, { horizon: 4, source: 'test' });
    // 40 quarters observed + 4 forecast, at their middle months: 43 steps of 3 months.
    expect(outlook.values).toHaveLength(43 * 3 + 1);
    expect(outlook.firstMonth).toBe(2005 * 12 + 1); // February 2005, the middle of 2005Q1
    expect(outlook.lastObservedMonth).toBe(2014 * 12 + 10); // November 2014, the middle of 2014Q4
    const at = (year: number, month: number, day = 15) => outlookLevel(outlook, Date.UTC(year, month - 1, day));
    // The observed part is the index itself at the middle months.
    expect(at(2014, 11)).toBeCloseTo(Math.log(quarters[39]!.index), 2);
    // Winter to spring 2015: trend (two quarters) plus the spring high over the winter low.
    expect(at(2015, 5) - at(2015, 2)).toBeCloseTo(0.015 + 0.024, 2);
    expect(at(2015, 5) - at(2014, 11)).toBeGreaterThan(0.04);
    // Linear between month middles, flat beyond the ends.
    expect(at(2015, 3, 1)).toBeGreaterThan(at(2015, 2));
    expect(at(2015, 3, 1)).toBeLessThan(at(2015, 3));
    expect(at(2030, 1)).toBe(outlook.values[outlook.values.length - 1]);
    expect(at(1990, 1)).toBe(outlook.values[0]);
  });

  it('refuses gaps, non-positive levels and too short a history', () => {
    expect(() => quarterlyOutlook(quarters.filter((_, k) => k !== 20), { source: 'gap' })).toThrow(/consecutive/);
    expect(() => quarterlyOutlook(quarters.map((q, k) => (k === 5 ? { ...q, index: 0 } : q)), { source: 'zero' })).toThrow(/positive/);
    expect(() => quarterlyOutlook(quarters.slice(0, 8), { source: 'short' })).toThrow(/at least 12/);
  });

  it('moves a valuation after the last fitted sale by the outlook\'s change since that sale, and nothing before it', () => {
    const from = Date.UTC(2015, 0, 1);
    const outlook: MarketOutlook = { firstMonth: 2014 * 12 + 11, values: [0, 0.01, 0.03, 0.06], lastObservedMonth: 2014 * 12 + 11, source: 'test' };
    const blend = { beta: 0, k: 5, shift: 0.002, from, outlook };
    expect(driftAt(blend, from - 30 * DAY_MS)).toBe(0.002);
    expect(driftAt(blend, Date.UTC(2015, 2, 16, 12))).toBeCloseTo(0.002 + 0.06 - 0.005, 9); // mid-March at 0.06; 1 January halfway between mid-December and mid-January
    expect(driftAt({ beta: 0, k: 5, shift: 0.002 }, Date.UTC(2015, 2, 16))).toBe(0.002); // no outlook: the shift alone
  });

  it('is part of a trained AVM: later valuation dates follow it, and it survives serialisation', () => {
    const sales = syntheticSales(800, 5, { start: Date.UTC(2024, 0, 1), days: 365 });
    const table = salesFromProperties(sales);
    const rising = quarterlyOutlook(Array.from({ length: 24 }, (_, k) => ({ year: 2019 + Math.floor(k / 4), quarter: (k % 4) + 1, index: 100 * Math.exp(0.02 * k) })), { horizon: 6, source: 'rising' });
    const avm = trainAvm(table, { seed: 3, gbdt: { maxIterations: 60, learningRate: 0.15 }, calibration: 'time', outlook: rising });
    const last = avm.parts.blend.from!;
    expect(last).toBe(Math.max(...sales.map((s) => s.soldAt).sort((a, b) => a - b).slice(0, 720)));
    const sale = sales[10]!;
    const subject = (at: number) => ({ values: propertyValues(sale.facts), latitude: sale.latitude, longitude: sale.longitude, at });
    const now = valueSubject(avm, subject(last), { explain: false });
    const later = valueSubject(avm, subject(last + 120 * DAY_MS));
    // The trees see no date beyond the last sale: the difference is the outlook's (2% a quarter).
    expect(Math.log(later.value / now.value)).toBeCloseTo(outlookLevel(rising, last + 120 * DAY_MS) - outlookLevel(rising, last), 2);
    expect(later.explanation!.contributions.find((c) => c.feature === 'market date')!.logContribution).toBeGreaterThan(0.02);
    const copy = parseAvm(serializeAvm(avm));
    expect(copy.parts.blend.outlook).toEqual(rising);
    expect(valueSubject(copy, subject(last + 120 * DAY_MS))).toEqual(later);
  });
});

describe('reading a quarterly index for the outlook', () => {
  it("reads FHFA's expanded-data layout by its header, picks a region, and sorts the quarters", () => {
    const text = 'state\tyr\tqtr\tindex_nsa\tindex_sa\tnote\nWA\t2001\t2\t102.5\t101\tx\nAK\t2001\t1\t90\t90\t\nWA\t2001\t1\t100.0\t100\t\n';
    expect(readQuarterlyIndex(text, { region: 'WA' })).toEqual([{ year: 2001, quarter: 1, index: 100 }, { year: 2001, quarter: 2, index: 102.5 }]);
  });

  it('reads a plain CSV with a header, and a headerless FHFA file by position', () => {
    expect(readQuarterlyIndex('year,quarter,index\n2010,4,150\n2011,1,149\n')).toEqual([{ year: 2010, quarter: 4, index: 150 }, { year: 2011, quarter: 1, index: 149 }]);
    expect(readQuarterlyIndex('AK,1975,1,61.66\nWA,1975,1,50.1\n', { region: 'WA' })).toEqual([{ year: 1975, quarter: 1, index: 50.1 }]);
  });

  it('names the line of a bad row, and says what is missing', () => {
    expect(() => readQuarterlyIndex('year,quarter,index\n2010,4,150\n2011,5,149\n')).toThrow(/Line 3 of the index file/);
    expect(() => readQuarterlyIndex('year,quarter,index\n2010,4,-1\n')).toThrow(/Line 2/);
    expect(() => readQuarterlyIndex('year,month,price\n2010,4,150\n')).toThrow(/year, quarter and index columns/);
    expect(() => readQuarterlyIndex('year,quarter,index\n2010,4,150\n', { region: 'WA' })).toThrow(/no region column/);
    expect(() => readQuarterlyIndex('state,yr,qtr,index_nsa\nAK,2010,4,150\n', { region: 'WA' })).toThrow(/no rows for region "WA"/);
    expect(() => readQuarterlyIndex('year,quarter,index\n')).toThrow(SalesInputError);
  });

  it('uses only the quarters published by the cutoff (two months after they end)', () => {
    // 2014Q4 ends on 31 December and is published about 1 March 2015.
    const before = outlookAsOf(quarters, Date.UTC(2015, 1, 20), 'test');
    const after = outlookAsOf(quarters, Date.UTC(2015, 2, 5), 'test');
    expect(before?.source).toBe('test, to 2014Q3');
    expect(after?.source).toBe('test, to 2014Q4');
    expect(outlookAsOf(quarters, Date.UTC(2007, 0, 1), 'test')).toBeNull(); // fewer than 12 quarters by then
  });
});

describe('the outlook of the sales\' own index', () => {
  it('follows a market that rises 6% a year from three years of sales, leaving out the quarter under way', () => {
    const start = Date.UTC(2021, 0, 1);
    const sales = salesFromProperties(syntheticSales(2500, 4, { start, days: 4 * 365 }));
    const cutoff = Date.UTC(2024, 10, 20); // 2024Q4 is under way
    const result = salesOutlook(sales, cutoff);
    expect(result.outlook).not.toBeNull();
    const outlook = result.outlook!;
    expect(outlook.source).toBe("the sales' own quarterly hedonic index, to 2024Q3");
    expect(outlook.lastObservedMonth).toBe(2024 * 12 + 7); // August 2024, the middle of 2024Q3
    // The synthetic market rises 6% a year (log 0.058); the index and its forecast follow it.
    const year = (from: number) => outlookLevel(outlook, from + 365 * DAY_MS) - outlookLevel(outlook, from);
    expect(year(Date.UTC(2022, 1, 15))).toBeGreaterThan(0.03);
    expect(year(Date.UTC(2022, 1, 15))).toBeLessThan(0.09);
    expect(year(Date.UTC(2024, 7, 15))).toBeGreaterThan(0.005); // into the forecast (damped), still rising
    expect(year(Date.UTC(2024, 7, 15))).toBeLessThan(0.1);
  });

  it('gives no outlook, with the reason, for fewer than 12 complete quarters', () => {
    const sales = salesFromProperties(syntheticSales(800, 5, { start: Date.UTC(2023, 0, 1), days: 700 }));
    const result = salesOutlook(sales, Date.UTC(2024, 11, 1));
    expect(result.outlook).toBeNull();
    expect(result.outlook === null && result.reason).toMatch(/span 7 complete quarters; an outlook from them needs 12/);
  });
});
