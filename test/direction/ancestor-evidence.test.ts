import { describe, expect, test } from "bun:test";
import { ANCESTOR_FLOOR, addAncestorEvidence, ancestorZ, atNoiseFloor, notOverturning, withAncestors } from "../../src/direction/ancestor-evidence.ts";
import type { PairLayerEvidence } from "../../src/direction/pair-evidence.ts";
import { pairZ } from "../../src/direction/pair-rule.ts";
import { readPairEvidence, type PairLayers } from "../../src/direction/read-pair-evidence.ts";
import { findPairRule } from "../../src/direction/registry.ts";
import { orientTree } from "../../src/direction/orient-tree.ts";
import { DEFAULT_RECOVER_OPTIONS } from "../../src/recover/options.ts";
import { makeUniform } from "../../src/recover/seeded-random.ts";
import { craftedGroup, craftedMembers } from "./crafted-group.ts";

/** layersOf over three models from each pair's per-layer correlations (undefined: a layer without evidence). */
function correlations(rho: Record<string, readonly (number | undefined)[]>): PairLayers["layersOf"] {
  return (i, j) => rho[`${i}${j}`]!.map((r) => (r === undefined ? undefined : ({ rho: r } as PairLayerEvidence)));
}

describe("ancestorZ", () => {
  test("counts per-layer votes for the model nearer the ancestor, skips ties and missing layers (hand-computed)", () => {
    // Layers: x nearer g (ρ .9 > .8), a tie, y nearer g (.5 < .6), x nearer g (.7 > .4), missing in one pair.
    const layersOf = correlations({ "01": [0.9, 0.8, 0.5, 0.7, 0.3], "02": [0.8, 0.8, 0.6, 0.4, undefined], "12": [0.99, 0.99, 0.99, 0.99, 0.99] });
    expect(ancestorZ(layersOf, 0, 1, 2)).toBeCloseTo(1 / Math.sqrt(3), 12);
    expect(ancestorZ(layersOf, 0, 2, 1)).toBeCloseTo(-1 / Math.sqrt(3), 12);
  });

  test("reads a pair given either way round (ρ is symmetric) and is 0 without evidence", () => {
    const layersOf = correlations({ "01": [0.9], "12": [0.5], "02": [undefined] });
    // g = 2: ρ(2, 1) = .5 (layersOf(1, 2)), ρ(2, 0) missing.
    expect(ancestorZ(layersOf, 2, 1, 0)).toBe(0);
    const full = correlations({ "01": [0.9], "12": [0.5], "02": [0.7] });
    expect(ancestorZ(full, 2, 0, 1)).toBe(1);
  });
});

describe("addAncestorEvidence", () => {
  test("only edges below the root get a z, antisymmetric, once each", () => {
    const layersOf = correlations({ "01": [0.9, 0.9], "02": [0.8, 0.8], "12": [0.95, 0.95] });
    const found = new Float64Array(9).fill(Number.NaN);
    // 0 → 1 → 2: only 1 → 2 has a grandparent (0), and 2 is farther from 0 on both layers.
    expect(addAncestorEvidence(found, 3, Int32Array.from([-1, 0, 1]), layersOf)).toBe(1);
    expect(found[1 * 3 + 2]).toBeCloseTo(Math.SQRT2, 12);
    expect(found[2 * 3 + 1]).toBeCloseTo(-Math.SQRT2, 12);
    expect([0, 1, 2, 3, 4, 6, 8].every((at) => Number.isNaN(found[at]!))).toBe(true);
    expect(addAncestorEvidence(found, 3, Int32Array.from([-1, 0, 1]), layersOf)).toBe(0);
  });

  test("withAncestors combines by Stouffer's sum where evaluated and leaves the rest", () => {
    const z = Float64Array.from([0, 1, -2, -1, 0, 0.5, 2, -0.5, 0]);
    const found = Float64Array.from([Number.NaN, Number.NaN, Number.NaN, Number.NaN, Number.NaN, 3, Number.NaN, -3, Number.NaN]);
    const out = withAncestors(z, found);
    expect(out[5]).toBeCloseTo(3.5 / Math.SQRT2, 12);
    expect(out[7]).toBeCloseTo(-3.5 / Math.SQRT2, 12);
    expect([out[1], out[2], out[3], out[6]]).toEqual([1, -2, -1, 2]);
  });
});

