/**
 * A crafted layer pass for direction tests: two layers (an attention `query` matrix, LoRA-tuned,
 * and an `mlp-in` matrix), both score layers, with every statistic of every model set by hand.
 */
import type { LayerStats } from "../../src/types.ts";
import type { RuleLayerStats } from "../../src/direction/statistic-rule.ts";
import type { GroupPass } from "../../src/recover/read-groups.ts";

/** The statistics the tests set, per model and layer; the rest are neutral. */
export type CraftedStats = Partial<Pick<RuleLayerStats, "kurtosis" | "variance" | "entropy" | "mean" | "skewness" | "stableRank" | "effectiveRank" | "alpha">>;

const NEUTRAL: LayerStats = { count: 100, mean: 0, variance: 1, skewness: 0, kurtosis: 3, min: -1, max: 1, entropy: 2 };

/** A pass over the models whose query and mlp-in statistics are `query[m]` and `mlp[m]`. */
export function craftedGroup(query: readonly CraftedStats[], mlp: readonly CraftedStats[]): Pick<GroupPass, "plan" | "pass"> {
  const job = (name: string, kind: "query" | "mlp-in", sketch: boolean) => ({ name, kind, roles: { distance: kind === "query", score: true, sketch } });
  const result = (name: string, stats: readonly CraftedStats[]) => ({ name, stats: stats.map((s) => ({ ...NEUTRAL, ...s })) });
  return {
    plan: [job("q", "query", true), job("m", "mlp-in", false)],
    pass: [result("q", query), result("m", mlp)],
  } as unknown as Pick<GroupPass, "plan" | "pass">;
}

/** Members 0..n−1 with one stage, in order. */
export function craftedMembers(n: number, stage: "specialization" | "generalization" | "auto") {
  return Array.from({ length: n }, (_, i) => ({ index: i, position: i, stage, model: { id: `m${i}` } }));
}

/**
 * D of the branching tree 0 → 1, 0 → 2, 1 → 3 (path lengths, each edge 1): its undirected
 * minimum spanning tree is that tree, so only the direction is left to the rule.
 */
export const BRANCHING = { n: 4, parents: [-1, 0, 0, 1], distance: Float64Array.of(0, 1, 1, 2, 1, 0, 2, 1, 1, 2, 0, 3, 2, 1, 3, 0) };

/** D of the star 0 → 1, 0 → 2, 0 → 3: reversed, two edges run against any score. */
export const STAR = { n: 4, parents: [-1, 0, 0, 0], distance: Float64Array.of(0, 1, 1, 1, 1, 0, 2, 2, 1, 2, 0, 2, 1, 2, 2, 0) };

/** D of the chain 0 → 1 → 2. */
export const CHAIN = { n: 3, parents: [-1, 0, 1], distance: Float64Array.of(0, 1, 2, 1, 0, 1, 2, 1, 0) };
