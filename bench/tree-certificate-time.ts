/**
 * What deciding a tree by certificate would cost against the exact recovery it replaces
 * (issue #15; docs/scale.md, "Deciding a tree from its fingerprints"), both in this process,
 * tree after tree, on the first `--trees` trees of a set (fingerprints computed first, untimed):
 *
 *   exact   recoverTreeJob (held files, recoverModels with defaults), as `mother recover` runs a tree
 *   sketch  held files → distance layers read → sampled ℓ_FT parts → certificate (asks for its edges)
 *           → exact ℓ_FT of those edges (TypeScript) → certificate again → typing screens on the samples
 *           → exact ℓ_FT to a second neighbour where a model has one only, so that the pairs the rank
 *             pre-check can choose are known → a small rank sketch of the first LoRA layer per model, those pairs ranked
 *
 *   bun run bench/tree-certificate-time.ts --set /work/scale-data/set-1000 [--trees 50]
 */
import { parseArgs } from "node:util";
import { discoverModels } from "../src/io/discover-models.ts";
import { heldBytes, holdFiles } from "../src/io/held-files.ts";
import type { TensorInfo } from "../src/types.ts";
import { readTensor } from "../src/io/read-safetensors.ts";
import { fingerprintLayers, fingerprintModel, type Fingerprint } from "../src/index/fingerprint.ts";
import { comparableOf, relatedComponentsOf } from "../src/index/related-components.ts";
import { recoverTreeJob, type TreeJob } from "../src/index/recover-tree-job.ts";
import { sampledDistances } from "../src/harness/certificate/sampled-distance.ts";
import { certifyTree } from "../src/harness/certificate/tree-certificate.ts";
import { screenTree } from "../src/harness/certificate/tree-screens.ts";
import type { DirectionMember } from "../src/direction/orient-tree.ts";
import { DEFAULT_RECOVER_OPTIONS, LOW_RANK_FRACTION } from "../src/recover/options.ts";
import { planLayers } from "../src/recover/plan-layers.ts";
import { makeSketcher, sketchDifferenceRank } from "../src/recover/low-rank-sketch.ts";
import { rootMeanSquareOf } from "../src/stats/layer-stats.ts";
import { absoluteDifference } from "../src/distance/elementwise-distance.ts";

const { values } = parseArgs({ options: { set: { type: "string" }, trees: { type: "string", default: "50" } } });
const options = DEFAULT_RECOVER_OPTIONS;
const models = await discoverModels([values.set ?? "/work/scale-data/set-1000"]);
const byId = new Map(models.map((m) => [m.id, m]));
const fingerprints: Fingerprint[] = [];
for (const model of models) fingerprints.push(await fingerprintModel(model));
const trees = relatedComponentsOf(fingerprints.map(comparableOf))
  .components.filter((members) => members.length > 1)
  .slice(0, Number(values.trees))
  .map((members) => members.map((m) => fingerprints[m]!));
const jobOf = (tree: readonly Fingerprint[]): TreeJob & { models: NonNullable<TreeJob["models"]> } => ({
  paths: tree.map((f) => f.path),
  files: tree.flatMap((f) => f.files.map(([file, size]) => [file, size] as const)),
  models: tree.map((f) => byId.get(f.id)!),
});

await recoverTreeJob(jobOf(trees[0]!), options); // warm: kernels, plans
let started = performance.now();
for (const tree of trees) await recoverTreeJob(jobOf(tree), options);
const exactMs = performance.now() - started;

