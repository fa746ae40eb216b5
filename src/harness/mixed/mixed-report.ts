/**
 * The mixed-collection page: per setting, directed accuracy of the whole collection recovered
 * with no flags (trees found automatically), typed F1 and recall per type, per-tree accuracy
 * with the cluster known, and the leave-one-root-out check. Built only from recovery results.
 */
import type { ReportPage, ReportTable } from "../../report/index.ts";
import type { Cell } from "../../report/format-cell.ts";
import type { HeldOutFold, MixedVariantResult } from "./mixed-study.ts";

/** The report page. */
export function mixedCollectionPage(results: readonly MixedVariantResult[], folds: readonly HeldOutFold[], models: number): ReportPage {
  const roots = [...(results[0]?.perTree.keys() ?? [])];
  const types = [...new Set(results.flatMap((r) => r.graph.typed.perType.map((t) => t.type)))];
  const main: ReportTable = {
    title: "Whole collection, no flags but the setting (--trees auto)",
    columns: [
      "setting",
      "directed accuracy",
      "clustering",
      "trees",
      "precision",
      "recall",
      "F1",
      "typed F1",
      ...types.map((t) => `${t} recall (typed)`),
      "merges (false)",
    ],
    rows: results.map((r): Cell[] => [
      r.label,
      r.graph.accuracy,
      r.graph.clustering,
      r.graph.trees,
      r.graph.typed.directed.precision,
      r.graph.typed.directed.recall,
      r.graph.typed.directed.f1,
      r.graph.typed.typed?.f1 ?? null,
      ...types.map((t) => {
        const recall = r.graph.typed.perType.find((p) => p.type === t);
        return recall ? recall.typed / recall.total : null;
      }),
      r.graph.merges,
    ]),
  };
  const perTree: ReportTable = {
    title: "Per true tree (cluster known, --trees 1)",
    columns: ["setting", ...roots],
    rows: results.map((r): Cell[] => [r.label, ...roots.map((root) => r.perTree.get(root) ?? null)]),
  };
  const heldOut: ReportTable = {
    title: "Leave one root out: the setting chosen on the other four trees, scored on the held-out tree",
    columns: ["held-out root", "chosen on the others", "held-out accuracy"],
    rows: folds.map((f): Cell[] => [f.heldOut, f.chosen, f.accuracy]),
    note: `mean held-out accuracy ${(folds.reduce((s, f) => s + f.accuracy, 0) / Math.max(1, folds.length)).toFixed(3)}`,
  };
  return {
    slug: "mixed-collection",
    title: "Mixed collection: full and LoRA children of one base (issue #12)",
    description:
      `The VTHR splits that share roots, recovered together (${models} models): each root has full fine-tunes, fixed-rank and ` +
      "variable-rank merged-LoRA children and their grandchildren side by side, as a real hub family does. Directed accuracy is the " +
      "paper's (true edges recovered with the right direction); typed F1 also needs the edge's type (finetune or adapter).",
    figures: [],
    tables: [main, perTree, heldOut],
  };
}
