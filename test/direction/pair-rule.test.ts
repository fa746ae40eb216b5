import { describe, expect, test } from "bun:test";
import type { PairLayerEvidence } from "../../src/direction/pair-evidence.ts";
import {
  adaptiveForm,
  isPairRule,
  layerZ,
  pairDirection,
  pairEvidenceMatrix,
  pairZ,
  parentEvidence,
  updateTailExcess,
  withDecay,
  PAIR_VETO,
  withVeto,
} from "../../src/direction/pair-rule.ts";
import { DIRECTION_RULES, PAIR_RULES, findPairRule } from "../../src/direction/registry.ts";

/** Evidence with chosen tanh and cumulant terms (n = 100, ρ = 0.5) and hetero correlations. */
function evidence(over: Partial<PairLayerEvidence> = {}): PairLayerEvidence {
  return {
    n: 100,
    rho: 0.5,
    kurtosisA: 1,
    kurtosisB: 1,
    cumulant: { mean: 0.2, variance: 4 },
    tanh: { mean: 0.1, variance: 1 },
    heteroForward: 0.1,
    heteroBackward: 0.3,
    entropy: { ratio: 0.02, standardError: 0.01 },
    kurtosisUpdate: 0,
    ...over,
  };
}

describe("layerZ", () => {
  test("is the signed mean over its standard error: tanh 0.5·0.1 / (0.5·√(1/100)) = 1", () => {
    expect(layerZ("tanh", evidence())).toBeCloseTo(1, 12);
    // cumulant: 0.5·0.2 / (0.5·√(4/100)) = 1.
    expect(layerZ("cumulant", evidence())).toBeCloseTo(1, 12);
    // heteroscedasticity: (0.3 − 0.1)·√(100/2).
    expect(layerZ("heteroscedasticity", evidence())).toBeCloseTo(0.2 * Math.sqrt(50), 12);
  });

  test("sub-Gaussian weights reverse the moment forms, not the residual one", () => {
    const sub = evidence({ kurtosisA: -1.2, kurtosisB: -1.1 });
    expect(layerZ("tanh", sub)).toBeCloseTo(-1, 12);
    expect(layerZ("heteroscedasticity", sub)).toBeGreaterThan(0);
  });

  test("an unchanged layer (every term 0) gives no evidence", () => {
    expect(layerZ("tanh", evidence({ tanh: { mean: 0, variance: 0 } }))).toBeUndefined();
    expect(layerZ("heteroscedasticity", evidence({ tanh: { mean: 0, variance: 0 } }))).toBeUndefined();
    expect(layerZ("tanh", undefined)).toBeUndefined();
  });
});

describe("pairZ", () => {
  test("combines the layers that give evidence by Stouffer's sum", () => {
    const layers = [evidence(), evidence({ tanh: { mean: -0.3, variance: 1 } }), undefined];
    expect(pairZ("tanh", layers)).toBeCloseTo((1 - 3) / Math.sqrt(2), 12);
    expect(pairZ("tanh", [undefined])).toBe(0);
  });
});

describe("pair-entropy and pair-adaptive", () => {
  test("the entropy form's layer z is the ratio over its standard error", () => {
    expect(layerZ("entropy", evidence())).toBeCloseTo(2, 12);
    expect(layerZ("entropy", evidence({ entropy: undefined }))).toBeUndefined();
  });

  test("the update's tail excess is the median over changed layers of its kurtosis minus the weights' mean kurtosis", () => {
    const layers = [
      evidence({ kurtosisUpdate: 3 }), // 3 − 1 = 2
      evidence({ kurtosisUpdate: 0.5 }), // −0.5
      evidence({ kurtosisUpdate: 1.5 }), // 0.5
      evidence({ kurtosisUpdate: 100, tanh: { mean: 0, variance: 0 } }), // unchanged: left out
      undefined,
    ];
    expect(updateTailExcess(layers)).toBeCloseTo(0.5, 12);
    expect(updateTailExcess([undefined])).toBeUndefined();
  });

  test("reads the general ratio where the update is heavier-tailed than the weights, tanh elsewhere", () => {
    // tanh says b → a (z = −1), the general ratio a → b (z = +2).
    const heavy = [evidence({ kurtosisUpdate: 6, tanh: { mean: -0.1, variance: 1 } })];
    const light = [evidence({ kurtosisUpdate: -0.5, tanh: { mean: -0.1, variance: 1 } })];
    expect(adaptiveForm(heavy)).toBe("entropy");
    expect(pairZ("adaptive", heavy)).toBeCloseTo(2, 12);
    expect(adaptiveForm(light)).toBe("tanh");
    expect(pairZ("adaptive", light)).toBeCloseTo(-1, 12);
  });
});

