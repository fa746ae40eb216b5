/**
 * One true tree read once, recovered many times: the ablations vary only the direction prior
 * (score statistic, score layers, λ, stage), none of which touches the distance matrix, so the
 * layer pass runs once per tree and each variant costs one MDST. Built from the same pieces in
 * the same order as recoverModels with `trees: 1` (recover.ts steps 3 and 5), so a variant
 * gives exactly the tree `recoverModels(models, {…options, score, scoreKinds, trees: 1})` gives
 * (pinned by the direction-ablation test).
 */
import type { ModelSource, Stage, TruthGraph } from "../../types.ts";
import type { RecoverOptions } from "../../recover/options.ts";
import type { DistanceChoice } from "../../recover/tree-distance.ts";
import { recoverTree } from "../../recover/recover-tree.ts";
import { placementRules } from "../../direction/orient-tree.ts";
import { angleDistanceFor } from "../../distance/obtuse-siblings.ts";
import { DEFAULT_RECOVER_OPTIONS } from "../../recover/options.ts";
import { weightDistanceMatrix } from "../ablation/weight-distance-matrix.ts";
import { edgeAccuracy, type EdgeAccuracy } from "../../recover/evaluate.ts";
import { bug } from "../../errors.ts";

/** A tree's models with the distance matrix recovery builds for them. */
export interface PreparedTree {
  readonly ids: readonly string[];
  readonly truth: TruthGraph;
  /** k×k row-major D (ℓ_FT or ℓ_LoRA, as `distance` chose). */
  readonly distance: Float64Array;
  readonly choice: DistanceChoice;
  /** What recovery's placement rules read (weight-distance-matrix.ts). */
  readonly euclidean: Float64Array;
  readonly languageModel: boolean;
}

/** Runs the layer pass once and builds D for `models` (all of one architecture, one tree). */
export async function prepareTree(models: readonly ModelSource[], truth: TruthGraph, overrides: Partial<RecoverOptions> = {}): Promise<PreparedTree> {
  const { ids, matrix, choice, euclidean, languageModel } = await weightDistanceMatrix(models, overrides);
  return { ids, truth, distance: matrix, choice, euclidean, languageModel };
}

/** The recovered tree's edges and their accuracy, for one direction prior. */
export interface PreparedRecovery {
  readonly edges: { parent: string; child: string }[];
  readonly accuracy: EdgeAccuracy;
  /** The stage used (inferred when `stage` was "auto"); one for the whole tree. */
  readonly stage: Stage;
}

/** Recovers the prepared tree with directional `scores` (by id), one `stage` for all, λ constant `lambda`. */
export function recoverPrepared(tree: PreparedTree, scores: ReadonlyMap<string, number>, stage: Stage | "auto", lambda: number): PreparedRecovery {
  const stages = tree.ids.map(() => stage);
  const { forbidden } = placementRules({
    k: tree.ids.length,
    forbidden: undefined,
    angleDistance: angleDistanceFor(DEFAULT_RECOVER_OPTIONS.siblingAngles, tree.choice === "lora", tree.languageModel, stages, () => tree.euclidean),
    rankDistance: tree.choice === "lora" ? tree.distance : undefined,
    parentOnly: DEFAULT_RECOVER_OPTIONS.siblingAngles === "parent",
  });
  const result = recoverTree({
    distance: tree.distance,
    scores: Float64Array.from(tree.ids, (id) => {
      const score = scores.get(id);
      if (score === undefined) bug(`prepared tree: no directional score for ${id}`);
      return score;
    }),
    stages,
    lambda,
    forbidden,
  });
  const edges = [...result.parent].flatMap((p, i) => (p >= 0 ? [{ parent: tree.ids[p]!, child: tree.ids[i]! }] : []));
  return { edges, accuracy: edgeAccuracy(edges, tree.truth), stage: result.stages[0]! };
}
