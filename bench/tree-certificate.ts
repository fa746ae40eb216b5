/**
 * Measures, before anything is built on it, how many trees of a generated set could be decided
 * from their fingerprints alone (issue #15, src/harness/certificate/tree-certificate.ts), and whether those
 * decisions equal the exact recovery's:
 *
 *   set ─► fingerprints ─► related components ─► per tree: the exact recovery (recoverTreeJob, defaults)
 *                                               + the exact per-pair ℓ_FT parts (every distance layer read whole)
 *                                               + the sampled parts (sampled-distance.ts) and the certificate over their box
 *
 * Three certificates are tried per tree: (a) the mean part alone (`--ft-distance mean`), whose
 * box from the samples is a sound z·SE interval; (b) the default geometric ℓ_FT with the max
 * part taken from the whole layers (an oracle: the most any sampled certificate could decide);
 * (c) the geometric ℓ_FT with the max part bounded only by the samples (below), which can never
 * certify (no upper bound). It also prints how far the sampled max falls below the true one.
 *
 *   bun run bench/tree-certificate.ts --set /work/scale-data/set-1000 [--trees 50] [--z 5]
 */
import { parseArgs } from "node:util";
import { discoverModels } from "../src/io/discover-models.ts";
import { readTensor } from "../src/io/read-safetensors.ts";
import { fingerprintLayers, fingerprintModel, type Fingerprint } from "../src/index/fingerprint.ts";
import { comparableOf, relatedComponentsOf } from "../src/index/related-components.ts";
import { recoverTreeJob } from "../src/index/recover-tree-job.ts";
import { sampledDistances } from "../src/harness/certificate/sampled-distance.ts";
import { certifyTree, type DistanceBox } from "../src/harness/certificate/tree-certificate.ts";
import { orientTree, type DirectionMember } from "../src/direction/orient-tree.ts";
import type { ScoredLayers } from "../src/direction/statistic-rule.ts";
import { DEFAULT_RECOVER_OPTIONS } from "../src/recover/options.ts";
import { rootMeanSquareOf } from "../src/stats/layer-stats.ts";
import { absoluteDifference } from "../src/distance/elementwise-distance.ts";
import { planLayers } from "../src/recover/plan-layers.ts";
import { screensClear, screenTree } from "../src/harness/certificate/tree-screens.ts";
import { LOW_RANK_FRACTION } from "../src/recover/options.ts";
import { makeSketcher, sketchDifferenceRank, type LayerSketch } from "../src/recover/low-rank-sketch.ts";
import type { Dtype, ModelGraph, ModelSource } from "../src/types.ts";

/** Columns the small sketch keeps beyond the low-rank bound: a sparse sketch exactly as wide loses a direction now and then. */
const SKETCH_SPARE = 8;

const { values } = parseArgs({ options: { set: { type: "string" }, trees: { type: "string" }, z: { type: "string", default: "5" } } });
const z = Number(values.z);
const models = await discoverModels([values.set ?? "/work/scale-data/set-1000"]);
const byPath = new Map(models.map((m) => [m.path, m]));
const fingerprints: Fingerprint[] = [];
for (const model of models) fingerprints.push(await fingerprintModel(model));
const { components } = relatedComponentsOf(fingerprints.map(comparableOf));
const trees = components.slice(0, values.trees ? Number(values.trees) : components.length);
const options = DEFAULT_RECOVER_OPTIONS;

