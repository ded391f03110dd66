import { describe, expect, it } from 'vitest';
import { createMatrix } from '../matrix.js';
import { createRng } from '../random.js';
import { binMatrix, binTrainingColumns, binValue, fitCategoricalBins, fitNumericBins } from './binning.js';
import { buildHistogram, histogramLayout, subtractHistogram, type HistogramSource } from './histogram.js';

describe('binning', () => {
  it('uses one bin per distinct value when they fit, with edges between them', () => {
    const bins = fitNumericBins(Float64Array.from([3, 1, 2, 2, NaN, 3]), 255);
    expect(bins.numBins).toBe(3);
    expect(Array.from(bins.upperBounds)).toEqual([1.5, 2.5]);
    expect([1, 2, 3, 0, 99, NaN].map((v) => binValue(bins, v))).toEqual([0, 1, 2, 0, 2, 3]);
  });

  it('uses quantile edges for many values, keeping heavy values in a bin of their own', () => {
    const rng = createRng(1);
    const values = Float64Array.from({ length: 10_000 }, (_, i) => (i < 3000 ? 5 : rng.next() * 10));
    const bins = fitNumericBins(values, 32);
    expect(bins.numBins).toBeLessThanOrEqual(32);
    expect(bins.numBins).toBeGreaterThan(20);
    const counts = new Array<number>(bins.numBins).fill(0);
    for (const v of values) counts[binValue(bins, v)]!++;
    // Bins hold roughly equal shares, except the one holding the 3000 copies of 5.
    const heavy = binValue(bins, 5);
    expect(binValue(bins, 5.0001)).not.toBe(heavy);
    counts.forEach((c, b) => b !== heavy && expect(c).toBeLessThan(10_000 / 32 * 2.5));
  });

  it('keeps the most frequent categories and sends the rest to the other bin', () => {
    const values = Float64Array.from([7, 7, 7, 3, 3, 9, NaN]);
    const bins = fitCategoricalBins(values, 2);
    expect(Array.from(bins.categories)).toEqual([7, 3]);
    expect([7, 3, 9, NaN, 42].map((v) => binValue(bins, v))).toEqual([0, 1, 2, 2, 2]);
  });
});

describe('binTrainingColumns', () => {
  it('fits each column\'s bins as fitNumericBins / fitCategoricalBins do and bins every value as binValue does, feature-major', () => {
    const rng = createRng(3);
    const n = 500;
    const cols = 4;
    // Column 2 is categorical (codes 0..9, some missing); the others numeric with missing values.
    const x = createMatrix(n, cols, Float64Array.from({ length: n * cols }, (_, k) => (rng.next() < 0.05 ? NaN : k % cols === 2 ? rng.below(10) : rng.next() * 100)));
    const categorical = new Set([2]);
    const { bins, columns } = binTrainingColumns(x, 32, categorical, 254);
    const column = (f: number) => Float64Array.from({ length: n }, (_, i) => x.values[i * cols + f]!);
    expect(bins).toEqual([0, 1, 2, 3].map((f) => (categorical.has(f) ? fitCategoricalBins(column(f), 254) : fitNumericBins(column(f), 32))));
    expect(bins[2]!.kind).toBe('categorical');
    const rowMajor = binMatrix(x, bins);
    for (let f = 0; f < cols; f++) for (let i = 0; i < n; i++) expect(columns[f * n + i]).toBe(rowMajor[i * cols + f]);
  });
});

describe('histograms', () => {
  it('the subtraction trick gives the same histogram as building it from rows', () => {
    const rng = createRng(2);
    const n = 300;
    const x = createMatrix(n, 5, Float64Array.from({ length: n * 5 }, () => (rng.next() < 0.05 ? NaN : rng.below(40))));
    const { bins, columns } = binTrainingColumns(x, 16, new Set(), 254);
    const layout = histogramLayout(bins);
    const source: HistogramSource = {
      columns,
      numRows: n,
      gradients: Float64Array.from({ length: n }, () => rng.next() - 0.5),
      hessians: Float64Array.from({ length: n }, () => rng.next() + 0.5),
      orderedGradients: new Float64Array(n),
      orderedHessians: new Float64Array(n),
    };
    const rows = Uint32Array.from({ length: n }, (_, i) => i);
    const features = Int32Array.from([0, 1, 2, 3, 4]);
    const parent = new Float64Array(layout.size);
    const left = new Float64Array(layout.size);
    const right = new Float64Array(layout.size);
    buildHistogram(parent, layout, source, rows, 0, n, features);
    buildHistogram(left, layout, source, rows, 0, 120, features);
    buildHistogram(right, layout, source, rows, 120, n, features);
    subtractHistogram(parent, left, layout, features);
    parent.forEach((v, k) => expect(v).toBeCloseTo(right[k]!, 12));
    // Every row lands in exactly one bin per feature.
    for (const f of features) {
      let h = 0;
      for (let b = 0; b < layout.binCount[f]!; b++) h += right[layout.slotOffset[f]! + 2 * b + 1]!;
      expect(h).toBeCloseTo(Array.from(source.hessians!.subarray(120)).reduce((a, b) => a + b), 9);
    }
  });
});
