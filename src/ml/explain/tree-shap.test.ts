import { describe, expect, it } from 'vitest';
import { goesLeft, trainGbdt, type GbdtModel } from '../gbdt/index.js';
import { matrixFromRows } from '../matrix.js';
import { createRng, normal } from '../random.js';
import { expectedValue, treeShap, TreeShapExplainer } from './tree-shap.js';

/** A random model on random data: numeric features with NaNs, one categorical feature, bagging. */
function randomModel(seed: number, cols: number, trees: number, extra: object = {}, constantLast = false): { model: GbdtModel; rows: number[][] } {
  const rng = createRng(seed);
  const rows: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < 400; i++) {
    const row = Array.from({ length: cols }, (_, j) => (j === 0 ? rng.below(8) : rng.next() < 0.1 ? NaN : normal(rng)));
    if (constantLast) row[cols - 1] = 7;
    rows.push(row);
    const value = (j: number): number => (Number.isNaN(row[j] ?? 0) ? 1 : (row[j] ?? 0));
    y.push((row[0]! % 3) + value(1) * value(2) + value(3) + 0.1 * normal(rng));
  }
  const model = trainGbdt(matrixFromRows(rows), y, {
    maxIterations: trees, maxLeaves: 8, minSamplesLeaf: 5, categoricalFeatures: [0], minDataPerCategory: 5, seed, ...extra,
  });
  return { model, rows };
}

/**
 * v(S) = E[f(x) | x_S] as Algorithm 1 of Lundberg et al. defines it for trees: follow x on
 * features in S, average both children by cover elsewhere.
 */
function conditionalExpectation(model: GbdtModel, row: number[], subset: number): number {
  const f = model.forest;
  const bins = model.categoryBins(row);
  const walk = (node: number): number => {
    if (f.feature[node]! < 0) return f.value[node]!;
    if (subset & (1 << f.feature[node]!)) return walk(goesLeft(f, node, row, bins) ? f.left[node]! : f.right[node]!);
    const l = f.left[node]!;
    const r = f.right[node]!;
    return (f.cover[l]! * walk(l) + f.cover[r]! * walk(r)) / f.cover[node]!;
  };
  let sum = model.baseScore;
  for (const root of f.roots) sum += walk(root);
  return sum;
}

/** Shapley values by enumerating all 2^M coalitions (of groups of features, when given). */
function bruteForceShapley(model: GbdtModel, row: number[], groups?: number[]): number[] {
  const m = groups ? Math.max(...groups) + 1 : row.length;
  // A coalition of groups → the set of their features.
  const features = (subset: number): number => (groups ? groups.reduce((set, g, f) => (subset & (1 << g) ? set | (1 << f) : set), 0) : subset);
  const factorial = (k: number): number => (k <= 1 ? 1 : k * factorial(k - 1));
  const phi = new Array<number>(m).fill(0);
  for (let i = 0; i < m; i++) {
    for (let subset = 0; subset < 1 << m; subset++) {
      if (subset & (1 << i)) continue;
      const size = subset.toString(2).split('').filter((b) => b === '1').length;
      const weight = (factorial(size) * factorial(m - size - 1)) / factorial(m);
      phi[i]! += weight * (conditionalExpectation(model, row, features(subset | (1 << i))) - conditionalExpectation(model, row, features(subset)));
    }
  }
  return phi;
}

