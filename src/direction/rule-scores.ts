/**
 * Every model's score under a rule, for the models of one tree: the per-layer statistic summed
 * (paper Eq. 3), voted (each layer ranks the models, ranks summed), or a learned combination of
 * z-scored per-kind features. Vote and learned scores depend on which models are compared, so
 * they are computed per tree, never per model alone.
 */
import { bug } from "../errors.ts";
import { LEARNED_FEATURES, learnedFeatures } from "./learned-rule.ts";
import { readsLayer, ruleScore, type ScoredLayers, type StatisticRule } from "./statistic-rule.ts";

/** The score of each of `models` (columns of the pass) under `rule`. */
export function ruleScores(rule: StatisticRule, group: ScoredLayers, models: readonly number[]): Float64Array {
  if (rule.combine === "sum") return Float64Array.from(models, (model) => ruleScore(rule, group, model));
  if (rule.combine === "vote") return votedScores(rule, group, models);
  const features = learnedFeatures(group, models);
  const width = LEARNED_FEATURES.length;
  const weights = rule.combine.weights;
  if (weights.length !== width) bug(`learned rule ${rule.name}: ${weights.length} weights for ${width} features`);
  return Float64Array.from(models, (_, m) => weights.reduce((sum, weight, f) => sum + weight * features[m * width + f]!, 0));
}

/** Sum over the rule's layers of each model's rank (1 = lowest statistic; ties share their mean rank). Layers with a NaN are skipped. */
function votedScores(rule: StatisticRule, group: ScoredLayers, models: readonly number[]): Float64Array {
  const scores = new Float64Array(models.length);
  group.plan.forEach((job, l) => {
    if (!readsLayer(rule, job)) return;
    const values = models.map((model) => rule.statistic(group.pass[l]?.stats[model] ?? bug(`layer ${job.name} has statistics of model ${model}`)));
    if (values.some((value) => Number.isNaN(value))) return;
    const order = values.map((_, i) => i).sort((a, b) => values[a]! - values[b]!);
    for (let start = 0; start < order.length; ) {
      let end = start;
      while (end + 1 < order.length && values[order[end + 1]!] === values[order[start]!]) end++;
      const rank = (start + end) / 2 + 1;
      for (let i = start; i <= end; i++) scores[order[i]!]! += rank;
      start = end + 1;
    }
  });
  return scores;
}
