import { describe, expect, it } from 'vitest';
import { computeThreadStats, setComputeThread, startComputeThread } from '../compute-thread.js';
import { createMatrix, type Matrix } from '../matrix.js';
import { createRng } from '../random.js';
import { averageModels, trainAveraged } from './ensemble.js';
import { treeShap as treeShapOf } from '../explain/tree-shap.js';
import { serializeModel } from './format.js';
import { trainGbdt } from './train.js';

function data(n: number, seed: number): { x: Matrix; y: Float64Array } {
  const rng = createRng(seed);
  const cols = 6;
  const values = new Float64Array(n * cols);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const row = values.subarray(i * cols, (i + 1) * cols);
    for (let j = 0; j < cols; j++) row[j] = rng.next();
    row[3] = Math.floor(rng.next() * 12); // categorical code
    if (rng.next() < 0.05) row[1] = Number.NaN;
    y[i] = 2 * row[0]! + (row[1]! > 0.5 ? 1 : 0) + 0.2 * (row[3]! % 4) + 0.3 * (rng.next() - 0.5);
  }
  return { x: createMatrix(n, cols, values), y };
}

const params = { categoricalFeatures: [3], maxIterations: 30, learningRate: 0.2, subsample: 0.7, featureFraction: 0.8 };

describe('averageModels', () => {
  it('predicts the mean of the models, explains as their mean, and refuses models of other features', () => {
    const { x, y } = data(600, 1);
    const a = trainGbdt(x, y, { ...params, seed: 1 });
    const b = trainGbdt(x, y, { ...params, seed: 2, maxIterations: 20 });
    const merged = averageModels([a, b]);
    expect(merged.numTrees).toBe(a.numTrees + b.numTrees);
    const pa = a.predictMatrix(x);
    const pb = b.predictMatrix(x);
    const pm = merged.predictMatrix(x);
    for (let i = 0; i < x.rows; i++) expect(pm[i]).toBeCloseTo((pa[i]! + pb[i]!) / 2, 12);
    // SHAP is linear in the model: the merged model's values are the mean of the parts'.
    const row = x.values.subarray(0, x.cols);
    const [sa, sb, sm] = [a, b, merged].map((m) => treeShapOf(m, row));
    for (let f = 0; f < x.cols; f++) expect(sm!.values[f]).toBeCloseTo((sa!.values[f]! + sb!.values[f]!) / 2, 10);
    expect(sm!.baseValue + sm!.values.reduce((s, v) => s + v, 0)).toBeCloseTo(merged.predict(row), 10);
    const other = data(600, 2);
    const c = trainGbdt(createMatrix(other.x.rows, other.x.cols, other.x.values), other.y, { ...params, categoricalFeatures: [] });
    expect(() => averageModels([a, c])).toThrow(/features/);
    expect(() => averageModels([])).toThrow(RangeError);
  });
});

describe('trainAveraged', () => {
  it('gives the same model, fitted values and validation predictions on one thread and with the compute thread', async () => {
    const { x, y } = data(2500, 3);
    const valid = data(300, 4);
    const run = () => {
      const fitted = new Float64Array(x.rows);
      const validationPredicted = new Float64Array(valid.x.rows);
      // `meanwhile` runs once, on this thread, before the answer: by then this thread's model is
      // trained (its validation predictions are not averaged in yet) and the result not returned.
      const meanwhileRuns: boolean[] = [];
      const model = trainAveraged(x, y, [{ ...params, seed: 7 }, { ...params, seed: 8 }], { fitted, validation: valid, validationPredicted, meanwhile: () => meanwhileRuns.push(validationPredicted.every((v) => v === 0)) });
      expect(meanwhileRuns).toEqual([true]);
      return { model, fitted, validationPredicted };
    };
    setComputeThread(false);
    const alone = run();
    setComputeThread(true);
    expect(await startComputeThread()).toBe(true);
    // The thread loads a task's module before it claims the task; a first training may finish
    // its own model first and take the other back. Once loaded, the thread claims at once.
    run();
    const byThread = computeThreadStats.byThread;
    const shared = run();
    expect(computeThreadStats.byThread).toBe(byThread + 1);
    expect(serializeModel(shared.model)).toBe(serializeModel(alone.model));
    expect(Array.from(shared.fitted)).toEqual(Array.from(alone.fitted));
    expect(Array.from(shared.validationPredicted)).toEqual(Array.from(alone.validationPredicted));
    // The averages are the merged model's predictions (up to float rounding).
    const predicted = alone.model.predictMatrix(x);
    for (let i = 0; i < x.rows; i += 97) expect(alone.fitted[i]).toBeCloseTo(predicted[i]!, 10);
    const validPredicted = alone.model.predictMatrix(valid.x);
    for (let i = 0; i < valid.x.rows; i++) expect(alone.validationPredicted[i]).toBeCloseTo(validPredicted[i]!, 10);
    // The same as averaging two separately trained models.
    const separate = averageModels([trainGbdt(x, y, { ...params, seed: 7 }), trainGbdt(x, y, { ...params, seed: 8 })]);
    expect(Array.from(separate.predictMatrix(x))).toEqual(Array.from(predicted));
    expect(separate.numTrees).toBe(alone.model.numTrees);
  });

  it('passes a training error on from the compute thread', async () => {
    setComputeThread(true);
    expect(await startComputeThread()).toBe(true);
    const { x, y } = data(2500, 5);
    expect(() => trainAveraged(x, y, [{ ...params, seed: 1 }, { ...params, seed: 2, learningRate: -1 }])).toThrow(/learningRate/);
  });
});
