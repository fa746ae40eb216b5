/**
 * MoTHer recovery, end to end (paper §5, SPEC §2):
 *
 *   paths ─1─► models ─2─► architecture groups ─3─► layer pass (stats, |Δ|, sketches)
 *         ─4─► clusters (auto: related below a relative |Δ| of 0.8; N trees: Ward) ─5─► per tree: D, scores, K, T, M, MDST
 *         ─6─► Model Graph (union of the trees)
 *
 * Each weight byte of a selected layer is read once (step 3) — but for the clustering samples
 * of sets of CLUSTER_FIRST_MODELS or more (step 4 then runs first) and, on LoRA sets, auto's
 * probe layer; everything after works on the small matrices the pass leaves behind.
 */
import type { LayerStats, ModelGraph, ModelSource, ScoreName, Stage } from "../types.ts";
import { MotherError } from "../errors.ts";
import { needTwoModels } from "../messages.ts";
import { discoverModels } from "../io/discover-models.ts";
import { nativeKernels, WASM_ONLY } from "../kernels/native-kernels.ts";
import { directionalScore } from "../stats/layer-stats.ts";
import { SPECIALIZATION_TREND } from "./score-trend.ts";
import type { LayerStatsRow } from "../stats/stats-table.ts";
import { groupByArchitecture, planLayers } from "./plan-layers.ts";
import { defaultWorkerCount, LayerPool } from "./layer-pool.ts";
import { clusterGroups, type Cluster } from "./cluster-models.ts";
import { PRUNED_ZEROS, treeDistance, zeroShare, type DistanceChoice } from "./tree-distance.ts";
import { cheaperByMoreThan, recoverTree, type TreeResult } from "./recover-tree.ts";
import { DEFAULT_RECOVER_OPTIONS, type RecoverOptions } from "./options.ts";
import { jobBytes, type LayerJob, type LayerResult } from "./layer-pass.ts";
import { probeFindsLowRank, probeJobIndex, probeLayerJob, withoutSketches } from "./probe-low-rank.ts";
import { storageTwins } from "./storage-twins.ts";
import { LayerReader } from "./layer-reader.ts";

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

/** Recovers the Model Graph of the models found under `paths`. */
export async function recover(paths: readonly string[], overrides: Partial<RecoverOptions> = {}, effects: RecoverEffects = SILENT): Promise<RecoveryResult> {
  const options: RecoverOptions = { ...DEFAULT_RECOVER_OPTIONS, ...overrides };
  // 1. Models as they ship: folders, sharded folders, single files.
  const models = await discoverModels([...paths]);
  // Built (once per machine) here rather than by two workers at once; said when it cannot be.
  const kernels = await nativeKernels();
  if (!kernels.native && kernels.reason !== WASM_ONLY)
    effects.log(`native kernels unavailable (${kernels.reason}): the WebAssembly kernels sweep, 1.3–1.7× slower`);
  return recoverModels(models, options, effects);
}

