/**
 * Steps 3–4 of experiments/derived-copies.ts: one recovery of a set with copies added (or
 * none: the baseline), scored — where each copy went, what happened to the original edges,
 * the trees found, and how the copy moved the directional statistics.
 */
import { evaluateGraph } from "../../recover/evaluate-graph.ts";
import { DEFAULT_RECOVER_OPTIONS } from "../../recover/options.ts";
import { recoverModels } from "../../recover/recover.ts";
import type { DistanceChoice } from "../../recover/tree-distance.ts";
import type { ModelGraph } from "../../types.ts";
import { rulesByModel } from "../../direction/tree-rules.ts";
import {
  collapsedEdgeAccuracy,
  originalEdgeFates,
  placeCopies,
  truthWithCopies,
  type CopyPlacement,
  type DerivedCopy,
  type OriginalEdgeFate,
  type Placement,
} from "./copy-placement.ts";
import type { MadeCopy } from "./derive-copies.ts";
import type { SourceSet } from "./find-source-sets.ts";

/** Scores of one augmented recovery (or the baseline, with no copies). */
export interface AugmentedRun {
  readonly set: string;
  readonly kind: string;
  readonly copies: number;
  readonly placements: readonly (CopyPlacement & {
    copyScore: number;
    sourceScore: number;
    /** Whether the tree's score and trend (as --stage auto oriented it) make the copy look like its source's child. */
    scoreSaysChild: boolean;
    copyKurtosis: number;
    sourceKurtosis: number;
    copyVariance: number;
    sourceVariance: number;
    /**
     * ℓ_FT of the copy–source edge over the smallest ℓ_FT between two original models joined
     * in the same recovered tree (null when they are not adjacent or the tree used ℓ_LoRA).
     */
    twinRatio: number | null;
  })[];
  readonly fates: OriginalEdgeFate;
  /** Original-edge accuracy with every copy read as its source (twins merged). */
  readonly collapsed: number;
  /** Directed accuracy over the original edges plus the copy edges. */
  readonly allEdges: number;
  readonly trees: number;
  readonly trueTrees: number;
  readonly clustering: number;
  readonly distances: readonly DistanceChoice[];
  /** Original models whose reported stage (the trend auto chose) differs from the baseline's. */
  readonly stageChanged: number;
  readonly stages: string;
  readonly graph: ModelGraph;
}

/**
 * Recovers the set plus `copies` with the defaults (as `mother recover DIR` does) and scores it
 * against the truth with the copies under their sources; `baseline` is the set alone, for what moved.
 */
export async function recoverWithCopies(set: SourceSet, copies: readonly MadeCopy[], baseline: AugmentedRun | undefined, kind: string): Promise<AugmentedRun> {
  // Sorted by id, as `mother recover DIR` sorts what it discovers.
  const models = [...set.models, ...copies.map((c) => c.model)].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const result = await recoverModels(models, DEFAULT_RECOVER_OPTIONS);
  const derived = copies.map((c) => c.copy);
  const truth = truthWithCopies(set.truth, derived);
  const scoreOf = new Map(result.graph.models.map((m) => [m.id, m.score]));
  const stageOf = new Map(result.graph.models.map((m) => [m.id, m.stage]));
  // The rule that oriented each tree (as recovery recorded it) and its trend as --stage auto oriented the tree.
  const ruleOf = rulesByModel(result.graph);
  const saysChild = (copy: string, source: string): boolean => {
    const trend = ruleOf.get(copy)!.trend * (stageOf.get(copy) === "generalization" ? -1 : 1);
    return trend * (scoreOf.get(copy)! - scoreOf.get(source)!) > 0;
  };
  const layerMean = meanLayerStats(result.layerStats.filter((row) => DEFAULT_RECOVER_OPTIONS.scoreKinds.includes(row.kind)));
  const isCopy = new Set(derived.map((c) => c.id));
  const treeIndex = new Map(result.graph.trees.flatMap((members, t) => members.map((id) => [id, t] as const)));
  const smallestOriginal = new Map<number, number>();
  for (const e of result.graph.edges) {
    if (isCopy.has(e.parent) || isCopy.has(e.child) || !(e.distance > 0)) continue;
    const t = treeIndex.get(e.child)!;
    smallestOriginal.set(t, Math.min(smallestOriginal.get(t) ?? Infinity, e.distance));
  }
  const twinRatio = (copy: DerivedCopy): number | null => {
    const edge = result.graph.edges.find((e) => (e.parent === copy.source && e.child === copy.id) || (e.parent === copy.id && e.child === copy.source));
    const t = treeIndex.get(copy.id)!;
    if (!edge || result.distances[t] !== "ft" || !smallestOriginal.has(t)) return null;
    return edge.distance / smallestOriginal.get(t)!;
  };
  const placements = placeCopies(result.graph, derived).map((p) => ({
    ...p,
    copyScore: scoreOf.get(p.copy.id)!,
    sourceScore: scoreOf.get(p.copy.source)!,
    scoreSaysChild: saysChild(p.copy.id, p.copy.source),
    copyKurtosis: layerMean.get(p.copy.id)!.kurtosis,
    sourceKurtosis: layerMean.get(p.copy.source)!.kurtosis,
    copyVariance: layerMean.get(p.copy.id)!.variance,
    sourceVariance: layerMean.get(p.copy.source)!.variance,
    twinRatio: twinRatio(p.copy),
  }));
  const baselineStage = new Map(baseline?.graph.models.map((m) => [m.id, m.stage]) ?? []);
  return {
    set: set.name,
    kind,
    copies: derived.length,
    placements,
    fates: originalEdgeFates(result.graph, set.truth, derived),
    collapsed: collapsedEdgeAccuracy(result.graph, set.truth, derived),
    allEdges: evaluateGraph(result.graph, truth).edges.accuracy,
    trees: result.graph.trees.length,
    trueTrees: new Set(set.truth.models.map((m) => m.tree)).size,
    clustering: evaluateGraph(result.graph, truth).clustering,
    distances: result.distances,
    stageChanged: baseline ? set.truth.models.filter((m) => baselineStage.get(m.id) !== stageOf.get(m.id)).length : 0,
    stages: [...new Set(set.truth.models.map((m) => stageOf.get(m.id)))].join("+"),
    graph: result.graph,
  };
}

/** Mean Pearson kurtosis and variance of each model's score layers. */
function meanLayerStats(
  rows: readonly { model: string; stats: { kurtosis: number; variance: number } }[],
): Map<string, { kurtosis: number; variance: number }> {
  const sums = new Map<string, { kurtosis: number; variance: number; count: number }>();
  for (const row of rows) {
    const entry = sums.get(row.model) ?? { kurtosis: 0, variance: 0, count: 0 };
    entry.kurtosis += row.stats.kurtosis;
    entry.variance += row.stats.variance;
    entry.count++;
    sums.set(row.model, entry);
  }
  return new Map([...sums].map(([model, s]) => [model, { kurtosis: s.kurtosis / s.count, variance: s.variance / s.count }]));
}

/** How many of a run's copies were placed `placement`. */
export function countPlacements(run: AugmentedRun, placement: Placement): number {
  return run.placements.filter((p) => p.placement === placement).length;
}
