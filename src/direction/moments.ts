/**
 * Mean and skewness: Fig. 14's weak candidates (no consistent trend on the VTHR splits; they keep
 * the paper's sign, score-trend.ts), kept as rules so `--score mean|skewness` runs through the
 * registry like every other score.
 */
import { scoreStatisticRule, type StatisticRule } from "./statistic-rule.ts";
/** Mean summed over the score layers. */
export const MEAN: StatisticRule = scoreStatisticRule("mean", "Σ mean over the score layers (no consistent trend)");

/** See MEAN. */
export const SKEWNESS: StatisticRule = scoreStatisticRule("skewness", "Σ skewness over the score layers (no consistent trend)");
