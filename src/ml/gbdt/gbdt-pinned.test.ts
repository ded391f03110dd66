import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createMatrix, type Matrix } from '../matrix.js';
import { createRng } from '../random.js';
import { serializeModel, trainGbdt, type GbdtParams } from './index.js';
import { parallelStats, startGbdtWorker } from './parallel.js';

/**
 * Pins the exact models the learner produces. A speed-up of the learner (layout, loops,
 * threads) must not change a single split, leaf value, training loss or fitted prediction:
 * these fingerprints were recorded before the performance work and must stay as they are.
 * A deliberate change of the algorithm updates them and says why in its commit.
 */

/** Arithmetic only (no Math.sin/log), so the data are the same on every platform. */
function data(n: number, seed: number): { x: Matrix; y: Float64Array } {
  const rng = createRng(seed);
  const cols = 12;
  const values = new Float64Array(n * cols);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const row = values.subarray(i * cols, (i + 1) * cols);
    for (let j = 0; j < cols; j++) row[j] = rng.next();
    row[3] = Math.floor(rng.next() * 40); // categorical code
    row[5] = Math.round(row[5]! * 20) / 20; // few distinct values
    if (rng.next() < 0.1) row[1] = Number.NaN;
    if (rng.next() < 0.02) row[7] = Number.NaN;
    const zone = (row[3]! * 7) % 5;
    y[i] = 3 * row[0]! * row[0]! + 2 * (row[1]! > 0.5 ? 1 : 0) + 0.3 * zone + row[2]! * row[4]! + 0.5 * (rng.next() - 0.5) + (Number.isNaN(row[1]!) ? 1 : 0);
  }
  return { x: createMatrix(n, cols, values), y };
}

function fingerprint(x: Matrix, y: Float64Array, params: Partial<GbdtParams>, threads: number): string {
  const fitted = new Float64Array(x.rows);
  const model = trainGbdt(x, y, { categoricalFeatures: [3], ...params }, { fitted, threads });
  return createHash('sha256').update(serializeModel(model)).update(new Uint8Array(fitted.buffer)).digest('hex').slice(0, 16);
}

describe('trainGbdt gives the very same model after performance work', () => {
  const small = data(3000, 11);
  const large = data(24000, 12);
  const cases: [string, Matrix, Float64Array, Partial<GbdtParams>, string][] = [
    ['l2 defaults', small.x, small.y, { maxIterations: 40 }, 'a58f7047c99f4d19'],
    ['quantile 0.5, the AVM shape', small.x, small.y, { loss: 'quantile', alpha: 0.5, learningRate: 0.05, maxIterations: 40, maxBins: 63, maxDepth: 8, subsample: 0.5, featureFraction: 0.35, seed: 42 }, '5a2c75dcce3b0f3e'],
    ['quantile 0.2, no bagging, depth-wise', small.x, small.y, { loss: 'quantile', alpha: 0.2, maxIterations: 30, subsample: 1, featureFraction: 1, growth: 'depthwise', maxDepth: 5 }, 'd91becc675b4c4e6'],
    ['l2 with early stopping on a held-out part', small.x, small.y, { maxIterations: 60, earlyStoppingRounds: 5, seed: 3 }, '7d566b1aa856288c'],
    ['l2, many rows', large.x, large.y, { maxIterations: 15, seed: 5 }, 'd994693ea065fde9'],
    ['quantile 0.5, many rows, the AVM shape', large.x, large.y, { loss: 'quantile', alpha: 0.5, learningRate: 0.05, maxIterations: 15, maxBins: 63, maxDepth: 8, subsample: 0.5, featureFraction: 0.35, seed: 42 }, '38f43b426d4ab0cf'],
  ];
  let workerReady = false;
  beforeAll(async () => {
    workerReady = await startGbdtWorker();
  }, 60_000);

  for (const [name, x, y, params, expected] of cases) {
    it(`${name}: on one thread`, () => {
      expect(fingerprint(x, y, params, 1)).toBe(expected);
    });
    it(`${name}: with the helper thread where the training is large enough`, () => {
      expect(workerReady).toBe(true);
      const before = parallelStats.jobs;
      expect(fingerprint(x, y, params, 2)).toBe(expected);
      // The large trainings really shared their splits with the worker; the small ones stay on one thread.
      if (x.rows > 10_000) expect(parallelStats.jobs).toBeGreaterThan(before);
      else expect(parallelStats.jobs).toBe(before);
    });
  }
});

describe('predictMatrix', () => {
  it('gives bit for bit the row-by-row predictions, over several row blocks, with categories and missing values', () => {
    const { x, y } = data(1100, 13);
    const model = trainGbdt(x, y, { categoricalFeatures: [3], maxIterations: 30, seed: 2 });
    const batch = model.predictMatrix(x);
    for (let i = 0; i < x.rows; i++) {
      expect(Object.is(batch[i], model.predict(x.values.subarray(i * x.cols, (i + 1) * x.cols)))).toBe(true);
    }
  });
});

