/**
 * Every direction rule mother knows, by name (issue #13). Recovery resolves its options to
 * rules here (default-rule.ts decides per tree which one orients it), records the rule that
 * decided each tree (ModelGraph.directions), and experiments and reports look rules up here
 * instead of re-deriving them.
 */
import type { ScoreName } from "../types.ts";
import { bug } from "../errors.ts";
import { ENTROPY } from "./entropy.ts";
import { INIT_DISTANCE } from "./init-distance.ts";
import { KURTOSIS, KURTOSIS_ATTENTION } from "./kurtosis.ts";
import { MEAN, SKEWNESS } from "./moments.ts";
import { EFFECTIVE_RANK, ESD_ALPHA, STABLE_RANK } from "./spectral.ts";
import type { PairRule } from "./pair-rule.ts";
import type { StatisticRule } from "./statistic-rule.ts";
import { VARIANCE, VARIANCE_LORA } from "./variance.ts";
import { INIT_DISTANCE_VOTE, KURTOSIS_VOTE, STABLE_RANK_VOTE } from "./vote.ts";

/**
 * Every rule, the default's building blocks (kurtosis, variance, variance-lora) first; the
 * spectral ones (`needs: "spectrum"`) run on the leaderboard only. Learned rules are fitted per
 * held-out family by the leaderboard (learned-rule.ts), so none is listed here.
 */
export const DIRECTION_RULES: readonly StatisticRule[] = [
  KURTOSIS,
  VARIANCE,
  VARIANCE_LORA,
  KURTOSIS_ATTENTION,
  ENTROPY,
  INIT_DISTANCE,
  MEAN,
  SKEWNESS,
  KURTOSIS_VOTE,
  INIT_DISTANCE_VOTE,
  STABLE_RANK,
  EFFECTIVE_RANK,
  ESD_ALPHA,
  STABLE_RANK_VOTE,
];

/** The rule called `name`, or undefined. */
export function findDirectionRule(name: string): StatisticRule | undefined {
  return DIRECTION_RULES.find((rule) => rule.name === name);
}

/** The rule `--score <name>` runs: the statistic summed over the score layers (a fixed score, not the auto policy). */
export function scoreRule(score: ScoreName): StatisticRule {
  return findDirectionRule(score) ?? bug(`score ${score} has a direction rule`);
}

/** A pair rule over the score layers (pair-rule.ts), reading `form`. */
function pairRule(form: PairRule["form"], summary: string): PairRule {
  return { kind: "pair", name: `pair-${form}`, summary, layers: "score", form, trend: -1, anyStage: true };
}

/**
 * The pairwise rules (pair-rule.ts): evidence per edge from the two models' weights jointly
 * (Hyvärinen & Smith 2013), not a score per model. They need a read of every pair of a tree's
 * models that recovery's layer pass does not make (read-pair-evidence.ts).
 */
export const PAIR_RULES: readonly PairRule[] = [
  pairRule("tanh", "ρ·E[x·tanh y − tanh x·y] per layer, Stouffer z over layers (Hyvärinen & Smith's likelihood-ratio approximation)"),
  pairRule("cumulant", "ρ·E[x³y − xy³] per layer signed by kurtosis, Stouffer z (Hyvärinen & Smith's cumulant form)"),
  pairRule("heteroscedasticity", "residual dependence |corr(r², regressor²)|, reverse minus forward regression, Stouffer z"),
  pairRule("entropy", "the general likelihood ratio J(x) + J(r_y) − J(y) − J(r_x) by negentropy approximations, block standard error, Stouffer z"),
  pairRule("adaptive", "pair-tanh, or pair-entropy where the update is heavier-tailed than the weights (median over layers): the optimizer's regime"),
  pairRule("tanh-hetero", "Stouffer's z of pair-tanh and pair-heteroscedasticity: two tests of child = parent + independent update that fail differently"),
];

/** The pair rule called `name`, or undefined. */
export function findPairRule(name: string): PairRule | undefined {
  return PAIR_RULES.find((rule) => rule.name === name);
}
