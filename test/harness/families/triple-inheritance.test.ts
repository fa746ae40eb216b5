import { describe, expect, test } from "bun:test";
import { familyInheritance, inheritancePools, quantiles, signDeficit, triangleTerms } from "../../../src/harness/families/triple-inheritance.ts";
import { discoverModels } from "../../../src/io/discover-models.ts";
import { writeSyntheticTrees } from "../../fixtures/synthetic-trees.ts";
import { temporaryFolder } from "../../fixtures/temporary-folder.ts";

describe("signDeficit", () => {
  // b = 0; I moved element 0 by 1 (its top tenth of 10 elements) and the rest by 0.1; element 5 is half a layer away.
  const b = new Float64Array(10);
  const i = Float64Array.from([1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]);
  test("a child that keeps I's largest move: 0 (kept, as an update independent of it would)", () => {
    expect(signDeficit(b, i, i)).toBe(0);
  });
  test("a model that flips I's largest move while its own update there is 0 half a layer away: −1 (hand-computed)", () => {
    const c = Float64Array.from(i);
    c[0] = -1; // kept 0 of 1; e at element 5 = 0.1 − 0 − 0.1 = 0, so a + e keeps the sign: expected 1 of 1
    expect(signDeficit(b, i, c)).toBe(-1);
  });
  test("I equal to B (no move): undefined", () => {
    expect(signDeficit(b, b, i)).toBeUndefined();
  });
});

describe("triangleTerms", () => {
  test("C = I: ⟨û_I − û_B, û_I − û_B⟩ / |û_I − û_B|² = 1; C = B: 0", () => {
    const b = Float64Array.from([1, -2, 3, 0.5, -1]);
    const i = Float64Array.from([1.2, -2.1, 2.7, 0.6, -0.8]);
    const same = triangleTerms(b, i, i)!;
    expect(same.num / same.den).toBeCloseTo(1, 12);
    expect(triangleTerms(b, i, b)!.num).toBeCloseTo(0, 12);
  });
  test("a constant layer has no direction: undefined", () => {
    expect(triangleTerms(new Float64Array(4).fill(2), Float64Array.from([1, 2, 3, 4]), Float64Array.from([4, 3, 2, 1]))).toBeUndefined();
  });
});

describe("triangleTerms: the back step, 1 + 2·cross/step", () => {
  const unit = (x: Float64Array) => {
    const mean = x.reduce((a, v) => a + v, 0) / x.length;
    const centred = x.map((v) => v - mean);
    return centred.map((v) => v / Math.hypot(...centred));
  };
  const squared = (x: Float64Array, y: Float64Array) => x.reduce((sum, v, at) => sum + (v - y[at]!) ** 2, 0);
  const b = Float64Array.from([1, -2, 3, 0.5, -1, 0.2]);
  const i = Float64Array.from([1.3, -2.2, 2.6, 0.7, -0.7, 0.1]);
  test("1 + 2·cross/step is (|C − B|² − |I − B|²)/|C − I|² of the centred unit vectors (brute force)", () => {
    const c = Float64Array.from([1.1, -2.5, 2.9, 0.2, -0.6, 0.4]);
    const { cross, step } = triangleTerms(b, i, c)!;
    const [ub, ui, uc] = [unit(b), unit(i), unit(c)];
    expect(1 + (2 * cross) / step).toBeCloseTo((squared(uc, ub) - squared(ui, ub)) / squared(uc, ui), 10);
  });
  test("a child that takes back part of its parent's update is nearer the grandparent: negative", () => {
    const c = i.map((v, at) => v - 0.3 * (v - b[at]!));
    const { cross, step } = triangleTerms(b, i, c)!;
    expect(1 + (2 * cross) / step).toBeLessThan(0);
  });
});

describe("familyInheritance", () => {
  const dir = temporaryFolder("mother-inherit-");
  test("independent fine-tunes: chains inherit (ratio ≈ 1, deficit ≈ 0, residual slope ≈ 1), siblings do not (ratio ≈ 0, deficit well below 0, residual slope ≈ 0)", async () => {
    const truth = await writeSyntheticTrees(dir, [{ root: "r", children: 2, grandchildren: 1 }], { seed: 4 });
    const triples = await familyInheritance(await discoverModels([dir]), truth);
    const chains = triples.filter((t) => t.kind === "chain");
    const siblings = triples.filter((t) => t.kind === "siblings");
    expect(chains.map((t) => `${t.b}→${t.i}→${t.c}`).sort()).toEqual(["r→r-c0→r-c0-g0", "r→r-c1→r-c1-g0"]);
    expect(siblings.length).toBe(2); // r → {c0, c1}, each way round
    for (const t of chains) {
      expect(Math.abs(t.ratio - 1)).toBeLessThan(0.1);
      expect(Math.abs(t.signDeficit)).toBeLessThan(0.02);
      expect(Math.abs(t.residualSlope - 1)).toBeLessThan(0.1);
      expect(Math.abs(t.backStep - 1)).toBeLessThan(0.2);
    }
    for (const t of siblings) {
      expect(Math.abs(t.ratio)).toBeLessThan(0.1);
      expect(t.signDeficit).toBeLessThan(-0.2);
      expect(Math.abs(t.residualSlope)).toBeLessThan(0.2);
    }
    const pools = inheritancePools([{ benchmark: "synthetic", triples }]);
    expect(pools.map((p) => p.triples.length)).toEqual([2, 2, 0]);
  });
});

describe("quantiles", () => {
  test("numpy's linear rule at 5, 10, 50, 90, 95 %; NaN dropped", () => {
    expect(quantiles([0, 10, Number.NaN, 20, 30, 40])).toEqual([2, 4, 20, 36, 38]);
  });
});