describe('TreeSHAP', () => {
  it('base value + Σ contributions = prediction, to 1e-9, on random models', () => {
    for (const seed of [1, 2, 3]) {
      const { model, rows } = randomModel(seed, 6, 30, { growth: seed === 2 ? 'depthwise' : 'leafwise', maxDepth: seed === 2 ? 4 : 0 });
      for (const row of [...rows.slice(0, 40), [99, NaN, NaN, 0, 0, 0]]) {
        const { baseValue, values } = treeShap(model, row);
        const total = baseValue + values.reduce((a, b) => a + b, 0);
        expect(Math.abs(total - model.predict(row))).toBeLessThan(1e-9);
      }
    }
  });

  it('agrees with Shapley values computed by brute force on a small model', () => {
    // Deep trees (up to 16 leaves on 4 features) revisit features along a path: the unwind case.
    const { model, rows } = randomModel(4, 4, 6, { maxLeaves: 16, minSamplesLeaf: 3 });
    for (const row of rows.slice(0, 10)) {
      const shap = treeShap(model, row).values;
      const exact = bruteForceShapley(model, row);
      exact.forEach((v, f) => expect(Math.abs(shap[f]! - v)).toBeLessThan(1e-9));
    }
    expect(expectedValue(model)).toBeCloseTo(conditionalExpectation(model, rows[0]!, 0), 12);
  });

  it('gives a feature the model cannot split on exactly zero, and the others not', () => {
    const { model, rows } = randomModel(5, 5, 10, {}, true);
    for (const row of rows.slice(0, 5)) {
      const { values } = treeShap(model, row);
      expect(values[4]).toBe(0);
      expect(values[0]).not.toBe(0);
      expect(values[1]).not.toBe(0);
    }
  });

  it('with groups, gives the exact Shapley values of the groups as players, adding up to the same total', () => {
    const { model, rows } = randomModel(4, 4, 6, { maxLeaves: 16, minSamplesLeaf: 3 });
    const groups = [0, 1, 1, 2]; // features 1 and 2 interact (the target multiplies them): one player
    for (const row of rows.slice(0, 10)) {
      const grouped = treeShap(model, row, { groups }).values;
      expect(grouped).toHaveLength(3);
      const exact = bruteForceShapley(model, row, groups);
      exact.forEach((v, g) => expect(Math.abs(grouped[g]! - v)).toBeLessThan(1e-9));
      const single = treeShap(model, row).values;
      expect(grouped.reduce((a, b) => a + b, 0)).toBeCloseTo(single.reduce((a, b) => a + b, 0), 9);
    }
    expect(() => treeShap(model, rows[0]!, { groups: [0, 1] })).toThrow(/groups/);
  });

  it('the tabulated explainer gives the path algorithm\'s values, with and without groups, for any block size', () => {
    for (const seed of [1, 2, 3]) {
      // Deep leafwise trees meet features again on a path; depthwise ones are balanced.
      const { model, rows } = randomModel(seed, 6, 30, { growth: seed === 2 ? 'depthwise' : 'leafwise', maxDepth: seed === 2 ? 4 : 0, maxLeaves: seed === 3 ? 20 : 12 });
      const groups = [0, 1, 1, 2, 2, 2];
      const explainers = [1, 2, 4, 8].flatMap((blockLeaves) => [1, 2, 100].map((blockGrowth) => ({
        plain: new TreeShapExplainer(model, { blockLeaves, blockGrowth }),
        grouped: new TreeShapExplainer(model, { groups, blockLeaves, blockGrowth }),
      })));
      const leaves = Array.from(model.forest.feature).filter((f) => f < 0).length;
      expect(explainers[0]!.plain.blocks).toBe(leaves); // one leaf per block
      expect(explainers.at(-1)!.plain.blocks).toBeLessThan(leaves / 3); // blocks of up to 8 leaves
      const edgeRows = [[99, NaN, NaN, 0, 0, 0], [NaN, NaN, NaN, NaN, NaN, NaN], [2, Infinity, -Infinity, 1e300, -1e300, 0]];
      for (const row of [...rows.slice(0, 30), ...edgeRows]) {
        const exact = treeShap(model, row);
        const exactGrouped = treeShap(model, row, { groups }).values;
        for (const { plain, grouped } of explainers) {
          expect(plain.tabulated && grouped.tabulated).toBe(true);
          const a = plain.explain(row);
          expect(a.baseValue).toBe(exact.baseValue);
          exact.values.forEach((v, f) => expect(Math.abs(a.values[f]! - v)).toBeLessThan(1e-9));
          const c = grouped.explain(row).values;
          expect(c).toHaveLength(3);
          exactGrouped.forEach((v, g) => expect(Math.abs(c[g]! - v)).toBeLessThan(1e-9));
          expect(Math.abs(a.baseValue + c.reduce((x, y) => x + y, 0) - model.predict(row))).toBeLessThan(1e-9);
        }
      }
    }
  });

  it('float32 tables: within 1e-6 of the path algorithm, sums within 1e-6 of the prediction', () => {
    const { model, rows } = randomModel(6, 6, 40, { maxLeaves: 16 });
    const single = new TreeShapExplainer(model, { precision: 'float32', groups: [0, 1, 2, 2, 3, 4] });
    for (const row of rows.slice(0, 20)) {
      const exact = treeShap(model, row, { groups: [0, 1, 2, 2, 3, 4] }).values;
      const { baseValue, values } = single.explain(row);
      values.forEach((v, f) => expect(Math.abs(v - exact[f]!)).toBeLessThan(1e-6));
      expect(Math.abs(baseValue + values.reduce((x, y) => x + y, 0) - model.predict(row))).toBeLessThan(1e-6);
    }
  });

  it('falls back to the path algorithm beyond the table budget, and checks its input', () => {
    const { model, rows } = randomModel(6, 6, 10);
    // Over budget with blocks of up to 3x their leaves' tables: blocks no larger than their leaves'.
    const lean = new TreeShapExplainer(model, { blockGrowth: 1 });
    const wide = new TreeShapExplainer(model, { blockGrowth: 3 });
    expect(wide.tableEntries).toBeGreaterThan(lean.tableEntries);
    const held = new TreeShapExplainer(model, { blockGrowth: 3, maxTableEntries: lean.tableEntries });
    expect(held.tabulated).toBe(true);
    expect(held.tableEntries).toBe(lean.tableEntries);
    expect(held.explain(rows[1]!).values).toEqual(lean.explain(rows[1]!).values);
    const small = new TreeShapExplainer(model, { maxTableEntries: 10 });
    expect(small.tabulated).toBe(false);
    expect(small.tableEntries).toBe(0);
    expect(small.explain(rows[0]!).values).toEqual(treeShap(model, rows[0]!).values);
    expect(() => new TreeShapExplainer(model).explain([1, 2])).toThrow(/features/);
    expect(() => new TreeShapExplainer(model, { groups: [0, 1] })).toThrow(/groups/);
    expect(() => new TreeShapExplainer(model, { groups: [0, 1, 2, 3, 4, -1] })).toThrow(/group number/);
  });
});