describe("withDecay", () => {
  test("adds the decay z to each pair, antisymmetrically, and leaves pairs without votes alone", () => {
    const z = pairEvidenceMatrix("tanh", 3, () => [evidence()]);
    const decayed = withDecay(z, 3, (i, j) => (i === 0 && j === 2 ? -12 : 0));
    expect(decayed[0 * 3 + 2]).toBeCloseTo(1 - 12, 12);
    expect(decayed[2 * 3 + 0]).toBeCloseTo(-1 + 12, 12);
    expect(decayed[0 * 3 + 1]).toBe(z[0 * 3 + 1]!);
    expect([...pairDirection(decayed, 3)]).toEqual([0, 0, 1, 1, 0, 0, 0, 1, 0]);
  });
});

describe("pair-tanh-hetero", () => {
  test("is Stouffer's z of the tanh and heteroscedasticity pair z's: (1 + 0.2·√50) / √2", () => {
    // evidence(): tanh z 1 (layerZ above); residual form (0.3 − 0.1)·√(100/2) = √2.
    expect(pairZ("tanh-hetero", [evidence()])).toBeCloseTo((1 + Math.SQRT2) / Math.SQRT2, 12);
    expect(pairZ("tanh-hetero", [evidence(), evidence()])).toBeCloseTo((2 + 2 * Math.SQRT2) / Math.SQRT2 / Math.SQRT2, 12);
  });

  test("a tanh z at its noise floor against the edge is outvoted by a clear residual test, and a clear tanh z is not", () => {
    // tanh z −0.2 (mean −0.02), residual +1.41: a → b. tanh z −3, residual +1.41: b → a.
    expect(pairZ("tanh-hetero", [evidence({ tanh: { mean: -0.02, variance: 1 } })])).toBeGreaterThan(0);
    expect(pairZ("tanh-hetero", [evidence({ tanh: { mean: -0.3, variance: 1 } })])).toBeLessThan(0);
    // Antisymmetric like its parts: the same layer read the other way round (a and b swapped) flips both.
    const swapped = evidence({ tanh: { mean: -0.1, variance: 1 }, heteroForward: 0.3, heteroBackward: 0.1 });
    expect(pairZ("tanh-hetero", [swapped])).toBeCloseTo(-pairZ("tanh-hetero", [evidence()]), 12);
  });
});

describe("the evidence matrix", () => {
  test("is antisymmetric, charges an edge against the evidence one unit, and nets each model's evidence", () => {
    // Pairs (0,1) and (1,2) point forward, (0,2) forward: the chain 0 → 1 → 2.
    const z = pairEvidenceMatrix("tanh", 3, (i, j) => [evidence({ tanh: { mean: 0.1 * (j - i), variance: 1 } })]);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) expect(z[i * 3 + j]).toBeCloseTo(-z[j * 3 + i]!, 12);
    expect(z[0 * 3 + 2]).toBeCloseTo(2, 12);
    expect([...pairDirection(z, 3)]).toEqual([0, 0, 0, 1, 0, 0, 1, 1, 0]);
    const scores = parentEvidence(z, 3);
    expect(scores[0]).toBeGreaterThan(scores[1]!);
    expect(scores[1]).toBeGreaterThan(scores[2]!);
  });
});

describe("the registry's pair rules", () => {
  test("are found by name, hold at any stage, and are not statistic rules", () => {
    expect(PAIR_RULES.map((r) => r.name)).toEqual([
      "pair-tanh",
      "pair-cumulant",
      "pair-heteroscedasticity",
      "pair-entropy",
      "pair-adaptive",
      "pair-tanh-hetero",
    ]);
    expect(findPairRule("pair-tanh")?.form).toBe("tanh");
    expect(PAIR_RULES.every((r) => isPairRule(r) && r.anyStage)).toBe(true);
    expect(DIRECTION_RULES.some((r) => isPairRule(r))).toBe(false);
  });
});

describe("withVeto (--pair-veto on)", () => {
  test("forbids exactly the edges whose z is at or below −3, keeps the caller's forbidden pairs, and returns them untouched when none is", () => {
    // z(0,1) = 3.5 (so 1 → 0 reads −3.5: vetoed), z(0,2) = −3 (0 → 2 vetoed, at the cut), z(1,2) = 2.9 (nothing).
    const z = Float64Array.of(0, 3.5, -3, -3.5, 0, 2.9, 3, -2.9, 0);
    const given = Uint8Array.of(0, 0, 0, 0, 0, 1, 0, 0, 0);
    const out = withVeto(z, 3, given)!;
    expect(PAIR_VETO).toBe(3);
    expect([...out]).toEqual([0, 0, 1, 1, 0, 1, 0, 0, 0]);
    expect([...given]).toEqual([0, 0, 0, 0, 0, 1, 0, 0, 0]);
    const weak = Float64Array.of(0, 2.9, -2.9, 0);
    const none = Uint8Array.of(0, 1, 0, 0);
    expect(withVeto(weak, 2, none)).toBe(none);
    expect(withVeto(weak, 2, undefined)).toBeUndefined();
  });
});
