/**
 * Recovery accuracy with each directional-score candidate (paper §6.3 "other directional
 * scores" and "effect of layer types", as accuracies rather than curves):
 *
 *   1. per true tree (cluster known, trees = 1): recoverModels with `score` and `scoreKinds`
 *      set from the candidate — the distance is the same for every candidate, so differences
 *      are the direction prior's alone
 *   2. the whole Model Graph (clustered, tree count known) for a shortlist of candidates
 *
 * Everything else is recovery's default (plus `base` overrides).
 */
import type { ModelSource, TruthGraph } from "../../types.ts";
import type { RecoverOptions } from "../../recover/options.ts";
import { pickModels, recoverScored } from "../ablation/recover-scored.ts";
import { restrictTruth } from "../ablation/sample-subtree.ts";
import type { LayerSet, ScoreCandidate } from "./layer-sets.ts";

/** Accuracies of one candidate on one split. */
export interface CandidateAccuracy {
  readonly candidate: ScoreCandidate;
  /** Edge accuracy per true tree (cluster known), by root id in truth order. */
  readonly perTree: ReadonlyMap<string, number>;
  /** Mean of the per-tree accuracies weighted by edges (= all trees' correct edges / all edges). */
  readonly treesPooled: number;
}

/** The options a candidate sets on top of `base`. */
export function candidateOptions(candidate: ScoreCandidate, base: Partial<RecoverOptions> = {}): Partial<RecoverOptions> {
  return { ...base, score: candidate.score, scoreKinds: candidate.layers.kinds };
}

/** Every true tree of `truth`: its root id and its restricted truth, in truth order. */
export function trueTrees(truth: TruthGraph): { root: string; truth: TruthGraph }[] {
  const roots = [...new Set(truth.models.map((m) => m.tree))];
  return roots.map((root) => ({ root, truth: restrictTruth(truth, truth.models.filter((m) => m.tree === root).map((m) => m.id)) }));
}

/** Per-tree accuracy of every candidate; `onDone` after each candidate (progress). */
export async function recoverTreesByCandidate(
  models: readonly ModelSource[],
  truth: TruthGraph,
  candidates: readonly ScoreCandidate[],
  base: Partial<RecoverOptions> = {},
  onDone: () => void = () => {},
): Promise<CandidateAccuracy[]> {
  const trees = trueTrees(truth);
  const out: CandidateAccuracy[] = [];
  for (const candidate of candidates) {
    const perTree = new Map<string, number>();
    let correct = 0;
    let total = 0;
    for (const tree of trees) {
      const scored = await recoverScored(pickModels(models, tree.truth.models.map((m) => m.id)), tree.truth, { ...candidateOptions(candidate, base), trees: 1 });
      perTree.set(tree.root, scored.scores.edges.accuracy);
      correct += scored.scores.edges.correct;
      total += scored.scores.edges.total;
    }
    out.push({ candidate, perTree, treesPooled: total === 0 ? Number.NaN : correct / total });
    onDone();
  }
  return out;
}

/** Model Graph edge accuracy (clustered, tree count known) for each candidate. */
export async function recoverGraphByCandidate(
  models: readonly ModelSource[],
  truth: TruthGraph,
  candidates: readonly ScoreCandidate[],
  base: Partial<RecoverOptions> = {},
): Promise<{ candidate: ScoreCandidate; accuracy: number; clustering: number }[]> {
  const trees = new Set(truth.models.map((m) => m.tree)).size;
  const out = [];
  for (const candidate of candidates) {
    const scored = await recoverScored(pickModels(models, truth.models.map((m) => m.id)), truth, { ...candidateOptions(candidate, base), trees });
    out.push({ candidate, accuracy: scored.scores.edges.accuracy, clustering: scored.scores.clustering });
  }
  return out;
}

/** Name of a candidate in tables: "kurtosis/attention". */
export function candidateLabel(candidate: ScoreCandidate): string {
  return `${candidate.score}/${candidate.layers.name}`;
}

/**
 * The `count` best candidates by pooled tree accuracy (ties: earlier first), plus `always`
 * (e.g. the current default), without repeats — the ones worth a whole Model Graph recovery.
 */
export function shortlistCandidates(accuracies: readonly CandidateAccuracy[], count: number, always: readonly ScoreCandidate[] = []): ScoreCandidate[] {
  const ranked = accuracies
    .map((a, index) => ({ a, index }))
    .sort((x, y) => y.a.treesPooled - x.a.treesPooled || x.index - y.index)
    .slice(0, count)
    .map(({ a }) => a.candidate);
  const out: ScoreCandidate[] = [];
  for (const candidate of [...always, ...ranked]) if (!out.some((c) => candidateLabel(c) === candidateLabel(candidate))) out.push(candidate);
  return out;
}

/** Pooled tree accuracy of `candidate` at every λ constant × distance layer set (sweep order: layers, then λ). */
export async function lambdaDistanceSweep(
  models: readonly ModelSource[],
  truth: TruthGraph,
  candidate: ScoreCandidate,
  distanceLayers: readonly LayerSet[],
  lambdas: readonly number[],
): Promise<{ candidate: string; distanceLayers: string; lambda: number; treesPooled: number }[]> {
  const out = [];
  for (const layers of distanceLayers) {
    for (const lambda of lambdas) {
      const [result] = await recoverTreesByCandidate(models, truth, [candidate], { lambda, distanceKinds: layers.kinds });
      out.push({ candidate: candidateLabel(candidate), distanceLayers: layers.name, lambda, treesPooled: result!.treesPooled });
    }
  }
  return out;
}
