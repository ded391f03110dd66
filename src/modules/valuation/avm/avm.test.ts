import { describe, expect, it } from 'vitest';
import { parseAvm, serializeAvm, AvmFormatError } from './format.js';
import { propertyValues, salesFromProperties } from './listings-sales.js';
import { driftAt, fitDrift, trainAvm, trainingFeatureRows, trainingFeatures } from './model.js';
import { featureNames, foldsOf, marketIndex, marketIndexes, monthOf } from './features.js';
import { computeThreadStats, createRng, normal, setComputeThread, startComputeThread } from '../../../ml/index.js';
import { selectSales } from './sales.js';
import { syntheticSales } from './synthetic-sales.js';
import { valueSubject } from './valuate.js';

const gbdt = { maxIterations: 120, learningRate: 0.1 };
const sales = syntheticSales(1500, 3);
const table = salesFromProperties(sales);
const trainRows = Uint32Array.from({ length: 1200 }, (_, i) => i);
const avm = trainAvm(selectSales(table, trainRows), { seed: 1, gbdt, calibration: 'random' });
const today = Date.UTC(2026, 0, 1);

describe('the AVM', () => {
  it('values held-out sales close to their price, with an 80% range that holds about 80% of them', () => {
    let covered = 0;
    const errors: number[] = [];
    for (const sale of sales.slice(1200)) {
      const v = valueSubject(avm, { values: propertyValues(sale.facts), latitude: sale.latitude, longitude: sale.longitude, at: sale.soldAt }, { explain: false });
      errors.push(Math.abs(v.value - sale.price) / sale.price);
      if (sale.price >= v.range.lower && sale.price <= v.range.upper) covered++;
      expect(v.range.lower).toBeLessThan(v.value);
      expect(v.range.upper).toBeGreaterThan(v.value);
    }
    errors.sort((a, b) => a - b);
    // The noise alone is 8% in log terms: a median error near 6% means the model found the structure.
    expect(errors[errors.length >> 1]).toBeLessThan(0.09);
    expect(covered / 300).toBeGreaterThan(0.7);
    expect(covered / 300).toBeLessThan(0.9);
  });

  it('explains a value with contributions that add up to it, and lists the comparables used', () => {
    const sale = sales[1300]!;
    const v = valueSubject(avm, { values: propertyValues(sale.facts), latitude: sale.latitude, longitude: sale.longitude, at: today });
    const explanation = v.explanation!;
    const total = explanation.contributions.reduce((sum, c) => sum + c.amount, explanation.baseValue);
    expect(Math.abs(total - v.value)).toBeLessThan(1); // the value is rounded to whole units
    const logTotal = explanation.contributions.reduce((sum, c) => sum + c.logContribution, Math.log(explanation.baseValue));
    expect(logTotal).toBeCloseTo(Math.log(v.value), 3);
    expect(explanation.contributions.map((c) => c.feature)).toEqual(expect.arrayContaining(['livingAreaM2', 'location', 'neighbourhood prices', 'comparable sales', 'market date']));
    // Size drives the synthetic prices: a big home's living area contributes positively.
    const big = valueSubject(avm, { values: propertyValues({ ...sale.facts, livingAreaM2: 190 }), latitude: sale.latitude, longitude: sale.longitude, at: today });
    expect(big.explanation!.contributions.find((c) => c.feature === 'livingAreaM2')!.amount).toBeGreaterThan(0);
    expect(big.value).toBeGreaterThan(v.value);
    expect(v.comparables).toHaveLength(avm.parts.blend.k);
    expect(v.comparables.every((c) => c.ref.startsWith('synthetic:') && c.distanceKm >= 0)).toBe(true);
    expect(v.comparables.reduce((sum, c) => sum + c.weight, 0)).toBeCloseTo(1, 3);
  });

  it('marks a place far from every sale and an impossible size as low confidence, with the reasons', () => {
    const sale = sales[1300]!;
    const far = valueSubject(avm, { values: propertyValues(sale.facts), latitude: sale.latitude + 3, longitude: sale.longitude, at: today });
    expect(far.confidence).toMatchObject({ grade: 'D', lowConfidence: true });
    expect(far.confidence.reasons.join(' ')).toMatch(/nearest known sale is \d+\.\d km away/);
    const huge = valueSubject(avm, { values: propertyValues({ ...sale.facts, livingAreaM2: 5000 }), latitude: sale.latitude, longitude: sale.longitude, at: today });
    expect(huge.confidence.grade).toBe('D');
    expect(huge.confidence.reasons.join(' ')).toContain('livingAreaM2 = 5000 is outside every training sale');
    const typical = valueSubject(avm, { values: propertyValues(sale.facts), latitude: sale.latitude, longitude: sale.longitude, at: today });
    expect(typical.confidence.lowConfidence).toBe(false);
  });

  it('survives serialisation bit for bit and refuses other formats', () => {
    const copy = parseAvm(serializeAvm(avm));
    const sale = sales[1400]!;
    const subject = { values: propertyValues(sale.facts), latitude: sale.latitude, longitude: sale.longitude, at: today };
    expect(valueSubject(copy, subject)).toEqual(valueSubject(avm, subject));
    expect(() => parseAvm('{"format":"domus-avm","version":99}')).toThrow(AvmFormatError);
    expect(() => parseAvm('not json')).toThrow(/not JSON/);
  });

  it('brings older sales to today with its market index (the synthetic market rises 6% a year)', () => {
    const values = avm.parts.market.values;
    expect(values[values.length - 1]).toBe(0);
    expect(values[0]).toBeLessThan(-0.03);
  });
});

