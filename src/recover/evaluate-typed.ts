/**
 * Scores over (parent, child) pairs for a Model Graph that may hold merges (several parents per child), so
 * precision and recall differ (SPEC §8): directed precision, recall and F1 (pair and direction right), typed F1
 * (pair, direction and relation type right), and recall per true relation type. On a forest with every model
 * placed, precision = recall = the paper's edge accuracy.
 */
import { RELATION_TYPES, type RelationType } from "../types.ts";

/** An edge as scored: the type is absent in untyped truth. */
export interface ScoredEdge {
  readonly parent: string;
  readonly child: string;
  readonly type?: RelationType;
}

/** Precision, recall and F1 of a set of predicted edges against the true ones. */
export interface PairScores {
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** Predicted edges that are true (for typed scores: with the true type). */
  readonly correct: number;
  readonly predicted: number;
  readonly total: number;
}

/** Of the true edges of one type: how many were recovered as a pair, and how many also with that type. */
export interface TypeRecall {
  readonly type: RelationType;
  readonly total: number;
  readonly recovered: number;
  readonly typed: number;
}

/** All pair scores; `typed` is undefined unless every true edge has a type (then `perType` lists the types present). */
export interface TypedScores {
  readonly directed: PairScores;
  readonly typed: PairScores | undefined;
  readonly perType: readonly TypeRecall[];
}

/** Directed and typed scores of `predicted` against `truth` (each a set of distinct pairs, check-graph.ts). */
export function typedScores(predicted: readonly ScoredEdge[], truth: readonly ScoredEdge[]): TypedScores {
  const predictedType = new Map(predicted.map((e) => [pairKey(e), e.type]));
  const recovered = truth.filter((e) => predictedType.has(pairKey(e)));
  const directed = pairScores(recovered.length, predicted.length, truth.length);
  if (truth.some((e) => e.type === undefined)) return { directed, typed: undefined, perType: [] };
  const typedRight = (e: ScoredEdge) => predictedType.get(pairKey(e)) === e.type;
  const typed = pairScores(recovered.filter(typedRight).length, predicted.length, truth.length);
  const perType = RELATION_TYPES.flatMap((type) => {
    const ofType = truth.filter((e) => e.type === type);
    if (ofType.length === 0) return [];
    const found = ofType.filter((e) => predictedType.has(pairKey(e)));
    return [{ type, total: ofType.length, recovered: found.length, typed: found.filter(typedRight).length }];
  });
  return { directed, typed, perType };
}

/** Precision and recall from counts; with nothing predicted and nothing true, everything is right (1). */
function pairScores(correct: number, predicted: number, total: number): PairScores {
  const precision = predicted > 0 ? correct / predicted : total === 0 ? 1 : 0;
  const recall = total > 0 ? correct / total : predicted === 0 ? 1 : 0;
  // 2pr / (p + r) in counts: one division, so equal scores print equal
  const f1 = predicted + total > 0 ? (2 * correct) / (predicted + total) : 1;
  return { precision, recall, f1, correct, predicted, total };
}

function pairKey(edge: ScoredEdge): string {
  return JSON.stringify([edge.parent, edge.child]);
}
