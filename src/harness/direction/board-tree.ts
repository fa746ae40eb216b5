/**
 * One true tree of a benchmark as the leaderboard scores it: read once, scored by every rule.
 * Direction rules change neither D nor the layer statistics, so the layer pass runs once per
 * tree — recovery's own planLayers / runLayerJobs / treeDistance with its default options
 * (cluster known, as the ablations do) — and the spectra of the score layers are added
 * (spectral-stats.ts). The result is a JSON artefact in the cache keyed by the models' file
 * identities, so a rerun (or a new rule) reads it instead of the weights.
 */
import type { LayerKind, ModelSource, TruthGraph } from "../../types.ts";
import { readTensor } from "../../io/read-safetensors.ts";
import { fileIdentity } from "../../io/file-identity.ts";
import { runLayerJobs } from "../../recover/layer-pool.ts";
import { DEFAULT_RECOVER_OPTIONS, resolveFtDistance, type RecoverOptions } from "../../recover/options.ts";
import { planLayers } from "../../recover/plan-layers.ts";
import { treeDistance, type DistanceChoice } from "../../recover/tree-distance.ts";
import { siblingGeometryDistance } from "../../distance/scale-free.ts";
import { hasEmbeddingMatrix, type SiblingGeometry } from "../../distance/obtuse-siblings.ts";
import type { RuleLayerStats, ScoredLayers } from "../../direction/statistic-rule.ts";
import { spectralStats } from "../../direction/spectral-stats.ts";
import type { ArtifactStore } from "../artifact-store.ts";
import { pickModels } from "../ablation/recover-scored.ts";
import { restrictTruth } from "../ablation/sample-subtree.ts";
import { trueTrees } from "./candidate-recovery.ts";
import type { BenchmarkModels } from "./benchmark.ts";
import { boardPairs, type BoardPairs } from "./board-pairs.ts";

/** Bump when what a board tree holds or how it is computed changes (old cache entries are then ignored). */
export const BOARD_TREE_VERSION = 2;

/** A prepared tree: ids, truth, D, and every model's statistics per planned layer. */
export interface BoardTree {
  readonly root: string;
  readonly ids: readonly string[];
  /** This tree's truth (stages = the labels). */
  readonly truth: TruthGraph;
  /** k×k row-major D, as recovery builds it for these models. */
  readonly distance: readonly number[];
  readonly choice: DistanceChoice;
  /** k×k distance the sibling-angle rule reads its angles from (siblingGeometryDistance, default options), and whether the models are language models (hasEmbeddingMatrix). */
  readonly euclidean: readonly number[];
  readonly languageModel: boolean;
  /** A mixed tree's pairs measured by rank (k×k, 1 = by rank); absent otherwise. */
  readonly rankMask?: readonly number[];
  readonly layers: readonly { readonly name: string; readonly kind: LayerKind; readonly score: boolean; readonly sketch: boolean }[];
  /** stats[layer][model], with the spectral fields on score layers. */
  readonly stats: readonly (readonly RuleLayerStats[])[];
  /** Every pair's evidence for the pair rules (board-pairs.ts, its own artefact): attached when read, not part of this one. */
  readonly pairs?: BoardPairs;
}

/** The layer-pass distance the sibling-angle rule reads under `geometry` without a pair read (siblingGeometryDistance's choice). */
export function layerPassGeometry(geometry: SiblingGeometry): "euclidean" | "scale-free" {
  return geometry === "euclidean" ? "euclidean" : "scale-free";
}

/** The tree's layers and statistics as rules read them (JSON keeps NaN as null: read back as NaN). */
export function scoredLayers(tree: BoardTree): ScoredLayers {
  const fromJson = (stats: RuleLayerStats): RuleLayerStats =>
    Object.fromEntries(Object.entries(stats).map(([field, value]) => [field, value ?? Number.NaN])) as unknown as RuleLayerStats;
  return {
    plan: tree.layers.map((layer) => ({ name: layer.name, kind: layer.kind, roles: { distance: false, score: layer.score, sketch: layer.sketch } })),
    pass: tree.stats.map((stats) => ({ stats: stats.map(fromJson) })),
  };
}

/** A benchmark's prepared trees and a key naming exactly those (their artefact keys, joined). */
export interface PreparedBenchmark {
  readonly trees: readonly BoardTree[];
  readonly key: string;
}

/** Every true tree of a loaded benchmark, prepared (or read from `store`). */
export async function boardTrees(benchmark: string, loaded: BenchmarkModels, store: ArtifactStore): Promise<PreparedBenchmark> {
  const out: BoardTree[] = [];
  const keys: string[] = [];
  const trees = loaded.trees ? loaded.trees.map(({ root, ids }) => ({ root, truth: restrictTruth(loaded.truth, ids) })) : trueTrees(loaded.truth);
  for (const { root, truth } of trees) {
    const models = pickModels(
      loaded.models,
      truth.models.map((m) => m.id),
    );
    const files = await Promise.all(models.map(async (model) => [model.id, await fileIdentity(model.tensors[0]!.file)] as const));
    // The LM-only sibling geometry keys language-model trees only (their euclidean field): a ViT tree's cache stays valid.
    // Keyed by the layer-pass geometry its angles hold: correlation's are read off the pairs when the board scores (score-on-tree.ts).
    const lm = hasEmbeddingMatrix(models[0]!.tensors) ? { lm: { siblingGeometry: layerPassGeometry(DEFAULT_RECOVER_OPTIONS.siblingGeometry) } } : {};
    const artifact = await store.getJson("direction-board-tree", { version: BOARD_TREE_VERSION, benchmark, root, files, ...lm }, () =>
      prepareBoardTree(root, models, truth),
    );
    out.push({ ...artifact.value, pairs: await boardPairs(benchmark, root, models, store) });
    keys.push(artifact.key.slice(0, 16));
  }
  return { trees: out, key: keys.join("-") };
}

/** The layer pass, D and spectra of one tree's models (recovery's default options, every statistic computed). */
export async function prepareBoardTree(root: string, models: readonly ModelSource[], truth: TruthGraph): Promise<BoardTree> {
  const options: RecoverOptions = { ...DEFAULT_RECOVER_OPTIONS, fullStatistics: true };
  const jobs = planLayers(models, options);
  const pass = await runLayerJobs(jobs, { workers: 0 });
  const members = models.map((_, i) => i);
  const languageModel = hasEmbeddingMatrix(models[0]!.tensors);
  const { matrix, choice, rankPairs } = await treeDistance(members, jobs, pass, {
    ...options,
    ftDistance: resolveFtDistance(options.ftDistance, languageModel),
  });
  const stats: RuleLayerStats[][] = [];
  for (const [l, job] of jobs.entries()) {
    const layerStats: RuleLayerStats[] = [];
    for (const [m, moments] of pass[l]!.stats.entries()) {
      if (!job.roles.score || job.shape.length !== 2) {
        layerStats.push(moments);
        continue;
      }
      const values = await readTensor(job.tensors[m]!);
      layerStats.push({ ...moments, ...spectralStats(values, job.shape[0]!, job.shape[1]!) });
    }
    stats.push(layerStats);
  }
  return {
    root,
    ids: models.map((m) => m.id),
    truth,
    distance: [...matrix],
    choice,
    euclidean: [...siblingGeometryDistance(options.siblingGeometry, members, jobs, pass)],
    languageModel,
    ...(choice === "mixed" && rankPairs ? { rankMask: [...rankPairs.byRank] } : {}),
    layers: jobs.map((job) => ({ name: job.name, kind: job.kind, score: job.roles.score, sketch: job.roles.sketch })),
    stats,
  };
}
