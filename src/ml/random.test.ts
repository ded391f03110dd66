import { describe, expect, it } from 'vitest';
import { createRng } from './random.js';

describe('createRng', () => {
  it('select() draws exactly `wanted` rows in order, the rest in order after, as Algorithm S over next() would, and the stream goes on', () => {
    const a = createRng(7);
    const b = createRng(7);
    const n = 1001;
    const wanted = 400;
    const chosen = new Uint32Array(n);
    const rest = new Uint32Array(n);
    a.select(n, wanted, chosen, rest);
    // Algorithm S by hand, one next() per row.
    const expected: number[] = [];
    for (let i = 0; i < n; i++) if (b.next() * (n - i) < wanted - expected.length) expected.push(i);
    expect(Array.from(chosen.subarray(0, wanted))).toEqual(expected);
    const taken = new Set(expected);
    expect(Array.from(rest.subarray(0, n - wanted))).toEqual(Array.from({ length: n }, (_, i) => i).filter((i) => !taken.has(i)));
    expect(a.next()).toBe(b.next());
    expect(createRng(124).next()).not.toBe(createRng(123).next());
    expect(() => a.select(10, 11, chosen, rest)).toThrow(RangeError);
    expect(() => a.select(10, 5, new Uint32Array(3), rest)).toThrow(RangeError);
  });
});
