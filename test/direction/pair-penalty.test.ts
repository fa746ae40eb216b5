import { describe, expect, test } from "bun:test";
import { pairConfidence } from "../../src/direction/pair-penalty.ts";
import { findPairRule } from "../../src/direction/registry.ts";
import { orientTree } from "../../src/direction/orient-tree.ts";
import { DEFAULT_RECOVER_OPTIONS } from "../../src/recover/options.ts";
import { craftedGroup, craftedMembers } from "./crafted-group.ts";

describe("pairConfidence (--pair-penalty confidence)", () => {
  test("an edge against the evidence pays erf(|z|/√2); the supported edge and an exact 0 pay nothing", () => {
    // z(0 → 1) = 1, z(0 → 2) = 0, z(1 → 2) = −2 (antisymmetric).
    const z = Float64Array.of(0, 1, 0, -1, 0, -2, 0, 2, 0);
    const k = pairConfidence(z, 3);
    expect(k[0 * 3 + 1]).toBe(0);
    expect(k[1 * 3 + 0]).toBeCloseTo(0.6826895, 6);
    expect(k[0 * 3 + 2]).toBe(0);
    expect(k[2 * 3 + 0]).toBe(0);
    expect(k[1 * 3 + 2]).toBeCloseTo(0.9544997, 6);
    expect(k[2 * 3 + 1]).toBe(0);
  });
});

/**
 * A cluster attachment (held-out set 5's olmo-sgd, in miniature): base (0) with code (1) and code's child python (2).
 * D: base–code 0.856 < base–python 0.875, code–python 0.183; the pair evidence says base is everyone's parent (z 7) and,
 * between code and python, `zCodePython` (< 0: python looks like code's parent). λ = 0.3 · mean D = 0.1276.
 * Truth base → code → python costs 1.039 + λ·K(code → python); base → python → code costs 1.058.
 */
function orientCluster(zCodePython: number, pairPenalty: "full" | "confidence") {
  const members = craftedMembers(3, "auto");
  const z = [
    [0, 7, 7],
    [-7, 0, zCodePython],
    [-7, -zCodePython, 0],
  ];
  return orientTree({
    group: craftedGroup([{}, {}, {}], [{}, {}, {}]),
    members,
    kept: members,
    distance: Float64Array.of(0, 0.856, 0.875, 0.856, 0, 0.183, 0.875, 0.183, 0),
    choice: "ft",
    // The z comes in through the decay term alone (no layer gives evidence): "on" adds it without the exact parent rule.
    options: { ...DEFAULT_RECOVER_OPTIONS, pairDecay: "on", pairPenalty },
    forbidden: undefined,
    rankMask: undefined,
    rule: findPairRule("pair-tanh")!,
    pairLayers: { size: 3, layersOf: () => [], decayOf: (i, j) => z[i]![j]! },
  });
}

describe("--pair-penalty on a crafted cluster attachment", () => {
  test("a chance-level z (−0.1): full pays one λ and attaches the cluster through python; confidence lets D decide (the truth)", () => {
    expect([...orientCluster(-0.1, "full").tree.parent]).toEqual([-1, 2, 0]);
    expect([...orientCluster(-0.1, "confidence").tree.parent]).toEqual([-1, 0, 1]);
  });
  test("a decisive z (−3) costs ~one λ either way: both keep python as code's parent (the rule does not fire)", () => {
    expect([...orientCluster(-3, "full").tree.parent]).toEqual([-1, 2, 0]);
    expect([...orientCluster(-3, "confidence").tree.parent]).toEqual([-1, 2, 0]);
  });
  test("with the evidence for the truth (z +0.1) both recover it: confidence never charges a supported edge", () => {
    expect([...orientCluster(0.1, "full").tree.parent]).toEqual([-1, 0, 1]);
    expect([...orientCluster(0.1, "confidence").tree.parent]).toEqual([-1, 0, 1]);
  });
});
