/**
 * One Model Tree from its matrices (paper §5.2):
 *
 *   D (ℓ_FT or ℓ_LoRA) ──┐
 *   scores → K ──────────┼─► M = D + λ(K ⊕ T) ─► minimum directed spanning tree ─► parents
 *   stages → T ──────────┘
 *
 * With `stage: "auto"` both global orientations are tried and the cheaper arborescence wins.
 * That is evidence, not a guess: in the wrong orientation the scores run against D on the
 * branches, and every such edge pays λ; a chain or a pair has no branch, so both cost the same
 * (`orientationTied`). Measurements: docs/defaults.md, "Direction trend: inferred per tree".
 */
import type { Stage } from "../types.ts";
import { classPenalties, directionMatrix, directionPenalty, mergedMatrix, pairDirectionMatrix, stageMatrix } from "./direction.ts";
import { minimumSpanningArborescence } from "../tree/chu-liu-edmonds.ts";
import { DEFAULT_RECOVER_OPTIONS, type RecoverOptions } from "./options.ts";

export interface TreeInput {
  /** n×n distance matrix (diagonal ignored). */
  readonly distance: Float64Array;
  /** Directional score per model. */
  readonly scores: Float64Array;
  /** Stage per model; "auto" entries are inferred for the whole tree. */
  readonly stages: readonly (Stage | "auto")[];
  /** c in λ = c · mean(D). */
  readonly lambda: number;
  /**
   * Edges i → j that cannot have happened (forbidden[i·n + j] = 1), e.g. a pruned model as the
   * parent of a dense one: the tree avoids them unless no other tree exists.
   */
  readonly forbidden?: Uint8Array;
  /**
   * Pairs measured by rank (adapter relatives in a tree that also holds full fine-tunes,
   * `mask` n×n = 1): oriented by their own `scores` and paying their own λ (direction.ts).
   */
  readonly rankPairs?: { readonly mask: Uint8Array; readonly scores: Float64Array };
  /**
   * K given per edge instead of from `scores` (a pair rule's evidence, src/direction/pair-rule.ts: 1 for an edge i → j
   * the evidence runs against, or a weight in [0, 1] under `--pair-penalty confidence`, src/direction/pair-penalty.ts);
   * `scores` then only breaks root ties. Not combined with `rankPairs`.
   */
  readonly direction?: Uint8Array | Float64Array;
  /**
   * `--root-tie`: "score" roots a cost tie at its most root-like model (rootedAtTie), "solver" keeps the solver's pick;
   * absent: the tool's default (DEFAULT_RECOVER_OPTIONS.rootTie, "score"), so every caller agrees with `mother recover`.
   * "lambda" (a pair rule's tree under `--pair-root lambda`, orient-tree.ts): the most root-like model is the root
   * whenever that tree costs at most one λ more, a tie or not.
   */
  readonly rootTie?: RecoverOptions["rootTie"] | "lambda";
}

export interface TreeResult {
  /** parent[i] = index of i's parent, -1 for the root. */
  readonly parent: Int32Array;
  /** Stage used for each model (inferred ones filled in). */
  readonly stages: Stage[];
  /** Per-edge confidence in [0, 1] for each child (0 for the root); see edgeConfidence. */
  readonly confidence: Float64Array;
  /** Total cost of the arborescence in M. */
  readonly cost: number;
  /** λ in cost units (c · mean(D)): what one edge against the score's trend adds to the cost. */
  readonly penalty: number;
  /**
   * With stage "auto": both orientations cost the same (a chain or a pair, where scores and
   * distances agree either way), so the orientation is the specialization default, not evidence.
   */
  readonly orientationTied: boolean;
}

/** Relative difference below which stage auto's two orientations count as equally cheap (rounding in the sums). */
const TIE_TOLERANCE = 1e-9;

/**
 * Whether `other` costs less than `tree` by more than `margin`, beyond rounding in the sums.
 * Arborescences with the same edges of which one more runs against the trend differ by exactly
 * one penalty: that gap is a tie, not a margin, whichever way the last bits fall.
 */
export function cheaperByMoreThan(tree: TreeResult, other: TreeResult, margin: number): boolean {
  return tree.cost - other.cost - margin > TIE_TOLERANCE * Math.max(Math.abs(tree.cost), Math.abs(other.cost), Number.MIN_VALUE);
}

/** Recovers one tree; a single model is its own root. */
export function recoverTree(input: TreeInput): TreeResult {
  const n = input.scores.length;
  if (n === 1) {
    const stage = input.stages[0] === "generalization" ? "generalization" : "specialization";
    return { parent: Int32Array.of(-1), stages: [stage], confidence: new Float64Array(1), cost: 0, penalty: 0, orientationTied: false };
  }
  const solve = (stages: Stage[]) => {
    const direction = input.direction
      ? input.direction
      : input.rankPairs
        ? pairDirectionMatrix(input.scores, input.rankPairs.scores, input.rankPairs.mask)
        : directionMatrix(input.scores);
    const merged = mergedMatrix(
      input.distance,
      direction,
      adapterStepsSpecialize(stageMatrix(stages), input.rankPairs?.mask),
      n,
      input.lambda,
      input.rankPairs?.mask,
    );
    if (input.forbidden) forbid(merged, input.forbidden, n);
    const tree = minimumSpanningArborescence(merged, n);
    return { ...tree, merged, stages };
  };
  const fill = (stage: Stage) => input.stages.map((s) => (s === "auto" ? stage : s));
  let best = solve(fill("specialization"));
  let orientationTied = false;
  if (input.stages.includes("auto")) {
    const generalized = solve(fill("generalization"));
    // Ties go to specialization: most published models are fine-tunes.
    orientationTied = Math.abs(generalized.cost - best.cost) <= TIE_TOLERANCE * Math.max(Math.abs(best.cost), Number.MIN_VALUE);
    if (generalized.cost < best.cost && !orientationTied) best = generalized;
  }
  const penalty = input.rankPairs ? ftPairPenalty(input.distance, input.rankPairs.mask, n, input.lambda) : directionPenalty(input.distance, n, input.lambda);
  const rootTie = input.rootTie ?? DEFAULT_RECOVER_OPTIONS.rootTie;
  if (rootTie !== "solver") best = rootedAtTie(best, input, n, rootTie === "lambda" ? penalty : 0);
  return { parent: best.parent, stages: best.stages, confidence: edgeConfidence(best.merged, best.parent, n), cost: best.cost, penalty, orientationTied };
}

