/**
 * The VTHR report (paper Table 1): accuracy per tree root and per whole Model Graph for each
 * split, our number beside the paper's, clustering accuracy, and each split's recovered
 * graph drawn against the truth. Built only from recovery results — never trains.
 */
import type { ReportPage, ReportTable } from "../../report/index.ts";
import { accuracyHeatTable, treeComparisonFigure, type AccuracyCell } from "../../report/index.ts";
import type { TruthGraph } from "../../types.ts";
import type { SplitRecovery } from "./recover-vthr.ts";
import type { RootRecipe, SplitName } from "./vthr-settings.ts";

/** Paper Table 1, by split: accuracy per paper root (in PAPER_ROOTS order) and the Model Graph. */
export const PAPER_TABLE_1: Readonly<Record<SplitName, { perRoot: readonly number[]; graph: number }>> = {
  ft: { perRoot: [1.0, 1.0, 0.95, 0.5, 1.0], graph: 0.89 },
  "lora-f": { perRoot: [1.0, 1.0, 1.0, 1.0, 0.8], graph: 0.96 },
  "lora-v": { perRoot: [1.0, 1.0, 1.0, 1.0, 1.0], graph: 1.0 },
};
export const PAPER_ROOTS = ["ImageNet", "ImageNet-21k", "MAE", "DINO", "MSN"] as const;

const SPLIT_TITLES: Readonly<Record<SplitName, string>> = { ft: "FT", "lora-f": "LoRA-F", "lora-v": "LoRA-V" };

export interface VthrResults {
  readonly roots: readonly RootRecipe[];
  readonly splits: ReadonlyMap<SplitName, { recovery: SplitRecovery; truth: TruthGraph }>;
  /** Wall time of the run, for the description. */
  readonly trainedModels: number;
}

function paperRootNumber(split: SplitName, root: RootRecipe): number | undefined {
  const index = PAPER_ROOTS.indexOf(root.paperRoot as (typeof PAPER_ROOTS)[number]);
  return index >= 0 ? PAPER_TABLE_1[split].perRoot[index] : undefined;
}

/** Table 1 as terminal/page tables: rows = splits, columns = roots then the Model Graph. */
export function table1(results: VthrResults): ReportTable {
  const columns = ["split", ...results.roots.map((r) => `${r.name} (paper: ${r.paperRoot})`), "Model Graph", "clustering"];
  const rows = [...results.splits].flatMap(([split, { recovery }]) => {
    const ours = [
      SPLIT_TITLES[split],
      ...results.roots.map((r) => recovery.perTree.get(r.name)?.scores.edges.accuracy ?? null),
      recovery.graph.scores.edges.accuracy,
      recovery.graph.scores.clustering,
    ];
    const paper = [`  paper`, ...results.roots.map((r) => paperRootNumber(split, r) ?? null), PAPER_TABLE_1[split].graph, 1.0];
    return [ours, paper];
  });
  return {
    title: "Table 1 — edge accuracy per tree (cluster known) and per Model Graph (clustered, number of trees known)",
    columns,
    rows,
    note: "Accuracy = fraction of true directed edges recovered with the right direction (paper §6). Paper roots are matched by role, not by data.",
  };
}

/** Extra rows: auto tree count and which distance `--distance auto` chose. */
function autoTable(results: VthrResults): ReportTable {
  return {
    title: "Model Graph with the number of trees chosen automatically (--trees auto)",
    columns: ["split", "trees found", "true trees", "edge accuracy", "clustering accuracy", "distance chosen"],
    rows: [...results.splits].map(([split, { recovery, truth }]) => [
      SPLIT_TITLES[split],
      recovery.graphAutoTrees.graph.trees.length,
      new Set(truth.models.map((m) => m.tree)).size,
      recovery.graphAutoTrees.scores.edges.accuracy,
      recovery.graphAutoTrees.scores.clustering,
      [...new Set(recovery.graph.distances)].join(", "),
    ]),
  };
}

