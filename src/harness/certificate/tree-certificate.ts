/**
 * Whether a tree's arborescence and direction can be decided from bounds on its distances
 * rather than the distances themselves (issue #15: deciding a tree from its fingerprints):
 *
 *   D_lo ≤ D ≤ D_hi (every pair) ─1─► the decisions on a point estimate D̂: per rule both orientations, the fallback's test,
 *                                     the oriented tree (orientTree, as recovery runs it)
 *                                ─2─► each comparison of costs (orientation, fallback) holds at the box's extremes: the
 *                                     minimum's cost lies between the minimum at D_lo and the chosen tree's cost at D_hi
 *                                ─3─► the tree finally chosen is the minimum one for every D in the box: it is the minimum
 *                                     of M′ = its own edges at their highest cost, every other edge at its lowest
 *
 * Step 3 is exact for a box: cost′(T) − cost′(T*) is the worst case of cost(T) − cost(T*) over
 * the box, so T* minimal under M′ means minimal everywhere. λ = c · mean(D) moves with D and is
 * bounded by the same box. The certificate is as good as its box: with sampled bounds it holds
 * with the probability the bounds do.
 */
import { directionMatrix, directionPenalty, stageMatrix } from "../../recover/direction.ts";
import { minimumSpanningArborescence } from "../../tree/chu-liu-edmonds.ts";
import type { Stage } from "../../types.ts";
import { recoverTree } from "../../recover/recover-tree.ts";
import type { RecoverOptions } from "../../recover/options.ts";
import { defaultRules } from "../../direction/default-rule.ts";
import { orientTree, type DirectionMember, type Oriented } from "../../direction/orient-tree.ts";
import { ruleScores } from "../../direction/rule-scores.ts";
import { orientedScore, type ScoredLayers } from "../../direction/statistic-rule.ts";

/** Bounds on one tree's distance matrix (k × k, row-major; the diagonal ignored). */
export interface DistanceBox {
  readonly low: Float64Array;
  readonly high: Float64Array;
}

/** One arborescence recovery compares: its scores (oriented by the rule), its stages, and the tree it chose. */
export interface ComparedTree {
  readonly scores: Float64Array;
  readonly stages: readonly Stage[];
  readonly parent: Int32Array;
}

/** c of λ = c · mean(D), as the tree is built with (RecoverOptions.lambda). */
export type DirectionWeight = number;

/** The cost interval of `tree` over the box, and whether it is the minimum arborescence for every D in the box. */
export function certifyArborescence(tree: ComparedTree, box: DistanceBox, c: DirectionWeight): { robust: boolean; low: number; high: number } {
  // low: the minimum arborescence at the box's lowest costs (no D in the box has a cheaper one);
  // high: this tree at its highest (every D in the box has a minimum at most that).
  const n = tree.scores.length;
  const against = againstMatrix(tree);
  const { low: lambdaLow, high: lambdaHigh } = penaltyInterval(box, n, c);
  const worst = new Float64Array(n * n).fill(Infinity);
  const best = new Float64Array(n * n).fill(Infinity);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) if (i !== j) best[i * n + j] = worst[i * n + j] = box.low[i * n + j]! + lambdaLow * against[i * n + j]!;
  let high = 0;
  tree.parent.forEach((p, child) => {
    if (p < 0) return;
    const at = p * n + child;
    worst[at] = box.high[at]! + (against[at] ? lambdaHigh : 0);
    high += worst[at]!;
  });
  const rival = minimumSpanningArborescence(worst, n);
  const robust = rival.parent.every((p, child) => p === tree.parent[child]) || rival.cost > high * (1 + 1e-9);
  return { robust, low: minimumSpanningArborescence(best, n).cost, high };
}

/** 1 where an edge runs against the scores' trend in its stage (pays λ in M). */
function againstMatrix(tree: ComparedTree): Uint8Array {
  const n = tree.scores.length;
  const direction = directionMatrix(tree.scores);
  const stage = stageMatrix(tree.stages);
  return direction.map((value, at) => (at % (n + 1) === 0 ? 0 : value ^ stage[at]!));
}

/** Whether, for every D in the box, a minimum of cost interval `a` is cheaper than one of interval `b` (beyond rounding in the sums). */
export function surelyCheaper(a: { low: number; high: number }, b: { low: number; high: number }): boolean {
  return a.high < b.low * (1 - 1e-9);
}

