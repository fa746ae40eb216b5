/**
 * The Fig. 2 report page: weight distance against tree edge distance for each split, the
 * correlations (pooled over trees and per tree), mean per edge distance, and how often a
 * model's nearest neighbour is its parent or child. Built only from measured pairs.
 */
import type { ReportPage, ReportTable } from "../../report/index.ts";
import { distanceScatter } from "../../report/index.ts";
import type { Cell } from "../../report/format-cell.ts";
import type { DistanceChoice } from "../../recover/tree-distance.ts";
import type { SplitName } from "../vthr/vthr-settings.ts";
import type { DistanceCorrelation, DistancePair } from "./distance-correlation.ts";
import { formatMeanAndStd } from "./mean-and-std.ts";

/** Paper Fig. 2 legend: "Full FT (ρ = 0.990)", "LoRA (ρ = 0.998)"; it does not say which ρ. */
export const PAPER_FIG_2: Readonly<Record<DistanceChoice, number | null>> = { ft: 0.99, lora: 0.998, mixed: null };

/** One tree's pairs and numbers. */
export interface TreeDistanceResult {
  readonly root: string;
  readonly pairs: readonly (DistancePair & { a: string; b: string })[];
  readonly correlation: DistanceCorrelation;
  readonly nearestIsNeighbour: number;
}

/** One split measured with one distance. */
export interface SplitDistanceResult {
  readonly split: SplitName;
  readonly distance: DistanceChoice;
  readonly trees: readonly TreeDistanceResult[];
  /** Pooled over the within-tree pairs of every tree. */
  readonly pooled: DistanceCorrelation;
  /** Mean over all models of the split. */
  readonly nearestIsNeighbour: number;
}

const TITLES: Readonly<Record<SplitName, string>> = { ft: "FT", "lora-f": "LoRA-F", "lora-v": "LoRA-V" };
const label = (r: SplitDistanceResult) => `${TITLES[r.split]}, ℓ_${r.distance === "ft" ? "FT" : "LoRA"}`;

/** Correlations per split (pooled) and per tree. */
export function correlationTable(results: readonly SplitDistanceResult[]): ReportTable {
  const rows: Cell[][] = [];
  for (const r of results) {
    rows.push([
      label(r),
      "all trees",
      r.pooled.pairs,
      r.pooled.spearman,
      r.pooled.pearson,
      r.pooled.pearsonOfMeans,
      r.nearestIsNeighbour,
      PAPER_FIG_2[r.distance],
    ]);
    for (const t of r.trees)
      rows.push([
        label(r),
        t.root,
        t.correlation.pairs,
        t.correlation.spearman,
        t.correlation.pearson,
        t.correlation.pearsonOfMeans,
        t.nearestIsNeighbour,
        null,
      ]);
  }
  return {
    title: "Fig. 2 — correlation of weight distance with tree edge distance (within-tree pairs)",
    columns: ["split, distance", "tree", "pairs", "Spearman ρ", "Pearson ρ", "Pearson ρ of means", "nearest is parent/child", "paper ρ"],
    rows,
    note:
      "Pearson ρ of means: edge distance against the mean weight distance at that edge distance (one point per distance, as the " +
      "paper plots). Nearest is parent/child: share of models whose closest model in their tree is a tree neighbour (ties share " +
      "credit).",
  };
}

/** Mean ± std of the weight distance per edge distance, pooled over trees. */
export function meansTable(results: readonly SplitDistanceResult[]): ReportTable {
  const distances = [...new Set(results.flatMap((r) => r.pooled.byEdgeDistance.map((b) => b.edgeDistance)))].sort((a, b) => a - b);
  return {
    title: "Weight distance by tree edge distance (mean ± std over within-tree pairs)",
    columns: ["split, distance", ...distances.map((d) => `${d} edge${d === 1 ? "" : "s"}`)],
    rows: results.map((r) => [
      label(r),
      ...distances.map((d) => {
        const cell = r.pooled.byEdgeDistance.find((b) => b.edgeDistance === d);
        return cell ? `${formatMeanAndStd(cell)} (${cell.count})` : null;
      }),
    ]),
  };
}

/** The report page. */
export function fig2DistancePage(results: readonly SplitDistanceResult[]): ReportPage {
  const figures = results.map((r) => ({
    title: `${label(r)}: weight distance vs edge distance`,
    spec: distanceScatter(
      r.trees.flatMap((t) => t.pairs.map((p) => ({ edgeDistance: p.edgeDistance, weightDistance: p.weightDistance, group: t.root }))),
      {
        title: `${label(r)}: weight distance vs tree edge distance`,
        correlations: [
          `all trees: Spearman ρ = ${r.pooled.spearman.toFixed(3)}, Pearson ρ = ${r.pooled.pearson.toFixed(3)} (paper ρ = ${PAPER_FIG_2[r.distance]})`,
        ],
        yTitle: r.distance === "ft" ? "ℓ_FT (per-tree min-max normalised max |Δw|)" : "ℓ_LoRA (max rank of Δw)",
      },
    ),
    caption:
      "One point per pair of models of the same tree, coloured by tree; lines are least-squares fits per tree. Paper Fig. 2 plots " +
      "the same relation for its ViT trees.",
  }));
  const rows = results.flatMap((r) => [
    { quantity: `${label(r)}: Spearman ρ (all pairs)`, ours: r.pooled.spearman, paper: PAPER_FIG_2[r.distance], note: "paper's ρ type not stated" },
    { quantity: `${label(r)}: Pearson ρ (all pairs)`, ours: r.pooled.pearson, paper: PAPER_FIG_2[r.distance] },
    { quantity: `${label(r)}: Pearson ρ of per-distance means`, ours: r.pooled.pearsonOfMeans, paper: PAPER_FIG_2[r.distance] },
  ]);
  return {
    slug: "fig2-distance",
    title: "Fig. 2: weight distance vs Model Tree edge distance",
    summary: `Fig. 2: ${results
      .map((r) => `${label(r)} Spearman ρ ${r.pooled.spearman.toFixed(3)} / Pearson ρ ${r.pooled.pearson.toFixed(3)} (paper ${PAPER_FIG_2[r.distance]})`)
      .join("; ")}.`,
    description:
      "For every pair of models in the same VTHR tree, the number of edges between them in the true tree against the weight distance " +
      "recovery uses (ℓ_FT on the FT split: max over attention layers of max |Δw| after per-tree min-max normalisation; ℓ_LoRA on " +
      "LoRA-V: max rank of Δw over the LoRA layers). " +
      "The paper reports ρ = 0.990 (full FT) and 0.998 (LoRA) without saying whether it is Spearman or Pearson, or over pairs or " +
      "per-distance means, so all three are shown.",
    figures,
    tables: [correlationTable(results), meansTable(results)],
    paperComparison: { source: "Fig. 2", rows },
  };
}
