/**
 * Scoring of the foreign (PyTorch-trained) trees: what experiments/foreign-trees.ts adds on top
 * of src/recover/evaluate.ts — placement without direction, whether a directional statistic
 * moves the way recovery assumes, and one recovery run scored against the truth.
 */
import { recover } from "../../recover/recover.ts";
import { DEFAULT_RECOVER_OPTIONS, type RecoverOptions } from "../../recover/options.ts";
import { evaluateGraph } from "../../recover/evaluate-graph.ts";
import type { DistanceChoice } from "../../recover/tree-distance.ts";
import type { StatisticRule } from "../../direction/statistic-rule.ts";
import { rulesByModel } from "../../direction/tree-rules.ts";
import type { LayerStatsRow } from "../../stats/stats-table.ts";
import type { ModelGraph, TruthGraph } from "../../types.ts";

/** Fraction of true edges recovered with either orientation (placement without direction). */
export function undirectedEdgeAccuracy(predicted: readonly { parent: string; child: string }[], truth: TruthGraph): number {
  if (truth.edges.length === 0) return predicted.length === 0 ? 1 : 0;
  const pairs = new Set(predicted.flatMap((e) => [`${e.parent}\u0000${e.child}`, `${e.child}\u0000${e.parent}`]));
  return truth.edges.filter((e) => pairs.has(`${e.parent}\u0000${e.child}`)).length / truth.edges.length;
}

/**
 * Fraction of true edges on which a rule's statistic moves the way the rule expects for
 * specialization (kurtosis falls, variance rises: its `trend`). Ties count as wrong.
 * Edges whose models lack a statistic are skipped; NaN when none is left.
 */
export function directionAgreement(statistic: ReadonlyMap<string, number>, rule: Pick<StatisticRule, "trend">, truth: TruthGraph): number {
  let agree = 0;
  let counted = 0;
  for (const { parent, child } of truth.edges) {
    const p = statistic.get(parent);
    const c = statistic.get(child);
    if (p === undefined || c === undefined) continue;
    counted++;
    if (rule.trend * (c - p) > 0) agree++;
  }
  return counted === 0 ? Number.NaN : agree / counted;
}

/** Several trees' truths as one Model Graph truth (each model keeps its own tree name). */
export function poolTruths(truths: readonly TruthGraph[]): TruthGraph {
  return { models: truths.flatMap((t) => t.models), edges: truths.flatMap((t) => t.edges) };
}

/** One way of running recovery, compared across recipes. */
export interface Variant {
  readonly name: string;
  readonly options: Partial<RecoverOptions>;
}

/** Scores of one recovery run against the truth. */
export interface RunScores {
  readonly variant: string;
  readonly directed: number;
  readonly correct: number;
  readonly total: number;
  readonly undirected: number;
  readonly clustering: number;
  readonly trees: number;
  readonly distances: readonly DistanceChoice[];
  /** Agreement of the statistic this run used (per tree: the auto choice) on the true edges. */
  readonly agreement: number;
  /** Mean Pearson kurtosis over the score layers of each model (uniform init 1.8, normal 3). */
  readonly layerKurtosis: Readonly<Record<string, number>>;
  readonly graph: ModelGraph;
}

/** Recovers `paths` with one variant's options (library defaults otherwise) and scores the result against `truth`. */
export async function recoverAndScore(paths: readonly string[], variant: Variant, truth: TruthGraph): Promise<RunScores> {
  const result = await recover(paths, variant.options);
  const scores = evaluateGraph(result.graph, truth);
  // The rule that oriented each tree, as recovery recorded it (the variance fallback included).
  const statistic = new Map<string, number>();
  const ruleOf = rulesByModel(result.graph);
  for (const model of result.graph.models) statistic.set(model.id, model.score);
  // Agreement per rule actually used (a pooled run may mix kurtosis and variance trees).
  const agreeing = [...new Set(ruleOf.values())]
    .map((rule) => {
      const edges = truth.edges.filter((e) => ruleOf.get(e.child) === rule && ruleOf.get(e.parent) === rule);
      return { edges: edges.length, value: directionAgreement(statistic, rule, { models: truth.models, edges }) };
    })
    .filter((a) => a.edges > 0);
  const counted = agreeing.reduce((s, a) => s + a.edges, 0);
  return {
    variant: variant.name,
    directed: scores.edges.accuracy,
    correct: scores.edges.correct,
    total: scores.edges.total,
    undirected: undirectedEdgeAccuracy(result.graph.edges, truth),
    clustering: scores.clustering,
    trees: result.graph.trees.length,
    distances: result.distances,
    agreement: counted === 0 ? Number.NaN : agreeing.reduce((s, a) => s + a.value * a.edges, 0) / counted,
    layerKurtosis: meanLayerKurtosis(result.layerStats.filter((row) => DEFAULT_RECOVER_OPTIONS.scoreKinds.includes(row.kind))),
    graph: result.graph,
  };
}

/** Mean kurtosis of each model's layers: where its weight distribution sits between uniform (1.8) and normal (3). */
function meanLayerKurtosis(rows: readonly LayerStatsRow[]): Record<string, number> {
  const sums = new Map<string, { sum: number; count: number }>();
  for (const row of rows) {
    const entry = sums.get(row.model) ?? { sum: 0, count: 0 };
    entry.sum += row.stats.kurtosis;
    entry.count++;
    sums.set(row.model, entry);
  }
  return Object.fromEntries([...sums].map(([model, { sum, count }]) => [model, sum / count]));
}