/** λ's interval over the box (unbounded above while some pair is: directionPenalty skips infinite entries). */
export function penaltyInterval(box: DistanceBox, n: number, c: DirectionWeight): { low: number; high: number } {
  const bounded = box.high.every((d, at) => at % (n + 1) === 0 || Number.isFinite(d));
  return { low: directionPenalty(box.low, n, c), high: bounded ? directionPenalty(box.high, n, c) : Infinity };
}

/**
 * What certifyTree decided: the oriented tree when every comparison holds over the box; else
 * why not, and — when only missing upper bounds stopped it — the pairs (i·k + j, i < j) whose
 * upper bounds it needs: the edges of the trees it would choose.
 */
export type TreeCertificate =
  | { readonly decided: true; readonly oriented: Oriented }
  | { readonly decided: false; readonly why: string; readonly needs?: readonly number[] };

/** The inputs of certifyTree: the statistics, the members, the estimate and the box, the settings. */
export interface CertifyInput {
  readonly group: ScoredLayers;
  readonly members: readonly DirectionMember[];
  /** A point estimate of D: the decision is made on it, then certified over `box`. */
  readonly hat: Float64Array;
  readonly box: DistanceBox;
  readonly options: Pick<RecoverOptions, "score" | "lambda" | "chain">;
}

/**
 * The oriented arborescence of a tree of stage-auto full fine-tunes (choice ℓ_FT, nothing
 * forbidden: no twins, merges or adapters — the caller's screens), decided on the point
 * estimate `hat` and certified over `box`: per rule of the default policy (first, fallback),
 * the orientation the estimate picks is cheaper for every D (a tie only when both trees use the
 * same pairs with as many edges against the trend, so that every D ties them); the fallback's
 * test holds for every D; the tree finally chosen is the minimum for every D.
 */
export function certifyTree(input: CertifyInput): TreeCertificate {
  const { group, members, hat, box, options } = input;
  const n = members.length;
  if (n < 2) return { decided: false, why: "a single model" };
  if (members.some((member) => member.stage !== "auto")) return { decided: false, why: "stages given" };
  const rules = defaultRules("ft", false, options);
  // Per rule, both orientations solved on the estimate; the cheaper one is the rule's choice.
  const solved = (rules.fallback ? [rules.first, rules.fallback] : [rules.first]).map((rule) => {
    const statistic = ruleScores(
      rule,
      group,
      members.map((member) => member.index),
    );
    const scores = Float64Array.from(members, (member) => orientedScore(rule, statistic[member.position]!));
    const [spec, gen] = (["specialization", "generalization"] as const).map((stage): Solved => {
      const stages = members.map(() => stage);
      const tree = recoverTree({ distance: hat, scores, stages, lambda: options.lambda, rootTie: "solver" }); // as before the default moved into recoverTree
      return { cost: tree.cost, tree: { scores, stages, parent: tree.parent } };
    }) as [Solved, Solved];
    const tied = Math.abs(gen.cost - spec.cost) <= 1e-9 * Math.max(Math.abs(spec.cost), Number.MIN_VALUE);
    return { name: rule.name, spec, gen, tied, pick: tied || gen.cost >= spec.cost ? spec : gen, other: tied || gen.cost >= spec.cost ? gen : spec };
  });
  const needs = [...new Set(solved.flatMap((rule) => [rule.pick, ...(rule.tied ? [rule.other] : [])].flatMap((s) => pairsOf(s.tree.parent))))];
  const missing = needs.filter((pair) => !Number.isFinite(box.high[pair]!));
  if (missing.length > 0) return { decided: false, why: "upper bounds missing on the chosen edges", needs };
  const chosen = [];
  for (const rule of solved) {
    const pick = { ...rule.pick, ...certifyArborescence(rule.pick.tree, box, options.lambda) };
    const other = certifyArborescence(rule.other.tree, box, options.lambda);
    // A tie holds for every D only when both trees are certain and tie by their structure.
    if (rule.tied) {
      if (!pick.robust || !other.robust || !sameTie(pick.tree, rule.other.tree))
        return { decided: false, why: `orientations tied on the estimate only (${rule.name})` };
    } else if (!surelyCheaper(pick, other)) return { decided: false, why: `a close call between orientations (${rule.name})` };
    chosen.push({ ...pick, name: rule.name });
  }
  let winner = chosen[0]!;
  if (chosen.length === 2) {
    const [first, fallback] = chosen as [(typeof chosen)[0], (typeof chosen)[0]];
    const penalty = penaltyInterval(box, n, options.lambda);
    // keepFallback: first.cost − fallback.cost > λ (recover-tree.ts, cheaperByMoreThan), each way with room to spare.
    // Both trees certain: their cost difference is over the pairs they do not share, plus λ per edge against the trend.
    const gap =
      first.robust && fallback.robust
        ? pairedGap(first.tree, fallback.tree, box, penalty)
        : { low: first.low - fallback.high, high: first.high - fallback.low };
    const tolerance = 1e-9 * Math.max(first.high, fallback.high);
    const surelyKept = gap.low - penalty.high > tolerance;
    const surelyNot = gap.high - penalty.low < -tolerance;
    if (!surelyKept && !surelyNot) return { decided: false, why: "a close call between the first rule and its fallback" };
    if (surelyKept) winner = fallback;
  }
  if (!winner.robust) return { decided: false, why: `a close call between candidate parents (${winner.name})` };
  return {
    decided: true,
    oriented: orientTree({ group, members, kept: members, distance: hat, choice: "ft", options, forbidden: undefined, rankMask: undefined }),
  };
}

