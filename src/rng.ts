/**
 * The project's one seeded PRNG: sfc32 (Chris Doty-Humphrey's Small Fast Counting
 * generator, 128-bit state, passes PractRand to 2^40+ bytes), seeded through splitmix32
 * so that neighbouring seeds give unrelated streams. Every random choice in datasets/,
 * and in the training engine (init, batch order), goes through here so a run is a pure
 * function of its seeds.
 */

/** Seeds are unsigned 32-bit integers; larger numbers are folded in, not truncated. */
export type Seed = number;

/**
 * A stable 32-bit seed derived from any mix of strings and numbers, e.g.
 * `deriveSeed(rootSeed, "count-objects", imageIndex)`. Parts are typed and separated
 * before hashing, so `("a", 1)`, `("a1")` and `("a", "1")` all differ.
 */
export function deriveSeed(...parts: readonly (string | number)[]): Seed {
  // FNV-1a over the UTF-16 code units of a tagged serialisation, then a murmur3 finaliser
  // for avalanche (FNV alone mixes its last bytes poorly).
  let hash = 0x811c9dc5;
  const mix = (code: number): void => {
    hash ^= code & 0xffff;
    hash = Math.imul(hash, 0x01000193);
  };
  for (const part of parts) {
    const text = typeof part === "number" ? `n${part}` : `s${part}`;
    for (let i = 0; i < text.length; i++) mix(text.charCodeAt(i));
    mix(0x1f); // unit separator: keeps ("ab","c") apart from ("a","bc")
  }
  return finalise32(hash);
}

/** Deterministic pseudo-random stream; cheap to create (a few ns), so make one per image. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spareNormal: number | undefined;

  constructor(seed: Seed) {
    // Fold numbers beyond 32 bits in, so 2**32 + 1 and 1 are different seeds.
    const low = seed >>> 0;
    const high = Math.floor(Math.abs(seed) / 4294967296) >>> 0;
    let state = (low ^ Math.imul(high, 0x9e3779b1)) >>> 0;
    const next = (): number => {
      state = (state + 0x9e3779b9) | 0;
      return finalise32(state);
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.nextUint32(); // warm up, as sfc32's author advises
  }

  /** Next raw 32-bit unsigned integer. */
  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform float in [low, high); defaults to [0, 1). 32 bits of resolution. */
  uniform(low = 0, high = 1): number {
    return low + (high - low) * (this.nextUint32() / 4294967296);
  }

  /** Uniform integer in [0, count); `count` must be a positive integer below 2^32. */
  int(count: number): number {
    // Multiply-shift (Lemire) without the rejection step: bias < count / 2^32, negligible here.
    return Math.floor((this.nextUint32() / 4294967296) * count);
  }

  /** Uniform integer in [low, high] inclusive. */
  intBetween(low: number, high: number): number {
    return low + this.int(high - low + 1);
  }

  /** Normal sample (Box–Muller, the second value cached for the next call). */
  normal(mean = 0, std = 1): number {
    if (this.spareNormal !== undefined) {
      const spare = this.spareNormal;
      this.spareNormal = undefined;
      return mean + std * spare;
    }
    const u = 1 - this.uniform(); // (0, 1]: keeps log finite
    const v = this.uniform();
    const radius = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = radius * Math.sin(2 * Math.PI * v);
    return mean + std * radius * Math.cos(2 * Math.PI * v);
  }

  /** True with the given probability. */
  bernoulli(probability: number): boolean {
    return this.uniform() < probability;
  }

  /** One element chosen uniformly; throws on an empty list (a caller bug). */
  choice<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError("rng.choice: empty list");
    return items[this.int(items.length)] as T;
  }

  /** Fisher–Yates shuffle in place; returns the same array for chaining. */
  shuffle<T, A extends { length: number; [index: number]: T }>(items: A): A {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const held = items[i] as T;
      items[i] = items[j] as T;
      items[j] = held;
    }
    return items;
  }

  /** A uniformly random permutation of 0..count-1. */
  permutation(count: number): Int32Array {
    const order = new Int32Array(count);
    for (let i = 0; i < count; i++) order[i] = i;
    return this.shuffle<number, Int32Array>(order);
  }
}

/** murmur3's 32-bit finaliser: a bijection with full avalanche. */
function finalise32(value: number): number {
  let h = value | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
