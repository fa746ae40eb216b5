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
import { memberKind, publishedFormat, type ZooPlan } from "./zoo-members.ts";
import { typedTreeFigure } from "./typed-tree-figure.ts";

/** One recovery of the zoo under a named setting. */
export interface ZooRun {
  readonly label: string;
  readonly graph: ModelGraph;
}

/** How long making the zoo took in this run, and how many members it made (not found cached). */
export interface ZooGeneration {
  readonly seconds: number;
  readonly fresh: number;
  /** The GGUF files cross-checked by @huggingface/gguf and what it disagreed on. */
  readonly gguf: { readonly files: number; readonly problems: readonly string[] };
}

/** The report page. */
export function modelZooPage(zoo: ZooPlan, runs: readonly ZooRun[], generation: ZooGeneration): ReportPage {
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
  const kinds = [...new Set(zoo.members.map((m) => `${memberKind(m).replace(/ r\d+/, "")} → ${publishedFormat(m)}`))].sort();
  const trees = [...new Set(zoo.members.map((m) => m.tree))];
  const composition: ReportTable = {
    title: `Composition: members per tree by how they were made → the format published (generation ${generation.seconds.toFixed(1)} s, ${generation.fresh} made this run)`,
    columns: ["made as → published", ...trees, "all"],
    note:
      `GGUF files read by @huggingface/gguf as by our reader (same tensors, offsets, ggml types): ` +
      `${generation.gguf.files - generation.gguf.problems.length} of ${generation.gguf.files}` +
      (generation.gguf.problems.length > 0 ? `; ${generation.gguf.problems.join("; ")}` : ""),
    rows: kinds.map((kind): Cell[] => {
      const count = (tree?: string) =>
        zoo.members.filter((m) => (tree === undefined || m.tree === tree) && `${memberKind(m).replace(/ r\d+/, "")} → ${publishedFormat(m)}` === kind).length;
      return [kind, ...trees.map(count), count()];
    }),
  };
  const edgeText = (edges: readonly { parent: string; type?: string }[]) => edges.map((e) => `${e.parent} [${e.type}]`).join(", ") || "(root)";
  const wrong: ReportTable = {
    title: `Models whose parents or types were recovered wrong (${runs[0]?.label ?? ""})`,
    columns: ["model", "made as", "true parent(s)", "recovered parent(s)"],
    rows: zoo.members.flatMap((member): Cell[][] => {
      const truth = truthEdges.filter((e) => e.child === member.id);
      const found = first?.edges.filter((e) => e.child === member.id) ?? [];
      const same = truth.length === found.length && truth.every((t) => found.some((f) => f.parent === t.parent && f.type === t.type));
      return same ? [] : [[member.id, memberKind(member), edgeText(truth), edgeText(found)]];
    }),
  };
  const figures = trees.map((tree) => {
    const ids = new Set(zoo.members.filter((m) => m.tree === tree).map((m) => m.id));
    const truth = truthEdges.filter((e) => ids.has(e.child));
    return {
      title: `${tree}: truth and recovered`,
      spec: typedTreeFigure({
        title: `${tree} (${ids.size} models)`,
        ids: [...ids],
        truth,
        recovered: first?.edges.filter((e) => ids.has(e.child)) ?? [],
        label: (id) => id.replace(`.${tree}.`, "."),
      }),
      caption:
        "The truth, then the recovery with no flags (beside it, or under it when both do not fit); depth runs left to right, one row per model " +
        "(ids without the tree's name). " +
        "Colour is the relation type, merge edges dashed (one per parent); a wrong edge (recovered but not true, or of another type) or a " +
        "missed one (true, not recovered) lies on a red band.",
    };
  });
  return {
    slug: "model-zoo",
    title: "Model zoo: a typed Model Graph (issue #12)",
    description:
      `${zoo.members.length} models in ${trees.length} families, published as a hub user downloads them (safetensors folders, PEFT adapter ` +
      "folders, GGUF files): five ViT roots (the VTHR models) and a Llama-like base (the Llama-like family), each with full fine-tunes, " +
      "merged-LoRA and PEFT-adapter children, f16/int8/4-bit safetensors and GGUF copies, merges of siblings (linear, task arithmetic, SLERP, " +
      "TIES, DARE) and chains that mix methods (a fine-tune of a merge, a GGUF of a fine-tune of a merged-LoRA model, adapters on fine-tunes " +
      "and on adapters). Recovered from the release folder with no flags, and by MoTHer with the paper's settings (max |Δw|, kurtosis, " +
      "specialization, the number of trees given, no merges; it gets the adapters already attached to their bases).",
    figures,
    tables: [overall, perType, composition, wrong, merges],
  };
}
