/**
 * A small seeded pseudo-random generator (mulberry32) so the demo database and workload
 * are reproducible: the same seed always yields the same tenants, rows and events.
 * Never Math.random: tests assert exact counts.
 */

const UINT32 = 0x1_0000_0000;

export interface Prng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  /** true with probability p. */
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** A 31-bit integer, e.g. a salt that SQL mixes into generated values. */
  salt(): number;
}

export function createPrng(seed: number): Prng {
  if (!Number.isInteger(seed)) throw new Error(`PRNG seed must be an integer, got ${seed}`);
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / UINT32;
  };
  const int = (min: number, max: number): number => {
    if (max < min) throw new Error(`PRNG int: empty range [${min}, ${max}]`);
    return min + Math.floor(next() * (max - min + 1));
  };
  return {
    next,
    int,
    chance: (p) => next() < p,
    pick: <T>(items: readonly T[]): T => {
      if (items.length === 0) throw new Error('PRNG pick: no items');
      return items[int(0, items.length - 1)] as T;
    },
    salt: () => int(0, 0x7fff_ffff),
  };
}
