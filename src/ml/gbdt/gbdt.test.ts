import { describe, expect, it } from 'vitest';
import { createMatrix, matrixFromRows, type Matrix } from '../matrix.js';
import { createRng, normal } from '../random.js';
import { trainGbdt } from './index.js';

/** n rows of `cols` uniform [0, 1) features and a target computed from them. */
function synthetic(n: number, cols: number, seed: number, target: (row: Float64Array, rng: () => number) => number): { x: Matrix; y: Float64Array } {
  const rng = createRng(seed);
  const values = new Float64Array(n * cols);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const row = values.subarray(i * cols, (i + 1) * cols);
    for (let j = 0; j < cols; j++) row[j] = rng.next();
    y[i] = target(row, () => normal(rng));
  }
  return { x: createMatrix(n, cols, values), y };
}

function rmse(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(s / a.length);
}

const exact = { subsample: 1, featureFraction: 1, lambda: 0 } as const;

describe('trainGbdt fits known functions', () => {
  it('learns a step function to near zero error', () => {
    // 200 distinct values fit in 255 bins, so every jump falls on a bin edge.
    const step = (v: number): number => (v < 0.3 ? 1 : v < 0.7 ? 3 : 2);
    const { x, y } = synthetic(200, 1, 1, (r) => step(r[0]!));
    const model = trainGbdt(x, y, { ...exact, maxIterations: 60, learningRate: 0.3, minSamplesLeaf: 5 });
    expect(rmse(model.predictMatrix(x), y)).toBeLessThan(0.01);
    for (const probe of [0.1, 0.5, 0.9]) expect(model.predict([probe])).toBeCloseTo(step(probe), 2);
  });

  it('learns an additive model and ignores a noise feature', () => {
    const f = (r: Float64Array): number => Math.sin(2 * Math.PI * r[0]!) + 2 * r[1]! * r[1]!;
    const train = synthetic(2000, 3, 2, (r, noise) => f(r) + 0.05 * noise());
    const test = synthetic(500, 3, 3, (r) => f(r));
    const model = trainGbdt(train.x, train.y, { maxIterations: 200 });
    expect(rmse(model.predictMatrix(test.x), test.y)).toBeLessThan(0.1);
    const importance = model.featureImportance();
    expect(importance[2]!).toBeLessThan(0.02);
    expect(importance[0]! + importance[1]!).toBeGreaterThan(0.98);
  });

  it('learns where missing values go', () => {
    // Missing x means a high target: the learned default direction must send NaN to the high side.
    const { x, y } = synthetic(800, 1, 4, (r) => r[0]!);
    for (let i = 0; i < x.rows; i += 4) {
      x.values[i] = NaN;
      y[i] = 5;
    }
    const model = trainGbdt(x, y, { ...exact, maxIterations: 50, learningRate: 0.3 });
    expect(model.predict([NaN])).toBeCloseTo(5, 1);
    expect(model.predict([0.05])).toBeLessThan(0.3);
  });
});

describe('trainGbdt losses', () => {
  it('the quantile loss gives about the requested coverage', () => {
    const make = (seed: number): { x: Matrix; y: Float64Array } => synthetic(3000, 1, seed, (r, noise) => 3 * r[0]! + (0.2 + r[0]!) * noise());
    const train = make(5);
    const test = make(6);
    for (const alpha of [0.1, 0.9]) {
      const model = trainGbdt(train.x, train.y, { loss: 'quantile', alpha, maxIterations: 100, minSamplesLeaf: 50 });
      const prediction = model.predictMatrix(test.x);
      let below = 0;
      for (let i = 0; i < test.y.length; i++) if (test.y[i]! <= prediction[i]!) below++;
      expect(Math.abs(below / test.y.length - alpha)).toBeLessThan(0.04);
    }
  });

  it('re-fits quantile leaves to the α-quantile of their residuals', () => {
    // Two groups, one tree of two leaves at full learning rate: each group's prediction must be
    // exactly its own empirical α-quantile (the Newton step alone would not land there).
    const rng = createRng(13);
    const rows: number[][] = [];
    const y: number[] = [];
    for (let i = 0; i < 400; i++) {
      const group = i % 2;
      rows.push([group]);
      y.push(group * 10 + Math.exp(2 * normal(rng)));
    }
    const alpha = 0.8;
    const model = trainGbdt(matrixFromRows(rows), y, { ...exact, loss: 'quantile', alpha, maxIterations: 1, learningRate: 1, maxLeaves: 2 });
    for (const group of [0, 1]) {
      const values = y.filter((_, i) => i % 2 === group).sort((a, b) => a - b);
      const lowerQuantile = values[Math.ceil(alpha * values.length) - 1]!;
      expect(model.predict([group])).toBeCloseTo(lowerQuantile, 9);
    }
  });

  it('rejects bad parameters and data with a message naming them', () => {
    const { x, y } = synthetic(50, 2, 7, (r) => r[0]!);
    expect(() => trainGbdt(x, y, { learningRate: 0 })).toThrow(/learningRate/);
    expect(() => trainGbdt(x, y, { categoricalFeatures: [5] })).toThrow(/categoricalFeatures/);
    expect(() => trainGbdt(x, y.subarray(0, 10))).toThrow(/rows/);
    expect(() => trainGbdt(x, Float64Array.from(y, (v, i) => (i === 3 ? NaN : v)))).toThrow(/y\[3\]/);
  });
});

