import { describe, expect, test } from "bun:test";
import { DIRECTION_RULES, findDirectionRule, findPairRule, scoreRule } from "../../src/direction/registry.ts";
import { readPairEvidence } from "../../src/direction/read-pair-evidence.ts";
import { makeUniform } from "../../src/recover/seeded-random.ts";
import { defaultRules, MAX_PAIR_TREE, pairRuleFor } from "../../src/direction/default-rule.ts";
import { directionLine, orientTree, placementRules } from "../../src/direction/orient-tree.ts";
import { readsLayer, ruleScore, type StatisticRule } from "../../src/direction/statistic-rule.ts";
import { DEFAULT_RECOVER_OPTIONS } from "../../src/recover/options.ts";
import { BRANCHING, CHAIN, STAR, craftedGroup, craftedMembers, type CraftedStats } from "./crafted-group.ts";

const OPTIONS = { ...DEFAULT_RECOVER_OPTIONS };

/**
 * Stats where `rule`'s statistic moves along its trend from parent to child (the model's depth
 * in the tree steps it) and every other statistic — and the same statistic on the layers the
 * rule does not read — moves twice as far the other way: a rule that read anything else would
 * orient the tree backwards.
 */
function statsFor(rule: StatisticRule, depth: readonly number[]): { query: CraftedStats[]; mlp: CraftedStats[] } {
  const fields: Record<string, keyof CraftedStats> = { init: "variance", stable: "stableRank", effective: "effectiveRank", esd: "alpha" };
  const prefix = rule.name.split("-")[0]!;
  const field = fields[prefix] ?? (prefix as keyof CraftedStats);
  const against = (d: number) => 10 - 2 * rule.trend * d;
  const other = (d: number): CraftedStats => ({
    kurtosis: 3 + d,
    variance: 1 - 0.1 * d,
    entropy: 2 - 0.1 * d,
    mean: 0,
    skewness: 0,
    stableRank: 5 + d,
    effectiveRank: 5 + d,
    alpha: 3 + d,
  });
  const along = (d: number) => 10 + rule.trend * d;
  const reads = (kind: "query" | "mlp-in") => readsLayer(rule, { kind, roles: { distance: kind === "query", score: true, sketch: kind === "query" } });
  const layer = (kind: "query" | "mlp-in") => depth.map((d) => ({ ...other(d), [field]: reads(kind) ? along(d) : against(d) }));
  return { query: layer("query"), mlp: layer("mlp-in") };
}

const DEPTH = [0, 1, 1, 2]; // of BRANCHING's models

/** BRANCHING oriented by `rule` alone, every model at `stage`, its statistic following the rule's trend (statsFor). */
function orientBranching(rule: StatisticRule, stage: "specialization" | "generalization" | "auto") {
  const { query, mlp } = statsFor(rule, DEPTH);
  const members = craftedMembers(BRANCHING.n, stage);
  return orientTree({
    group: craftedGroup(query, mlp),
    members,
    kept: members,
    distance: BRANCHING.distance,
    choice: "ft",
    options: OPTIONS,
    forbidden: undefined,
    rankMask: undefined,
    rule,
  });
}

describe("every registry rule orients a tree where its statistic follows its trend", () => {
  for (const rule of DIRECTION_RULES) {
    test(`${rule.name}: the branching tree, with the stage given and with --stage auto`, () => {
      for (const stage of ["specialization", "auto"] as const) {
        const oriented = orientBranching(rule, stage);
        expect([...oriented.tree.parent]).toEqual(BRANCHING.parents);
        expect(oriented.direction).toMatchObject({ root: "m0", rule: rule.name, trend: rule.trend > 0 ? "rises" : "falls" });
        expect(oriented.direction.decidedBy).toBe(stage === "specialization" ? "stages" : rule.anyStage ? "rule" : "branches");
        expect(oriented.direction.margin).toBeGreaterThan(0);
      }
    });
  }

  test("a rule that holds at any stage is not reversed by a given generalization stage", () => {
    for (const rule of DIRECTION_RULES.filter((r) => r.anyStage)) {
      const oriented = orientBranching(rule, "generalization");
      expect({ rule: rule.name, parents: [...oriented.tree.parent] }).toEqual({ rule: rule.name, parents: BRANCHING.parents });
    }
  });

  test("a rule reading another statistic orients the same tree backwards (the test can fail)", () => {
    const kurtosis = findDirectionRule("kurtosis")!;
    const { query, mlp } = statsFor(kurtosis, DEPTH);
    const members = craftedMembers(BRANCHING.n, "specialization");
    const input = { group: craftedGroup(query, mlp), members, kept: members, distance: BRANCHING.distance, choice: "ft" as const, options: OPTIONS };
    const wrong = orientTree({ ...input, forbidden: undefined, rankMask: undefined, rule: findDirectionRule("variance")! });
    expect([...wrong.tree.parent]).not.toEqual(BRANCHING.parents);
    expect(wrong.direction.margin).toBeLessThan(0); // the given stage runs against this rule's scores: a negative margin says so
  });

  test("ruleScore sums the statistic over the rule's layers only", () => {
    const group = craftedGroup([{ kurtosis: 5 }], [{ kurtosis: 7 }]);
    expect(ruleScore(findDirectionRule("kurtosis")!, group, 0)).toBe(12);
    expect(ruleScore(findDirectionRule("kurtosis-attention")!, group, 0)).toBe(5);
    expect(ruleScore(findDirectionRule("variance-lora")!, craftedGroup([{ variance: 2 }], [{ variance: 9 }]), 0)).toBe(2);
    expect(ruleScore(findDirectionRule("init-distance")!, craftedGroup([{ variance: 2, mean: 1 }], [{ variance: 1, mean: 0 }]), 0)).toBe(4);
  });
});

