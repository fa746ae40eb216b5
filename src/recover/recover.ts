/**
 * MoTHer recovery, end to end (paper §5, SPEC §2):
 *
 *   paths ─1─► models ─2─► architecture groups ─3─► layer pass (stats, |Δ|, sketches)
 *         ─4─► clusters (auto: related below a relative |Δ| of 0.8; N trees: Ward) ─5─► per tree: D, scores, K, T, M, MDST
 *         ─6─► Model Graph (union of the trees)
 *
 *   1 discoverModels (io/discover-models.ts)       2 planGroups (below; plan-layers.ts)
 *   3 readGroups (read-groups.ts)                  4 clusterGroups (cluster-models.ts)
 *   5 recoverCluster (recover-cluster.ts)          6 assembleGraph (below)
 *
 * Each weight byte of a selected layer is read once (step 3) — but for the clustering samples
 * of sets of CLUSTER_FIRST_MODELS or more (step 4 then runs first, clusterOnSampleFirst) and,
 * on LoRA sets, auto's probe layer; everything after works on the small matrices the pass
 * leaves behind.
 */
import type { ModelGraph, ModelSource } from "../types.ts";
import { bug } from "../errors.ts";
import { loraFactorsNotModel, needTwoModels, nothingToCompare, peftNothingToRecover, unknownStagesModel } from "../messages.ts";
import { discoverModels } from "../io/discover-models.ts";
import { fewBigModels } from "../io/set-glance.ts";
import { attachAdapters, familyNote, type UnattachedAdapter } from "../io/peft/attach-adapters.ts";
import { nativeKernels, WASM_ONLY } from "../kernels/native-kernels.ts";
import type { LayerStatsRow } from "../stats/stats-table.ts";
import { groupByArchitecture, planLayers } from "./plan-layers.ts";
import { defaultWorkerCount, LayerPool } from "./layer-pool.ts";
import { layerThreads, takeStartedLayerWorkers } from "./layer-workers.ts";
import { clusterGroups, type Cluster } from "./cluster-models.ts";
import type { DistanceChoice } from "./tree-distance.ts";
import { DEFAULT_RECOVER_OPTIONS, type RecoverOptions } from "./options.ts";
import { jobBytes, type LayerJob } from "./layer-pass.ts";
import { clusteringSample, readGroups, type GroupPass, type PassContext, type PlannedGroup } from "./read-groups.ts";
import { recoverCluster, type RecoveredTree } from "./recover-cluster.ts";
import { LayerReader } from "./layer-reader.ts";
import type { KnownResults } from "./known-layers.ts";
import { mark } from "../ui/timeline.ts";

/** Side effects of a recovery run; tests pass a recorder. */
export interface RecoverEffects {
  /** Progress of the layer pass: bytes read so far out of the total. */
  readonly progress: (doneBytes: number, totalBytes: number) => void;
  /** One-line notes (the distance chosen by auto, the number of trees, …). */
  readonly log: (message: string) => void;
}

const SILENT: RecoverEffects = { progress: () => {}, log: () => {} };

/** A recovered Model Graph plus what produced it, for reports and `--format json`. */
export interface RecoveryResult {
  readonly graph: ModelGraph;
  /** Distance used for each tree, in `graph.trees` order. */
  readonly distances: readonly DistanceChoice[];
  /** Per-layer statistics of every model (the Arrow table's rows). */
  readonly layerStats: readonly LayerStatsRow[];
}

/** From this many models, the set is clustered on a sample first (see clusterOnSampleFirst). */
export const CLUSTER_FIRST_MODELS = 12;

/** Recovers the Model Graph of the models found under `paths`. */
export async function recover(paths: readonly string[], overrides: Partial<RecoverOptions> = {}, effects: RecoverEffects = SILENT): Promise<RecoveryResult> {
  const options: RecoverOptions = { ...DEFAULT_RECOVER_OPTIONS, ...overrides };
  // A few big models: the pass's threads load their modules (~30 ms) while the set is listed and its headers read
  // (they load the kernels at their first layer, after the check below); the command line started them already.
  const started = takeStartedLayerWorkers();
  const early = options.workers === undefined && (started || fewBigModels(paths)) ? new LayerPool(layerThreads(), started) : undefined;
  if (started && !early) started.close();
  try {
    // 1. Models as they ship: folders, sharded folders, single files; PEFT adapters as base + Δ.
    const { models, unattached } = await attachAdapters(await discoverModels([...paths], effects.log));
    if (models.length < 2 && unattached[0]) throw peftNothingToRecover(unattached[0].model.path, unattached[0].note);
    // Built (once per machine) here rather than by two workers at once; said when it cannot be.
    const kernels = await nativeKernels();
    if (!kernels.native && kernels.reason !== WASM_ONLY)
      effects.log(`native kernels unavailable (${kernels.reason}): the WebAssembly kernels sweep, 1.3–1.7× slower`);
    return withUnattached(await recoverModels(models, options, effects, early), unattached, effects.log);
  } finally {
    early?.close();
  }
}

