/**
 * Step 3 of recovery: the layer pass over every architecture group — each selected layer read
 * once (or taken from the layer cache) by the worker pool, leaving per layer the statistics,
 * the pairwise |Δ| and the low-rank sketches (layer-pass.ts). With --distance auto the first
 * sketched layer is read first (as a row sample), ahead of every layer that needs no sketch,
 * and decides while those are read whether the LoRA layers need their sketches
 * (probe-low-rank.ts). A large set is first read as a clustering sample (clusteringSample).
 */
import type { ModelSource } from "../types.ts";
import { bug } from "../errors.ts";
import type { RecoverOptions } from "./options.ts";
import { jobBytes, type LayerJob, type LayerResult } from "./layer-pass.ts";
import type { LayerPool } from "./layer-pool.ts";
import type { LayerReader, ReaderEffects } from "./layer-reader.ts";
import { probeJobs, probeLayerJob, probeVerdict, type ProbeVerdict, withoutSketches } from "./probe-low-rank.ts";

/** One architecture group as planned (step 2): its models and the layers to read from them. */
export interface PlannedGroup {
  readonly models: readonly ModelSource[];
  readonly plan: readonly LayerJob[];
}

/** One architecture group after the pass: `pass[l]` is what was read for `plan[l]` (the plan as read). */
export interface GroupPass {
  readonly models: readonly ModelSource[];
  readonly plan: readonly LayerJob[];
  readonly pass: readonly LayerResult[];
}

/** What the pass reads with and reports to. */
export interface PassContext {
  readonly options: RecoverOptions;
  readonly pool: LayerPool;
  readonly reader: LayerReader;
  readonly effects: ReaderEffects;
}

/** Every group's pass, one group after the other, then one line on what the layer cache saved. */
export async function readGroups(groups: readonly PlannedGroup[], context: PassContext): Promise<GroupPass[]> {
  const passes: GroupPass[] = [];
  for (const group of groups) passes.push(await readGroup(group, context));
  context.reader.reportCache();
  return passes;
}

/** One group's pass; under --distance auto its probe layer goes first (readProbingFirst). */
async function readGroup({ models, plan }: PlannedGroup, context: PassContext): Promise<GroupPass> {
  const probes = context.options.distance === "auto" ? probeJobs(plan) : [];
  if (probes.length === 0) return { models, plan, pass: await Promise.all(plan.map((job) => context.reader.read(job))) };
  return { models, ...(await readProbingFirst(plan, probes, context)) };
}

/**
 * One group under --distance auto: the probe layers (row samples, one after the other until one
 * decides) and the layers that need no sketch are read at once; the verdict decides whether
 * the rest are read with sketches (and the probe layers again, with the full sketch) or
 * without. Returns the plan as read and its results in plan order.
 */
async function readProbingFirst(
  jobs: readonly LayerJob[],
  probes: readonly LayerJob[],
  { options, pool, reader, effects }: PassContext,
): Promise<{ plan: LayerJob[]; pass: LayerResult[] }> {
  const unsketched = jobs.filter((job) => !job.roles.sketch);
  const first = readNamed(unsketched, reader);
  first.catch(() => {}); // awaited below; a failure must not count as unhandled meanwhile
  const probed: { job: LayerJob; result: LayerResult }[] = [];
  let verdict: ProbeVerdict = "undecided";
  for (const probe of probes) {
    const job = probeLayerJob(probe);
    const result = await reader.read(job, true);
    probed.push({ job, result });
    verdict = await probeVerdict(job, result, options.rankEpsilon, pool.ranks);
    if (verdict !== "undecided") break;
  }
  let plan = [...jobs];
  const kept = new Map<string, LayerResult>();
  if (verdict !== "low") {
    plan = withoutSketches(jobs);
    reader.adjustTotal(plan.reduce((sum, job) => sum + jobBytes(job), 0) - jobs.reduce((sum, job) => sum + jobBytes(job), 0));
    for (const { job, result } of probed) kept.set(job.name, { ...result, sketches: [] });
    effects.log(
      verdict === "high"
        ? "no model is a low-rank update of its neighbours: distance ft, LoRA layers not sketched"
        : "no model differs measurably from its neighbours in any LoRA layer (identical or re-saved copies): distance ft, LoRA layers not sketched",
    );
  } else {
    for (const { job, result } of probed) {
      // Row-sample sketches only tell low from high rank; ℓ_LoRA needs the layer's full sketch.
      if (job.probeWidth) reader.adjustTotal(jobBytes(job));
      else kept.set(job.name, result);
    }
  }
  const rest = plan.filter((job) => !kept.has(job.name) && !unsketched.some((u) => u.name === job.name));
  const [firstResults, restResults] = await Promise.all([first, readNamed(rest, reader)]);
  const results = new Map<string, LayerResult>([...kept, ...firstResults, ...restResults]);
  return { plan, pass: plan.map((job) => results.get(job.name) ?? bug(`layer ${job.name} of the plan was read`)) };
}

/** Reads `jobs` at once; each result paired with its layer's name. */
function readNamed(jobs: readonly LayerJob[], reader: LayerReader): Promise<(readonly [string, LayerResult])[]> {
  return Promise.all(jobs.map(async (job) => [job.name, await reader.read(job)] as const));
}

/**
 * Values per distance layer in the clustering sample (whole rows from the start of the
 * layer; smaller layers whole). Clustering compares the mean |Δw| of related models (≤ 0.6
 * of the layer's RMS on our trees) with unrelated ones (≥ 1.0): 65 536 values pin a mean to
 * well under 1 %.
 */
const CLUSTER_SAMPLE_VALUES = 65536;

/** The clustering sample of one group's plan: the distance layers' first values, distances only. */
export function clusteringSample(jobs: readonly LayerJob[]): LayerJob[] {
  return jobs
    .filter((job) => job.roles.distance)
    .map((job) => ({ ...job, roles: { distance: true, score: false, sketch: false }, sampleValues: CLUSTER_SAMPLE_VALUES, histogramBins: 0 }));
}
