/**
 * How often a directional score orders a true edge the way its stage says (paper §4.2):
 * for specialization the parent's score is higher than the child's, for generalization
 * lower. Computed from per-layer statistics alone, for any statistic and any layer set —
 * the cheapest ablation of the direction prior (no tree building involved).
 */
import type { LayerKind, ScoreName, Stage, TruthGraph } from "../../types.ts";
import { directionalScore } from "../../stats/layer-stats.ts";
import type { LayerStatsRow } from "../../stats/stats-table.ts";

/** Directional score of every model: the statistic summed over layers of the given kinds. */
export function scoresByModel(rows: readonly LayerStatsRow[], score: ScoreName, kinds: readonly LayerKind[]): Map<string, number> {
  const byModel = new Map<string, LayerStatsRow["stats"][]>();
  for (const row of rows) {
    if (!kinds.includes(row.kind)) continue;
    const list = byModel.get(row.model);
    if (list) list.push(row.stats);
    else byModel.set(row.model, [row.stats]);
  }
  return new Map([...byModel].map(([model, stats]) => [model, directionalScore(stats, score)]));
}

/** Fraction of true edges whose score order matches the child's stage (ties count as wrong). */
export function directionAgreement(truth: TruthGraph, scores: ReadonlyMap<string, number>): { agree: number; total: number; fraction: number } {
  const stageOf = new Map<string, Stage>(truth.models.map((m) => [m.id, m.stage]));
  let agree = 0;
  let total = 0;
  for (const edge of truth.edges) {
    const parent = scores.get(edge.parent);
    const child = scores.get(edge.child);
    if (parent === undefined || child === undefined) continue;
    total++;
    const specialization = stageOf.get(edge.child) !== "generalization";
    if (specialization ? parent > child : parent < child) agree++;
  }
  return { agree, total, fraction: total === 0 ? Number.NaN : agree / total };
}

/** A directional-score candidate as harness/direction/layer-sets.ts defines it (sign −1: read reversed). */
export interface SignedScore {
  readonly score: ScoreName;
  readonly layers: { readonly name: string; readonly kinds: readonly LayerKind[] };
  readonly sign?: 1 | -1;
}

/** Scores of a candidate: `scoresByModel` times its sign, so "higher = parent" holds for either sign. */
export function candidateScores(rows: readonly LayerStatsRow[], candidate: SignedScore): Map<string, number> {
  const sign = candidate.sign ?? 1;
  return new Map([...scoresByModel(rows, candidate.score, candidate.layers.kinds)].map(([model, score]) => [model, sign * score]));
}

/** Direction agreement of one directional-score candidate (a statistic over a layer set). */
export interface CandidateAgreement {
  readonly candidate: SignedScore;
  readonly agree: number;
  readonly total: number;
  readonly fraction: number;
}

/** `directionAgreement` for every candidate, in candidate order. */
export function agreementByCandidate(rows: readonly LayerStatsRow[], truth: TruthGraph, candidates: readonly SignedScore[]): CandidateAgreement[] {
  return candidates.map((candidate) => ({ candidate, ...directionAgreement(truth, candidateScores(rows, candidate)) }));
}