describe('the blend\'s market shift and drift', () => {
  const rng = createRng(9);
  const days = Float64Array.from({ length: 1500 }, (_, i) => (i % 60) - 5); // 5 days before to 54 after the last fitted sale

  it('recovers a level shift and a trend of the held-out errors, and carries the trend at most maxDays forward', () => {
    const errors = Float64Array.from(days, (d) => 0.01 + 0.001 * Math.max(d, 0) + 0.1 * normal(rng));
    const drift = fitDrift(errors, days, 90);
    expect(drift.shift).toBeCloseTo(0.01, 1);
    expect(drift.perDay).toBeGreaterThan(0.0005);
    expect(drift.perDay).toBeLessThan(0.0015);
    const blend = { beta: 0, k: 5, ...drift, from: 0 };
    expect(driftAt(blend, -86_400_000)).toBe(drift.shift); // before the last fitted sale: the shift alone
    expect(driftAt(blend, 400 * 86_400_000)).toBeCloseTo(drift.shift! + drift.perDay! * 90, 12);
  });

  it('keeps only the median error when the errors show no trend, or too few sales come after the fit', () => {
    const errors = Float64Array.from(days, () => -0.02 + 0.1 * normal(rng));
    const flat = fitDrift(errors, days);
    expect(flat.perDay).toBeUndefined();
    expect(flat.shift).toBeCloseTo(-0.02, 1);
    // A random calibration sample lies before the last fitted sale: no trend can be told.
    const before = fitDrift(Float64Array.from(days, (d) => 0.001 * d), Float64Array.from(days, (d) => -Math.abs(d)));
    expect(before.perDay).toBeUndefined();
    expect(driftAt({ beta: 0, k: 5, ...before }, Date.UTC(2030, 0, 1))).toBe(before.shift);
  });
});