const counts = {
  trees: 0,
  exactTyped: 0,
  sanity: 0,
  meanDecided: 0,
  meanEqualMeanExact: 0,
  meanEqualDefault: 0,
  oracleDecided: 0,
  oracleEqual: 0,
  hybridDecided: 0,
  hybridEqual: 0,
  hybridPairsRead: 0,
  pairs: 0,
  rankPairs: 0,
  rankLowByRecovery: 0,
  rankCertifiedBySmallSketch: 0,
  rankCertifiedButLow: 0,
  treesAllPairsCertified: 0,
  smallSketchValues: 0,
  twinPairsNotCleared: 0,
  exactQuantizedEdges: 0,
  modelsWithSampledZeros: 0,
  childrenNotClearedOfMerge: 0,
  childrenSharingSampledValues: 0,
  exactMergeChildren: 0,
  exactAdapterEdges: 0,
  treesClearedByAllScreens: 0,
  treesClearedAndDecided: 0,
  typedEdgesNoScreenSaw: 0,
  lowestMergeRatio: Number.POSITIVE_INFINITY,
};
const hybridWhy = new Map<string, number>();
const why = new Map<string, number>();
const ratios: number[] = [];
const meanZ: number[] = [];
for (const members of trees) {
  if (members.length < 2) continue;
  counts.trees++;
  const tree = members.map((m) => fingerprints[m]!);
  const sources = tree.map((f) => byPath.get(f.path) ?? [...byPath.values()].find((m) => f.id === m.id)!);
  const exact = (
    await recoverTreeJob(
      { paths: tree.map((f) => f.path), files: tree.flatMap((f) => f.files.map(([file, size]) => [file, size] as const)), models: sources },
      options,
    )
  ).graph;
  if (exact.edges.some((e) => e.type !== "finetune")) counts.exactTyped++;
  const whole = await exactParts(sources, tree);
  const sampled = sampledDistances(tree);
  const k = tree.length;
  for (let i = 0; i < k; i++)
    for (let j = i + 1; j < k; j++) {
      ratios.push(whole.max[i * k + j]! / sampled.maxLow[i * k + j]!);
      meanZ.push((sampled.mean[i * k + j]! - whole.mean[i * k + j]!) / sampled.meanError[i * k + j]!);
    }
  const group: ScoredLayers = {
    plan: tree[0]!.layers.map((layer) => ({ name: layer.name, kind: layer.kind, roles: { distance: layer.distance, score: layer.score, sketch: false } })),
    pass: tree[0]!.layers.map((_, l) => ({ stats: tree.map((f) => f.stats[l]!) })),
  };
  const members_: DirectionMember[] = tree.map((f, position) => ({ index: position, position, stage: "auto", model: { id: f.id } }));
  const orient = (distance: Float64Array) =>
    orientTree({ group, members: members_, kept: members_, distance, choice: "ft", options, forbidden: undefined, rankMask: undefined });
  const geometric = whole.mean.map((m, at) => Math.sqrt(m * whole.max[at]!));
  if (sameEdges(edgesOf(orient(geometric), tree), exact)) counts.sanity++;
  // (a) the mean part, boxed by z standard errors.
  const meanBox: DistanceBox = {
    low: sampled.mean.map((m, at) => Math.max(0, m - z * sampled.meanError[at]!)),
    high: sampled.mean.map((m, at) => m + z * sampled.meanError[at]!),
  };
  const a = certifyTree({ group, members: members_, hat: sampled.mean, box: meanBox, options });
  if (a.decided) {
    counts.meanDecided++;
    if (sameEdgeLists(edgesOf(a.oriented, tree), edgesOf(orient(whole.mean), tree))) counts.meanEqualMeanExact++;
    if (sameEdges(edgesOf(a.oriented, tree), exact)) counts.meanEqualDefault++;
  } else why.set(a.why, (why.get(a.why) ?? 0) + 1);
  // (b) geometric with the true max part (oracle).
  const oracleBox: DistanceBox = {
    low: meanBox.low.map((m, at) => Math.sqrt(m * whole.max[at]!)),
    high: meanBox.high.map((m, at) => Math.sqrt(m * whole.max[at]!)),
  };
  const b = certifyTree({ group, members: members_, hat: sampled.mean.map((m, at) => Math.sqrt(m * whole.max[at]!)), box: oracleBox, options });
  if (b.decided) {
    counts.oracleDecided++;
    if (sameEdges(edgesOf(b.oriented, tree), exact)) counts.oracleEqual++;
  }
  // (c) geometric, the max part bounded below by the samples and read whole only on the edges the decision needs.
  const sampledLow = meanBox.low.map((m, at) => Math.sqrt(m * sampled.maxLow[at]!));
  const hybridBox: DistanceBox = { low: sampledLow, high: new Float64Array(k * k).fill(Infinity) };
  let c = certifyTree({ group, members: members_, hat: sampled.mean, box: hybridBox, options });
  if (!c.decided && c.needs) {
    counts.hybridPairsRead += c.needs.length;
    for (const pair of c.needs) {
      const [i, j] = [Math.floor(pair / k), pair % k];
      for (const at of [i * k + j, j * k + i]) hybridBox.low[at] = hybridBox.high[at] = geometric[at]!;
    }
    c = certifyTree({ group, members: members_, hat: sampled.mean, box: hybridBox, options });
  }
  counts.pairs += (k * (k - 1)) / 2;
  // (d) the adapter screen a fingerprint could hold: a two-sided sketch of the first LoRA layer, only as wide as the
  // low-rank bound (LOW_RANK_FRACTION of what recovery's sketch measures) plus SKETCH_SPARE. A linear map cannot raise a rank:
  // rank(sketch(Δ)) ≥ the bound means rank(Δ) ≥ the bound, not an adapter pair.
  const ranks = await rankScreen(sources);
  counts.smallSketchValues = ranks.values;
  let allCertified = true;
  const rankKept = new Set<string>();
  for (let i = 0; i < k; i++)
    for (let j = i + 1; j < k; j++) {
      const [full, small] = [ranks.full(i, j), ranks.small(i, j)];
      counts.rankPairs++;
      const low = full > 0 && full < ranks.highRank;
      if (low) counts.rankLowByRecovery++;
      if (small >= ranks.highRank) {
        counts.rankCertifiedBySmallSketch++;
        if (low) counts.rankCertifiedButLow++;
      } else {
        allCertified = false;
        rankKept.add(`${i},${j}`);
      }
    }
  if (allCertified) counts.treesAllPairsCertified++;
  // (e–h) the other typing screens, from the samples: storage twins, pruned copies, linear merges, TIES/DARE traces.
  const screens = screenTree(tree, distanceDtypes(tree, sources));
  counts.twinPairsNotCleared += screens.twinPairs.length;
  counts.modelsWithSampledZeros += screens.zeroModels.length;
  counts.childrenNotClearedOfMerge += screens.mergeChildren.length;
  counts.childrenSharingSampledValues += screens.sharingModels.length;
  counts.lowestMergeRatio = Math.min(counts.lowestMergeRatio, screens.lowestMergeRatio);
  counts.exactQuantizedEdges += exact.edges.filter((e) => e.type === "quantized").length;
  counts.exactAdapterEdges += exact.edges.filter((e) => e.type === "adapter").length;
  counts.exactMergeChildren += new Set(exact.edges.filter((e) => e.type === "merge").map((e) => e.child)).size;
  const cleared = allCertified && screensClear(screens);
  // Every edge the exact recovery types other than finetune must be seen by some screen (its pair or its child kept).
  const at = new Map(tree.map((f, m) => [f.id, m]));
  const kept = new Set([...screens.zeroModels, ...screens.sharingModels, ...screens.mergeChildren, ...screens.twinPairs.flat()]);
  for (const edge of exact.edges) {
    if (edge.type === "finetune") continue;
    const [p, ch] = [at.get(edge.parent)!, at.get(edge.child)!];
    if (!kept.has(ch) && !rankKept.has(`${Math.min(p, ch)},${Math.max(p, ch)}`)) counts.typedEdgesNoScreenSaw++;
  }
  if (cleared) counts.treesClearedByAllScreens++;
  if (cleared && c.decided) counts.treesClearedAndDecided++;
  if (c.decided) {
    counts.hybridDecided++;
    if (sameEdges(edgesOf(c.oriented, tree), exact)) counts.hybridEqual++;
  } else hybridWhy.set(c.why, (hybridWhy.get(c.why) ?? 0) + 1);
}
ratios.sort((x, y) => x - y);
meanZ.sort((x, y) => x - y);
const q = (v: number[], p: number) => v[Math.min(v.length - 1, Math.floor(p * v.length))]!.toFixed(3);
console.log(JSON.stringify({ z, ...counts, undecidedBecause: Object.fromEntries(why), hybridUndecidedBecause: Object.fromEntries(hybridWhy) }));
console.log(`true max / sampled max over pairs: min ${q(ratios, 0)}, median ${q(ratios, 0.5)}, 99% ${q(ratios, 0.99)}, max ${q(ratios, 1)}`);
console.log(`(sampled mean − true mean) / SE: min ${q(meanZ, 0)}, 1% ${q(meanZ, 0.01)}, median ${q(meanZ, 0.5)}, 99% ${q(meanZ, 0.99)}, max ${q(meanZ, 1)}`);

