/**
 * The default direction policy (`--score auto`), the one place it is decided which rule orients
 * a tree (issue #13). Measurements behind each branch: docs/defaults.md.
 *
 * - a fixed `--score` runs its statistic over the score layers (registry.ts: scoreRule);
 * - an ℓ_LoRA tree: variance growth over the LoRA layers — a merged LoRA child is its parent plus
 *   a low-rank update no weight decay touches (VTHR LoRA-F 1.00, LoRA-V 0.98 against 0.90 and
 *   0.71 with kurtosis);
 * - an ℓ_FT (or mixed) tree: kurtosis, the paper's score — unless variance growth orders the tree
 *   with more than one λ of disagreement less (the variance fallback: the HF-init PyTorch tree,
 *   SGD fine-tunes; a gap of exactly λ is a tie and keeps kurtosis);
 * - a tree holding a generalization model: kurtosis only (variance also grows in continued
 *   pre-training, so flipping its trend for generalization would point every edge backwards);
 * - a mixed tree's adapter relatives (pairs measured by rank) are oriented as an ℓ_LoRA tree is;
 * - `--pair-direction` (auto: language models; on: every tree): `pair-tanh` (or `--pair-rule`'s), evidence
 *   per edge from its two models jointly (pair-rule.ts), whatever the distance or stage.
 */
import type { RecoverOptions } from "../recover/options.ts";
import { cheaperByMoreThan, type TreeResult } from "../recover/recover-tree.ts";
import type { DistanceChoice } from "../recover/tree-distance.ts";
import { KURTOSIS } from "./kurtosis.ts";
import type { PairRule } from "./pair-rule.ts";
import { findPairRule, scoreRule } from "./registry.ts";
import { bug } from "../errors.ts";
import type { StatisticRule } from "./statistic-rule.ts";
import { VARIANCE, VARIANCE_LORA } from "./variance.ts";

/** What the policy decides from before any arborescence: the rule tried first and the one that may replace it. */
export interface DefaultRules {
  readonly first: StatisticRule;
  /** Replaces `first` when its arborescence is cheaper by more than λ (keepFallback). */
  readonly fallback: StatisticRule | undefined;
  /** The rule of a mixed tree's rank-measured pairs, when they get their own. */
  readonly rankPairs: StatisticRule | undefined;
}

/**
 * Kept models of one tree above which `--pair-direction` leaves it to the per-model policy: the pair rule compares
 * every pair (k(k−1)/2: 2,016 at 64), and a tree that large is a collection's, not a family's.
 */
export const MAX_PAIR_TREE = 64;

/** The pair rule `--pair-direction` orients a tree of `models` language models (`languageModel`) or not by, or undefined. */
export function pairRuleFor(
  languageModel: boolean,
  options: Partial<Pick<RecoverOptions, "score" | "pairDirection" | "pairRule">>,
  models: number,
): PairRule | undefined {
  const mode = options.pairDirection ?? "off";
  if ((options.score ?? "auto") !== "auto" || mode === "off" || (mode === "auto" && !languageModel) || models > MAX_PAIR_TREE) return undefined;
  const name = `pair-${options.pairRule ?? "tanh"}`;
  return findPairRule(name) ?? bug(`the registry has ${name}`);
}

/** The rules for a tree built with `choice`, holding a generalization-labelled model or not, under `options.score` (pairRuleFor comes first). */
export function defaultRules(choice: DistanceChoice, hasGeneralization: boolean, options: Pick<RecoverOptions, "score">): DefaultRules {
  if (options.score !== "auto") return { first: scoreRule(options.score), fallback: undefined, rankPairs: undefined };
  if (hasGeneralization) return { first: KURTOSIS, fallback: undefined, rankPairs: undefined };
  if (choice === "lora") return { first: VARIANCE_LORA, fallback: undefined, rankPairs: undefined };
  return { first: KURTOSIS, fallback: VARIANCE, rankPairs: choice === "mixed" ? VARIANCE_LORA : undefined };
}

/** Whether the fallback's arborescence wins: cheaper than the first rule's by more than one λ (the cost of one edge against the trend). */
export function keepFallback(first: TreeResult, fallback: TreeResult): boolean {
  return cheaperByMoreThan(first, fallback, first.penalty);
}
