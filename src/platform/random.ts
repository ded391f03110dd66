import { randomBytes } from 'node:crypto';

/** Randomness comes from an injected source so that generators and tests are repeatable. */
export interface RandomSource {
  /** A float in [0, 1). */
  next(): number;
}

/**
 * Mulberry32: a tiny, fast, well-distributed 32-bit PRNG. Used for deterministic synthetic data,
 * never for secrets (those use node:crypto).
 */
export function seededRandom(seed: number): RandomSource & {
  int(minInclusive: number, maxInclusive: number): number;
  pick<T>(items: readonly T[]): T;
  normal(mean?: number, deviation?: number): number;
  chance(probability: number): boolean;
} {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[Math.floor(next() * items.length)] as T;
    },
    normal: (mean = 0, deviation = 1) => {
      const u = Math.max(next(), Number.EPSILON);
      const v = next();
      return mean + deviation * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
    chance: (probability) => next() < probability,
  };
}

export function secureToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
