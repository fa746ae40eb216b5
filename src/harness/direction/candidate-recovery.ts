/**
 * Recovery accuracy with each directional-score candidate (paper §6.3 "other directional
 * scores" and "effect of layer types", as accuracies rather than curves):
 *
 *   1. per true tree (cluster known): the layer pass runs once (prepared-tree.ts), then each
 *      candidate's scores (from the per-layer statistics rows) and each λ give one MDST —
 *      the distance is the same for every candidate, so differences are the direction prior's
 *   2. the whole Model Graph (clustered, tree count known): recoverModels per shortlisted
 *      candidate, options from score-source.ts
 *
 * Everything else is recovery's default (plus `base` overrides).
 */
import type { ModelSource, Stage, TruthGraph } from "../../types.ts";
import { DEFAULT_RECOVER_OPTIONS, type RecoverOptions } from "../../recover/options.ts";
import type { LayerStatsRow } from "../../stats/stats-table.ts";
import { pickModels, recoverScored } from "../ablation/recover-scored.ts";
import { restrictTruth } from "../ablation/sample-subtree.ts";
import type { LayerSet } from "./layer-sets.ts";
import { sourceLabel, sourceOptions, sourceScores, type ScoreSource } from "./score-source.ts";
import { prepareTree, recoverPrepared, type PreparedTree } from "./prepared-tree.ts";

/**
 * The stage the direction ablations recover with: VTHR's fine-tunes are specialization, and
 * each statistic is measured with its trend known, as in the paper — not with recovery's
 * default `--stage auto`, which would flip a statistic that moves the wrong way.
 */
const KNOWN_STAGE = "specialization";
/** Accuracies of one candidate on one split. */
export interface CandidateAccuracy {
  readonly candidate: ScoreSource;
  /** Edge accuracy per true tree (cluster known), by root id in truth order. */
  readonly perTree: ReadonlyMap<string, number>;
  /** All trees' correct edges / all edges. */
  readonly treesPooled: number;
}

/** Every true tree of `truth`: its root id and its restricted truth, in truth order. */
export function trueTrees(truth: TruthGraph): { root: string; truth: TruthGraph }[] {
  const roots = [...new Set(truth.models.map((m) => m.tree))];
  return roots.map((root) => ({
    root,
    truth: restrictTruth(
      truth,
      truth.models.filter((m) => m.tree === root).map((m) => m.id),
    ),
  }));
}

/** Every true tree prepared (one layer pass each) with recovery's options plus `base`. */
export async function prepareTrees(
  models: readonly ModelSource[],
  truth: TruthGraph,
  base: Partial<RecoverOptions> = {},
): Promise<{ root: string; tree: PreparedTree }[]> {
  const out = [];
  for (const { root, truth: treeTruth } of trueTrees(truth)) {
    out.push({
      root,
      tree: await prepareTree(
        pickModels(
          models,
          treeTruth.models.map((m) => m.id),
        ),
        treeTruth,
        base,
      ),
    });
  }
  return out;
}

/** Per-tree and pooled accuracy of one direction prior on prepared trees. */
export function accuracyOnTrees(
  trees: readonly { root: string; tree: PreparedTree }[],
  scores: ReadonlyMap<string, number>,
  stage: Stage | "auto",
  lambda: number,
): { perTree: Map<string, number>; treesPooled: number; stages: Map<string, Stage> } {
  const perTree = new Map<string, number>();
  const stages = new Map<string, Stage>();
  let correct = 0;
  let total = 0;
  for (const { root, tree } of trees) {
    const recovered = recoverPrepared(tree, scores, stage, lambda);
    perTree.set(root, recovered.accuracy.accuracy);
    stages.set(root, recovered.stage);
    correct += recovered.accuracy.correct;
    total += recovered.accuracy.total;
  }
  return { perTree, treesPooled: total === 0 ? Number.NaN : correct / total, stages };
}