/**
 * The result with each adapter whose base is absent as a tree of its own, without a parent,
 * and the notes saying why (SPEC §8), also logged. Its score is NaN (null in JSON): it was
 * never read.
 */
export function withUnattached(result: RecoveryResult, unattached: readonly UnattachedAdapter[], log: (message: string) => void): RecoveryResult {
  if (unattached.length === 0) return result;
  const { graph } = result;
  const rootOf = (id: string) => {
    const tree = graph.trees.find((members) => members.includes(id)) ?? [id];
    return tree.find((member) => !graph.edges.some((edge) => edge.child === member)) ?? id;
  };
  const notes = unattached.map(({ model, note, alignedWith }) => (alignedWith === undefined ? note : familyNote(model.id, rootOf(alignedWith))));
  for (const note of notes) log(note);
  const models = unattached.map(({ model }) => ({
    id: model.id,
    path: model.path,
    format: "peft" as const,
    stage: "specialization" as const,
    score: Number.NaN,
  }));
  return {
    ...result,
    graph: { ...graph, models: [...graph.models, ...models], trees: [...graph.trees, ...models.map((model) => [model.id])], notes: [...graph.notes, ...notes] },
  };
}

/**
 * Steps 2–6 on already discovered models (experiments call this directly); `started` is a pool to use (its caller closes
 * it); `known`: layers whose results are known already (a large set's fingerprints, known-layers.ts), not read again.
 */
export async function recoverModels(
  models: readonly ModelSource[],
  options: RecoverOptions,
  effects: RecoverEffects = SILENT,
  started?: LayerPool,
  known?: KnownResults,
): Promise<RecoveryResult> {
  checkInputs(models, options);
  // 2. Different architectures can never share a tree; one plan of layers per group.
  const planned = planGroups(models, options, effects);
  mark(`headers read, ${planned.length} groups planned`);
  // 3–4. One pass over the selected layers of every group (the same workers then rank ℓ_LoRA
  //      pairs), then the clusters; a large set is clustered on a sample first.
  const sampleFirst = models.length >= CLUSTER_FIRST_MODELS;
  const allJobs = planned.flatMap((group) => (sampleFirst ? [...group.plan, ...clusteringSample(group.plan)] : group.plan));
  // No more threads than layer jobs: each further one would only start, idle and stop.
  const pool = started ?? new LayerPool(Math.min(options.workers ?? defaultWorkerCount(allJobs.reduce((sum, job) => sum + jobBytes(job), 0)), allJobs.length));
  const context: PassContext = { options, pool, reader: new LayerReader(pool, allJobs, options.cacheFolder, effects, options.verifyCache, known), effects };
  try {
    const { groups, clusters } = sampleFirst ? await clusterOnSampleFirst(planned, context) : await readThenCluster(planned, context);
    mark(`layers read, ${clusters.length} trees`);
    effects.log(`${clusters.length} trees`);
    // 5. One minimum directed spanning tree per cluster.
    const trees: RecoveredTree[] = [];
    for (const cluster of clusters) trees.push(await recoverCluster(cluster, { options, ranks: pool.ranks, log: effects.log }));
    // 6. The Model Graph is the union of the trees.
    return assembleGraph(groups, clusters, trees);
  } finally {
    if (!started) pool.close();
  }
}

/** Step 2: the architecture groups and the layers read from each. */
function planGroups(models: readonly ModelSource[], options: RecoverOptions, effects: RecoverEffects): PlannedGroup[] {
  const groups = groupByArchitecture(models, options);
  if (groups.length > 1) effects.log(`${groups.length} architecture groups: ${groups.map((g) => g.length).join(", ")} models`);
  return groups.map((group) => {
    const plan = planLayers(group, options);
    checkComparable(group, plan);
    return { models: group, plan };
  });
}