describe("the default policy", () => {
  test("picks kurtosis with the variance fallback for ℓ_FT, variance of LoRA layers for ℓ_LoRA, kurtosis with generalization, a given --score", () => {
    expect(defaultRules("ft", false, OPTIONS)).toMatchObject({ first: { name: "kurtosis" }, fallback: { name: "variance" }, rankPairs: undefined });
    expect(defaultRules("mixed", false, OPTIONS)).toMatchObject({ first: { name: "kurtosis" }, rankPairs: { name: "variance-lora" } });
    expect(defaultRules("lora", false, OPTIONS)).toMatchObject({ first: { name: "variance-lora" }, fallback: undefined });
    expect(defaultRules("lora", true, OPTIONS)).toMatchObject({ first: { name: "kurtosis" }, fallback: undefined });
    expect(defaultRules("ft", false, { score: "entropy" })).toMatchObject({ first: { name: "entropy" }, fallback: undefined });
    expect(scoreRule("skewness").name).toBe("skewness");
  });

  test("the variance fallback takes a tree that kurtosis orders against the distances by more than one λ", () => {
    // Variance rises along the true star, kurtosis rises too (so it reads every edge backwards in specialization).
    const layer = [0, 1, 1, 1].map((d) => ({ kurtosis: 3 + d, variance: 1 + d }));
    const members = craftedMembers(STAR.n, "specialization");
    const oriented = orientTree({
      group: craftedGroup(layer, layer),
      members,
      kept: members,
      distance: STAR.distance,
      choice: "ft",
      options: OPTIONS,
      forbidden: undefined,
      rankMask: undefined,
    });
    expect(oriented.first.name).toBe("kurtosis");
    expect(oriented.rule.name).toBe("variance");
    expect([...oriented.tree.parent]).toEqual(STAR.parents);
  });
});

describe("a chain under --stage auto", () => {
  // Kurtosis rises along the chain (a generalization chain); the init distance grows with depth.
  const chainGroup = () => {
    const layer = [0, 1, 2].map((d) => ({ kurtosis: 3 + d, variance: 1 + d }));
    return craftedGroup(layer, layer);
  };
  const orient = (chain: "specialization" | "init-distance" | "chains", n = CHAIN.n) => {
    const members = craftedMembers(n, "auto");
    return orientTree({
      group: chainGroup(),
      members,
      kept: members,
      distance: n === CHAIN.n ? CHAIN.distance : Float64Array.of(0, 1, 1, 0),
      choice: "ft",
      options: { ...OPTIONS, score: "kurtosis", chain },
      forbidden: undefined,
      rankMask: undefined,
    });
  };

  test("by default (--chain chains) a chain of three is oriented by the init distance, a pair is left a tie", () => {
    expect(OPTIONS.chain).toBe("chains");
    expect(orient("chains").direction).toMatchObject({ decidedBy: "init-distance", root: "m0" });
    expect(orient("chains", 2).direction).toMatchObject({ decidedBy: "tie", margin: 0, root: "m1" });
    expect(orient("init-distance", 2).direction).toMatchObject({ decidedBy: "init-distance", root: "m0" });
  });

  test("--chain specialization ties and falls back to specialization (backwards here), with margin 0", () => {
    const tied = orient("specialization");
    expect(tied.direction).toMatchObject({ decidedBy: "tie", margin: 0, root: "m2" });
    expect(directionLine(tied.direction)).toContain("both orientations fit equally");
  });

  test("--chain init-distance roots it at the model nearest the init", () => {
    const oriented = orient("init-distance");
    expect([...oriented.tree.parent]).toEqual(CHAIN.parents);
    expect(oriented.direction).toMatchObject({ decidedBy: "init-distance", root: "m0", trend: "rises" });
    expect(oriented.tree.stages).toEqual(["generalization", "generalization", "generalization"]);
  });
});

