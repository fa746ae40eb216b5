/**
 * Mean and skewness: Fig. 14's weak candidates (no consistent trend on the VTHR splits; they keep
 * the paper's sign, score-trend.ts), kept as rules so `--score mean|skewness` runs through the
 * registry like every other score.
 */
import { SPECIALIZATION_TREND } from "../recover/score-trend.ts";
import type { StatisticRule } from "./statistic-rule.ts";
/** Mean summed over the score layers. */
export const MEAN: StatisticRule = {
  name: "mean",
  summary: "Σ mean over the score layers (no consistent trend)",
  layers: "score",
  scoreName: "mean",
  statistic: (layer) => layer.mean,
  trend: SPECIALIZATION_TREND.mean,
  anyStage: false,
  combine: "sum",
};

/** See MEAN. */
export const SKEWNESS: StatisticRule = {
  name: "skewness",
  summary: "Σ skewness over the score layers (no consistent trend)",
  layers: "score",
  scoreName: "skewness",
  statistic: (layer) => layer.skewness,
  trend: SPECIALIZATION_TREND.skewness,
  anyStage: false,
  combine: "sum",
};