describe("--pair-ancestor on a chain whose last edge's own evidence is weak and wrong", () => {
  /** g Laplace; x = g + an update as large; y = x + a small one; four layers of 20,000 weights each. */
  async function swapPairs() {
    const laplace = (seed: number) => makeUniform(20_000, seed).map((u) => (u < 0.5 ? Math.log(2 * u) : -Math.log(2 * (1 - u))));
    const layers = [0, 1, 2, 3].map((l) => {
      const g = laplace(100 + l);
      const large = laplace(200 + l);
      const x = g.map((v, i) => v + large[i]!);
      const small = laplace(300 + l);
      return [g, x, x.map((v, i) => v + 0.3 * small[i]!)];
    });
    const jobs = layers.map(() => ({ kind: "mlp-in" as const, shape: [20_000], roles: { distance: true, score: true, sketch: false }, tensors: [] as never }));
    const pairs = await readPairEvidence(jobs, "score", [0, 1, 2], async (job, member) => layers[jobs.indexOf(job as (typeof jobs)[number])]![member]!);
    // The x → y pair evidence pushed to −0.3 (through the decay hook, the one place a test can set a pair's z): a weak wrong sign.
    const weak = pairZ("tanh", pairs.layersOf(1, 2));
    return { ...pairs, decayOf: (i: number, j: number) => (i === 1 && j === 2 ? -weak - 0.3 : 0) };
  }

  test("off: the weak sign costs λ and the tree swaps x and y; on: the grandparent puts y below x", async () => {
    const pairLayers = await swapPairs();
    const members = craftedMembers(3, "auto");
    // d(g, y)² = d(g, x)² + d(x, y)²: the margin of the true tree (0.044) is far below λ = 0.3 · mean D (0.23).
    const distance = Float64Array.from([0, 1, Math.sqrt(1.09), 1, 0, 0.3, Math.sqrt(1.09), 0.3, 0]);
    const orient = (pairAncestor: "on" | "off") =>
      orientTree({
        group: craftedGroup([{}, {}, {}], [{}, {}, {}]),
        members,
        kept: members,
        distance,
        choice: "ft",
        options: { ...DEFAULT_RECOVER_OPTIONS, pairDecay: "on", pairAncestor },
        forbidden: undefined,
        rankMask: undefined,
        rule: findPairRule("pair-tanh")!,
        pairLayers,
      });
    expect(ancestorZ(pairLayers.layersOf, 0, 1, 2)).toBe(2);
    expect([...orient("off").tree.parent]).toEqual([-1, 2, 0]);
    expect([...orient("on").tree.parent]).toEqual([-1, 0, 1]);
  });
});

describe("atNoiseFloor (--pair-ancestor floor)", () => {
  test("keeps a pair's ancestor z only where the pair's own |z| is below the floor; the kept pairs are combined as before", () => {
    // Three models: z(0,1) 0.5 (at the floor), z(0,2) 2.5 (clear), z(1,2) −1.9 (at the floor); ancestor z on every pair.
    const z = Float64Array.of(0, 0.5, 2.5, -0.5, 0, -1.9, -2.5, 1.9, 0);
    const found = Float64Array.of(Number.NaN, 3, -3, -3, Number.NaN, 1, 3, -1, Number.NaN);
    const kept = atNoiseFloor(z, found);
    expect(ANCESTOR_FLOOR).toBe(1.96);
    expect([...kept].map((v) => (Number.isNaN(v) ? null : v))).toEqual([null, 3, null, -3, null, 1, null, -1, null]);
    const combined = withAncestors(z, kept);
    expect(combined[2]).toBe(2.5);
    expect(combined[1]).toBeCloseTo((0.5 + 3) / Math.SQRT2, 12);
    expect(combined[5]).toBeCloseTo((-1.9 + 1) / Math.SQRT2, 12);
  });
});

describe("notOverturning (--pair-ancestor agree)", () => {
  test("keeps an ancestor z that strengthens or keeps the pair's own sign, or meets no evidence; drops one that reverses it", () => {
    // z(0,1) 0.2 with ancestor −2.5 (reverses: dropped); z(0,2) −0.3 with ancestor −1 (strengthens: kept); z(1,2) 0 with ancestor 1.5 (kept).
    const z = Float64Array.of(0, 0.2, -0.3, -0.2, 0, 0, 0.3, 0, 0);
    const found = Float64Array.of(Number.NaN, -2.5, -1, 2.5, Number.NaN, 1.5, 1, -1.5, Number.NaN);
    const kept = notOverturning(z, found);
    expect([...kept].map((v) => (Number.isNaN(v) ? null : v))).toEqual([null, null, -1, null, null, 1.5, 1, -1.5, null]);
    // z(0,1)'s own sign stands; z(0,2) is strengthened; z(1,2) is decided by the ancestor alone.
    const combined = withAncestors(z, kept);
    expect([combined[1], combined[3]]).toEqual([0.2, -0.2]);
    expect(combined[2]).toBeCloseTo(-1.3 / Math.SQRT2, 12);
    expect(combined[5]).toBeCloseTo(1.5 / Math.SQRT2, 12);
  });
});
