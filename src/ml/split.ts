/** Train/test splits by row index: seeded random, by time, and k-fold. */
import { createRng, permutation } from './random.js';

export interface Split {
  /** Row indices, increasing. */
  readonly train: Uint32Array;
  readonly test: Uint32Array;
}

function sorted(indices: Uint32Array): Uint32Array {
  return indices.slice().sort();
}

/** A random split with round(n · testFraction) test rows; the same seed gives the same split. */
export function randomSplit(n: number, testFraction: number, seed: number): Split {
  if (!(testFraction > 0 && testFraction < 1)) throw new RangeError(`testFraction must be in (0, 1), got ${testFraction}`);
  const order = permutation(n, createRng(seed));
  const testSize = Math.round(n * testFraction);
  return { test: sorted(order.subarray(0, testSize)), train: sorted(order.subarray(testSize)) };
}

/**
 * A split by time, as a model meets the future: rows with time < cutoff train, the rest test.
 * With `testFraction` instead of `cutoff`, the cutoff is the time that leaves about that share
 * of the latest rows for testing (rows sharing the cutoff time all go to the test side).
 */
export function timeSplit(times: ArrayLike<number>, options: { cutoff: number } | { testFraction: number }): Split {
  let cutoff: number;
  if ('cutoff' in options) {
    cutoff = options.cutoff;
  } else {
    const f = options.testFraction;
    if (!(f > 0 && f < 1)) throw new RangeError(`testFraction must be in (0, 1), got ${f}`);
    const ordered = Float64Array.from(times).sort();
    cutoff = ordered[Math.min(ordered.length - 1, Math.floor(ordered.length * (1 - f)))]!;
  }
  const train: number[] = [];
  const test: number[] = [];
  for (let i = 0; i < times.length; i++) (times[i]! < cutoff ? train : test).push(i);
  return { train: Uint32Array.from(train), test: Uint32Array.from(test) };
}

/** k folds over a seeded shuffle; fold j tests on its rows and trains on all the others. */
export function kFold(n: number, k: number, seed: number): Split[] {
  if (!Number.isInteger(k) || k < 2 || k > n) throw new RangeError(`k must be an integer in 2..${n}, got ${k}`);
  const order = permutation(n, createRng(seed));
  const folds: Split[] = [];
  for (let j = 0; j < k; j++) {
    const from = Math.floor((j * n) / k);
    const to = Math.floor(((j + 1) * n) / k);
    const test = order.subarray(from, to);
    const train = new Uint32Array(n - test.length);
    train.set(order.subarray(0, from), 0);
    train.set(order.subarray(to), from);
    folds.push({ test: sorted(test), train: sorted(train) });
  }
  return folds;
}