const parts = { hold: 0, read: 0, certificate: 0, edges: 0, screens: 0, ranks: 0 };
let decided = 0;
let rankedPairs = 0;
let allPairs = 0;
const lap = (part: keyof typeof parts) => {
  const now = performance.now();
  parts[part] += now - started;
  started = now;
};
for (const tree of trees) {
  started = performance.now();
  const job = jobOf(tree);
  const release = holdFiles(job.files);
  lap("hold");
  const planned = job.models.map((model) => fingerprintLayers(model));
  const distanceLayers = planned[0]!.flatMap((p, l) => (p.layer.distance ? [l] : []));
  const weights = await Promise.all(planned.map((p) => Promise.all(distanceLayers.map((l) => readTensor(p[l]!.tensor, undefined, { checkFinite: false })))));
  lap("read");
  const k = tree.length;
  allPairs += (k * (k - 1)) / 2;
  const sampled = sampledDistances(tree);
  const low = sampled.mean.map((m, at) => Math.sqrt(Math.max(0, m - 5 * sampled.meanError[at]!) * sampled.maxLow[at]!));
  const high = new Float64Array(k * k).fill(Number.POSITIVE_INFINITY);
  const group = {
    plan: tree[0]!.layers.map((layer) => ({ name: layer.name, kind: layer.kind, roles: { distance: layer.distance, score: layer.score, sketch: false } })),
    pass: tree[0]!.layers.map((_, l) => ({ stats: tree.map((f) => f.stats[l]!) })),
  };
  const members: DirectionMember[] = tree.map((f, position) => ({ index: position, position, stage: "auto", model: { id: f.id } }));
  let certificate = certifyTree({ group, members, hat: sampled.mean, box: { low, high }, options });
  lap("certificate");
  const exactDistance = (i: number, j: number) => {
    let mean = 0;
    let max = 0;
    distanceLayers.forEach((l, d) => {
      const rms = tree.reduce((sum, f) => sum + rootMeanSquareOf(f.stats[l]!), 0) / k;
      const range = Math.max(...tree.map((f) => f.stats[l]!.max)) - Math.min(...tree.map((f) => f.stats[l]!.min));
      const difference = absoluteDifference(weights[i]![d]!, weights[j]![d]!);
      mean += difference.mean / rms;
      max = Math.max(max, difference.max / range);
    });
    return Math.sqrt(mean * max);
  };
  if (!certificate.decided && certificate.needs) {
    for (const pair of certificate.needs) {
      const [i, j] = [Math.floor(pair / k), pair % k];
      const exact = exactDistance(i, j);
      low[i * k + j] = low[j * k + i] = exact * (1 - 1e-6);
      high[i * k + j] = high[j * k + i] = exact * (1 + 1e-6);
    }
    lap("edges");
    certificate = certifyTree({ group, members, hat: sampled.mean, box: { low, high }, options });
    lap("certificate");
  }
  if (certificate.decided) decided++;
  // The pairs recovery's rank pre-check can choose: each model's two nearest by D. With exact D on two neighbours of
  // every model, a pair whose lower bound exceeds the model's second-smallest upper one cannot be among them.
  const exactPair = (i: number, j: number) => {
    const value = exactDistance(i, j);
    low[i * k + j] = low[j * k + i] = value * (1 - 1e-6);
    high[i * k + j] = high[j * k + i] = value * (1 + 1e-6);
  };
  for (let i = 0; i < k; i++) {
    const known = Array.from({ length: k }, (_, j) => j).filter((j) => j !== i && Number.isFinite(high[i * k + j]!));
    const unknown = Array.from({ length: k }, (_, j) => j)
      .filter((j) => j !== i && !Number.isFinite(high[i * k + j]!))
      .sort((a, b) => sampled.mean[i * k + a]! - sampled.mean[i * k + b]!);
    for (const j of unknown.slice(0, Math.max(0, 2 - known.length))) exactPair(i, j);
  }
  const rankPairs = new Set<number>();
  for (let i = 0; i < k; i++) {
    const row = Array.from({ length: k }, (_, j) => (j === i ? Number.POSITIVE_INFINITY : high[i * k + j]!)).sort((a, b) => a - b);
    for (let j = 0; j < k; j++) if (j !== i && low[i * k + j]! <= row[1]!) rankPairs.add(Math.min(i, j) * k + Math.max(i, j));
  }
  rankedPairs += rankPairs.size;
  lap("edges");
  screenTree(
    tree,
    job.models.map((model) => distanceLayers.map((l) => model.tensors.find((t) => t.name === tree[0]!.layers[l]!.name)!.dtype)),
  );
  lap("screens");
  const lora = planLayers([job.models[0]!], options).find((j) => j.roles.sketch)!;
  const highRank = LOW_RANK_FRACTION * Math.min(lora.shape[0]!, lora.shape[1]!, lora.sketchSize);
  const sketcher = makeSketcher(lora.shape[0]!, lora.shape[1]!, Math.ceil(highRank) + 8, 0x5ca1e);
  const sketches = await Promise.all(job.models.map(async (model) => sketcher.sketch(await weightsOf(model.tensors.find((t) => t.name === lora.name)!))));
  for (const pair of rankPairs) sketchDifferenceRank(sketches[Math.floor(pair / k)]!, sketches[pair % k]!);
  lap("ranks");
  release();
}
/** A tensor's f32 values: a view of the held file (a copy when unaligned) when it is f32, else read. */
async function weightsOf(tensor: TensorInfo): Promise<Float32Array | Float64Array> {
  const bytes = heldBytes(tensor.file);
  const at = (bytes?.byteOffset ?? 0) + tensor.offset;
  if (bytes && tensor.dtype === "F32") {
    if (at % 4 === 0) return new Float32Array(bytes.buffer, at, tensor.byteLength / 4);
    return new Float32Array(bytes.slice(tensor.offset, tensor.offset + tensor.byteLength).buffer); // one copy, aligned
  }
  return readTensor(tensor, undefined, { checkFinite: false });
}

const total = Object.values(parts).reduce((sum, ms) => sum + ms, 0);
const ms = (value: number) => `${value.toFixed(0)} ms`;
console.log(
  JSON.stringify({
    trees: trees.length,
    decided,
    rankedPairs,
    allPairs,
    exact: ms(exactMs),
    sketch: ms(total),
    parts: Object.fromEntries(Object.entries(parts).map(([part, value]) => [part, ms(value)])),
  }),
);