describe('trainGbdt early stopping', () => {
  it('stops after `patience` rounds without improvement and keeps the best model', () => {
    const train = synthetic(400, 2, 8, (_r, noise) => noise());
    const valid = synthetic(200, 2, 9, (_r, noise) => noise());
    const patience = 5;
    const model = trainGbdt(train.x, train.y, { maxIterations: 500, learningRate: 0.3, earlyStoppingRounds: patience }, { validation: valid });
    const { iterations, bestIteration, validationLoss, bestValidationLoss } = model.training;
    expect(iterations).toBeLessThan(500);
    expect(iterations - 1 - bestIteration).toBe(patience);
    expect(model.numTrees).toBe(bestIteration + 1);
    expect(bestValidationLoss).toBe(Math.min(...validationLoss));
    // The kept model's validation loss is what training recorded for it.
    const prediction = model.predictMatrix(valid.x);
    expect(rmse(prediction, valid.y)).toBeCloseTo(bestValidationLoss!, 9);
  });

  it('holds out validationFraction of the rows when no validation set is given', () => {
    const { x, y } = synthetic(500, 2, 10, (r, noise) => r[0]! + noise());
    const model = trainGbdt(x, y, { maxIterations: 300, learningRate: 0.3, earlyStoppingRounds: 3, validationFraction: 0.2 });
    expect(model.training.iterations).toBeLessThan(300);
    expect(model.training.validationLoss.length).toBe(model.training.iterations);
  });
});

describe('trainGbdt training predictions', () => {
  it('fills `fitted` with the final model\'s predictions of the training rows, with bagging and the quantile loss', () => {
    const { x, y } = synthetic(600, 4, 21, (r, noise) => 3 * r[0]! - 2 * r[1]! + 0.3 * noise());
    for (const params of [{ maxIterations: 40 }, { maxIterations: 40, loss: 'quantile' as const, alpha: 0.5 }]) {
      const fitted = new Float64Array(600).fill(Number.NaN);
      const model = trainGbdt(x, y, { ...params, seed: 5, subsample: 0.6 }, { fitted });
      const direct = model.predictMatrix(x);
      for (let i = 0; i < 600; i++) expect(fitted[i]).toBeCloseTo(direct[i]!, 9);
    }
  });

  it('leaves `fitted` untouched when early stopping held out some of the rows', () => {
    const { x, y } = synthetic(400, 3, 22, (r, noise) => r[0]! + 0.5 * noise());
    const fitted = new Float64Array(400).fill(Number.NaN);
    trainGbdt(x, y, { maxIterations: 30, earlyStoppingRounds: 5 }, { fitted });
    expect(fitted.every(Number.isNaN)).toBe(true);
  });
});