/** Steps 2–6 on already discovered models (experiments call this directly). */
export async function recoverModels(models: readonly ModelSource[], options: RecoverOptions, effects: RecoverEffects = SILENT): Promise<RecoveryResult> {
  if (models.length < 2) {
    throw needTwoModels(models[0]?.path ?? "(no models)", models.length);
  }
  checkStageOverrides(models, options);

  // 2. Different architectures can never share a tree.
  const groups = groupByArchitecture(models, options);
  if (groups.length > 1) effects.log(`${groups.length} architecture groups: ${groups.map((g) => g.length).join(", ")} models`);

  // 3. One pass over the selected layers of every group; the same workers then rank ℓ_LoRA pairs.
  //    A large set is clustered first, on a sample of each distance layer (step 4 early), so
  //    the pass compares pairs only inside trees: k²/2 pairs per tree instead of n²/2 overall.
  const plans = groups.map((group) => planLayers(group, options));
  plans.forEach((jobs, g) => checkComparable(jobs, groups[g]!));
  const early = models.length >= CLUSTER_FIRST_MODELS ? plans.map(clusteringSample) : undefined;
  const allJobs = [...plans, ...(early ?? [])].flat();
  const pool = new LayerPool(options.workers ?? defaultWorkerCount(allJobs.reduce((sum, job) => sum + jobBytes(job), 0)));
  const reader = new LayerReader(pool, allJobs, options.cacheFolder, effects);
  const graphModels: GraphModel[] = [];
  const edges: GraphEdge[] = [];
  const distances: DistanceChoice[] = [];
  let clusters: Cluster[] | undefined;
  const passes: LayerResult[][] = [];
  try {
    if (early) {
      const samples = await Promise.all(early.map((jobs) => Promise.all(jobs.map((job) => reader.read(job)))));
      const sampled = clusterGroups(groups, early, samples, options.trees);
      plans.forEach((jobs, g) => {
        const pairGroups = sampled.filter((c) => c.group === g).map((c) => c.members);
        plans[g] = jobs.map((job) => ({ ...job, pairGroups }));
      });
      effects.log(
        `${models.length} models clustered on a sample of each distance layer first: pairs are compared only inside each of the ${sampled.length} trees`,
      );
      clusters = sampled;
    }
    passes.push(...(await readLayers(plans, options, pool, reader, effects)));

    // 4. Cluster each group into trees (the tree count is shared across groups).
    clusters ??= clusterGroups(groups, plans, passes, options.trees);
    effects.log(`${clusters.length} trees`);

    // 5. One minimum directed spanning tree per cluster.
    for (const cluster of clusters) {
      const tree = await recoverCluster(groups[cluster.group]!, plans[cluster.group]!, passes[cluster.group]!, cluster.members, options, pool, effects);
      distances.push(tree.choice);
      graphModels.push(...tree.models);
      edges.push(...tree.edges);
    }
  } finally {
    pool.close();
  }

  // 6. The Model Graph is the union of the trees.
  const trees = clusters.map((c) => c.members.map((m) => groups[c.group]![m]!.id));
  const layerStats = groups.flatMap((group, g) =>
    plans[g]!.flatMap((job, l) =>
      group.map((model, m) => ({ model: model.id, layer: job.name, kind: job.kind, shape: job.shape, stats: passes[g]![l]!.stats[m]! })),
    ),
  );
  return { graph: { models: graphModels, edges, trees }, distances, layerStats };
}

type GraphModel = ModelGraph["models"][number];
type GraphEdge = ModelGraph["edges"][number];

/**
 * Step 5 for one cluster (`members`: indices into `group`): D, then the directional scores,
 * then the minimum arborescence of M — built on one model per set of storage twins, which
 * hang under it afterwards, with pruned → dense edges forbidden.
 */
