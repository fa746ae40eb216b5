/** The full score card of a recovered graph: what `mother evaluate` prints. */
import type { ModelGraph, TruthGraph } from "../types.ts";
import { clusteringAccuracy, edgeAccuracy, edgeAccuracyByTree, type EdgeAccuracy } from "./evaluate.ts";

export interface GraphScores {
  /** Fraction of true directed edges recovered (paper §6 accuracy). */
  readonly edges: EdgeAccuracy;
  /** Fraction of models in a cluster matched to their true tree. */
  readonly clustering: number;
  /** Edge accuracy per true tree, in truth order. */
  readonly perTree: readonly ({ tree: string } & EdgeAccuracy)[];
}

export function evaluateGraph(predicted: ModelGraph, truth: TruthGraph): GraphScores {
  return {
    edges: edgeAccuracy(predicted, truth),
    clustering: clusteringAccuracy(predicted.trees, truth),
    perTree: [...edgeAccuracyByTree(predicted, truth)].map(([tree, accuracy]) => ({ tree, ...accuracy })),
  };
}
