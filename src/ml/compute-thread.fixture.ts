/** Task functions for compute-thread.test.ts. */
import type { ComputeFunction } from './compute-thread.js';

/** Sums 0..n−1 slowly enough to keep the thread busy for a while; returns the thread's view of its id too. */
export const busySum: ComputeFunction<{ n: number; rounds: number }, { sum: number; values: Float64Array }> = ({ n, rounds }) => {
  let sum = 0;
  for (let r = 0; r < rounds; r++) for (let i = 0; i < n; i++) sum += i % 7;
  const values = Float64Array.from({ length: 4 }, (_, i) => sum + i);
  return { value: { sum, values }, transfer: [values.buffer as ArrayBuffer] };
};

export const fails: ComputeFunction<string, never> = (why) => {
  throw new RangeError(why);
};

/** Never returns (until the thread is terminated). */
export const hangs: ComputeFunction<number, number> = (n) => {
  let x = n;
  for (;;) x = (x * 1_103_515_245 + 12_345) % 2_147_483_648;
};
