import { describe, expect, it } from 'vitest';
import { kFold, randomSplit, timeSplit } from './split.js';

describe('splits', () => {
  it('a random split partitions the rows, repeatably under a seed', () => {
    const a = randomSplit(1000, 0.2, 42);
    expect(a.test.length).toBe(200);
    expect(new Set([...a.train, ...a.test]).size).toBe(1000);
    expect(Array.from(randomSplit(1000, 0.2, 42).test)).toEqual(Array.from(a.test));
    expect(Array.from(randomSplit(1000, 0.2, 43).test)).not.toEqual(Array.from(a.test));
  });

  it('a time split trains on the past and tests on the future', () => {
    const times = [5, 1, 4, 2, 3, 3, 6, 7, 8, 9];
    const byCutoff = timeSplit(times, { cutoff: 4 });
    expect(Array.from(byCutoff.train).map((i) => times[i])).toEqual([1, 2, 3, 3]);
    const byShare = timeSplit(times, { testFraction: 0.3 });
    expect(Array.from(byShare.test).map((i) => times[i]).sort()).toEqual([7, 8, 9]);
    for (const i of byShare.train) expect(times[i]!).toBeLessThan(7);
  });

  it('k folds test every row exactly once', () => {
    const folds = kFold(103, 5, 1);
    const seen = new Array<number>(103).fill(0);
    for (const fold of folds) {
      expect(fold.train.length + fold.test.length).toBe(103);
      expect(new Set([...fold.train, ...fold.test]).size).toBe(103);
      for (const i of fold.test) seen[i]!++;
    }
    expect(seen.every((c) => c === 1)).toBe(true);
    expect(() => kFold(10, 1, 1)).toThrow(/k must be/);
  });
});