async function recoverCluster(
  group: readonly ModelSource[],
  jobs: readonly LayerJob[],
  pass: readonly LayerResult[],
  members: readonly number[],
  options: RecoverOptions,
  pool: LayerPool,
  effects: RecoverEffects,
): Promise<{ choice: DistanceChoice; models: GraphModel[]; edges: GraphEdge[] }> {
  const distance = await treeDistance(members, jobs, pass, options, pool.ranks);
  const { choice } = distance;
  const zeroShares = members.map((m) => zeroShare(jobs, pass, m));
  const { matrix } = distance;
  const stages = members.map((m) => options.stages[group[m]!.id] ?? options.stage);
  const k = members.length;
  const { copyOf, certain } = storageTwins(members, jobs, pass);
  const kept = members.map((_, i) => i).filter((i) => copyOf[i]! < 0);
  const forbidden = sparseToDense(kept.map((i) => zeroShares[i]!));
  const { score, statistic, tree, first } = orientCluster(
    { distance: subMatrix(matrix, k, kept), kept, stages: kept.map((i) => stages[i]!), forbidden },
    stages.includes("generalization"),
    members,
    jobs,
    pass,
    choice,
    options,
  );
  if (kept.length < k)
    effects.log(
      `${k - kept.length} model(s) are storage copies of another (a lower-precision re-save, a quantised copy or a duplicate): each is attached under it`,
    );
  const root = group[members[kept[tree.parent.indexOf(-1)]!]!]!.id;
  if (score !== first)
    effects.log(`tree rooted at ${root}: variance growth orders it with more than one disagreement fewer than kurtosis, so its direction comes from variance`);
  if (stages.includes("auto") && tree.orientationTied && kept.length > 1) {
    effects.log(
      `tree rooted at ${root}: both directions fit equally well (a chain or a pair), so --stage auto assumed fine-tuning (specialization); give --stage or --stages if these models were made otherwise`,
    );
  } else if (stages.includes("auto") && tree.stages.includes("generalization")) {
    effects.log(`tree rooted at ${root}: ${score} rises from parent to child here, so --stage auto oriented it as generalization`);
  }
  const keptAt = new Map(kept.map((i, position) => [i, position]));
  const models: GraphModel[] = [];
  const edges: GraphEdge[] = [];
  members.forEach((m, i) => {
    const model = group[m]!;
    const position = keptAt.get(i) ?? keptAt.get(copyOf[i]!)!;
    models.push({ id: model.id, path: model.path, stage: tree.stages[position]!, score: statistic[i]! });
    // A twin's parent is its representative: storage explains their whole difference. The
    // edge is certain when storage tells the order, a coin flip for same-precision duplicates.
    const p = copyOf[i]! >= 0 ? copyOf[i]! : (kept[tree.parent[position]!] ?? -1);
    if (p >= 0) {
      const confidence = copyOf[i]! >= 0 ? certain[i]! : tree.confidence[position]!;
      edges.push({ parent: group[members[p]!]!.id, child: model.id, distance: matrix[p * k + i]!, confidence });
    }
  });
  return { choice, models, edges };
}

/** From this many models, the set is clustered on a sample first (see recoverModels, step 3). */
export const CLUSTER_FIRST_MODELS = 12;

/**
 * Values per distance layer in the clustering sample (whole rows from the start of the
 * layer; smaller layers whole). Clustering compares the mean |Δw| of related models (≤ 0.6
 * of the layer's RMS on our trees) with unrelated ones (≥ 1.0): 65 536 values pin a mean to
 * well under 1 %.
 */
const CLUSTER_SAMPLE_VALUES = 65536;

/** The clustering sample of one group's plan: the distance layers' first values, distances only. */
function clusteringSample(jobs: readonly LayerJob[]): LayerJob[] {
  return jobs
    .filter((job) => job.roles.distance)
    .map((job) => ({ ...job, roles: { distance: true, score: false, sketch: false }, sampleValues: CLUSTER_SAMPLE_VALUES, histogramBins: 0 }));
}

/**
 * Step 3 for every group: each selected layer read once (or taken from the layer cache).
 * With --distance auto the first sketched layer is read first (as a row sample), ahead of
 * every layer that needs no sketch, and decides while those are read whether the LoRA layers
 * need their sketches (see probe-low-rank.ts); `plans` is updated to what was read.
 */
async function readLayers(
  plans: LayerJob[][],
  options: RecoverOptions,
  pool: LayerPool,
  reader: LayerReader,
  effects: RecoverEffects,
): Promise<LayerResult[][]> {
  const passes: LayerResult[][] = [];
  for (const [g, jobs] of plans.entries()) {
    const probe = options.distance === "auto" ? probeJobIndex(jobs) : -1;
    if (probe < 0) passes.push(await Promise.all(jobs.map((job) => reader.read(job))));
    else {
      const { plan, results } = await readProbingFirst(jobs, probe, reader, options, pool, effects);
      plans[g] = plan;
      passes.push(results);
    }
  }
  reader.reportCache();
  return passes;
}

/**
 * One group under --distance auto: the probe layer (a row sample) and the layers that need no
 * sketch are read at once; the probe's verdict decides whether the rest are read with
 * sketches (and the probe layer again, with the full sketch) or without. Returns the plan as
 * read and its results in plan order.
 */