/** Each model's stored dtype of each distance layer (the twin screen's tolerance; a fingerprint would have to keep it). */
function distanceDtypes(tree: readonly Fingerprint[], sources: readonly ModelSource[]): Dtype[][] {
  const names = tree[0]!.layers.filter((layer) => layer.distance).map((layer) => layer.name);
  return sources.map((source) => {
    const byName = new Map(source.tensors.map((t) => [t.name, t.dtype]));
    return names.map((name) => byName.get(name)!);
  });
}

/** Ranks of every pair's difference in the first LoRA layer: recovery's sketch (its probe) and one as wide as the low-rank bound. */
async function rankScreen(sources: readonly ModelSource[]) {
  const job = planLayers([sources[0]!], options).find((j) => j.roles.sketch)!;
  const [rows, cols] = [job.shape[0]!, job.shape[1]!];
  const measurable = Math.min(rows, cols, job.sketchSize);
  const highRank = LOW_RANK_FRACTION * measurable;
  const width = Math.ceil(highRank) + SKETCH_SPARE;
  const [fullSketcher, smallSketcher] = [makeSketcher(rows, cols, job.sketchSize), makeSketcher(rows, cols, width, 0x5ca1e)];
  const full: LayerSketch[] = [];
  const small: LayerSketch[] = [];
  for (const source of sources) {
    const tensor = source.tensors.find((t) => t.name === job.name)!;
    const weights = await readTensor(tensor, undefined, { checkFinite: false });
    full.push(fullSketcher.sketch(weights, tensor.dtype));
    small.push(smallSketcher.sketch(weights, tensor.dtype));
  }
  return {
    highRank,
    width,
    values: small[0]!.data.length,
    full: (i: number, j: number) => sketchDifferenceRank(full[i]!, full[j]!),
    small: (i: number, j: number) => sketchDifferenceRank(small[i]!, small[j]!),
  };
}

