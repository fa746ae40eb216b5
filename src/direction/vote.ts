/**
 * Per-layer vote rules (issue #13 item 2): instead of summing a statistic over the layers —
 * where one layer with a large swing can outvote all others — each layer ranks the tree's
 * models by its own statistic and the ranks are summed (a Borda count; for a pair, exactly the
 * majority of layers). Robust to a few outlying layers, blind to how far each moved.
 */
import { INIT_DISTANCE } from "./init-distance.ts";
import { KURTOSIS } from "./kurtosis.ts";
import { STABLE_RANK } from "./spectral.ts";
import type { StatisticRule } from "./statistic-rule.ts";

/** `rule` with its layers voting (combine "vote") instead of summing. */
export function votingRule(rule: StatisticRule): StatisticRule {
  return { ...rule, name: `${rule.name}-vote`, summary: `per-layer majority vote (Borda) of: ${rule.summary}`, combine: "vote" };
}

/** Kurtosis, each score layer voting. */
export const KURTOSIS_VOTE = votingRule(KURTOSIS);

/** Distance from a synthetic init, each score layer voting. */
export const INIT_DISTANCE_VOTE = votingRule(INIT_DISTANCE);

/** Stable rank, each score layer voting. */
export const STABLE_RANK_VOTE = votingRule(STABLE_RANK);
