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
  /**
   * Selection sampling (Knuth's Algorithm S) of exactly `wanted` of 0..n-1, in increasing order,
   * into chosen[0..wanted); the rest, also in order, into rest[0..n-wanted). Uses n draws, the
   * same as n calls of next(), without a call per draw (bagging runs it for every tree).
   */
  select(n: number, wanted: number, chosen: Uint32Array, rest: Uint32Array): void;
}

const STEP = 0x6d2b79f5;

/** Mulberry32's output for a state (small enough for V8 to inline into the loops that call it). */
function mix(state: number): number {
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + STEP) >>> 0;
    return mix(state);
  };
  const select = (n: number, wanted: number, chosen: Uint32Array, rest: Uint32Array): void => {
    if (!(wanted >= 0 && wanted <= n) || chosen.length < Math.min(wanted + 1, n) || rest.length < n - wanted) throw new RangeError(`cannot select ${wanted} of ${n} into arrays of ${chosen.length} and ${rest.length}`);
    let s = state;
    let taken = 0;
    let left = 0;
    const last = Math.max(chosen.length - 1, 0);
    for (let i = 0; i < n; i++) {
      s = (s + STEP) >>> 0;
      // Branch-free: whether i is drawn is a coin flip, and a branch on it mispredicts half the
      // time. chosen[taken] is written for every i and kept only when i is drawn.
      const take = ((mix(s) * (n - i) < wanted - taken) as unknown as number) | 0;
      chosen[taken < last ? taken : last] = i;
      rest[left] = i;
      taken += take;
      left += 1 - take;
    }
    state = s;
  };
  return { next, below: (bound) => Math.floor(next() * bound), select };
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
