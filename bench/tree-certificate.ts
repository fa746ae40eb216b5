/**
 * Measures, before anything is built on it, how many trees of a generated set could be decided
 * from their fingerprints alone (issue #15, src/index/tree-certificate.ts), and whether those
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
import { fingerprintLayers, fingerprintModel, SAMPLES_PER_LAYER, type Fingerprint } from "../src/index/fingerprint.ts";
import { comparableOf, relatedComponentsOf } from "../src/index/related-components.ts";
import { recoverTreeJob } from "../src/index/recover-tree-job.ts";
import { sampledDistances } from "../src/index/sampled-distance.ts";
import { certifyTree, type DistanceBox } from "../src/index/tree-certificate.ts";
import { orientTree, type DirectionMember } from "../src/direction/orient-tree.ts";
import type { ScoredLayers } from "../src/direction/statistic-rule.ts";
import { DEFAULT_RECOVER_OPTIONS } from "../src/recover/options.ts";
import { rootMeanSquareOf } from "../src/stats/layer-stats.ts";
import { planLayers } from "../src/recover/plan-layers.ts";
import { MAX_PARENTS } from "../src/recover/detect-merges.ts";
import { UNIT_ROUNDOFF } from "../src/distance/storage-noise.ts";
import { LOW_RANK_FRACTION } from "../src/recover/options.ts";
import { makeSketcher, sketchDifferenceRank, type LayerSketch } from "../src/recover/low-rank-sketch.ts";
import type { ModelGraph, ModelSource } from "../src/types.ts";

/** Columns the small sketch keeps beyond the low-rank bound: a sparse sketch exactly as wide loses a direction now and then. */
const SKETCH_SPARE = 8;

/**
 * A child whose fit on the samples leaves less than this share of r₁ is not cleared of being a
 * merge: MERGE_RESIDUAL · 1.5. The ratio from ~2,300 samples (18 layers × 128) has a relative
 * standard error of ~2 % (a residual of 2,300 squared terms: √(2/2300) ≈ 3 % on its square), so
 * the margin is some 20 standard errors.
 */
const MERGE_SCREEN_BAR = 0.375;

/**
 * TIES/DARE need ≥ MIN_UNCHANGED_SHARE (5 %) of every moved layer bit-identical to the base; a
 * child sharing at most this share of its samples in moved layers with a member is cleared of it
 * (for 2,300 samples: ≤ 23 where ≥ 115 are expected, ~9 standard deviations).
 */
const SHARED_SAMPLE_BAR = 0.01;

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
  for (let i = 0; i < k; i++)
    for (let j = i + 1; j < k; j++) {
      const [full, small] = [ranks.full(i, j), ranks.small(i, j)];
      counts.rankPairs++;
      const low = full > 0 && full < ranks.highRank;
      if (low) counts.rankLowByRecovery++;
      if (small >= ranks.highRank) {
        counts.rankCertifiedBySmallSketch++;
        if (low) counts.rankCertifiedButLow++;
      } else allCertified = false;
    }
  if (allCertified) counts.treesAllPairsCertified++;
  // (e–h) the other typing screens, from the samples: storage twins, pruned copies, linear merges, TIES/DARE traces.
  const screens = typingScreens(tree, sources);
  counts.twinPairsNotCleared += screens.twinPairs;
  counts.modelsWithSampledZeros += screens.zeroModels;
  counts.childrenNotClearedOfMerge += screens.mergeChildren;
  counts.childrenSharingSampledValues += screens.sharingChildren;
  counts.lowestMergeRatio = Math.min(counts.lowestMergeRatio, screens.lowestRatio);
  counts.exactQuantizedEdges += exact.edges.filter((e) => e.type === "quantized").length;
  counts.exactAdapterEdges += exact.edges.filter((e) => e.type === "adapter").length;
  counts.exactMergeChildren += new Set(exact.edges.filter((e) => e.type === "merge").map((e) => e.child)).size;
  const cleared = allCertified && screens.twinPairs + screens.zeroModels + screens.mergeChildren + screens.sharingChildren === 0;
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

/**
 * The typing screens on the samples alone. Twins: a pair is cleared when some sample differs by
 * more than storage explains (storage-twins.ts sameUpToRounding: same dtype, bit-identical; else
 * within ROUNDING_SLACK · u · the layer's largest |w|, u the coarser dtype's unit roundoff). Pruned: a model with an exact zero among its samples is
 * not cleared (a 20 % zero share leaves none in 128 samples with probability 0.8¹²⁸ ≈ 4·10⁻¹³).
 * Linear merges: recovery's greedy least-squares search of c from up to MAX_PARENTS members, per
 * layer (c ∈ span S), over every member instead of the 10 nearest by D, against r₁ = ‖c − p₁‖, p₁
 * the nearest on the samples. TIES/DARE: a child sharing a bit-identical sample with any member.
 */