/**
 * On a cost tie, the tree rooted at its most root-like model: the one whose score every other
 * model's edge would move away from (the highest oriented score under specialization, where a
 * parent is expected above its child; the lowest under generalization). A root has no incoming
 * edge, so M never compares its score: two arborescences that differ only in which end of a
 * root path holds the one edge against the trend cost exactly the same, and the solver's choice
 * between them was the last bits of a sum (VTHR LoRA-V: sup-objects → c0 → g0 with variance
 * dipping on c0 → g0 was rooted at g0). Only for one stage over the whole tree, no
 * rank-measured pairs (their scores are another statistic's) and λ > 0.
 */
function rootedAtTie<T extends { parent: Int32Array; cost: number; merged: Float64Array; stages: Stage[] }>(
  best: T,
  input: TreeInput,
  n: number,
  slack: number,
): T {
  // λ = 0 is no direction prior: every root ties, and a root picked by score would be one.
  if (input.rankPairs || input.lambda === 0 || new Set(best.stages).size !== 1) return best;
  const sign = best.stages[0] === "generalization" ? -1 : 1;
  let root = 0;
  for (let i = 1; i < n; i++) if (sign * input.scores[i]! > sign * input.scores[root]!) root = i;
  if (best.parent[root] === -1) return best;
  const rooted = minimumSpanningArborescence(best.merged, n, root);
  // `slack` (one λ under "lambda", else 0): the most root-like root is kept when it costs at most that much more.
  const tied =
    Math.abs(rooted.cost - best.cost) <= TIE_TOLERANCE * Math.max(Math.abs(best.cost), Number.MIN_VALUE) || (slack > 0 && rooted.cost - best.cost <= slack);
  return tied ? { ...best, parent: rooted.parent, cost: rooted.cost } : best;
}

/**
 * T with the rank-measured pairs' entries 0: a merged low-rank update is a fine-tuning step
 * whichever way the tree's full fine-tunes are oriented, so its direction prior keeps the
 * specialization sense. Without this, a trend the full pairs alone prefer (pruned copies raise
 * kurtosis) flipped a LoRA tree's every adapter edge at the small cost of the adapters' own λ
 * (derived-copies on the PyTorch LoRA tree: pruned copies 1/4 under their source, 4/4 again).
 */
function adapterStepsSpecialize(stage: Uint8Array, mask: Uint8Array | undefined): Uint8Array {
  if (!mask) return stage;
  return stage.map((value, at) => (mask[at] ? 0 : value));
}

/** λ of the ℓ_FT-measured pairs (the rank-measured ones' when there are none). */
function ftPairPenalty(distance: Float64Array, mask: Uint8Array, n: number, c: number): number {
  const [ft, rank] = classPenalties(distance, mask, n, c);
  return ft > 0 ? ft : rank;
}

/**
 * Adds to every forbidden edge more than any whole tree of allowed edges can cost (n edges at
 * the largest finite cost each), so the minimum arborescence uses one only when it must.
 */
function forbid(merged: Float64Array, forbidden: Uint8Array, n: number): void {
  let largest = 0;
  for (const cost of merged) if (Number.isFinite(cost)) largest = Math.max(largest, cost);
  const penalty = n * (largest + 1);
  for (let at = 0; at < merged.length; at++) if (forbidden[at]) merged[at]! += penalty;
}

/**
 * How much better the chosen parent is than the best other candidate, in the merged matrix:
 * (alt − chosen) / alt for the cheapest incoming edge from a model that is neither the chosen
 * parent nor a descendant of the child (attaching there keeps a tree). For a child of the
 * root the alternatives also include the reversed edge — the child as the root's parent —
 * so the one edge of a pair is as confident as its direction, not 1 for want of rivals.
 * 0 means a coin flip, 1 means every alternative is infinitely worse.
 */
export function edgeConfidence(merged: Float64Array, parent: Int32Array, n: number): Float64Array {
  const confidence = new Float64Array(n);
  for (let child = 0; child < n; child++) {
    const chosen = parent[child]!;
    if (chosen < 0) continue;
    const descendant = new Uint8Array(n);
    for (let v = 0; v < n; v++) {
      for (let u = v; u >= 0; u = parent[u]!) {
        if (u === child) {
          descendant[v] = 1;
          break;
        }
      }
    }
    let alternative = Infinity;
    for (let u = 0; u < n; u++) {
      if (u !== chosen && !descendant[u]) alternative = Math.min(alternative, merged[u * n + child]!);
    }
    if (parent[chosen] === -1) alternative = Math.min(alternative, merged[child * n + chosen]!);
    const cost = merged[chosen * n + child]!;
    confidence[child] = alternative === Infinity ? 1 : alternative <= 0 ? 0 : Math.max(0, (alternative - cost) / alternative);
  }
  return confidence;
}
