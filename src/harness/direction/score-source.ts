/**
 * What the ablations evaluate as "the directional score": a fixed candidate (statistic ×
 * layer set × sign), or recovery's `score: "auto"`, which picks per tree by the distance the
 * tree was built with (recover.ts: kurtosis over `scoreKinds` for ℓ_FT trees, variance growth
 * over the LoRA layers for ℓ_LoRA trees). Scores are only ever compared within a tree, so a
 * score map may mix the two per tree.
 */
import type { RecoverOptions } from "../../recover/options.ts";
import { DEFAULT_RECOVER_OPTIONS } from "../../recover/options.ts";
import { defaultRules } from "../../direction/default-rule.ts";
import { scoreRule } from "../../direction/registry.ts";
import type { StatisticRule } from "../../direction/statistic-rule.ts";
import type { LayerStatsRow } from "../../stats/stats-table.ts";
import { candidateScores, directionAgreement } from "../analysis/direction-agreement.ts";
import type { TruthGraph } from "../../types.ts";
import { candidateLabel, layerSetByName, layerSetOf, type ScoreCandidate } from "./layer-sets.ts";
import type { PreparedTree } from "./prepared-tree.ts";
import { bug } from "../../errors.ts";

/** recovery's `score: "auto"`, resolved to the candidate it uses for each kind of tree. */
export interface AutoScore {
  readonly auto: { readonly ft: ScoreCandidate; readonly lora: ScoreCandidate };
}

/** A fixed candidate or recovery's auto choice. */
export type ScoreSource = ScoreCandidate | AutoScore;

/**
 * Recovery's `score: "auto"` under `options` as the candidates it resolves to: the first rule of
 * the direction registry's default policy for each kind of tree (src/direction/default-rule.ts).
 * The prepared-tree evaluations score these; the variance fallback is seen only by runs through
 * recovery, whose graphs record the rule that decided each tree (ModelGraph.directions).
 */
export function autoScore(options: Pick<RecoverOptions, "scoreKinds" | "loraKinds"> = DEFAULT_RECOVER_OPTIONS): AutoScore {
  return {
    auto: {
      ft: ruleCandidate(defaultRules("ft", false, { score: "auto" }).first, options),
      lora: ruleCandidate(defaultRules("lora", false, { score: "auto" }).first, options),
    },
  };
}

/** A registry rule as the ablations' candidate: its statistic over its layers, read the way its trend says. */
export function ruleCandidate(rule: StatisticRule, options: Pick<RecoverOptions, "scoreKinds" | "loraKinds"> = DEFAULT_RECOVER_OPTIONS): ScoreCandidate {
  if (rule.scoreName === undefined) throw new Error(`direction rule ${rule.name} has no LayerStats statistic to sweep`);
  const layers =
    rule.layers === "score" ? layerSetOf(options.scoreKinds) : rule.layers === "lora" ? layerSetOf(options.loraKinds) : layerSetOf(rule.layers.scoreKinds);
  return rule.trend === 1 ? { score: rule.scoreName, layers, sign: -1 } : { score: rule.scoreName, layers };
}

/** The recovery default (`DEFAULT_RECOVER_OPTIONS.score`) as a score source. */
export function defaultScoreSource(): ScoreSource {
  const { score } = DEFAULT_RECOVER_OPTIONS;
  return score === "auto" ? autoScore() : ruleCandidate(scoreRule(score));
}

/**
 * A per-distance pair recovery does not run yet, measured because the recipe ablation found
 * kurtosis turning round under SGD: variance growth on both kinds of tree (ℓ_FT over the dense
 * layers, ℓ_LoRA over the LoRA layers). Evaluated on prepared trees only.
 */
export function varianceGrowthAuto(options: Pick<RecoverOptions, "loraKinds"> = DEFAULT_RECOVER_OPTIONS): AutoScore {
  return {
    auto: {
      ft: { score: "variance", layers: layerSetByName("dense"), sign: -1 },
      lora: { score: "variance", layers: layerSetOf(options.loraKinds), sign: -1 },
    },
  };
}

/** Whether recoverModels can run `source` (fixed candidates, and auto as recovery resolves it). */
export function runsInRecovery(source: ScoreSource): boolean {
  if (!isAuto(source)) return true;
  const { ft, lora } = source.auto;
  return ft.score === "kurtosis" && (ft.sign ?? 1) === 1 && lora.score === "variance" && lora.sign === -1;
}

export function isAuto(source: ScoreSource): source is AutoScore {
  return "auto" in source;
}

/** "kurtosis/all", "−variance/query+value", "auto (kurtosis/all | −variance/query+value)". */
export function sourceLabel(source: ScoreSource): string {
  return isAuto(source) ? `auto (${candidateLabel(source.auto.ft)} | ${candidateLabel(source.auto.lora)})` : candidateLabel(source);
}

/** Scores (higher = parent in specialization) of every model of `trees`, each tree scored by the candidate its distance calls for. */
export function sourceScores(source: ScoreSource, rows: readonly LayerStatsRow[], trees: readonly { tree: PreparedTree }[]): Map<string, number> {
  if (!isAuto(source)) return candidateScores(rows, source);
  const ft = candidateScores(rows, source.auto.ft);
  const lora = candidateScores(rows, source.auto.lora);
  return new Map(trees.flatMap(({ tree }) => tree.ids.map((id) => [id, (tree.choice === "lora" ? lora : ft).get(id)!] as const)));
}

/**
 * recoverModels options that run `source` on top of `base`. A candidate read the other way
 * than recovery orients its statistic (its registry rule's trend) runs with the stage flipped — M = D +
 * λ(K ⊕ T) is unchanged when both K and T flip.
 */
export function sourceOptions(source: ScoreSource, base: Partial<RecoverOptions> = {}): Partial<RecoverOptions> {
  if (!runsInRecovery(source)) bug(`score source ${sourceLabel(source)} has no recoverModels equivalent`);
  if (isAuto(source)) return { ...base, score: "auto", scoreKinds: source.auto.ft.layers.kinds, loraKinds: source.auto.lora.layers.kinds };
  const recoverySign = scoreRule(source.score).trend === 1 ? -1 : 1;
  // A candidate's sign is stated for fine-tuning, so without a stage given it runs as specialization.
  const stage = base.stage ?? "specialization";
  const flipped = stage === "auto" ? "auto" : stage === "specialization" ? "generalization" : "specialization";
  return { ...base, score: source.score, scoreKinds: source.layers.kinds, ...((source.sign ?? 1) !== recoverySign ? { stage: flipped } : {}) };
}

/** Direction agreement of `source` on the true edges (its per-tree choice read from `trees`). */
export function sourceAgreement(
  source: ScoreSource,
  rows: readonly LayerStatsRow[],
  truth: TruthGraph,
  trees: readonly { tree: PreparedTree }[],
): { label: string; agree: number; total: number; fraction: number } {
  return { label: sourceLabel(source), ...directionAgreement(truth, sourceScores(source, rows, trees)) };
}