function typingScreens(tree: readonly Fingerprint[], sources: readonly ModelSource[]) {
  const k = tree.length;
  const layers = tree[0]!.samples.length / SAMPLES_PER_LAYER;
  let twinPairs = 0;
  const sharing = new Set<number>();
  const distanceLayers = tree[0]!.layers.flatMap((layer, l) => (layer.distance ? [l] : []));
  const dtypes = sources.map((source) => {
    const byName = new Map(source.tensors.map((t) => [t.name, t.dtype]));
    return distanceLayers.map((l) => byName.get(tree[0]!.layers[l]!.name)!);
  });
  for (let i = 0; i < k; i++)
    for (let j = i + 1; j < k; j++) {
      let identical = 0;
      let moved = 0;
      let beyondRounding = false;
      for (let l = 0; l < layers; l++) {
        const [a, b] = [dtypes[i]![l]!, dtypes[j]![l]!];
        const [sa, sb] = [tree[i]!.stats[distanceLayers[l]!]!, tree[j]!.stats[distanceLayers[l]!]!];
        const largest = Math.max(Math.abs(sa.min), Math.abs(sa.max), Math.abs(sb.min), Math.abs(sb.max));
        const tolerance = a === b ? 0 : 1.001 * Math.max(UNIT_ROUNDOFF[a], UNIT_ROUNDOFF[b]) * largest;
        let same = 0;
        for (let s = l * SAMPLES_PER_LAYER; s < (l + 1) * SAMPLES_PER_LAYER; s++) {
          const diff = Math.abs(tree[i]!.samples[s]! - tree[j]!.samples[s]!);
          if (diff === 0) same++;
          if (diff > tolerance) beyondRounding = true;
        }
        if (same === SAMPLES_PER_LAYER) continue; // an unmoved layer is no evidence either way
        identical += same;
        moved += SAMPLES_PER_LAYER;
      }
      if (!beyondRounding) twinPairs++;
      if (moved > 0 && identical > SHARED_SAMPLE_BAR * moved) sharing.add(i).add(j);
    }
  const zeroModels = tree.filter((f) => f.samples.some((v) => v === 0)).length;
  let mergeChildren = 0;
  let lowestRatio = Number.POSITIVE_INFINITY;
  for (let c = 0; c < k && k >= 3; c++) {
    const others = Array.from({ length: k }, (_, p) => p).filter((p) => p !== c);
    const distance = (p: number) => tree[c]!.samples.reduce((sum, v, s) => sum + (v - tree[p]!.samples[s]!) ** 2, 0);
    const p1 = others.reduce((best, p) => (distance(p) < distance(best) ? p : best));
    // Recovery's greedy search (detect-merges.ts: S ∋ p₁, up to MAX_PARENTS, each step the candidate that lowers the
    // residual most), here over every member rather than the 10 nearest by D.
    const column = (m: number, l: number) => tree[m]!.samples.subarray(l * SAMPLES_PER_LAYER, (l + 1) * SAMPLES_PER_LAYER);
    const residualOf = (set: readonly number[]) => {
      let sum = 0;
      for (let l = 0; l < layers; l++)
        sum += leastSquaresResidual(
          set.map((m) => Float64Array.from(column(m, l))),
          Float64Array.from(column(c, l)),
        );
      return sum;
    };
    const set = [p1];
    let residual = residualOf(set);
    for (let step = 1; step < MAX_PARENTS; step++) {
      let best = { residual, candidate: -1 };
      for (const p of others) {
        if (set.includes(p)) continue;
        const r = residualOf([...set, p]);
        if (r < best.residual) best = { residual: r, candidate: p };
      }
      if (best.candidate < 0) break;
      set.push(best.candidate);
      residual = best.residual;
    }
    const ratio = Math.sqrt(residual / distance(p1));
    lowestRatio = Math.min(lowestRatio, ratio);
    if (!(ratio > MERGE_SCREEN_BAR)) mergeChildren++;
  }
  return { twinPairs, zeroModels, mergeChildren, sharingChildren: sharing.size, lowestRatio };
}

/** ‖y − X w‖² for the least-squares w (normal equations with a tiny ridge, Cholesky). */
function leastSquaresResidual(columns: readonly Float64Array[], y: Float64Array): number {
  const m = columns.length;
  const gram = new Float64Array(m * m);
  const rhs = new Float64Array(m);
  for (let a = 0; a < m; a++) {
    for (let b = a; b < m; b++) {
      let dot = 0;
      for (let s = 0; s < y.length; s++) dot += columns[a]![s]! * columns[b]![s]!;
      gram[a * m + b] = gram[b * m + a] = dot;
    }
    let dot = 0;
    for (let s = 0; s < y.length; s++) dot += columns[a]![s]! * y[s]!;
    rhs[a] = dot;
  }
  for (let a = 0; a < m; a++) gram[a * m + a] = gram[a * m + a]! * (1 + 1e-10) + 1e-300;
  // Cholesky solve.
  const chol = new Float64Array(m * m);
  for (let a = 0; a < m; a++)
    for (let b = 0; b <= a; b++) {
      let sum = gram[a * m + b]!;
      for (let x = 0; x < b; x++) sum -= chol[a * m + x]! * chol[b * m + x]!;
      chol[a * m + b] = a === b ? Math.sqrt(Math.max(sum, 1e-300)) : sum / chol[b * m + b]!;
    }
  const z = new Float64Array(m);
  for (let a = 0; a < m; a++) {
    let sum = rhs[a]!;
    for (let x = 0; x < a; x++) sum -= chol[a * m + x]! * z[x]!;
    z[a] = sum / chol[a * m + a]!;
  }
  const w = new Float64Array(m);
  for (let a = m - 1; a >= 0; a--) {
    let sum = z[a]!;
    for (let x = a + 1; x < m; x++) sum -= chol[x * m + a]! * w[x]!;
    w[a] = sum / chol[a * m + a]!;
  }
  let residual = 0;
  for (let s = 0; s < y.length; s++) {
    let fit = 0;
    for (let a = 0; a < m; a++) fit += w[a]! * columns[a]![s]!;
    residual += (y[s]! - fit) ** 2;
  }
  return residual;
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
        const [u, v] = [weights[i]!, weights[j]!];
        let sum = 0;
        let largest = 0;
        for (let w = 0; w < u.length; w++) {
          const d = Math.abs(u[w]! - v[w]!);
          sum += d;
          if (d > largest) largest = d;
        }
        mean[i * k + j] = mean[j * k + i] = mean[i * k + j]! + sum / u.length / rms;
        max[i * k + j] = max[j * k + i] = Math.max(max[i * k + j]!, largest / range);
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
