/** The full score card of a recovered graph: what `mother evaluate` prints. */
import { clusteringAccuracy, edgeAccuracy, edgeAccuracyByTree, type EdgeAccuracy, type ScoringTruth } from "./evaluate.ts";
import { typedScores, type PairScores, type ScoredEdge, type TypeRecall } from "./evaluate-typed.ts";

/** What is scored of a recovered graph: its (typed) edges and its trees. */
export interface ScoredGraph {
  readonly edges: readonly ScoredEdge[];
  readonly trees: readonly (readonly string[])[];
}

/** Every score `mother evaluate` reports. */
export interface GraphScores {
  /** Fraction of true directed edges recovered (paper §6 accuracy). */
  readonly edges: EdgeAccuracy;
  /** Fraction of models in a cluster matched to their true tree. */
  readonly clustering: number;
  /** Edge accuracy per true tree, in truth order. */
  readonly perTree: readonly ({ tree: string } & EdgeAccuracy)[];
  /** Directed precision, recall and F1 over (parent, child) pairs; edges into models the truth does not list are left out. */
  readonly directed: PairScores;
  /** The same with the relation type right too; null when the truth's edges are not all typed. */
  readonly typed: PairScores | null;
  /** Recall per true relation type (empty for untyped truth). */
  readonly perType: readonly TypeRecall[];
}

/** Scores `predicted` against `truth` (both well formed: see evaluate-input.ts for files). */
export function evaluateGraph(predicted: ScoredGraph, truth: ScoringTruth & { readonly edges: readonly ScoredEdge[] }): GraphScores {
  const known = new Set(truth.models.map((m) => m.id));
  const { directed, typed, perType } = typedScores(
    predicted.edges.filter((e) => known.has(e.child)),
    truth.edges,
  );
  return {
    edges: edgeAccuracy(predicted.edges, truth),
    clustering: clusteringAccuracy(predicted.trees, truth),
    perTree: [...edgeAccuracyByTree(predicted.edges, truth)].map(([tree, accuracy]) => ({ tree, ...accuracy })),
    directed,
    typed: typed ?? null,
    perType,
  };
}
