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
import { treePlacement } from "../../direction/orient-tree.ts";
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
  /** A mixed tree's pairs measured by rank (k×k, 1 = by rank), which `--sibling-adapters skip` exempts from the angles. */
  readonly rankMask: Float64Array | undefined;
  /** The placement options the tree was prepared with (the defaults, unless overridden). */
  readonly placement: Pick<RecoverOptions, "siblingAngles" | "siblingAdapters">;
}

/** Runs the layer pass once and builds D for `models` (all of one architecture, one tree). */
export async function prepareTree(models: readonly ModelSource[], truth: TruthGraph, overrides: Partial<RecoverOptions> = {}): Promise<PreparedTree> {
  const { ids, matrix, choice, euclidean, languageModel, rankMask } = await weightDistanceMatrix(models, overrides);
  const { siblingAngles, siblingAdapters } = { ...DEFAULT_RECOVER_OPTIONS, ...overrides };
  return { ids, truth, distance: matrix, choice, euclidean, languageModel, rankMask, placement: { siblingAngles, siblingAdapters } };
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
  const { forbidden } = treePlacement({
    k: tree.ids.length,
    forbidden: undefined,
    choice: tree.choice,
    distance: tree.distance,
    angleDistance: angleDistanceFor(tree.placement.siblingAngles, tree.choice === "lora", tree.languageModel, stages, () => tree.euclidean),
    rankMask: tree.rankMask,
    options: tree.placement,
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