async function readProbingFirst(
  jobs: readonly LayerJob[],
  probe: number,
  reader: LayerReader,
  options: RecoverOptions,
  pool: LayerPool,
  effects: RecoverEffects,
): Promise<{ plan: LayerJob[]; results: LayerResult[] }> {
  const probeJob = probeLayerJob(jobs[probe]!);
  const probed = reader.read(probeJob, true);
  const unsketched = jobs.filter((job) => !job.roles.sketch);
  const first = Promise.all(unsketched.map((job) => reader.read(job)));
  first.catch(() => {}); // awaited below; a failure must not count as unhandled meanwhile
  let probeResult: LayerResult | undefined = await probed;
  let plan = [...jobs];
  if (!(await probeFindsLowRank(probeJob, probeResult, options.rankEpsilon, pool.ranks))) {
    plan = withoutSketches(jobs);
    reader.adjustTotal(plan.reduce((sum, job) => sum + jobBytes(job), 0) - jobs.reduce((sum, job) => sum + jobBytes(job), 0));
    probeResult = { ...probeResult, sketches: [] };
    effects.log("no model is a low-rank update of its neighbours: distance ft, LoRA layers not sketched");
  } else if (probeJob.probeWidth) {
    // Row-sample sketches only tell low from high rank; ℓ_LoRA needs the layer's full sketch.
    probeResult = undefined;
    reader.adjustTotal(jobBytes(probeJob));
  }
  const rest = plan.filter((job) => (job.name !== probeJob.name || !probeResult) && !unsketched.some((u) => u.name === job.name));
  const [firstResults, restResults] = await Promise.all([first, Promise.all(rest.map((job) => reader.read(job)))]);
  const results = new Map<string, LayerResult>(probeResult ? [[probeJob.name, probeResult]] : []);
  unsketched.forEach((job, i) => results.set(job.name, firstResults[i]!));
  rest.forEach((job, i) => results.set(job.name, restResults[i]!));
  return { plan, results: plan.map((job) => results.get(job.name)!) };
}

/**
 * The minimum arborescence of one cluster's kept models (`tree.distance` is their k × k D),
 * oriented by the auto score (scoreFor) — or by variance growth for an ℓ_FT tree whose
 * variance arborescence is cheaper by more than λ, the cost of one edge against the trend
 * (README "Defaults": the HF-init PyTorch tree and SGD fine-tunes). `statistic` is the plain
 * statistic of every member (reported in the graph); `first` the score tried first.
 * `hasGeneralization`: some member (kept or not) is labelled generalization.
 */
function orientCluster(
  tree: {
    readonly distance: Float64Array;
    readonly kept: readonly number[];
    readonly stages: readonly (Stage | "auto")[];
    readonly forbidden: Uint8Array | undefined;
  },
  hasGeneralization: boolean,
  members: readonly number[],
  jobs: readonly LayerJob[],
  pass: readonly LayerResult[],
  choice: DistanceChoice,
  options: RecoverOptions,
): { score: ScoreName; statistic: Float64Array; tree: TreeResult; first: ScoreName } {
  const orientedBy = (score: ScoreName, loraLayers: boolean) => {
    const statistic = Float64Array.from(members, (m) => directionalScore(scoreLayers(jobs, pass, m, loraLayers), score));
    const scores = Float64Array.from(tree.kept, (i) => -SPECIALIZATION_TREND[score] * statistic[i]!);
    return { score, statistic, tree: recoverTree({ distance: tree.distance, scores, stages: tree.stages, lambda: options.lambda, forbidden: tree.forbidden }) };
  };
  const first = scoreFor(choice, hasGeneralization, options);
  const oriented = orientedBy(first, options.score === "auto" && first === "variance");
  if (options.score !== "auto" || first !== "kurtosis" || choice !== "ft" || hasGeneralization) return { ...oriented, first };
  const variance = orientedBy("variance", false);
  return { ...(cheaperByMoreThan(oriented.tree, variance.tree, oriented.tree.penalty) ? variance : oriented), first };
}