describe('trainGbdt determinism and structure', () => {
  const data = synthetic(600, 4, 11, (r, noise) => r[0]! * r[1]! + r[2]! + 0.1 * noise());

  it('the same seed gives an identical model; another seed a different one', () => {
    const params = { maxIterations: 30, subsample: 0.6, featureFraction: 0.5, seed: 7 };
    const a = trainGbdt(data.x, data.y, params);
    const b = trainGbdt(data.x, data.y, params);
    const c = trainGbdt(data.x, data.y, { ...params, seed: 8 });
    expect(Array.from(a.forest.threshold)).toEqual(Array.from(b.forest.threshold));
    expect(Array.from(a.predictMatrix(data.x))).toEqual(Array.from(b.predictMatrix(data.x)));
    expect(Array.from(c.predictMatrix(data.x))).not.toEqual(Array.from(a.predictMatrix(data.x)));
  });

  it('depth-wise growth respects maxDepth and leaf-wise growth respects maxLeaves', () => {
    const deep = trainGbdt(data.x, data.y, { ...exact, growth: 'depthwise', maxDepth: 3, maxLeaves: 64, maxIterations: 5, minSamplesLeaf: 2 });
    const leafwise = trainGbdt(data.x, data.y, { ...exact, maxLeaves: 7, maxIterations: 5, minSamplesLeaf: 2 });
    const depths = (model: typeof deep): number[] => {
      const f = model.forest;
      const depth = new Int32Array(f.feature.length);
      for (let n = 0; n < f.feature.length; n++) if (f.feature[n]! >= 0) depth[f.left[n]!] = depth[f.right[n]!] = depth[n]! + 1;
      return Array.from(depth);
    };
    expect(Math.max(...depths(deep))).toBe(3);
    const leavesPerTree = (model: typeof deep): number[] =>
      Array.from(model.forest.roots, (root, t) => {
        const end = t + 1 < model.numTrees ? model.forest.roots[t + 1]! : model.forest.feature.length;
        let leaves = 0;
        for (let n = root; n < end; n++) if (model.forest.feature[n]! < 0) leaves++;
        return leaves;
      });
    expect(leavesPerTree(deep).every((l) => l === 8)).toBe(true);
    expect(leavesPerTree(leafwise).every((l) => l === 7)).toBe(true);
  });

  it('bags rows and samples features per tree', () => {
    const model = trainGbdt(data.x, data.y, { subsample: 0.5, featureFraction: 0.25, maxIterations: 20 });
    const f = model.forest;
    for (let t = 0; t < model.numTrees; t++) {
      const root = f.roots[t]!;
      const end = t + 1 < model.numTrees ? f.roots[t + 1]! : f.feature.length;
      expect(f.cover[root]).toBe(300);
      const features = new Set(Array.from(f.feature.subarray(root, end)).filter((v) => v >= 0));
      expect(features.size).toBeLessThanOrEqual(1);
    }
    const used = new Set(Array.from(f.feature).filter((v) => v >= 0));
    expect(used.size).toBeGreaterThan(1);
  });

  it('minGainToSplit stops splits that gain too little, and training with them', () => {
    const model = trainGbdt(data.x, data.y, { ...exact, minGainToSplit: 1e9, maxIterations: 50 });
    expect(model.numTrees).toBe(1);
    expect(model.forest.feature[0]).toBe(-1);
  });

  it('every leaf holds at least minSamplesLeaf rows, and covers add up', () => {
    const model = trainGbdt(data.x, data.y, { ...exact, minSamplesLeaf: 40, maxIterations: 10 });
    const f = model.forest;
    for (let n = 0; n < f.feature.length; n++) {
      if (f.feature[n]! < 0) expect(f.cover[n]!).toBeGreaterThanOrEqual(40);
      else expect(f.cover[f.left[n]!]! + f.cover[f.right[n]!]!).toBe(f.cover[n]!);
    }
  });
});

describe('categorical features', () => {
  // 40 categories with random effects, coded so that the numeric order of the codes says nothing.
  const rng = createRng(12);
  const effect = Array.from({ length: 40 }, () => normal(rng));
  const code = Array.from({ length: 40 }, (_, k) => (k * 17) % 41);
  const make = (n: number): { x: Matrix; y: Float64Array } => {
    const rows: number[][] = [];
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const k = rng.below(40);
      const other = rng.next();
      rows.push([code[k]!, other]);
      y[i] = effect[k]! + 0.5 * other + 0.1 * normal(rng);
    }
    return { x: matrixFromRows(rows), y };
  };
  const train = make(3000);
  const test = make(1000);

  it('splits on category sets and beats the same codes treated as numbers', () => {
    const params = { maxIterations: 20, maxLeaves: 4, learningRate: 0.3, subsample: 1, featureFraction: 1 };
    const categorical = trainGbdt(train.x, train.y, { ...params, categoricalFeatures: [0], minDataPerCategory: 5 });
    const numeric = trainGbdt(train.x, train.y, params);
    const catError = rmse(categorical.predictMatrix(test.x), test.y);
    const numError = rmse(numeric.predictMatrix(test.x), test.y);
    expect(catError).toBeLessThan(0.25);
    expect(catError).toBeLessThan(0.6 * numError);
  });

  it('sends unseen categories and NaN to the "other" side without failing', () => {
    const model = trainGbdt(train.x, train.y, { maxIterations: 10, categoricalFeatures: [0] });
    expect(Number.isFinite(model.predict([999, 0.5]))).toBe(true);
    expect(model.predict([NaN, 0.5])).toBe(model.predict([999, 0.5]));
  });
});
