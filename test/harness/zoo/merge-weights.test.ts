import { describe, expect, test } from "bun:test";
import { mergeTensor } from "../../../src/harness/zoo/merge-weights.ts";

const base = Float64Array.of(1, 1, 1, 1);
const a = Float64Array.of(2, 1, 0, 1.5);
const b = Float64Array.of(1, 3, 2, 0.5);

describe("zoo merge methods (hand-computed)", () => {
  test("linear: Σ w θ / Σ w", () => {
    expect(Array.from(mergeTensor({ kind: "linear", weights: [1, 3] }, [a, b], undefined, 0))).toEqual([1.25, 2.5, 1.5, 0.75]);
  });

  test("task arithmetic: base + λ Σ τ", () => {
    // τa = (1, 0, −1, 0.5), τb = (0, 2, 1, −0.5)
    expect(Array.from(mergeTensor({ kind: "task-arithmetic", lambda: 0.5 }, [a, b], base, 0))).toEqual([1.5, 2, 1, 1]);
  });

  test("TIES: trim to the largest half, elect the sign of the sum, average the agreeing", () => {
    // trimmed τa (|τ| ≥ 1): (1, 0, −1, 0); trimmed τb (|τ| ≥ 1): (0, 2, 1, 0)
    // weight 2: sum 0 → sign 0, nothing agrees → base
    expect(Array.from(mergeTensor({ kind: "ties", density: 0.5, lambda: 1 }, [a, b], base, 0))).toEqual([2, 3, 1, 1]);
  });

  test("SLERP of orthogonal unit vectors at t = ½ is their normalised sum", () => {
    const out = mergeTensor({ kind: "slerp", t: 0.5 }, [Float64Array.of(1, 0), Float64Array.of(0, 1)], undefined, 0);
    expect(out[0]).toBeCloseTo(Math.SQRT1_2, 12);
    expect(out[1]).toBeCloseTo(Math.SQRT1_2, 12);
  });

  test("DARE: each kept weight is base + λ τ / density, each dropped one the base; same seed, same mask", () => {
    const parent = Float64Array.from({ length: 1000 }, () => 2);
    const origin = new Float64Array(1000);
    const out = mergeTensor({ kind: "dare", density: 0.3, lambda: 1, seed: 5 }, [parent], origin, 0);
    const kept = out.filter((v) => v !== 0);
    expect(kept.every((v) => Math.abs(v - 2 / 0.3) < 1e-12)).toBe(true);
    expect(kept.length / 1000).toBeGreaterThan(0.25);
    expect(kept.length / 1000).toBeLessThan(0.35);
    expect(Array.from(mergeTensor({ kind: "dare", density: 0.3, lambda: 1, seed: 5 }, [parent], origin, 0))).toEqual(Array.from(out));
  });
});
