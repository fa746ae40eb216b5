/**
 * The Fig. 7 report page: clustering accuracy (and, alongside, Model Graph edge accuracy) of
 * random small Model Graphs by size, per split and tree-count mode, mean ± std over samples.
 * Built only from recovered samples.
 */
import type { ReportPage, ReportTable } from "../../report/index.ts";
import { lineWithBand } from "../../report/index.ts";
import type { Cell } from "../../report/format-cell.ts";
import type { TruthGraph } from "../../types.ts";
import type { SplitName } from "../vthr/vthr-settings.ts";
import type { ClusteringSample, TreeCountMode } from "./clustering-sweep.ts";
import { formatMeanAndStd, meanAndStd, type MeanAndStd } from "./mean-and-std.ts";

const TITLES: Readonly<Record<SplitName, string>> = { ft: "FT", "lora-f": "LoRA-F", "lora-v": "LoRA-V" };
const MODE_TITLES: Readonly<Record<TreeCountMode, string>> = { known: "trees known", auto: "trees auto" };

/** Samples of one split. */
export interface SplitClustering {
  readonly split: SplitName;
  /** The split's truth (for each sampled model's true tree). */
  readonly truth: TruthGraph;
  /** Models in the whole split. */
  readonly models: number;
  readonly samples: readonly ClusteringSample[];
}

function treeOf(r: SplitClustering, id: string): string {
  return r.truth.models.find((m) => m.id === id)!.tree;
}

/** Mean ± std of `pick` per size for one mode. */
export function bySize(samples: readonly ClusteringSample[], mode: TreeCountMode, pick: (s: ClusteringSample) => number): Map<number, MeanAndStd> {
  const sizes = [...new Set(samples.map((s) => s.size))].sort((a, b) => a - b);
  return new Map(sizes.map((size) => [size, meanAndStd(samples.filter((s) => s.size === size && s.mode === mode).map(pick))]));
}

/** Rows: split × mode × measure; columns: sizes. */
export function clusteringTable(results: readonly SplitClustering[]): ReportTable {
  const sizes = [...new Set(results.flatMap((r) => r.samples.map((s) => s.size)))].sort((a, b) => a - b);
  const rows: Cell[][] = [];
  for (const r of results) {
    for (const mode of [...new Set(r.samples.map((s) => s.mode))]) {
      const measures = [
        ["clustering", (s: ClusteringSample) => s.clustering],
        ["edges", (s: ClusteringSample) => s.edgeAccuracy],
        ["trees found ÷ true", (s: ClusteringSample) => s.graph.trees.length / new Set(s.ids.map((id) => treeOf(r, id))).size],
      ] as const;
      for (const [measure, pick] of measures) {
        const cells = bySize(r.samples, mode, pick);
        rows.push([TITLES[r.split], MODE_TITLES[mode], measure, ...sizes.map((n) => (cells.get(n)?.count ? formatMeanAndStd(cells.get(n)!) : null))]);
      }
    }
  }
  return {
    title: "Fig. 7 — accuracy of random small Model Graphs by number of models (mean ± std over samples)",
    columns: ["split", "tree count", "accuracy", ...sizes.map((n) => `${n} models`)],
    rows,
    note:
      "clustering: share of models whose cluster is matched to their true tree (best one-to-one matching); edges: Model Graph edge " +
      "accuracy on the same recoveries; trees found ÷ true: clusters recovered per true tree the sample touches (1 = right count). " +
      "Trees known = the number of true trees the sample touches.",
  };
}

/** The report page. */
export function clusteringSizePage(results: readonly SplitClustering[]): ReportPage {
  const series = (pick: (s: ClusteringSample) => number) =>
    results.flatMap((r) =>
      [...new Set(r.samples.map((s) => s.mode))].flatMap((mode) =>
        [...bySize(r.samples, mode, pick)].map(([x, m]) => ({ x, mean: m.mean, std: m.std, series: `${TITLES[r.split]}, ${MODE_TITLES[mode]}` })),
      ),
    );
  // Paper: the whole VTHR graphs (105 models) cluster perfectly (Table 1, §6.1); Fig. 7 gives no other number.
  const reference = results.map((r) => ({ x: r.models, value: 1, label: `paper: whole ${TITLES[r.split]} graph (Table 1)` }));
  const smallest = (r: SplitClustering, mode: TreeCountMode) => {
    const cells = bySize(r.samples, mode, (s) => s.clustering);
    const n = Math.min(...cells.keys());
    return { n, cell: cells.get(n)! };
  };
  return {
    slug: "clustering-size",
    title: "Fig. 7: clustering accuracy vs number of models",
    summary: `Fig. 7: clustering accuracy with the fewest models sampled — ${results
      .map((r) => {
        const { n, cell } = smallest(r, "known");
        return `${TITLES[r.split]} ${cell.mean.toFixed(2)} ± ${cell.std.toFixed(2)} at ${n} models`;
      })
      .join(", ")} (trees known; paper: "high accuracy even with 10 models").`,
    description:
      "Random sets of n models are drawn from a whole VTHR split (every tree mixed, uniformly without replacement) and recovered as " +
      "a Model Graph: clustered with Ward on mean |Δw|, then one tree per cluster. " +
      "The tree count is either given (the number of true trees the set touches, as the paper assumes) or chosen automatically. The " +
      "paper's Fig. 7 shows its curves without numbers; its text says clustering stays highly accurate down to 10 models across 5 " +
      "trees.",
    figures: [
      {
        title: "Clustering accuracy vs number of models",
        spec: lineWithBand(
          series((s) => s.clustering),
          {
            title: "Clustering accuracy of small Model Graphs",
            xTitle: "models in the sampled graph",
            yTitle: "clustering accuracy",
            reference,
            yDomain: [0, 1],
          },
        ),
        caption: "Mean over random sets with a ±1 std band; black crosses: the paper's perfect clustering of the whole graphs (Table 1).",
      },
      {
        title: "Model Graph edge accuracy vs number of models",
        spec: lineWithBand(
          series((s) => s.edgeAccuracy),
          { title: "Edge accuracy of small Model Graphs", xTitle: "models in the sampled graph", yTitle: "edge accuracy", yDomain: [0, 1] },
        ),
        caption: "The same recoveries scored on edges against the truth among the sampled models (not in the paper's figure).",
      },
    ],
    tables: [clusteringTable(results)],
    paperComparison: {
      source: "Fig. 7 and Table 1",
      rows: results.flatMap((r) => {
        const whole = bySize(r.samples, "known", (s) => s.clustering).get(r.models);
        const { n, cell } = smallest(r, "known");
        return [
          ...(whole?.count ? [{ quantity: `${TITLES[r.split]}: clustering, whole graph (${r.models} models), trees known`, ours: whole.mean, paper: 1 }] : []),
          { quantity: `${TITLES[r.split]}: clustering, ${n} random models, trees known`, ours: formatMeanAndStd(cell), paper: "high (Fig. 7, no number)" },
        ];
      }),
    },
  };
}
