/**
 * A direction rule built on one per-layer statistic (paper §4.2): which layers it reads, the
 * statistic of each, how the per-layer values are combined into one score per model, and which
 * way that score moves while a model specialises (is fine-tuned). Recovery turns the score into
 * K (direction.ts) and the minimum arborescence weighs it against D; these rules only say what
 * the score is. The registry (registry.ts) lists every rule; the default policy (default-rule.ts)
 * picks among them per tree.
 */
import type { LayerKind, LayerStats, ScoreName } from "../types.ts";
import type { LayerJob } from "../recover/layer-pass.ts";
import { assert, bug } from "../errors.ts";
import { SPECIALIZATION_TREND } from "../recover/score-trend.ts";
import type { SpectralStats } from "./spectral-stats.ts";

/** A layer's statistics as rules read them: recovery's moments, plus the spectrum where the caller computed it (the leaderboard). */
export type RuleLayerStats = LayerStats & Partial<SpectralStats>;

/** What a rule scores: the planned layers and every model's statistics per layer (recovery's GroupPass fits). */
export interface ScoredLayers {
  readonly plan: readonly Pick<LayerJob, "name" | "kind" | "roles">[];
  readonly pass: readonly { readonly stats: readonly RuleLayerStats[] }[];
}

/**
 * How per-layer values become one score per model: their sum (paper Eq. 3); a per-layer vote
 * (each layer ranks the tree's models, the score is the sum of ranks, a Borda count: for two
 * models exactly the majority of layers); or a learned linear combination of per-kind features.
 */
export type RuleCombination = "sum" | "vote" | LearnedCombination;

/** A fitted linear combination (learned-rule.ts): one weight per LEARNED_FEATURES entry. */
export interface LearnedCombination {
  readonly kind: "learned";
  readonly weights: readonly number[];
}

/** The layers a rule reads: the planned score layers (`scoreKinds`), the LoRA layers (`loraKinds`), or the score layers of some kinds only. */
export type RuleLayers = "score" | "lora" | { readonly scoreKinds: readonly LayerKind[] };

/** One statistic rule: `statistic` of each selected layer, summed, moving `trend` while a model specialises. */
export interface StatisticRule {
  /** Registry name, as recorded per tree in a recovery result (ModelGraph.directions). */
  readonly name: string;
  /** One line for reports and `--help`: what it measures and where it comes from. */
  readonly summary: string;
  readonly layers: RuleLayers;
  /** The LayerStats field the statistic is, when it is one (`--score` names it); undefined for derived statistics. */
  readonly scoreName: ScoreName | undefined;
  /** The per-layer value (LayerStats holds f64 moments of the layer's weights; spectral fields only where computed). */
  readonly statistic: (layer: RuleLayerStats) => number;
  /** −1: the summed score falls from parent to child in specialization; +1: it rises (score-trend.ts's convention). */
  readonly trend: -1 | 1;
  /**
   * True when the trend holds whatever the stage (distance from an init grows along any lineage);
   * false when generalization reverses it (paper §4.2: kurtosis rises there).
   */
  readonly anyStage: boolean;
  /** How per-layer values become one score (RuleCombination). */
  readonly combine: RuleCombination;
  /** "spectrum": reads singular values recovery's layer pass does not compute (the leaderboard computes them). */
  readonly needs?: "spectrum";
}

/**
 * The rule that sums LayerStats field `score` over the score layers, moving as score-trend.ts
 * says it does while a model specialises (and reversing in generalization): what `--score
 * <score>` runs.
 */
export function scoreStatisticRule(score: ScoreName, summary: string): StatisticRule {
  return {
    name: score,
    summary,
    layers: "score",
    scoreName: score,
    statistic: (layer) => layer[score],
    trend: SPECIALIZATION_TREND[score],
    anyStage: false,
    combine: "sum",
  };
}

/** Whether `job` is one of the layers `rule` reads. */
export function readsLayer(rule: Pick<StatisticRule, "layers">, job: Pick<LayerJob, "kind" | "roles">): boolean {
  if (rule.layers === "score") return job.roles.score;
  if (rule.layers === "lora") return job.roles.sketch;
  return job.roles.score && rule.layers.scoreKinds.includes(job.kind);
}

/** The rule's summed score of model `model` (its column in the group's pass): the statistic summed over the rule's layers, in plan order. */
export function ruleScore(rule: StatisticRule, group: ScoredLayers, model: number): number {
  let total = 0;
  let layers = 0;
  group.plan.forEach((job, l) => {
    if (!readsLayer(rule, job)) return;
    total += rule.statistic(group.pass[l]?.stats[model] ?? bug(`layer ${job.name} has statistics of model ${model}`));
    layers++;
  });
  // Recovery refuses a set without score layers before step 5 (recover.ts checkComparable).
  assert(layers > 0, `ruleScore: no layers to score (${rule.name})`);
  return total;
}

/**
 * The oriented score recovery's K is built from: higher means "parent" in specialization, so a
 * rule whose statistic rises while a model specialises is negated (score-trend.ts's convention).
 */
export function orientedScore(rule: StatisticRule, score: number): number {
  return -rule.trend * score;
}
