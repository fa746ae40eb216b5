#!/usr/bin/env bun
/**
 * Robustness to quantised and pruned copies (SPEC §2 "Beyond the paper"): people re-upload
 * models as int8/4-bit/fp16/pruned copies. A copy's parent is its source; adding copies
 * should not move any other model. Measured on models that already exist (nothing trains):
 *
 *   1. find      the cached PyTorch-trained trees of experiments/foreign-trees.ts and the
 *                VTHR FT split of experiments/vthr.ts (a missing cache is skipped, said so)
 *   2. derive    per set and copy kind, copies of a few sources per tree (root, an inner
 *                model, two leaves; `--sources all`: every model), cached under
 *                <cache>/derived-copies/v<version>/<preset>/<set>/<kind>/<copy id>/ (reused
 *                while the source file is unchanged)
 *   3. recover   each set alone, then with each kind's copies added, and with all kinds at
 *                once, with the defaults (as `bun run mother recover DIR` does)
 *   4. score     copy placement (under its source? flipped above it?), the fate of the
 *                original edges (strictly, and with each copy read as its source), trees found
 *                by --trees auto, the score's move copy vs source; and, recovery aside, whether
 *                storage evidence recognises each copy and its nearest original is its source
 *   5. report    reports/derived-copies.html (+ data/derived-copies/results.json) and the terminal
 *
 * Recovery is quick (small ViTs); wrap a full run in `flock /tmp/mother-heavy.lock` yourself.
 *
 * Usage: bun run experiments/derived-copies.ts [--quick] [--kinds int8,int4,fp16,prune30]
 *        [--sources sample|all] [--sets foreign,vthr] [--reports DIR] [--cache DIR]
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { InvalidArgumentError } from "commander";
import { discoverModels } from "../src/io/discover-models.ts";
import { experimentCommand, publishReport, runExperiment, type CommonCliOptions } from "../src/harness/experiment-cli.ts";
import { writeFileAtomic } from "../src/io/write-file-atomic.ts";
import { VTHR_DEFAULTS, VTHR_QUICK } from "../src/harness/vthr/vthr-settings.ts";
import { cachedVthrSplit } from "../src/harness/derived/cached-vthr-split.ts";
import { DERIVED_KINDS, parseDerivedKinds, type DerivedKind } from "../src/harness/derived/derived-kinds.ts";
import { DERIVED_COPY_VERSION, writeDerivedCopy } from "../src/harness/derived/write-derived-copy.ts";
import {
  collapsedEdgeAccuracy,
  originalEdgeFates,
  placeCopies,
  truthWithCopies,
  type CopyPlacement,
  type DerivedCopy,
  type OriginalEdgeFate,
  type Placement,
} from "../src/harness/derived/copy-placement.ts";
import { pickSources, type SourceChoice } from "../src/harness/derived/pick-sources.ts";
import { derivedKindOf, StorageSignatureBuilder, type StorageSignature } from "../src/harness/derived/storage-signature.ts";
import { readTensor } from "../src/io/read-safetensors.ts";
import { classifyLayer } from "../src/layers/classify-layer.ts";
import { layerRanges, nearestModel, type LayeredModel } from "../src/harness/derived/nearest-model.ts";
import { recoverModels } from "../src/recover/recover.ts";
import { DEFAULT_RECOVER_OPTIONS } from "../src/recover/options.ts";
import { evaluateGraph } from "../src/recover/evaluate-graph.ts";
import type { DistanceChoice } from "../src/recover/tree-distance.ts";
import { accuracyHeatTable, type Cell, type ReportPage } from "../src/report/index.ts";
import type { ModelGraph, ModelSource, TruthGraph } from "../src/types.ts";
import { SPECIALIZATION_TREND } from "../src/recover/score-trend.ts";
import { autoScore, FOREIGN_RECIPES, TRAINER_VERSION as FOREIGN_TRAINER_VERSION } from "./foreign-trees.ts";

/** The two families of source models. */
export const SET_FAMILIES = ["foreign", "vthr"] as const;
export type SetFamily = (typeof SET_FAMILIES)[number];

