/**
 * Paper §6.3 "robustness to similar models", measured per root:
 *
 *   family = root + its same-recipe seed siblings
 *     1. ℓ_FT over the family (as recovery computes it): each sibling's distance to the parent
 *        and to its nearest sibling
 *     2. the family recovered alone (cluster known): is the star root → siblings recovered?
 *     3. the siblings added to the root's VTHR FT tree: are their three edges still recovered?
 *   all families together recovered as one Model Graph (tree count known)
 */
import type { ModelGraph, ModelSource, TruthGraph } from "../../types.ts";
import { pickModels, recoverScored } from "./recover-scored.ts";
import { restrictTruth } from "./sample-subtree.ts";
import { siblingDistances, type SiblingDistance } from "./sibling-check.ts";
import { weightDistanceMatrix } from "./weight-distance-matrix.ts";

export interface FamilyResult {
  readonly root: string;
  readonly siblings: readonly SiblingDistance[];
  /** Edge accuracy of the family recovered alone. */
  readonly aloneAccuracy: number;
  readonly aloneGraph: ModelGraph;
  /** The siblings' edges recovered inside the root's FT tree, out of the sibling count. */
  readonly inTreeSiblingEdges: number;
  /** Edge accuracy of the whole enlarged tree. */
  readonly inTreeAccuracy: number;
  readonly inTreeGraph: ModelGraph;
}

export interface SeedSiblingResults {
  readonly families: readonly FamilyResult[];
  /** Every family together (roots + siblings), clustered with the tree count known. */
  readonly graph: { graph: ModelGraph; accuracy: number; clustering: number };
}

/**
 * `families` is the truth of roots and siblings (seedSiblingTruth); `ftTree` the FT split's
 * truth; `models` must hold every model of both.
 */
export async function seedSiblingStudy(models: readonly ModelSource[], families: TruthGraph, ftSplit: TruthGraph): Promise<SeedSiblingResults> {
  const out: FamilyResult[] = [];
  for (const root of [...new Set(families.models.map((m) => m.tree))]) {
    const familyIds = families.models.filter((m) => m.tree === root).map((m) => m.id);
    const familyTruth = restrictTruth(families, familyIds);
    const distances = await weightDistanceMatrix(pickModels(models, familyIds), { distance: "ft" });
    const alone = await recoverScored(pickModels(models, familyIds), familyTruth, { trees: 1 });

    const treeTruth = restrictTruth(
      ftSplit,
      ftSplit.models.filter((m) => m.tree === root).map((m) => m.id),
    );
    const enlarged: TruthGraph = {
      models: [...treeTruth.models, ...familyTruth.models.filter((m) => m.id !== root)],
      edges: [...treeTruth.edges, ...familyTruth.edges],
    };
    const inTree = await recoverScored(
      pickModels(
        models,
        enlarged.models.map((m) => m.id),
      ),
      enlarged,
      { trees: 1 },
    );
    const recoveredKeys = new Set(inTree.graph.edges.map((e) => `${e.parent}→${e.child}`));
    out.push({
      root,
      siblings: siblingDistances(distances, root),
      aloneAccuracy: alone.scores.edges.accuracy,
      aloneGraph: alone.graph,
      inTreeSiblingEdges: familyTruth.edges.filter((e) => recoveredKeys.has(`${e.parent}→${e.child}`)).length,
      inTreeAccuracy: inTree.scores.edges.accuracy,
      inTreeGraph: inTree.graph,
    });
  }
  const all = await recoverScored(
    pickModels(
      models,
      families.models.map((m) => m.id),
    ),
    families,
    { trees: out.length },
  );
  return { families: out, graph: { graph: all.graph, accuracy: all.scores.edges.accuracy, clustering: all.scores.clustering } };
}
