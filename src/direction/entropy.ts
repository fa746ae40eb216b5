/**
 * Histogram-entropy rules (Fig. 14's candidates; TensorLock's weight entropy): the Shannon entropy
 * of each layer's value histogram, which rises in fine-tuning on the VTHR splits
 * (score-trend.ts). Its histogram is computed only when entropy is the score or `fullStatistics`
 * is set (layer-pass.ts), so recovery runs it with `score: "entropy"`.
 */
import { scoreStatisticRule, type StatisticRule } from "./statistic-rule.ts";

/** Entropy summed over the score layers. */
export const ENTROPY: StatisticRule = scoreStatisticRule("entropy", "Σ histogram entropy over the score layers; rises in fine-tuning (weak)");