/** One orientation of one rule on the estimate: its cost there, and its arborescence. */
interface Solved {
  readonly cost: number;
  readonly tree: ComparedTree;
}

/** The unordered pairs (i·n + j, i < j) an arborescence's edges join. */
function pairsOf(parent: Int32Array): number[] {
  const n = parent.length;
  return [...parent].flatMap((p, child) => (p < 0 ? [] : [Math.min(p, child) * n + Math.max(p, child)]));
}

/** Whether two arborescences cost the same for every D: the same unordered pairs, as many edges against the trend. */
function sameTie(a: ComparedTree, b: ComparedTree): boolean {
  const pairs = (tree: ComparedTree) =>
    pairsOf(tree.parent)
      .sort((x, y) => x - y)
      .join();
  return pairs(a) === pairs(b) && againstCount(a) === againstCount(b);
}

/** Edges of an arborescence against the scores' trend in their stage. */
function againstCount(tree: ComparedTree): number {
  const n = tree.parent.length;
  const matrix = againstMatrix(tree);
  return [...tree.parent].filter((p, child) => p >= 0 && matrix[p * n + child]).length;
}

/**
 * Bounds on cost(a) − cost(b) over the box for two arborescences on the same D: Σ D over the
 * pairs only `a` uses − Σ over those only `b` uses (D is symmetric: an edge and its reverse are
 * one pair), plus λ times the difference in edges against the trend.
 */
function pairedGap(a: ComparedTree, b: ComparedTree, box: DistanceBox, penalty: { low: number; high: number }): { low: number; high: number } {
  const n = a.parent.length;
  const pairsOf = (tree: ComparedTree) => {
    const pairs = new Map<number, number>();
    tree.parent.forEach((p, child) => {
      if (p >= 0) pairs.set(Math.min(p, child) * n + Math.max(p, child), (pairs.get(Math.min(p, child) * n + Math.max(p, child)) ?? 0) + 1);
    });
    return pairs;
  };
  const [onlyA, onlyB] = [pairsOf(a), pairsOf(b)];
  for (const [pair, count] of [...onlyA]) {
    const shared = Math.min(count, onlyB.get(pair) ?? 0);
    onlyA.set(pair, count - shared);
    onlyB.set(pair, (onlyB.get(pair) ?? 0) - shared);
  }
  let low = 0;
  let high = 0;
  for (const [pair, count] of onlyA) {
    low += count * box.low[pair]!;
    high += count * box.high[pair]!;
  }
  for (const [pair, count] of onlyB) {
    low -= count * box.high[pair]!;
    high -= count * box.low[pair]!;
  }
  const extra = againstCount(a) - againstCount(b);
  if (extra === 0) return { low, high }; // λ may be unbounded above: 0 · ∞ is no term
  return extra > 0
    ? { low: low + extra * penalty.low, high: high + extra * penalty.high }
    : { low: low + extra * penalty.high, high: high + extra * penalty.low };
}
