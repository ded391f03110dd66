/**
 * A seeded PRNG for the ML primitives. Same seed, same sequence, on every platform, so a model
 * trained with a seed is reproducible bit for bit. Not for secrets.
 *
 * Mulberry32, the same generator as platform/random.ts; kept here so src/ml depends on nothing
 * (it also runs in workers and in the browser).
 */
export interface Rng {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, bound). */
  below(bound: number): number;
  /** out[0..count) = the next `count` values of next(), without a call per value (hot loops). */
  fill(out: Float64Array, count?: number): void;
}

export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const fill = (out: Float64Array, count = out.length): void => {
    let s = state;
    for (let i = 0; i < count; i++) {
      s = (s + 0x6d2b79f5) >>> 0;
      let t = s;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      out[i] = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    }
    state = s;
  };
  return { next, below: (bound) => Math.floor(next() * bound), fill };
}

/** Fisher–Yates shuffle of 0..n-1. */
export function permutation(n: number, rng: Rng): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.below(i + 1);
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}

/** A standard normal draw (Box–Muller), for synthetic data in tests and benchmarks. */
export function normal(rng: Rng): number {
  const u = Math.max(rng.next(), Number.EPSILON);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}
