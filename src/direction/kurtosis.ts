/**
 * Kurtosis rules (paper Eq. 3, Fig. 3): Pearson kurtosis summed over the layers, falling while
 * a model specialises and rising while it generalises. Two layer sets: the planned score layers
 * (attention and MLP matrices by default, "dense": 99 % of VTHR FT edges ordered) and the
 * attention matrices alone (the paper's L as we read it: 83 %; docs/defaults.md).
 */
import { scoreStatisticRule, type StatisticRule } from "./statistic-rule.ts";

/** Kurtosis over the score layers (`scoreKinds`: attention + MLP matrices by default). */
export const KURTOSIS: StatisticRule = scoreStatisticRule("kurtosis", "Σ kurtosis over the score layers (attention + MLP); falls in fine-tuning (paper Eq. 3)");

/** Kurtosis over the attention matrices only (the paper's L). */
export const KURTOSIS_ATTENTION: StatisticRule = {
  ...KURTOSIS,
  name: "kurtosis-attention",
  summary: "Σ kurtosis over the attention matrices only (the paper's L)",
  layers: { scoreKinds: ["query", "key", "value", "qkv", "attention-output"] },
};
