import { describe, expect, it } from 'vitest';
import { createRng } from './random.js';

describe('createRng', () => {
  it('fill() gives exactly the values that as many next() calls would, and the stream goes on from there', () => {
    const a = createRng(123);
    const b = createRng(123);
    const filled = new Float64Array(1000);
    a.fill(filled, 600);
    for (let i = 0; i < 600; i++) expect(filled[i]).toBe(b.next());
    expect(filled[600]).toBe(0); // only `count` values are written
    expect(a.next()).toBe(b.next());
    expect(createRng(124).next()).not.toBe(createRng(123).next());
  });
});
