/**
 * The model-zoo page: typed recovery with no flags beside MoTHer with the paper's settings on
 * the same zoo, recall per relation type, and each merge as recovered. Built only from the
 * recovered graphs and the truth.
 */
import type { ReportPage, ReportTable } from "../../report/index.ts";
import type { Cell } from "../../report/format-cell.ts";
import { clusteringAccuracy } from "../../recover/evaluate.ts";
import { typedScores } from "../../recover/evaluate-typed.ts";
import { RELATION_TYPES, type ModelGraph } from "../../types.ts";
import type { ZooPlan } from "./plan-zoo.ts";

/** One recovery of the zoo under a named setting. */
export interface ZooRun {
  readonly label: string;
  readonly graph: ModelGraph;
}

/** The report page. */
export function modelZooPage(zoo: ZooPlan, runs: readonly ZooRun[]): ReportPage {
  const truthEdges = zoo.truth.edges;
  const scores = runs.map((run) => ({ run, scores: typedScores(run.graph.edges, truthEdges) }));
  const overall: ReportTable = {
    title: "Typed recovery of the zoo",
    columns: ["setting", "directed precision", "recall", "F1", "typed F1", "clustering", "trees"],
    rows: scores.map(({ run, scores: s }): Cell[] => [
      run.label,
      s.directed.precision,
      s.directed.recall,
      s.directed.f1,
      s.typed?.f1 ?? null,
      clusteringAccuracy(run.graph.trees, zoo.truth),
      run.graph.trees.length,
    ]),
  };
  const types = RELATION_TYPES.filter((type) => truthEdges.some((e) => e.type === type));
  const perType: ReportTable = {
    title: "Recall per relation type: true edges recovered (pair and direction) / also with the right type",
    columns: ["setting", ...types.map((t) => `${t} (${truthEdges.filter((e) => e.type === t).length})`)],
    rows: scores.map(({ run, scores: s }): Cell[] => [
      run.label,
      ...types.map((type) => {
        const recall = s.perType.find((p) => p.type === type);
        return recall ? `${(recall.recovered / recall.total).toFixed(2)} / ${(recall.typed / recall.total).toFixed(2)}` : null;
      }),
    ]),
  };
  const first = runs[0]?.graph;
  const merges: ReportTable = {
    title: `Each merge as recovered (${runs[0]?.label ?? ""})`,
    columns: ["merge", "method", "true parents", "recovered parents (coefficients)"],
    rows: zoo.members.flatMap((member): Cell[][] => {
      if (member.make !== "merge") return [];
      const edges = first?.edges.filter((e) => e.child === member.id) ?? [];
      const found = edges.map((e) =>
        e.type === "merge" ? `${e.parent} (${(e.coefficients?.[e.parent] ?? Number.NaN).toFixed(2)})` : `${e.parent} [${e.type}]`,
      );
      return [[member.id, member.method.kind, member.parents.join(", "), found.join(", ") || "(root)"]];
    }),
  };
  return {
    slug: "model-zoo",
    title: "Model zoo: a typed Model Graph (issue #12)",
    description:
      `${zoo.members.length} models in ${new Set(zoo.members.map((m) => m.tree)).size} families built from the VTHR models: per root, full ` +
      "fine-tunes and merged-LoRA children (with grandchildren), f16/int8/4-bit copies, and merges of siblings (linear, task arithmetic, SLERP, " +
      "TIES, DARE, a merge of two LoRA models). Recovered with no flags, and by MoTHer with the paper's settings (max |Δw|, kurtosis, " +
      "specialization, the number of trees given, no merges). Not yet in the zoo: PEFT adapter folders, GGUF copies, a Llama-like base, " +
      "and chains that need training after a merge (a fine-tune of a merge).",
    figures: [],
    tables: [overall, perType, merges],
  };
}