/** `--sets foreign,vthr`: families in the order given, without repeats. */
export function parseSetFamilies(value: string): SetFamily[] {
  const chosen: SetFamily[] = [];
  for (const word of value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")) {
    if (!SET_FAMILIES.includes(word as SetFamily)) throw new InvalidArgumentError(`unknown set family '${word}' (choose from ${SET_FAMILIES.join(", ")})`);
    if (!chosen.includes(word as SetFamily)) chosen.push(word as SetFamily);
  }
  if (chosen.length === 0) throw new InvalidArgumentError("expected at least one set family");
  return chosen;
}

/** `--sources sample|all`. */
export function parseSourceChoice(value: string): SourceChoice {
  if (value !== "sample" && value !== "all") throw new InvalidArgumentError(`unknown source choice '${value}' (choose from sample, all)`);
  return value;
}

/** A run label for every kind's copies added together. */
const ALL_KINDS = "all kinds";

/** One set of source models with its truth. */
interface SourceSet {
  readonly name: string;
  readonly models: readonly ModelSource[];
  readonly truth: TruthGraph;
}

/** Scores of one augmented recovery (or the baseline, with no copies). */
interface AugmentedRun {
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

/** Storage evidence per model of one set: did a copy give itself away before any recovery? */
interface Recognition {
  readonly set: string;
  /** Model id → signature and the kind it points to ("none" for a trained-looking model). */
  readonly originals: readonly { id: string; signature: StorageSignature; verdict: string }[];
  readonly copies: readonly {
    id: string;
    kind: DerivedKind;
    signature: StorageSignature;
    verdict: string;
    /** Whether the copy's nearest original model of its source's tree is its source, by ℓ_FT and by mean |Δw|. */
    nearestIsSource: { byMax: boolean; byMean: boolean };
  }[];
}

interface Options extends CommonCliOptions {
  readonly kinds?: DerivedKind[];
  readonly sources: SourceChoice;
  readonly sets?: SetFamily[];
}

const program = experimentCommand(
  "derived-copies",
  "Does recovery place quantised / fp16 / pruned copies under the model they were made from, without disturbing the rest of the tree?",
  {
    quick: "the quick foreign trees and quick VTHR split (if cached): an end-to-end smoke test",
    cache: "cache folder: reads <cache>/foreign-trees/ and the VTHR models, writes <cache>/derived-copies/",
  },
)
  .option("--kinds <list>", `comma-separated copy kinds (default all: ${DERIVED_KINDS.map((k) => k.name).join(", ")})`, parseDerivedKinds)
  .option(
    "--sources <which>",
    "which models get copies: sample (per tree the root, an inner model, two leaves) or all",
    parseSourceChoice,
    "sample" as SourceChoice,
  )
  .option("--sets <list>", `source model families (default all: ${SET_FAMILIES.join(", ")})`, parseSetFamilies);

async function main(options: Options): Promise<void> {
  const started = performance.now();
  const preset = options.quick ? "quick" : "full";
  const kinds = options.kinds ?? DERIVED_KINDS.map((k) => k.name);
  const families = options.sets ?? [...SET_FAMILIES];

  // 1. find
  const sets: SourceSet[] = [];
  const skipped: string[] = [];
  if (families.includes("foreign")) {
    for (const recipe of FOREIGN_RECIPES) {
      const folder = join(options.cache, "foreign-trees", `v${FOREIGN_TRAINER_VERSION}`, preset, recipe.name);
      if (!existsSync(join(folder, "truth.json"))) {
        skipped.push(`foreign ${recipe.name}: no cached tree at ${folder} (run experiments/foreign-trees.ts${options.quick ? " --quick" : ""})`);
        continue;
      }
      const raw = JSON.parse(await readFile(join(folder, "truth.json"), "utf8")) as TruthGraph;
      const truth: TruthGraph = {
        models: raw.models.map(({ id, stage, tree }) => ({ id, stage, tree })),
        edges: raw.edges.map(({ parent, child }) => ({ parent, child })),
      };
      sets.push({ name: recipe.name, models: await discoverModels([folder]), truth });
    }
  }
  if (families.includes("vthr")) {
    const split = await cachedVthrSplit(options.quick ? VTHR_QUICK : VTHR_DEFAULTS, "ft", options.cache);
    if ("missing" in split)
      skipped.push(
        `VTHR FT: ${split.missing}/${split.total} models not cached under ${options.cache} (run experiments/vthr.ts${options.quick ? " --quick" : ""})`,
      );
    else sets.push({ name: "vthr-ft", models: split.models, truth: split.truth });
  }
  for (const line of skipped) process.stderr.write(`[derived-copies] skipped ${line}\n`);
  if (sets.length === 0) {
    process.stderr.write("[derived-copies] no cached source models: nothing to measure\n");
    process.exitCode = 1;
    return;
  }

  // 2–4. derive, recover, score
  const runs: AugmentedRun[] = [];
  const recognitions: Recognition[] = [];
  const copyRoot = join(options.cache, "derived-copies", `v${DERIVED_COPY_VERSION}`, preset);
  for (const set of sets) {
    const sources = pickSources(set.truth, options.sources);
    const byId = new Map(set.models.map((m) => [m.id, m]));
    const copiesOf = new Map<DerivedKind, { copy: DerivedCopy; model: ModelSource }[]>();
    let written = 0;
    for (const kind of kinds) {
      const made: { copy: DerivedCopy; model: ModelSource }[] = [];
      for (const source of sources) {
        const copy: DerivedCopy = { id: `${source}.${kind}`, source, kind };
        const folder = join(copyRoot, set.name, kind, copy.id);
        if (await writeDerivedCopy(byId.get(source)!, kind, folder)) written++;
        const [model] = await discoverModels([folder]);
        made.push({ copy, model: { ...model!, id: copy.id } });
      }
      copiesOf.set(kind, made);
    }
    process.stderr.write(`[derived-copies] ${set.name}: ${sources.length} sources × ${kinds.length} kinds (${written} copies written, the rest reused)\n`);

    const verdict = async (model: ModelSource) => {
      const signature = await storageSignature(model);
      return { signature, verdict: derivedKindOf(signature) ?? "none" };
    };
    const originals = [];
    for (const model of set.models) originals.push({ id: model.id, ...(await verdict(model)) });
    // Each tree's originals by their distance layers, and the per-layer ranges over that tree.
    const layered = new Map<string, LayeredModel>();
    for (const model of set.models) layered.set(model.id, await distanceLayers(model));
    const treeOf = new Map(set.truth.models.map((m) => [m.id, m.tree]));
    const treeModels = new Map<string, LayeredModel[]>();
    for (const m of set.truth.models) treeModels.set(m.tree, [...(treeModels.get(m.tree) ?? []), layered.get(m.id)!]);
    const ranges = new Map([...treeModels].map(([tree, members]) => [tree, layerRanges(members)]));
    const copies = [];
    for (const kind of kinds) {
      for (const { copy, model } of copiesOf.get(kind)!) {
        const tree = treeOf.get(copy.source)!;
        const nearest = nearestModel(await distanceLayers(model), treeModels.get(tree)!, ranges.get(tree)!);
        copies.push({
          id: copy.id,
          kind,
          ...(await verdict(model)),
          nearestIsSource: { byMax: nearest.byMax === copy.source, byMean: nearest.byMean === copy.source },
        });
      }
    }
    recognitions.push({ set: set.name, originals, copies });

    const baseline = await recoverAndScore(set, [], undefined, "none");
    runs.push(baseline);
    for (const kind of kinds) runs.push(await recoverAndScore(set, copiesOf.get(kind)!, baseline, kind));
    if (kinds.length > 1)
      runs.push(
        await recoverAndScore(
          set,
          kinds.flatMap((k) => copiesOf.get(k)!),
          baseline,
          ALL_KINDS,
        ),
      );
    process.stderr.write(
      `[derived-copies] ${set.name}: ${runs
        .filter((r) => r.set === set.name && r.kind !== "none")
        .map((r) => `${r.kind} ${count(r, "under source")}/${r.copies} under source`)
        .join(", ")}\n`,
    );
  }

  // 5. report
  const dataDir = join(options.reports, "data", "derived-copies");
  await writeFileAtomic(
    join(dataDir, "results.json"),
    `${JSON.stringify({ version: DERIVED_COPY_VERSION, preset, sources: options.sources, skipped, runs, recognitions }, null, 1)}\n`,
  );
  await publishReport(options.reports, derivedCopiesPage(runs, recognitions, kinds, options.sources, skipped), dataDir, started);
}

/** The storage signature of a model's 2-D matrices. */
async function storageSignature(model: ModelSource): Promise<StorageSignature> {
  const builder = new StorageSignatureBuilder();
  for (const tensor of model.tensors) {
    if (tensor.shape.length === 2) builder.add(await readTensor(tensor), tensor.shape[1]!, tensor.dtype === "F16");
  }
  return builder.finish();
}

/** The model's ℓ_FT layers (the default distance kinds), sorted by name. */
async function distanceLayers(model: ModelSource): Promise<LayeredModel> {
  const chosen = model.tensors
    .filter((t) => t.shape.length === 2 && DEFAULT_RECOVER_OPTIONS.distanceKinds.includes(classifyLayer(t.name, t.shape)))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  const layers = [];
  for (const tensor of chosen) layers.push(await readTensor(tensor));
  return { id: model.id, layers };
}

/** Recovers the set (plus copies) with the defaults and scores it against the truth. */
async function recoverAndScore(
  set: SourceSet,
  copies: readonly { copy: DerivedCopy; model: ModelSource }[],
  baseline: AugmentedRun | undefined,
  kind: string,
): Promise<AugmentedRun> {
  // Sorted by id, as `mother recover DIR` sorts what it discovers.
  const models = [...set.models, ...copies.map((c) => c.model)].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const result = await recoverModels(models, DEFAULT_RECOVER_OPTIONS);
  const derived = copies.map((c) => c.copy);
  const truth = truthWithCopies(set.truth, derived);
  const scoreOf = new Map(result.graph.models.map((m) => [m.id, m.score]));
  const stageOf = new Map(result.graph.models.map((m) => [m.id, m.stage]));
  // The statistic each tree used (the defaults' auto rule) and its trend as --stage auto oriented the tree.
  const treeScore = new Map(result.graph.trees.flatMap((members, t) => members.map((id) => [id, autoScore(result.distances[t]!)] as const)));
  const saysChild = (copy: string, source: string): boolean => {
    const trend = SPECIALIZATION_TREND[treeScore.get(copy)!] * (stageOf.get(copy) === "generalization" ? -1 : 1);
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

function count(run: AugmentedRun, placement: Placement): number {
  return run.placements.filter((p) => p.placement === placement).length;
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function derivedCopiesPage(
  runs: readonly AugmentedRun[],
  recognitions: readonly Recognition[],
  kinds: readonly DerivedKind[],
  sources: SourceChoice,
  skipped: readonly string[],
): ReportPage {
  const sets = [...new Set(runs.map((r) => r.set))];
  const labels = [...kinds, ...(kinds.length > 1 ? [ALL_KINDS] : [])];
  const baselineOf = (set: string) => runs.find((r) => r.set === set && r.kind === "none")!;
  const augmented = runs.filter((r) => r.kind !== "none");
  const fraction = (a: number, b: number): Cell => (b === 0 ? null : a / b);
  const pooled = (label: string) => {
    const group = augmented.filter((r) => r.kind === label);
    const placements = group.flatMap((r) => r.placements);
    const before = sum(group.map((r) => baselineOf(r.set).fates.correct));
    const total = sum(group.map((r) => r.fates.total));
    return { group, placements, before, total };
  };
  const summaryRows = labels.map((label): Cell[] => {
    const { group, placements, before, total } = pooled(label);
    const n = placements.length;
    const by = (p: Placement) => placements.filter((x) => x.placement === p).length;
    return [
      label,
      n,
      fraction(by("under source"), n),
      fraction(by("above source"), n),
      fraction(by("elsewhere"), n),
      fraction(by("other tree"), n),
      fraction(before, total),
      fraction(sum(group.map((r) => r.fates.correct)), total),
      fraction(sum(group.map((r) => r.collapsed * r.fates.total)), total),
      sum(group.map((r) => r.fates.underCopyOfParent)),
      sum(group.map((r) => r.fates.underOwnCopy)),
      sum(group.map((r) => r.fates.underOtherCopy)),
      sum(group.map((r) => r.fates.reversed)),
      `${group.filter((r) => r.trees === r.trueTrees).length}/${group.length}`,
      `${group.filter((r) => r.trees === baselineOf(r.set).trees).length}/${group.length}`,
      fraction(placements.filter((p) => p.copyKurtosis > p.sourceKurtosis).length, n),
      fraction(placements.filter((p) => p.copyVariance > p.sourceVariance).length, n),
    ];
  });
  const perSetRows = sets.flatMap((set) => {
    const base = baselineOf(set);
    return [base, ...augmented.filter((r) => r.set === set)].map((r): Cell[] => [
      set,
      r.kind,
      r.copies,
      r.kind === "none" ? null : count(r, "under source"),
      r.kind === "none" ? null : count(r, "above source"),
      r.kind === "none" ? null : count(r, "elsewhere") + count(r, "other tree"),
      fraction(r.fates.correct, r.fates.total),
      r.collapsed,
      r.fates.underCopyOfParent + r.fates.underOtherCopy,
      r.fates.reversed,
      `${r.trees}/${r.trueTrees}`,
      r.clustering,
      [...new Set(r.distances)].join("+"),
      r.stages,
      r.stageChanged,
    ]);
  });
  const directionRows = labels
    .filter((l) => l !== ALL_KINDS)
    .map((label): Cell[] => {
      const { placements } = pooled(label);
      const ratio = (a: number, b: number) => a / b - 1;
      const mean = (xs: number[]) => (xs.length === 0 ? null : sum(xs) / xs.length);
      const ratios = placements
        .map((p) => p.twinRatio)
        .filter((x): x is number => x !== null)
        .sort((a, b) => a - b);
      const under = placements.filter((p) => p.placement === "under source");
      const above = placements.filter((p) => p.placement === "above source");
      return [
        label,
        mean(placements.map((p) => p.copyKurtosis - p.sourceKurtosis)),
        Math.min(...placements.map((p) => p.copyKurtosis - p.sourceKurtosis)),
        Math.max(...placements.map((p) => p.copyKurtosis - p.sourceKurtosis)),
        mean(placements.map((p) => ratio(p.copyVariance, p.sourceVariance))),
        mean(placements.map((p) => ratio(p.copyScore, p.sourceScore))),
        `${placements.filter((p) => p.scoreSaysChild).length}/${placements.length}`,
        `${under.filter((p) => p.scoreSaysChild).length + above.filter((p) => !p.scoreSaysChild).length}/${under.length + above.length}`,
        ratios.length === 0 ? null : ratios[Math.floor(ratios.length / 2)]!,
        ratios.length === 0 ? null : ratios.at(-1)!,
      ];
    });
  const expectedVerdict = (kind: DerivedKind) => (kind === "prune30" ? "pruned" : kind);
  const allOriginals = recognitions.flatMap((r) => r.originals);
  const recognitionRows = kinds.map((kind): Cell[] => {
    const copies = recognitions.flatMap((r) => r.copies.filter((c) => c.kind === kind));
    const mean = (pick: (s: StorageSignature) => number) => (copies.length === 0 ? null : sum(copies.map((c) => pick(c.signature))) / copies.length);
    return [
      kind,
      copies.length,
      `${copies.filter((c) => c.verdict === expectedVerdict(kind)).length}/${copies.length}`,
      `${copies.filter((c) => c.verdict === "none").length}/${copies.length}`,
      mean((s) => s.zeroFraction),
      mean((s) => s.int8GridRows),
      mean((s) => s.int4GridRows),
      mean((s) => s.f16Matrices),
      `${copies.filter((c) => c.nearestIsSource.byMax).length}/${copies.length}`,
      `${copies.filter((c) => c.nearestIsSource.byMean).length}/${copies.length}`,
    ];
  });
  recognitionRows.push([
    "originals",
    allOriginals.length,
    `${allOriginals.filter((o) => o.verdict !== "none").length}/${allOriginals.length} flagged`,
    `${allOriginals.filter((o) => o.verdict === "none").length}/${allOriginals.length}`,
    sum(allOriginals.map((o) => o.signature.zeroFraction)) / Math.max(1, allOriginals.length),
    sum(allOriginals.map((o) => o.signature.int8GridRows)) / Math.max(1, allOriginals.length),
    sum(allOriginals.map((o) => o.signature.int4GridRows)) / Math.max(1, allOriginals.length),
    sum(allOriginals.map((o) => o.signature.f16Matrices)) / Math.max(1, allOriginals.length),
    null,
    null,
  ]);
  const cells = labels.flatMap((label) =>
    augmented.filter((r) => r.kind === label).map((r) => ({ split: label, root: r.set, ours: r.copies === 0 ? 0 : count(r, "under source") / r.copies })),
  );
  const keptCells = labels.flatMap((label) =>
    augmented.filter((r) => r.kind === label).map((r) => ({ split: label, root: r.set, ours: r.fates.total === 0 ? 0 : r.fates.correct / r.fates.total })),
  );
  return {
    slug: "derived-copies",
    title: "Quantised, half-precision and pruned copies: are they placed under their source?",
    description:
      `Copies made from existing models (${sources === "all" ? "every model" : "per tree: the root, the first inner model and the first two leaves"}), ` +
      "written as new model folders with unchanged tensor names, only the 2-D matrices transformed: " +
      DERIVED_KINDS.filter((k) => kinds.includes(k.name))
        .map((k) => `${k.name} = ${k.about}`)
        .join("; ") +
      ". " +
      `Source sets: ${sets.join(", ")} (PyTorch-trained trees of experiments/foreign-trees.ts, 9 models each; the VTHR FT split, 105 models in 5 trees). ` +
      "Each set is recovered alone, then with one kind's copies added, then with every kind's copies at once, by the library with the defaults (as `mother recover DIR`: stage auto, trees auto, distance auto, score auto, λ 0.3). " +
      "A copy's true parent is its source." +
      (skipped.length > 0 ? ` Skipped (no cache): ${skipped.join("; ")}.` : ""),
    figures: [
      {
        title: "Copies placed under their source",
        spec: accuracyHeatTable(cells, { title: "Fraction of copies whose recovered parent is their source" }),
        caption: "One row per source set, one column per copy kind; 1 = every copy hangs directly under the model it was made from.",
      },
      {
        title: "Original edges kept",
        spec: accuracyHeatTable(keptCells, { title: "Original edges still recovered with copies added" }),
        caption: "Directed accuracy over the set's own true edges once the copies are in the set (compare the 'none' rows of the per-set table).",
      },
    ],
    tables: [
      {
        title: "Per copy kind, pooled over the source sets",
        columns: [
          "kind",
          "copies",
          "under source",
          "above source",
          "elsewhere",
          "other tree",
          "orig. edges before",
          "orig. edges after",
          "after, twins merged",
          "child → parent's copy",
          "child → own copy",
          "child → other copy",
          "orig. reversed",
          "trees right",
          "trees as before",
          "kurtosis up",
          "variance up",
        ],
        rows: summaryRows,
        note: "under/above source: the recovered edge is source → copy (right) or copy → source (direction flipped); elsewhere: another parent in the same tree; other tree: split off. orig. edges: directed accuracy on the true edges among the original models, without copies (before) and with them (after); twins merged: the same with every copy read as its source (right up to which twin holds which edge); child → parent's copy: original edges whose child now hangs under a copy of its true parent (a stolen child); child → own copy: the child's copy moved in between (parent → copy → child); trees right: runs whose --trees auto count equals the true count. kurtosis/variance up: copies whose mean layer statistic over the score layers exceeds their source's.",
      },
      {
        title: "Per source set and copy kind",
        columns: [
          "set",
          "kind",
          "copies",
          "under",
          "above",
          "elsewhere/other",
          "orig. edges",
          "twins merged",
          "stolen children",
          "orig. reversed",
          "trees found/true",
          "clustering",
          "distance",
          "stage auto chose",
          "models whose stage changed",
        ],
        rows: perSetRows,
        note: "kind none = the set alone (the baseline). stage auto chose: the trend(s) --stage auto picked for the original models' trees; the last column counts original models whose label differs from the baseline's.",
      },
      {
        title: "Could the copies be recognised from storage alone? (src/harness/derived/storage-signature.ts)",
        columns: [
          "models",
          "n",
          "named right",
          "look trained",
          "exact zeros",
          "rows on int8 grid",
          "rows on 16-level grid",
          "F16 matrices",
          "nearest by ℓ_FT is source",
          "nearest by mean |Δw| is source",
        ],
        rows: recognitionRows,
        note: "Over each model's 2-D matrices: the fraction of exact zeros, of rows whose values all lie on the symmetric int8 grid k·max|row|/127 or on the 16-level grid from row min to max, and of matrices stored as F16. Verdict: ≥ 0.9 of rows on the 16-level grid → int4, on the int8 grid → int8, ≥ 0.2 zeros → pruned, ≥ 0.9 F16 matrices → fp16. F16 is evidence only against F32/BF16 siblings: a family shipped in F16 throughout would be flagged whole. nearest … is source: among the original models of the source's tree, the one closest to the copy (ℓ_FT: max |Δw| per attention layer over the tree's min-max range, max over layers; mean |Δw|: the same range, mean over layers) is its source — so a rule that hangs each recognised copy under its nearest model would place it right.",
      },
      {
        title: "Which way the copy moved the directional statistics",
        columns: [
          "kind",
          "mean Δ layer kurtosis",
          "min Δ",
          "max Δ",
          "mean rel. Δ variance",
          "mean rel. Δ score",
          "score says child",
          "placement follows score",
          "twin/smallest edge (median)",
          "(max)",
        ],
        rows: directionRows,
        note: "Δ = copy − source of the mean Pearson kurtosis over the score layers (attention + MLP); score = the statistic recovery used for the tree (summed kurtosis for ℓ_FT, summed variance for ℓ_LoRA trees); score says child: copies that the score and the trend --stage auto chose for the tree make look like their source's child; placement follows score: copies placed under (above) their source exactly when the score says child (parent). twin/smallest edge: ℓ_FT between a copy and its adjacent source over the smallest ℓ_FT between two original models of the same recovered tree (ℓ_FT trees only): below 1, the copy is closer to its source than any true parent is to its child.",
      },
    ],
  };
}

if (import.meta.main) await runExperiment(program, main);