/** Edge confidence bins (beyond the paper): is a low-confidence edge more often wrong? */
const CONFIDENCE_BINS: readonly [number, number][] = [
  [0, 0.05],
  [0.05, 0.2],
  [0.2, Infinity],
];

function confidenceTable(results: VthrResults): ReportTable {
  const rows = [...results.splits].map(([split, { recovery, truth }]) => {
    const trueEdges = new Set(truth.edges.map((e) => `${e.parent}\u0000${e.child}`));
    const cells = CONFIDENCE_BINS.map(([low, high]) => {
      const inBin = recovery.graph.graph.edges.filter((e) => (e.confidence ?? 0) >= low && (e.confidence ?? 0) < high);
      const right = inBin.filter((e) => trueEdges.has(`${e.parent}\u0000${e.child}`)).length;
      return inBin.length === 0 ? "–" : `${right}/${inBin.length} right`;
    });
    return [SPLIT_TITLES[split], ...cells];
  });
  return {
    title: "Recovered edges by confidence (Model Graph): how often each confidence band is right",
    columns: ["split", "confidence < 0.05", "0.05 – 0.2", "≥ 0.2"],
    rows,
    note: "Confidence = how much cheaper the chosen parent is than the best other candidate in M (src/recover/recover-tree.ts); not in the paper.",
  };
}

/** The report page. */
export function vthrReportPage(results: VthrResults): ReportPage {
  const cells: AccuracyCell[] = [...results.splits].flatMap(([split, { recovery }]) => [
    ...results.roots.map((root) => {
      const paper = paperRootNumber(split, root);
      return {
        split: SPLIT_TITLES[split],
        root: root.name,
        ours: recovery.perTree.get(root.name)?.scores.edges.accuracy ?? 0,
        ...(paper !== undefined ? { paper } : {}),
      };
    }),
    { split: SPLIT_TITLES[split], root: "Model Graph", ours: recovery.graph.scores.edges.accuracy, paper: PAPER_TABLE_1[split].graph },
  ]);
  const trees = [...results.splits].map(([split, { recovery, truth }]) => ({
    title: `${SPLIT_TITLES[split]}: recovered Model Graph (left) against the truth (right)`,
    spec: treeComparisonFigure({ recovered: recovery.graph.graph.edges, truth: truth.edges, ids: truth.models.map((m) => m.id) }),
    caption: "Red dashed edges are wrong: recovered edges absent from the truth (left) and true edges recovery missed (right).",
  }));
  const comparison = [...results.splits].map(([split, { recovery }]) => ({
    quantity: `${SPLIT_TITLES[split]} Model Graph accuracy`,
    ours: recovery.graph.scores.edges.accuracy,
    paper: PAPER_TABLE_1[split].graph,
  }));
  return {
    slug: "vthr-table-1",
    title: "VTHR Table 1: MoTHer accuracy per tree and per Model Graph",
    summary: `Table 1 on ${results.trainedModels} small ViTs trained here: ${comparison
      .map((c) => `${c.quantity.replace(" Model Graph accuracy", "")} ${Number(c.ours).toFixed(2)} (paper ${c.paper})`)
      .join(", ")}.`,
    description:
      `MoTHer recovery on the VTHR-style splits this harness trained (${results.trainedModels} ViTs: ${results.roots.length} ` +
      `pre-trained roots shared by all splits, each with children and grandchildren fine-tuned on random procedural tasks). ` +
      "Per tree: the cluster is given and one minimum directed spanning tree is recovered. Model Graph: models are clustered first " +
      "(Ward on mean |Δw|, number of trees given, as in the paper), then one tree per cluster. Recovery uses the tool's defaults.",
    figures: [
      {
        title: "Table 1: accuracy per root and split (paper's number underneath)",
        spec: accuracyHeatTable(cells),
        caption: "Cells: our edge accuracy; the paper's number for the matching root/split underneath.",
      },
      ...trees,
    ],
    tables: [table1(results), autoTable(results), confidenceTable(results)],
    paperComparison: { source: "Table 1", rows: comparison },
  };
}