/** Pooled tree accuracy with no direction information (every model the same score): what the distance alone gets right. */
export function noDirectionAccuracy(trees: readonly { root: string; tree: PreparedTree }[], lambda = DEFAULT_RECOVER_OPTIONS.lambda): number {
  const flat = new Map(trees.flatMap(({ tree }) => tree.ids.map((id) => [id, 0] as const)));
  return accuracyOnTrees(trees, flat, KNOWN_STAGE, lambda).treesPooled;
}

/** Per-tree accuracy of every candidate on prepared trees, scores from `rows` (statistics of every model). */
export function accuracyByCandidate(
  trees: readonly { root: string; tree: PreparedTree }[],
  rows: readonly LayerStatsRow[],
  candidates: readonly ScoreSource[],
  prior: Pick<RecoverOptions, "stage" | "lambda"> = { stage: KNOWN_STAGE, lambda: DEFAULT_RECOVER_OPTIONS.lambda },
): CandidateAccuracy[] {
  return candidates.map((candidate) => {
    const { perTree, treesPooled } = accuracyOnTrees(trees, sourceScores(candidate, rows, trees), prior.stage, prior.lambda);
    return { candidate, perTree, treesPooled };
  });
}

/** Model Graph edge accuracy (clustered, tree count known) for each candidate. */
export async function recoverGraphByCandidate(
  models: readonly ModelSource[],
  truth: TruthGraph,
  candidates: readonly ScoreSource[],
  base: Partial<RecoverOptions> = { stage: KNOWN_STAGE },
): Promise<{ candidate: ScoreSource; accuracy: number; clustering: number }[]> {
  const trees = new Set(truth.models.map((m) => m.tree)).size;
  const out = [];
  for (const candidate of candidates) {
    const scored = await recoverScored(
      pickModels(
        models,
        truth.models.map((m) => m.id),
      ),
      truth,
      { ...sourceOptions(candidate, base), trees },
    );
    out.push({ candidate, accuracy: scored.scores.edges.accuracy, clustering: scored.scores.clustering });
  }
  return out;
}

/**
 * The `count` best candidates by pooled tree accuracy (ties: earlier first), plus `always`
 * (e.g. the current default), without repeats — the ones worth a whole Model Graph recovery.
 */
export function shortlistCandidates(accuracies: readonly CandidateAccuracy[], count: number, always: readonly ScoreSource[] = []): ScoreSource[] {
  const ranked = accuracies
    .map((a, index) => ({ a, index }))
    .sort((x, y) => y.a.treesPooled - x.a.treesPooled || x.index - y.index)
    .slice(0, count)
    .map(({ a }) => a.candidate);
  const out: ScoreSource[] = [];
  for (const candidate of [...always, ...ranked]) if (!out.some((c) => sourceLabel(c) === sourceLabel(candidate))) out.push(candidate);
  return out;
}

/** One point of the λ × distance-layer sweep. */
export interface SweepPoint {
  readonly candidate: string;
  readonly distanceLayers: string;
  readonly lambda: number;
  readonly treesPooled: number;
}

/** Pooled tree accuracy of each candidate at every distance layer set × λ constant (one layer pass per tree and set). */
export async function lambdaDistanceSweep(
  models: readonly ModelSource[],
  truth: TruthGraph,
  rows: readonly LayerStatsRow[],
  candidates: readonly ScoreSource[],
  distanceLayers: readonly LayerSet[],
  lambdas: readonly number[],
): Promise<SweepPoint[]> {
  const out: SweepPoint[] = [];
  for (const layers of distanceLayers) {
    const trees = await prepareTrees(models, truth, { distanceKinds: layers.kinds });
    for (const candidate of candidates) {
      const scores = sourceScores(candidate, rows, trees);
      for (const lambda of lambdas) {
        out.push({
          candidate: sourceLabel(candidate),
          distanceLayers: layers.name,
          lambda,
          treesPooled: accuracyOnTrees(trees, scores, KNOWN_STAGE, lambda).treesPooled,
        });
      }
    }
  }
  return out;
}
