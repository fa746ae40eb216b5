/**
 * Directed precision, recall and F1 over (parent, child) pairs, and typed F1 (pair and type
 * right), for a recovered graph against a typed truth (SPEC §8). A recovered edge without a
 * type counts as untyped: right as a pair, wrong as a typed edge.
 */
import type { ModelGraph } from "../../types.ts";

/** A truth edge with an optional type. */
interface TypedEdge {
  readonly parent: string;
  readonly child: string;
  readonly type?: string;
}

export interface TypedEdgeScores {
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** F1 where an edge counts only when its type is right too. */
  readonly typedF1: number;
  /** Per true type: the share of its edges recovered with the right pair and type. */
  readonly recallByType: ReadonlyMap<string, number>;
}

/** Scores `predicted` against `truth` (both as edge lists). */
export function typedEdgeScores(predicted: ModelGraph, truth: { readonly edges: readonly TypedEdge[] }): TypedEdgeScores {
  const key = (e: TypedEdge) => `${e.parent}\u0000${e.child}`;
  const predictedType = new Map(predicted.edges.map((e) => [key(e), (e as TypedEdge).type]));
  let pairs = 0;
  let typed = 0;
  const byType = new Map<string, { right: number; total: number }>();
  for (const edge of truth.edges) {
    const found = predictedType.has(key(edge));
    const typeRight = found && predictedType.get(key(edge)) === edge.type;
    if (found) pairs++;
    if (typeRight) typed++;
    const type = edge.type ?? "untyped";
    const tally = byType.get(type) ?? { right: 0, total: 0 };
    byType.set(type, { right: tally.right + (typeRight ? 1 : 0), total: tally.total + 1 });
  }
  const f1 = (right: number) => (right === 0 ? 0 : (2 * right) / (predicted.edges.length + truth.edges.length));
  return {
    precision: predicted.edges.length === 0 ? 0 : pairs / predicted.edges.length,
    recall: truth.edges.length === 0 ? 0 : pairs / truth.edges.length,
    f1: f1(pairs),
    typedF1: f1(typed),
    recallByType: new Map([...byType].map(([type, { right, total }]) => [type, right / total])),
  };
}