describe("the sibling-angle rule (angleDistance)", () => {
  // D says chain m0 → m1 → m2; the Euclidean points m0 = (0, 0), m1 = (2, 1), m2 = (10, 0) put m1 near the
  // segment m0–m2 with an obtuse angle at m1: m1 is a short sibling of m2, not its parent.
  const points = [
    [0, 0],
    [2, 1],
    [10, 0],
  ];
  const euclidean = Float64Array.from({ length: 9 }, (_, at) =>
    Math.hypot(points[Math.floor(at / 3)]![0]! - points[at % 3]![0]!, points[Math.floor(at / 3)]![1]! - points[at % 3]![1]!),
  );
  const orient = (angleDistance: Float64Array | undefined, siblingAngles: "auto" | "parent" = "auto") => {
    const layer = [0, 1, 1].map((d) => ({ kurtosis: 5 - d }));
    const members = craftedMembers(3, "specialization");
    return orientTree({
      group: craftedGroup(layer, layer),
      members,
      kept: members,
      distance: CHAIN.distance,
      choice: "ft",
      options: { ...OPTIONS, score: "kurtosis", siblingAngles },
      forbidden: undefined,
      rankMask: undefined,
      ...(angleDistance ? { angleDistance } : {}),
    });
  };

  test("without it the chain; with it both hang under m0 (the rule can fail: it changes the tree)", () => {
    expect([...orient(undefined).tree.parent]).toEqual([-1, 0, 1]);
    expect([...orient(euclidean).tree.parent]).toEqual([-1, 0, 0]);
  });

  test("parent (one way): only m1 → m2 is ruled out, so here the chain's edges stay, turned the other way (m2 → m1 → m0)", () => {
    expect([...orient(euclidean, "parent").tree.parent]).toEqual([1, 2, -1]);
  });

  test("--sibling-adapters skip: a pair measured by rank (m1–m2, an adapter and its base) is left to D; rule: ruled out as before", () => {
    const members = craftedMembers(3, "specialization");
    const layer = [0, 1, 1].map((d) => ({ kurtosis: 5 - d }));
    const rankMask = Float64Array.of(0, 0, 0, 0, 0, 1, 0, 1, 0);
    const mixed = (siblingAdapters: "rule" | "skip") =>
      orientTree({
        group: craftedGroup(layer, layer),
        members,
        kept: members,
        distance: CHAIN.distance,
        choice: "mixed",
        options: { ...OPTIONS, score: "kurtosis", siblingAngles: "auto", siblingAdapters },
        forbidden: undefined,
        rankMask,
        angleDistance: euclidean,
      });
    expect([...mixed("rule").tree.parent]).toEqual([-1, 0, 0]);
    expect([...mixed("skip").tree.parent]).toEqual([-1, 0, 1]);
  });
});

