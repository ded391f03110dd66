import { describe, expect, it } from 'vitest';
import { createMatrix } from '../matrix.js';
import { createRng, normal } from '../random.js';
import { hedonicIndex, indexFactor, parsePeriodLabel, periodKey, periodLabel, repeatSalePairs, repeatSalesIndex, salesPriceIndex, type Sale } from './index.js';

/** A synthetic market: true log index per period, homes with size and quality driving price. */
function market(periods: number, salesPerPeriod: number, seed: number) {
  const rng = createRng(seed);
  const truth = Array.from({ length: periods }, (_, t) => 0.01 * t + 0.05 * Math.sin(t / 3));
  const sales: { period: number; logPrice: number; size: number; quality: number; id: number }[] = [];
  const homes = Array.from({ length: periods * salesPerPeriod }, (_, id) => ({ id, size: 50 + 150 * rng.next(), quality: Math.floor(rng.next() * 5) }));
  for (let t = 0; t < periods; t++) {
    for (let k = 0; k < salesPerPeriod; k++) {
      // Later periods sell bigger homes (composition shift a plain median would mistake for growth).
      const home = homes[Math.floor(rng.next() * homes.length)]!;
      const size = home.size + 2 * t;
      sales.push({ id: home.id, period: 1000 + t, size, quality: home.quality, logPrice: 11 + 0.9 * Math.log(size) + 0.1 * home.quality + truth[t]! + 0.08 * normal(rng) });
    }
  }
  return { truth, sales };
}

describe('hedonic time-dummy index', () => {
  it('recovers a known index despite composition shift, and mean log prices do not', () => {
    const { truth, sales } = market(24, 150, 1);
    const features = createMatrix(sales.length, 2);
    sales.forEach((s, i) => {
      features.values[2 * i] = Math.log(s.size);
      features.values[2 * i + 1] = s.quality;
    });
    const index = hedonicIndex({ period: sales.map((s) => s.period), logPrice: sales.map((s) => s.logPrice), features });
    expect(index.periods.length).toBe(24);
    expect(index.index[0]).toBe(100);
    for (let t = 0; t < 24; t++) expect(Math.abs(index.logIndex[t]! - (truth[t]! - truth[0]!))).toBeLessThan(0.03);
    expect(index.standardError[5]!).toBeGreaterThan(0);
    expect(index.standardError[5]!).toBeLessThan(0.02);
    const naive = hedonicIndex({ period: sales.map((s) => s.period), logPrice: sales.map((s) => s.logPrice) });
    const drift = naive.logIndex[23]! - (truth[23]! - truth[0]!);
    expect(drift).toBeGreaterThan(0.1); // 46 m² more in the last period ≈ +0.25 log points
  });

  it('resists outliers (Huber) where plain least squares does not', () => {
    const { truth, sales } = market(6, 200, 2);
    const logPrice = sales.map((s, i) => (s.period === 1005 && i % 10 === 0 ? s.logPrice + 3 : s.logPrice));
    const features = createMatrix(sales.length, 1, Float64Array.from(sales, (s) => Math.log(s.size)));
    const args = { period: sales.map((s) => s.period), logPrice, features };
    const robust = hedonicIndex(args);
    const plain = hedonicIndex({ ...args, robust: false });
    const target = truth[5]! - truth[0]!;
    expect(Math.abs(plain.logIndex[5]! - target)).toBeGreaterThan(0.2);
    // Huber bounds the outliers' influence (it does not remove it): 10% of rows at +3 log points.
    expect(Math.abs(robust.logIndex[5]! - target)).toBeLessThan(0.25 * Math.abs(plain.logIndex[5]! - target));
  });

  it('absorbs location fixed effects (groups) exactly as dummy columns would', () => {
    const rng = createRng(9);
    const period: number[] = [];
    const logPrice: number[] = [];
    const district: number[] = [];
    for (let t = 0; t < 8; t++) {
      for (let k = 0; k < 120; k++) {
        // The expensive district (+0.5) takes a growing share of later sales.
        const d = rng.next() < 0.1 + 0.1 * t ? 1 : rng.below(5) + 2;
        period.push(t);
        district.push(d);
        logPrice.push(12 + 0.02 * t + (d === 1 ? 0.5 : 0.05 * d) + 0.05 * normal(rng));
      }
    }
    const grouped = hedonicIndex({ period, logPrice, groups: district, robust: false });
    for (let t = 0; t < 8; t++) expect(Math.abs(grouped.logIndex[t]! - 0.02 * t)).toBeLessThan(0.02);
    const naive = hedonicIndex({ period, logPrice, robust: false });
    expect(naive.logIndex[7]! - 0.14).toBeGreaterThan(0.2);
    const dummies = createMatrix(period.length, 6);
    district.forEach((d, i) => {
      dummies.values[i * 6 + d - 1] = 1;
    });
    const explicit = hedonicIndex({ period, logPrice, features: dummies, robust: false });
    for (let t = 0; t < 8; t++) expect(grouped.logIndex[t]).toBeCloseTo(explicit.logIndex[t]!, 9);
    for (let t = 1; t < 8; t++) expect(grouped.standardError[t]).toBeCloseTo(explicit.standardError[t]!, 6);
    const robust = hedonicIndex({ period, logPrice, groups: district });
    for (let t = 0; t < 8; t++) expect(Math.abs(robust.logIndex[t]! - 0.02 * t)).toBeLessThan(0.02);
  });

  it('interpolates an empty period, or estimates it under smoothing', () => {
    const { sales } = market(5, 100, 3);
    const kept = sales.filter((s) => s.period !== 1002);
    const period = kept.map((s) => s.period);
    const logPrice = kept.map((s) => s.logPrice);
    const index = hedonicIndex({ period, logPrice });
    expect(index.sales[2]).toBe(0);
    expect(index.logIndex[2]).toBeCloseTo((index.logIndex[1]! + index.logIndex[3]!) / 2, 12);
    expect(index.standardError[2]).toBeNaN();
    const smooth = hedonicIndex({ period, logPrice, smoothing: 50 });
    expect(Number.isFinite(smooth.logIndex[2]!)).toBe(true);
    expect(Number.isFinite(smooth.standardError[2]!)).toBe(true);
  });
});