/** The groups after the pass, and their clusters (each pointing at its group). */
interface Clustered {
  readonly groups: readonly GroupPass[];
  readonly clusters: readonly Cluster<GroupPass>[];
}

/** Steps 3 then 4: every layer read, then each group clustered on the pass (the tree count is shared across groups). */
async function readThenCluster(planned: readonly PlannedGroup[], context: PassContext): Promise<Clustered> {
  const groups = await readGroups(planned, context);
  return { groups, clusters: clusterGroups(groups, context.options.trees) };
}

/**
 * Step 4 before step 3, for sets of CLUSTER_FIRST_MODELS or more: clustered on a sample of each
 * distance layer, so the pass compares pairs only inside trees (k²/2 pairs per tree instead of
 * n²/2 overall); the clusters found on the sample are the clusters.
 */
async function clusterOnSampleFirst(planned: readonly PlannedGroup[], context: PassContext): Promise<Clustered> {
  const { reader, options, effects } = context;
  const samples = await Promise.all(
    planned.map(async (group) => {
      const plan = clusteringSample(group.plan);
      return { models: group.models, plan, pass: await reader.readAll(plan), planned: group };
    }),
  );
  const sampled = clusterGroups(samples, options.trees);
  const modelCount = planned.reduce((sum, group) => sum + group.models.length, 0);
  effects.log(`${modelCount} models clustered on a sample of each distance layer first: pairs are compared only inside each of the ${sampled.length} trees`);
  const withPairGroups = planned.map((group) => {
    const pairGroups = sampled.filter((cluster) => cluster.group.planned === group).map((cluster) => cluster.members);
    return { models: group.models, plan: group.plan.map((job): LayerJob => ({ ...job, pairGroups })) };
  });
  const groups = await readGroups(withPairGroups, context);
  const groupOf = new Map(planned.map((group, g) => [group, groups[g] ?? bug("a pass per planned group")]));
  const clusters = sampled.map(({ group, members }) => ({ group: groupOf.get(group.planned) ?? bug("a pass per planned group"), members }));
  return { groups, clusters };
}

/** Step 6: the union of the trees, with every model's per-layer statistics. */
function assembleGraph(groups: readonly GroupPass[], clusters: readonly Cluster<GroupPass>[], trees: readonly RecoveredTree[]): RecoveryResult {
  const layerStats = groups.flatMap(({ models, plan, pass }) =>
    plan.flatMap((job, l) =>
      models.map((model, m) => ({
        model: model.id,
        layer: job.name,
        kind: job.kind,
        shape: job.shape,
        stats: pass[l]?.stats[m] ?? bug(`layer ${job.name} has statistics of model ${model.id}`),
      })),
    ),
  );
  const graph: ModelGraph = {
    models: trees.flatMap((tree) => tree.models),
    edges: trees.flatMap((tree) => tree.edges),
    trees: clusters.map(({ group, members }) => members.map((m) => group.models[m]?.id ?? bug(`cluster member ${m} is in its group`))),
    notes: [],
    directions: trees.map((tree) => tree.direction),
  };
  return { graph, distances: trees.map((tree) => tree.choice), layerStats };
}

/** At least two models, and every `--stages` id among them. */
function checkInputs(models: readonly ModelSource[], options: RecoverOptions): void {
  if (models.length < 2) throw needTwoModels(models[0]?.path ?? "(no models)", models.length);
  const ids = new Set(models.map((m) => m.id));
  for (const id of Object.keys(options.stages)) if (!ids.has(id)) throw unknownStagesModel(id, [...ids]);
}

/** One line naming a model whose checkpoint has nothing recovery can compare, and why. */
function checkComparable(group: readonly ModelSource[], plan: readonly LayerJob[]): void {
  if (plan.some((job) => job.roles.distance) && plan.some((job) => job.roles.score)) return;
  const model = group[0] ?? bug("an architecture group has a model");
  if (model.tensors.some((t) => /\.lora_(A|B)(\.|$)/.test(t.name))) throw loraFactorsNotModel(model.path);
  throw nothingToCompare(model.path, model.tensors.length);
}
