/**
 * The learned rule, fitted leave-one-family-out (issue #13: "always evaluated on families and
 * recipes it was not trained on"): for each family, a logistic model (fit-logistic.ts) on the
 * true edges of every other family's trees, evaluated only on the held-out family. Its weights
 * are printed per fold, so what it leans on is visible.
 */
import { fitLogistic } from "../../direction/fit-logistic.ts";
import { LEARNED_FEATURES, learnedFeatures, learnedRule } from "../../direction/learned-rule.ts";
import type { StatisticRule } from "../../direction/statistic-rule.ts";
import { bug } from "../../errors.ts";
import { scoredLayers, type BoardTree } from "./board-tree.ts";

/** The row name of the learned rule on the leaderboard. */
export const LEARNED_NAME = "learned (leave-one-family-out)";

/** z(child) − z(parent) over LEARNED_FEATURES for every true edge of `trees`. */
export function edgeDifferences(trees: readonly BoardTree[]): Float64Array[] {
  const width = LEARNED_FEATURES.length;
  const out: Float64Array[] = [];
  for (const tree of trees) {
    const features = learnedFeatures(
      scoredLayers(tree),
      tree.ids.map((_, i) => i),
    );
    const at = new Map(tree.ids.map((id, i) => [id, i]));
    for (const { parent, child } of tree.truth.edges) {
      const p = at.get(parent) ?? bug(`learned: no model ${parent}`);
      const c = at.get(child) ?? bug(`learned: no model ${child}`);
      out.push(Float64Array.from({ length: width }, (_, f) => features[c * width + f]! - features[p * width + f]!));
    }
  }
  return out;
}

/**
 * Board families that are only ever scored, never training data: not for the learned rule's
 * other folds, not for the selection's (leaderboard.ts). Held-out sets 4–7 (lm-benchmarks.ts
 * familyGroup) judge candidates out of sample (/work/set4-protocol.md … set7-protocol.md).
 */
export const SCORE_ONLY_FAMILIES: ReadonlySet<string> = new Set([
  "held-out-4",
  "held-out-5",
  "held-out-6",
  "held-out-7",
  "held-out-8",
  "held-out-9",
  "held-out-10",
]);

/** Per held-out family, the learned rule fitted on every other family's trees but the score-only ones (a family with no other data gets zero weights). */
export function leaveOneFamilyOut(benchmarks: readonly { readonly family: string; readonly trees: readonly BoardTree[] }[]): Map<string, StatisticRule> {
  const families = [...new Set(benchmarks.map((b) => b.family))];
  return new Map(
    families.map((family) => {
      const training = benchmarks.filter((b) => b.family !== family && !SCORE_ONLY_FAMILIES.has(b.family)).flatMap((b) => b.trees);
      const weights = fitLogistic(edgeDifferences(training), LEARNED_FEATURES.length);
      return [family, learnedRule(LEARNED_NAME, weights, `logistic on per-kind features, fitted without the ${family} family`)] as const;
    }),
  );
}
