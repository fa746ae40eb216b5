/**
 * Histogram-entropy rules (Fig. 14's candidates; TensorLock's weight entropy): the Shannon entropy
 * of each layer's value histogram, which rises in fine-tuning on the VTHR splits
 * (score-trend.ts). Its histogram is computed only when entropy is the score or `fullStatistics`
 * is set (layer-pass.ts), so recovery runs it with `score: "entropy"`.
 */
import { SPECIALIZATION_TREND } from "../recover/score-trend.ts";
import type { StatisticRule } from "./statistic-rule.ts";

/** Entropy summed over the score layers. */
export const ENTROPY: StatisticRule = {
  name: "entropy",
  summary: "Σ histogram entropy over the score layers; rises in fine-tuning (weak)",
  layers: "score",
  scoreName: "entropy",
  statistic: (layer) => layer.entropy,
  trend: SPECIALIZATION_TREND.entropy,
  anyStage: false,
  combine: "sum",
};