/** The exact ℓ_FT parts per pair: Σ mean |Δ| / RMS and max of max |Δ| / range over the distance layers. */
async function exactParts(sources: readonly ModelSource[], tree: readonly Fingerprint[]): Promise<{ mean: Float64Array; max: Float64Array }> {
  const k = sources.length;
  const mean = new Float64Array(k * k);
  const max = new Float64Array(k * k);
  const planned = sources.map((s) => fingerprintLayers(s));
  for (const [l, { layer }] of planned[0]!.entries()) {
    if (!layer.distance) continue;
    const rms = tree.reduce((sum, f) => sum + rootMeanSquareOf(f.stats[l]!), 0) / k;
    const range = Math.max(...tree.map((f) => f.stats[l]!.max)) - Math.min(...tree.map((f) => f.stats[l]!.min));
    const weights = await Promise.all(planned.map(async (p) => readTensor(p[l]!.tensor, undefined, { checkFinite: false })));
    for (let i = 0; i < k; i++)
      for (let j = i + 1; j < k; j++) {
        const difference = absoluteDifference(weights[i]!, weights[j]!);
        mean[i * k + j] = mean[j * k + i] = mean[i * k + j]! + difference.mean / rms;
        max[i * k + j] = max[j * k + i] = Math.max(max[i * k + j]!, difference.max / range);
      }
  }
  return { mean, max };
}

function edgesOf(oriented: ReturnType<typeof orientTree>, tree: readonly Fingerprint[]): string[] {
  return [...oriented.tree.parent].flatMap((p, c) => (p < 0 ? [] : [`${tree[p]!.id}>${tree[c]!.id}`])).sort();
}

function sameEdgeLists(a: string[], b: string[]): boolean {
  return a.join() === b.join();
}

function sameEdges(a: string[], graph: ModelGraph): boolean {
  return sameEdgeLists(a, graph.edges.map((e) => `${e.parent}>${e.child}`).sort());
}
