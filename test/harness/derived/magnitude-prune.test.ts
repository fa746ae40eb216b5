import { describe, expect, test } from "bun:test";
import { magnitudePrune } from "../../../src/harness/derived/magnitude-prune.ts";

describe("magnitudePrune", () => {
  test("zeroes exactly the 30 % smallest |w| and keeps the rest bit for bit", () => {
    const values = new Float64Array([0.5, -0.1, 0.9, 0.05, -0.7, 0.3, -0.02, 0.8, 0.6, -0.4]);
    // |w| sorted: 0.02 (6), 0.05 (3), 0.1 (1) are the 3 of 10 pruned.
    expect(Array.from(magnitudePrune(values, 0.3))).toEqual([0.5, 0, 0.9, 0, -0.7, 0.3, 0, 0.8, 0.6, -0.4]);
  });

  test("breaks ties by position: the earlier of equal magnitudes is pruned first", () => {
    const values = new Float64Array([0.2, -0.1, 0.1, 0.3, -0.1, 0.4, 0.5, 0.6, 0.7, 0.8]);
    // 3 to prune; magnitude 0.1 at indices 1, 2, 4 — all three go. With 2 to prune (20 %), 1 and 2 go, 4 stays.
    expect(Array.from(magnitudePrune(values, 0.3))).toEqual([0.2, 0, 0, 0.3, 0, 0.4, 0.5, 0.6, 0.7, 0.8]);
    expect(Array.from(magnitudePrune(values, 0.2))).toEqual([0.2, 0, 0, 0.3, -0.1, 0.4, 0.5, 0.6, 0.7, 0.8]);
  });

  test("prunes round(fraction · n) entries and every kept |w| is ≥ every pruned |w| (brute-force check)", () => {
    const values = new Float32Array(1000).map((_, i) => Math.sin(i * 1.618) * Math.cos(i * 0.37));
    const out = magnitudePrune(values, 0.3);
    const pruned = [...values.keys()].filter((i) => out[i] === 0);
    const kept = [...values.keys()].filter((i) => out[i] !== 0);
    expect(pruned.length).toBe(300);
    expect(Math.max(...pruned.map((i) => Math.abs(values[i]!)))).toBeLessThanOrEqual(Math.min(...kept.map((i) => Math.abs(values[i]!))));
    for (const i of kept) expect(out[i]).toBe(values[i]!);
  });

  test("fraction 0 keeps everything, 1 zeroes everything, outside [0, 1] is refused", () => {
    const values = new Float64Array([1, -2, 3]);
    expect(Array.from(magnitudePrune(values, 0))).toEqual([1, -2, 3]);
    expect(Array.from(magnitudePrune(values, 1))).toEqual([0, 0, 0]);
    expect(() => magnitudePrune(values, 1.5)).toThrow("fraction must lie in [0, 1]");
    expect(() => magnitudePrune(values, Number.NaN)).toThrow("fraction must lie in [0, 1]");
  });
});