describe("a pair rule (pair-tanh)", () => {
  /** Weights of a chain: m0 Laplace, each next model its parent plus an independent Laplace update; `order` lays them out. */
  async function chainPairs(order: readonly number[]) {
    const uniform = (seed: number) => makeUniform(4000, seed).map((u) => (u < 0.5 ? Math.log(2 * u) : -Math.log(2 * (1 - u))));
    const generations = [uniform(11)];
    for (let g = 1; g < 3; g++) {
      const update = uniform(11 + g);
      generations.push(generations[g - 1]!.map((v, i) => v + 0.5 * update[i]!));
    }
    const job = { kind: "mlp-in" as const, shape: [4000], roles: { distance: true, score: true, sketch: false }, tensors: [] as never };
    return readPairEvidence([job], "score", [0, 1, 2], async (_, member) => generations[order[member]!]!);
  }

  for (const [label, order, parents] of [
    ["laid out in order", [0, 1, 2], [-1, 0, 1]],
    ["laid out backwards", [2, 1, 0], [1, 2, -1]],
  ] as const) {
    test(`orients a chain by the weights alone, under --stage auto, with no tie (${label})`, async () => {
      const members = craftedMembers(3, "auto");
      const oriented = orientTree({
        group: craftedGroup([{}, {}, {}], [{}, {}, {}]),
        members,
        kept: members,
        distance: CHAIN.distance,
        choice: "ft",
        options: OPTIONS,
        forbidden: undefined,
        rankMask: undefined,
        rule: findPairRule("pair-tanh")!,
        pairLayers: await chainPairs(order),
      });
      expect([...oriented.tree.parent]).toEqual([...parents]);
      expect(oriented.direction.rule).toBe("pair-tanh");
      expect(oriented.direction.decidedBy).toBe("rule");
    });
  }

  test("--pair-decay on adds the weight-decay sign test: decisive votes reverse the chain, off they are ignored", async () => {
    const members = craftedMembers(3, "auto");
    const pairs = await chainPairs([0, 1, 2]);
    // Decay votes say each later model is the parent of each earlier one (z −13 for every i < j).
    const pairLayers = { ...pairs, decayOf: () => -13 };
    const orient = (pairDecay: "on" | "off") =>
      orientTree({
        group: craftedGroup([{}, {}, {}], [{}, {}, {}]),
        members,
        kept: members,
        distance: CHAIN.distance,
        choice: "ft",
        options: { ...OPTIONS, pairDecay },
        forbidden: undefined,
        rankMask: undefined,
        rule: findPairRule("pair-tanh")!,
        pairLayers,
      });
    expect([...orient("off").tree.parent]).toEqual([-1, 0, 1]);
    expect([...orient("on").tree.parent]).toEqual([1, 2, -1]);
  });

  test("without the pairs' evidence it is a bug, not a silent tie", () => {
    const members = craftedMembers(3, "auto");
    const input = { group: craftedGroup([{}, {}, {}], [{}, {}, {}]), members, kept: members, distance: CHAIN.distance, choice: "ft" as const };
    expect(() => orientTree({ ...input, options: OPTIONS, forbidden: undefined, rankMask: undefined, rule: findPairRule("pair-tanh")! })).toThrow(/pair rule/);
  });
});

describe("pairRuleFor (--pair-direction)", () => {
  test("auto hands language models to pair-tanh, on every tree, off none; a fixed --score keeps its statistic", () => {
    expect(pairRuleFor(true, { score: "auto", pairDirection: "auto" }, 5)?.name).toBe("pair-tanh");
    expect(pairRuleFor(false, { score: "auto", pairDirection: "auto" }, 5)).toBeUndefined();
    expect(pairRuleFor(false, { score: "auto", pairDirection: "on" }, 5)?.name).toBe("pair-tanh");
    expect(pairRuleFor(true, { score: "auto", pairDirection: "off" }, 5)).toBeUndefined();
    expect(pairRuleFor(true, { score: "kurtosis", pairDirection: "on" }, 5)).toBeUndefined();
    // A tree of a collection's size is left to the per-model policy (k² pairs).
    expect(pairRuleFor(true, { score: "auto", pairDirection: "on" }, MAX_PAIR_TREE)?.name).toBe("pair-tanh");
    expect(pairRuleFor(true, { score: "auto", pairDirection: "on" }, MAX_PAIR_TREE + 1)).toBeUndefined();
    // --pair-rule picks which pair rule.
    expect(pairRuleFor(true, { score: "auto", pairDirection: "auto", pairRule: "adaptive" }, 5)?.name).toBe("pair-adaptive");
  });
});

describe("placementRules", () => {
  test("the sibling-angle pairs: both ways by default, one way (the middle model as the farther one's parent) with parentOnly; a pair counts once", () => {
    // Points (0,0), (2,1), (10,0): the angle at (2,1) is obtuse, so 1 and 2 are ruled out (docs in obtuse-siblings.ts).
    const points = [
      [0, 0],
      [2, 1],
      [10, 0],
    ];
    const angleDistance = Float64Array.from({ length: 9 }, (_, at) =>
      Math.hypot(points[Math.floor(at / 3)]![0]! - points[at % 3]![0]!, points[Math.floor(at / 3)]![1]! - points[at % 3]![1]!),
    );
    const both = placementRules({ k: 3, forbidden: undefined, angleDistance });
    expect([...both.forbidden!]).toEqual([0, 0, 0, 0, 0, 1, 0, 1, 0]);
    expect(both.siblingPairs).toBe(1);
    const one = placementRules({ k: 3, forbidden: Uint8Array.from([0, 1, 0, 0, 0, 0, 0, 0, 0]), angleDistance, parentOnly: true });
    expect([...one.forbidden!]).toEqual([0, 1, 0, 0, 0, 1, 0, 0, 0]);
    expect(one.siblingPairs).toBe(1);
  });
});