/**
 * The statistic a tree's direction comes from. With "auto", ℓ_LoRA trees use variance: a merged
 * LoRA child is its parent plus a low-rank update that no weight decay touches, so the adapted
 * layers' spread grows from parent to child (VTHR LoRA-F 1.00 and LoRA-V 0.98, against 0.90
 * and 0.71 with kurtosis); ℓ_FT trees use kurtosis, the paper's score — unless variance growth
 * orders the tree with more than one λ of disagreement less (recoverCluster). A tree holding a
 * generalization model uses kurtosis only: variance also grows in (continued) pre-training, so
 * flipping its trend for generalization would point every edge backwards (README "Defaults").
 */
function scoreFor(choice: DistanceChoice, hasGeneralization: boolean, options: RecoverOptions): ScoreName {
  if (options.score !== "auto") return options.score;
  return choice === "lora" && !hasGeneralization ? "variance" : "kurtosis";
}

/** Statistics of one model's score layers: the LoRA layers for auto-scored ℓ_LoRA trees. */
function scoreLayers(jobs: readonly LayerJob[], pass: readonly LayerResult[], model: number, loraLayers: boolean): LayerStats[] {
  const out: LayerStats[] = [];
  jobs.forEach((job, l) => {
    if (loraLayers ? job.roles.sketch : job.roles.score) out.push(pass[l]!.stats[model]!);
  });
  return out;
}

/** One line naming a model whose checkpoint has nothing recovery can compare, and why. */
function checkComparable(jobs: readonly LayerJob[], group: readonly ModelSource[]): void {
  if (jobs.some((job) => job.roles.distance) && jobs.some((job) => job.roles.score)) return;
  const model = group[0]!;
  if (model.tensors.some((t) => /\.lora_(A|B)(\.|$)/.test(t.name))) {
    throw new MotherError(model.path, "holds LoRA adapter factors (lora_A/lora_B), not a model's weights", {
      help: "merge each adapter into its base model first (peft: merge_and_unload) and recover the merged models",
    });
  }
  throw new MotherError(model.path, "has no weight matrices recovery can compare", {
    value: `${model.tensors.length} tensors`,
    help: "mother compares the attention and MLP matrices of transformer checkpoints (Hugging Face names, or any square 2-D weights)",
  });
}

/** A model is dense when under this share of its weights is exactly 0 (pruned: PRUNED_ZEROS or more). */
const DENSE_ZEROS = 0.05;

/**
 * Edges from a pruned model to a dense one (k × k): pruning is not undone by fine-tuning a
 * pruned model, while pruning raises kurtosis (+0.10 on every matrix in
 * experiments/derived-copies.ts) and so made pruned copies look like their source's parent.
 * Undefined when no pair is pruned → dense.
 */
function sparseToDense(zeroShares: readonly number[]): Uint8Array | undefined {
  const k = zeroShares.length;
  let any = false;
  const forbidden = new Uint8Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      if (zeroShares[i]! >= PRUNED_ZEROS && zeroShares[j]! < DENSE_ZEROS) {
        forbidden[i * k + j] = 1;
        any = true;
      }
    }
  }
  return any ? forbidden : undefined;
}

/** The rows and columns `keep` of a k × k matrix. */
function subMatrix(matrix: Float64Array, k: number, keep: readonly number[]): Float64Array {
  return Float64Array.from({ length: keep.length * keep.length }, (_, at) => matrix[keep[Math.floor(at / keep.length)]! * k + keep[at % keep.length]!]!);
}

function checkStageOverrides(models: readonly ModelSource[], options: RecoverOptions) {
  const ids = new Set(models.map((m) => m.id));
  for (const id of Object.keys(options.stages)) {
    if (!ids.has(id))
      throw new MotherError("--stages", "names a model that is not among the inputs", { value: id, help: `known ids: ${[...ids].slice(0, 8).join(", ")}` });
  }
}
