/**
 * Edge direction priors and the merged cost matrix the MDST runs on (paper Eq. 4–6):
 *
 *   K_ij = 1 if k(v_i) < k(v_j)               (directional scores)
 *   T_ij = 1 if v_j came from its parent by generalization (SPEC §2: T follows the child)
 *   M_ij = D_ij + λ·(K_ij XOR T_ij),  M_ii = ∞,  λ = c · Σ_{i≠j} D_ij / n²
 *
 * M_ij is the cost of the edge i → j (i is j's parent), the orientation
 * minimumSpanningArborescence expects. Specialization lowers kurtosis, so a true
 * specialization edge has k(i) > k(j): K_ij = 0 = T_ij and no penalty; the reversed edge
 * j → i has K_ji = 1 and pays λ. Generalization raises kurtosis: K_ij = 1 = T_ij, no penalty.
 */
import type { Stage } from "../types.ts";
import { assert } from "../errors.ts";

/** Default c in λ = c·mean(D) (paper §5.2; the ablation in SPEC §4 revisits it). */
export const DEFAULT_DIRECTION_WEIGHT = 0.3;

/** K (n×n, row-major): K[i*n + j] = 1 when scores[i] < scores[j]; equal scores give 0 both ways. */
export function directionMatrix(scores: Float64Array): Uint8Array {
  const n = scores.length;
  const direction = new Uint8Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) direction[i * n + j] = scores[i]! < scores[j]! ? 1 : 0;
  return direction;
}

/** T (n×n, row-major): T[i*n + j] = 1 when model j's stage is generalization, for every candidate parent i ≠ j. */
export function stageMatrix(stages: readonly Stage[]): Uint8Array {
  const n = stages.length;
  const stage = new Uint8Array(n * n);
  for (let j = 0; j < n; j++) {
    if (stages[j] !== "generalization") continue;
    for (let i = 0; i < n; i++) if (i !== j) stage[i * n + j] = 1;
  }
  return stage;
}

/**
 * λ = c · Σ_{i≠j} D_ij / n²: the paper's mean over all n² entries with the diagonal counted as 0
 * (D_ii = ∞ in Eq. 4 would make any mean infinite). Non-finite entries are skipped.
 */
export function directionPenalty(distances: Float64Array, n: number, c = DEFAULT_DIRECTION_WEIGHT): number {
  let sum = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const d = distances[i * n + j]!;
      if (i !== j && Number.isFinite(d)) sum += d;
    }
  }
  return (c * sum) / (n * n);
}

/**
 * K for a tree whose pairs are measured two ways (issue #12): pairs with `classes` = 1 (adapter
 * relatives, measured by rank) are oriented by `rankScores`, the others by `scores`.
 */
export function pairDirectionMatrix(scores: Float64Array, rankScores: Float64Array, classes: Uint8Array): Uint8Array {
  const n = scores.length;
  const direction = new Uint8Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const s = classes[i * n + j] ? rankScores : scores;
      direction[i * n + j] = s[i]! < s[j]! ? 1 : 0;
    }
  }
  return direction;
}

/**
 * λ for each class of pairs (0: measured by ℓ_FT, 1: by rank): c times the mean D over the
 * class's pairs, scaled by (n − 1)/n so that one class gives directionPenalty exactly. Each
 * direction prior is weighed against the distance it competes with: a rank-measured pair's
 * scale is far below ℓ_FT's (rank-measured-pairs.ts), and one λ for both would let the score
 * overrule every rank difference. A class without pairs gets 0.
 */
export function classPenalties(distances: Float64Array, classes: Uint8Array, n: number, c = DEFAULT_DIRECTION_WEIGHT): [number, number] {
  const sum = [0, 0];
  const count = [0, 0];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const d = distances[i * n + j]!;
      if (i === j || !Number.isFinite(d)) continue;
      const x = classes[i * n + j] ? 1 : 0;
      sum[x]! += d;
      count[x]!++;
    }
  }
  const scale = (c * (n - 1)) / n;
  return [count[0] ? (scale * sum[0]!) / count[0]! : 0, count[1] ? (scale * sum[1]!) / count[1]! : 0];
}

/**
 * M = D + λ(K ⊕ T) with M_ii = ∞ (paper Eq. 6); M[i*n + j] is the cost of edge i → j.
 * `distances` is n×n (its diagonal is ignored), `direction` K and `stage` T as built above (K may be
 * fractional: a pair rule's evidence weighted by its confidence, `--pair-penalty confidence`).
 * With `classes`, each class of pairs pays its own λ (classPenalties).
 */
export function mergedMatrix(
  distances: Float64Array,
  direction: ArrayLike<number>,
  stage: Uint8Array,
  n: number,
  c = DEFAULT_DIRECTION_WEIGHT,
  classes?: Uint8Array,
): Float64Array {
  const cells = n * n;
  assert(
    distances.length === cells && direction.length === cells && stage.length === cells,
    `mergedMatrix: matrices are not all n×n (${distances.length}, ${direction.length}, ${stage.length}, limit ${cells})`,
  );
  const lambdas = classes ? classPenalties(distances, classes, n, c) : [directionPenalty(distances, n, c), 0];
  const merged = new Float64Array(cells);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const at = i * n + j;
      const lambda = lambdas[classes?.[at] ? 1 : 0]!;
      // K ⊕ T, with K in [0, 1] (a pair rule's weighted evidence, src/direction/pair-penalty.ts): T flips it to 1 − K.
      merged[at] = i === j ? Infinity : distances[at]! + lambda * (stage[at] ? 1 - direction[at]! : direction[at]!);
    }
  }
  return merged;
}