describe('repeat-sales index', () => {
  it('recovers the index from homes sold twice, weighted by interval', () => {
    const rng = createRng(4);
    const truth = Array.from({ length: 12 }, (_, t) => 0.02 * t - 0.002 * t * t);
    const sales: Sale[] = [];
    for (let id = 0; id < 3000; id++) {
      const quality = normal(rng);
      const a = Math.floor(rng.next() * 12);
      const b = Math.floor(rng.next() * 12);
      let drift = 0;
      for (const t of [a, b].sort((u, v) => u - v)) {
        drift += 0.02 * normal(rng);
        sales.push({ id, period: 40 + t, logPrice: 12 + quality + truth[t]! + drift + 0.03 * normal(rng) });
      }
    }
    const pairs = repeatSalePairs(sales);
    expect(pairs.every((p) => p.second > p.first)).toBe(true);
    const index = repeatSalesIndex(pairs);
    expect(index.method).toBe('repeat-sales');
    for (let t = 0; t < 12; t++) expect(Math.abs(index.logIndex[t]! - truth[t]!)).toBeLessThan(0.02);
    expect(() => repeatSalesIndex([])).toThrow(/at least one pair/);
  });
});

describe('periods and the one-call form', () => {
  it('labels and parses periods of every frequency', () => {
    const date = new Date('2014-05-17T00:00:00Z');
    expect(periodLabel(periodKey(date, 'month'), 'month')).toBe('2014-05');
    expect(periodLabel(periodKey(date, 'quarter'), 'quarter')).toBe('2014Q2');
    expect(parsePeriodLabel('2014Q2', 'quarter')).toBe(periodKey(date, 'quarter'));
    expect(parsePeriodLabel('2014-13', 'month')).toBeNull();
    expect(periodKey(new Date('2015-01-01Z'), 'month') - periodKey(new Date('2014-12-31Z'), 'month')).toBe(1);
  });

  it('salesPriceIndex turns dated sales into a monthly index and time-adjusts prices', () => {
    const dates: Date[] = [];
    const prices: number[] = [];
    for (let m = 0; m < 6; m++) {
      for (let k = 0; k < 20; k++) {
        dates.push(new Date(Date.UTC(2014, m, 1 + k)));
        prices.push(300_000 * 1.01 ** m * (1 + ((k % 5) - 2) * 0.05));
      }
    }
    const index = salesPriceIndex({ dates, prices });
    expect(index.labels).toEqual(['2014-01', '2014-02', '2014-03', '2014-04', '2014-05', '2014-06']);
    expect(index.index[5]).toBeCloseTo(100 * 1.01 ** 5, 1);
    expect(index.factor(new Date('2014-01-10Z'), new Date('2014-06-10Z'))).toBeCloseTo(1.01 ** 5, 3);
    expect(index.factor(new Date('2010-01-01Z'), new Date('2030-01-01Z'))).toBeCloseTo(indexFactor(index, index.periods[0]!, index.periods[5]!), 12);
    expect(() => salesPriceIndex({ dates: [new Date('x')], prices: [1] })).toThrow(/valid date/);
    expect(() => salesPriceIndex({ dates: [new Date()], prices: [-5] })).toThrow(/positive/);
  });
});
