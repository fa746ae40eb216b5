import { describe, expect, test } from "bun:test";
import type { LayerStats, ScoreName } from "../../src/types.ts";
import { scoreRule } from "../../src/direction/registry.ts";
import { scoreStatisticRule } from "../../src/direction/statistic-rule.ts";

/** A layer whose every statistic is distinct, so a rule reading the wrong field is caught. */
const layer = { mean: 1, variance: 2, skewness: 3, kurtosis: 4, entropy: 5 } as unknown as LayerStats;

describe("score statistic rules", () => {
  test("kurtosis sums LayerStats.kurtosis over the score layers and falls in specialization (paper Eq. 3)", () => {
    const rule = scoreStatisticRule("kurtosis", "about");
    expect({ ...rule, statistic: undefined }).toEqual({
      name: "kurtosis",
      summary: "about",
      layers: "score",
      scoreName: "kurtosis",
      statistic: undefined,
      trend: -1,
      anyStage: false,
      combine: "sum",
    });
    expect(rule.statistic(layer)).toBe(4);
  });

  test("every --score name runs the rule of that name, reading that field", () => {
    const fields: Record<ScoreName, number> = { mean: 1, variance: 2, skewness: 3, kurtosis: 4, entropy: 5 };
    for (const [score, value] of Object.entries(fields) as [ScoreName, number][]) {
      const rule = scoreRule(score);
      expect([rule.name, rule.scoreName, rule.layers, rule.statistic(layer)]).toEqual([score, score, "score", value]);
    }
  });
});