describe('out-of-fold training features', () => {
  it('a sale\'s own price never reaches its feature row — not through its neighbours, nor through the market index — while it does reach other sales\'', () => {
    const base = selectSales(table, Uint32Array.from({ length: 600 }, (_, i) => i));
    const folds = foldsOf(600, 5, 7);
    const rowOf = (x: Float64Array, i: number) => Array.from(x.subarray(i * featureNames(base).length, (i + 1) * featureNames(base).length));
    const before = trainingFeatures(base, folds, marketIndexes(base, folds, 5).byFold);
    for (const i of [3, 250, 599]) {
      const price = Float64Array.from(base.price);
      price[i] = price[i]! * 5;
      const changed = { ...base, price };
      const after = trainingFeatures(changed, folds, marketIndexes(changed, folds, 5).byFold);
      expect(rowOf(after, i)).toEqual(rowOf(before, i));
      const others = Array.from({ length: 600 }, (_, j) => j).filter((j) => j !== i && rowOf(after, j).some((v, c) => !Object.is(v, rowOf(before, j)[c])));
      expect(others.length).toBeGreaterThan(0);
      expect(others.every((j) => folds[j] !== folds[i])).toBe(true);
    }
  });

  it('the full market index is the one marketIndex gives, and each fold\'s index differs from it', () => {
    const folds = foldsOf(table.price.length, 5, 11);
    const { full, byFold } = marketIndexes(table, folds, 5);
    expect(full).toEqual(marketIndex(table, 11));
    expect(byFold).toHaveLength(5);
    for (const index of byFold) {
      expect(index.values).toHaveLength(full.values.length);
      expect(index.values).not.toEqual(full.values);
    }
  });
});

describe('training on two threads', () => {
  it('gives the very AVM of one thread: half the feature rows and one of the two forests on the compute thread', async () => {
    const big = salesFromProperties(syntheticSales(5000, 9));
    const options = { seed: 3, gbdt: { maxIterations: 40, learningRate: 0.2 }, calibration: 'random' as const };
    setComputeThread(false);
    const alone = trainAvm(big, options);
    setComputeThread(true);
    expect(await startComputeThread()).toBe(true);
    trainAvm(big, options); // the thread loads the modules of both tasks
    const before = computeThreadStats.byThread;
    const shared = trainAvm(big, options);
    // The thread took a task (which ones depends on timing; the AVM must not).
    expect(computeThreadStats.byThread).toBeGreaterThan(before);
    expect(serializeAvm(shared)).toBe(serializeAvm(alone));
    expect(alone.parts.gbdt.numTrees).toBe(80);
  });

  it('computes the training rows\' features in parts exactly as in one pass', () => {
    const fit = selectSales(table, trainRows);
    const folds = foldsOf(fit.price.length, 5, 1);
    const { byFold } = marketIndexes(fit, folds, 5);
    const whole = trainingFeatures(fit, folds, byFold);
    const cols = featureNames(fit).length;
    const half = 517;
    const first = trainingFeatures(fit, folds, byFold, undefined, 0, half);
    const second = trainingFeatureRows({ fit: { ...fit, refs: [] }, folds, byFold, from: half, to: fit.price.length }).value;
    expect(first.length).toBe(half * cols);
    expect(Array.from(first)).toEqual(Array.from(whole.subarray(0, half * cols)));
    expect(Array.from(second)).toEqual(Array.from(whole.subarray(half * cols)));
  });
});

describe('monthOf', () => {
  it('gives the UTC year and month of any time, as a Date does', () => {
    const rng = createRng(5);
    const times = [0, -1, Date.UTC(2000, 1, 29), Date.UTC(2000, 2, 1) - 1, Date.UTC(1900, 0, 1), Date.UTC(2100, 11, 31, 23, 59, 59, 999), -8.64e15, 8.64e15];
    for (let i = 0; i < 20_000; i++) times.push(Math.round((rng.next() - 0.5) * 2 * 8.64e15));
    for (const t of times) {
      const date = new Date(t);
      expect(monthOf(t)).toBe(date.getUTCFullYear() * 12 + date.getUTCMonth());
    }
    expect(monthOf(Number.NaN)).toBeNaN();
  });
});
