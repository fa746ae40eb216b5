import { describe, expect, test } from "bun:test";
import { fitLogistic } from "../../src/direction/fit-logistic.ts";
import { LEARNED_FEATURES, learnedRule } from "../../src/direction/learned-rule.ts";
import { findDirectionRule } from "../../src/direction/registry.ts";
import { ruleScores } from "../../src/direction/rule-scores.ts";
import { craftedGroup } from "./crafted-group.ts";

describe("ruleScores", () => {
  test("a vote ranks the models per layer and sums the ranks (Borda): one huge layer cannot outvote the others", () => {
    // query: 0 < 1 < 2; mlp: model 0 far above the rest. Summed, model 0 wins; voted, model 2 leads (ranks 3 + 2 = 5).
    const group = craftedGroup([{ kurtosis: 1 }, { kurtosis: 2 }, { kurtosis: 3 }], [{ kurtosis: 100 }, { kurtosis: 1 }, { kurtosis: 2 }]);
    expect([...ruleScores(findDirectionRule("kurtosis")!, group, [0, 1, 2])]).toEqual([101, 3, 5]);
    expect([...ruleScores(findDirectionRule("kurtosis-vote")!, group, [0, 1, 2])]).toEqual([4, 3, 5]);
  });

  test("tied values share their mean rank", () => {
    const group = craftedGroup([{ kurtosis: 1 }, { kurtosis: 1 }], [{ kurtosis: 2 }, { kurtosis: 1 }]);
    expect([...ruleScores(findDirectionRule("kurtosis-vote")!, group, [0, 1])]).toEqual([1.5 + 2, 1.5 + 1]);
  });

  test("a learned rule scores w · z(features): only the weighted feature counts", () => {
    const kurtosisAttention = LEARNED_FEATURES.indexOf("kurtosis (attention)");
    const weights = LEARNED_FEATURES.map((_, f) => (f === kurtosisAttention ? 1 : 0));
    const group = craftedGroup([{ kurtosis: 1 }, { kurtosis: 3 }], [{ kurtosis: 9 }, { kurtosis: 0 }]);
    // z over two models: −1 and +1.
    expect([...ruleScores(learnedRule("t", weights, "test"), group, [0, 1])]).toEqual([-1, 1]);
  });
});

describe("fitLogistic", () => {
  test("leans on the feature that separates child from parent, and ignores pure noise", () => {
    const differences = Array.from({ length: 40 }, (_, i) => Float64Array.of(1 + (i % 3), Math.sin(i * 12.9898) * 2));
    const [signal, noise] = fitLogistic(differences, 2);
    expect(signal!).toBeGreaterThan(1);
    expect(Math.abs(noise!)).toBeLessThan(signal! / 3);
  });

  test("no data: zero weights; reversed edges: reversed weights (no orientation favoured)", () => {
    expect(fitLogistic([], 3)).toEqual([0, 0, 0]);
    const data = [Float64Array.of(1, 0.5), Float64Array.of(2, -0.2), Float64Array.of(-0.5, 1)];
    const forward = fitLogistic(data, 2);
    const backward = fitLogistic(
      data.map((x) => x.map((v) => -v)),
      2,
    );
    expect(backward[0]!).toBeCloseTo(-forward[0]!, 9);
    expect(backward[1]!).toBeCloseTo(-forward[1]!, 9);
  });
});
