import { describe, expect, test } from "bun:test";
import { deriveSeed, Rng } from "../src/rng.ts";

const draw = (seed: number, count: number): number[] => {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => rng.nextUint32());
};

describe("Rng", () => {
  test("the same seed gives the same stream and different seeds give different streams", () => {
    expect(draw(42, 100)).toEqual(draw(42, 100));
    expect(draw(42, 100)).not.toEqual(draw(43, 100));
    // Seeds beyond 32 bits are folded in rather than truncated.
    expect(draw(2 ** 32 + 5, 10)).not.toEqual(draw(5, 10));
  });

  test("uniform has the mean and variance of U[0,1) and stays in range", () => {
    const rng = new Rng(1);
    const n = 100_000;
    let sum = 0;
    let sumSquares = 0;
    for (let i = 0; i < n; i++) {
      const u = rng.uniform();
      expect(u >= 0 && u < 1).toBe(true);
      sum += u;
      sumSquares += u * u;
    }
    const mean = sum / n;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.005);
    expect(Math.abs(sumSquares / n - mean * mean - 1 / 12)).toBeLessThan(0.002);
  });

  test("int covers [0, n) evenly (chi-square well under the 0.1% critical value)", () => {
    const rng = new Rng(2);
    const bins = 10;
    const n = 50_000;
    const counts = new Array<number>(bins).fill(0);
    for (let i = 0; i < n; i++) {
      const k = rng.int(bins);
      expect(Number.isInteger(k) && k >= 0 && k < bins).toBe(true);
      counts[k] = (counts[k] as number) + 1;
    }
    const expected = n / bins;
    const chiSquare = counts.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
    expect(chiSquare).toBeLessThan(27.9); // df = 9, p = 0.001
    const inclusive = new Rng(3);
    const seen = new Set(Array.from({ length: 200 }, () => inclusive.intBetween(-2, 2)));
    expect([...seen].sort((a, b) => a - b)).toEqual([-2, -1, 0, 1, 2]);
  });

  test("normal has the requested mean and standard deviation", () => {
    const rng = new Rng(4);
    const n = 50_000;
    const samples = Array.from({ length: n }, () => rng.normal(3, 2));
    const mean = samples.reduce((a, b) => a + b, 0) / n;
    const std = Math.sqrt(samples.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
    expect(Math.abs(mean - 3)).toBeLessThan(0.05);
    expect(Math.abs(std - 2)).toBeLessThan(0.05);
  });

  test("shuffle and permutation return permutations, and choice picks members", () => {
    const rng = new Rng(5);
    const permutation = Array.from(rng.permutation(50));
    expect([...permutation].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(permutation).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
    const letters = ["a", "b", "c", "d"];
    const shuffled = rng.shuffle([...letters]);
    expect([...shuffled].sort()).toEqual(letters);
    for (let i = 0; i < 20; i++) expect(letters).toContain(rng.choice(letters));
    expect(() => rng.choice([])).toThrow();
  });
});

describe("deriveSeed", () => {
  test("is stable, 32-bit, and separates parts, types and order", () => {
    expect(deriveSeed("task", 1)).toBe(deriveSeed("task", 1));
    const seeds = [deriveSeed("a", 1), deriveSeed("a", "1"), deriveSeed("a1"), deriveSeed(1, "a"), deriveSeed("ab", "c"), deriveSeed("a", "bc")];
    expect(new Set(seeds).size).toBe(seeds.length);
    for (const seed of seeds) expect(Number.isInteger(seed) && seed >= 0 && seed < 2 ** 32).toBe(true);
  });

  test("neighbouring inputs give unrelated seeds (about half the bits flip)", () => {
    let flipped = 0;
    const pairs = 1000;
    for (let i = 0; i < pairs; i++) {
      let x = (deriveSeed("image", i) ^ deriveSeed("image", i + 1)) >>> 0;
      while (x !== 0) {
        flipped += x & 1;
        x >>>= 1;
      }
    }
    expect(Math.abs(flipped / pairs - 16)).toBeLessThan(0.5);
  });
});
