/**
 * Trees from fingerprints, without comparing every pair (`--trees auto` on an index):
 *
 *   fingerprints of one architecture ─1─► candidate pairs: every pair (small sets) or each model's
 *                                         nearest neighbours (an exact search up to a few thousand
 *                                         models, else an HNSW index; both usearch)
 *                                    ─2─► kept when the estimated relative distance is below RELATED_BELOW
 *                                    ─3─► trees = connected components of the kept pairs
 *
 * The estimate is the rule recovery applies to whole layers (cluster-models.ts): per distance
 * layer, the mean |u − v| over the shared seeded samples over the layers' mean RMS, then the
 * lower quartile over layers. Related models sit far below the threshold (≤ 0.58 on VTHR) and
 * unrelated ones far above (≥ 1.03), so an estimate from 128 values per layer decides them.
 * Memory is O(n · fingerprint + n · neighbours); no n × n array is ever made.
 */
import { CLUSTERING_QUANTILE, quantileOfSorted, RELATED_BELOW } from "../recover/cluster-models.ts";
import { rootMeanSquareOf } from "../stats/layer-stats.ts";
import { makeUniform } from "../recover/seeded-random.ts";
import { SAMPLES_PER_LAYER, type Fingerprint } from "./fingerprint.ts";
import { mark } from "../ui/timeline.ts";
import { DisjointSets } from "../tree/disjoint-sets.ts";

/** Up to this many models, every pair is estimated (≤ 125,000 pairs, well under a second). */
export const EVERY_PAIR_UP_TO = 500;

/**
 * Up to this many models, each model's nearest neighbours are found by comparing it with every
 * other (usearch's SIMD exactSearch, one thread): n² distances of ~120 dimensions cost less than
 * building and searching the HNSW index until ~3,000 models (set-1000: ~25 ms against ~100 ms;
 * set-3000: ~0.5 s either way; bench/recover-scale.ts sets), and miss no neighbour.
 */
export const EXACT_NEIGHBOURS_UP_TO = 2000;

/**
 * Nearest neighbours asked per model (of the exact search or the HNSW index). A tree of k models connects through
 * its members' neighbour lists as long as each model finds a few of its relatives; 16 covers
 * trees of any size, since a chain of related pairs suffices.
 */
export const NEIGHBOURS = 16;

/**
 * usearch, loaded when neighbours are first searched (require: a blocking load, as an import
 * statement's would be), not with this module: its native addon takes ~0.015 s of CPU to load, and
 * `mother recover` on a large set compares its first fingerprints with this module's estimate
 * (speculative-trees.ts) to guess its first tree, which waited for it (docs/scale.md).
 */
function loadUsearch(): typeof import("usearch") {
  return require("usearch") as typeof import("usearch");
}

/** Dimensions of the vectors the HNSW index compares: the first samples of each distance layer, over its RMS. */
const SEARCH_DIMENSIONS = 128;

/** A fingerprint's distance-layer samples and each layer's RMS, ready to compare. */
export interface Comparable {
  readonly samples: Float32Array;
  readonly rms: Float64Array;
}

/**
 * The comparable part of a fingerprint, made once per fingerprint: `mother recover` on a large set
 * compares each fingerprint as it comes (speculative-trees.ts) and again to find the components.
 */
export function comparableOf(fingerprint: Fingerprint): Comparable {
  let comparable = comparables.get(fingerprint);
  if (comparable) return comparable;
  const { layers, stats } = fingerprint;
  let distanceLayers = 0;
  for (const layer of layers) if (layer.distance) distanceLayers++;
  const rms = new Float64Array(distanceLayers);
  for (let l = 0, at = 0; l < layers.length; l++) if (layers[l]!.distance) rms[at++] = rootMeanSquareOf(stats[l]!);
  comparable = { samples: fingerprint.samples, rms };
  comparables.set(fingerprint, comparable);
  return comparable;
}

/** Comparables made so far, by fingerprint. */
const comparables = new WeakMap<Fingerprint, Comparable>();

/**
 * Estimated relative clustering distance of two models of one architecture (see the module comment).
 * Four layers' sums at a time, each summed in sample order as one layer alone would be (the same
 * bits): four chains of additions in flight instead of one, ~3.8 → ~2.2 µs a pair of 12 layers.
 */
export function estimatedRelativeDistance(a: Comparable, b: Comparable, scratch = new Float64Array(a.rms.length)): number {
  const layers = a.rms.length;
  const u = a.samples;
  const v = b.samples;
  let l = 0;
  for (; l + 4 <= layers; l += 4) {
    const first = l * SAMPLES_PER_LAYER;
    const f1 = first + SAMPLES_PER_LAYER;
    const f2 = f1 + SAMPLES_PER_LAYER;
    const f3 = f2 + SAMPLES_PER_LAYER;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let s = 0; s < SAMPLES_PER_LAYER; s++) {
      s0 += Math.abs(u[first + s]! - v[first + s]!);
      s1 += Math.abs(u[f1 + s]! - v[f1 + s]!);
      s2 += Math.abs(u[f2 + s]! - v[f2 + s]!);
      s3 += Math.abs(u[f3 + s]! - v[f3 + s]!);
    }
    scratch[l] = s0;
    scratch[l + 1] = s1;
    scratch[l + 2] = s2;
    scratch[l + 3] = s3;
  }
  for (; l < layers; l++) {
    let sum = 0;
    const first = l * SAMPLES_PER_LAYER;
    for (let s = first; s < first + SAMPLES_PER_LAYER; s++) sum += Math.abs(u[s]! - v[s]!);
    scratch[l] = sum;
  }
  for (l = 0; l < layers; l++) {
    const scale = (a.rms[l]! + b.rms[l]!) / 2;
    scratch[l] = scale > 0 ? scratch[l]! / SAMPLES_PER_LAYER / scale : 0;
  }
  const values = scratch.subarray(0, layers).sort();
  return layers === 0 ? 0 : quantileOfSorted(values, CLUSTERING_QUANTILE);
}

/** How the candidate pairs were found. */
export type CandidateSearch = "every pair" | "nearest neighbours";

/**
 * The related components of `models` (one architecture), as lists of indices in first-member
 * order; each list ascending.
 */
export function relatedComponentsOf(models: readonly Comparable[], options: ComponentOptions = {}): RelatedComponents {
  const steps = relatedComponentSteps(models, options);
  for (let step = steps.next(); ; step = steps.next()) if (step.done) return step.value;
}

/**
 * relatedComponentsOf, giving the event loop a turn between slices of work: `mother recover`
 * on a large set keeps its tree threads fed meanwhile (recover-at-scale.ts). The HNSW index is
 * built in one call (~0.5 s at 10,000 models, see nearestNeighbourSteps; the threads are handed
 * enough work beforehand) and searched in slices of models: the same neighbours as in one call.
 */
export async function relatedComponentsYielding(models: readonly Comparable[], options: ComponentOptions = {}): Promise<RelatedComponents> {
  const steps = relatedComponentSteps(models, options);
  for (let step = steps.next(); ; step = steps.next()) {
    if (step.done) return step.value;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Options of relatedComponentsOf: every pair up to this many models, else this many nearest neighbours each (found exactly up to `exactNeighboursUpTo` models). */
export interface ComponentOptions {
  readonly everyPairUpTo?: number;
  readonly neighbours?: number;
  readonly exactNeighboursUpTo?: number;
}

/** Related components (indices, first-member order) and how their candidate pairs were found. */
export interface RelatedComponents {
  readonly components: number[][];
  readonly search: CandidateSearch;
}

/** Models per slice of work between turns of the event loop (~10–20 ms of HNSW searches at 120 dimensions). */
const MODELS_PER_STEP = 256;

/** The work of relatedComponentsOf, yielding between slices. */
function* relatedComponentSteps(models: readonly Comparable[], options: ComponentOptions): Generator<void, RelatedComponents> {
  const n = models.length;
  const sets = new DisjointSets(n);
  const scratch = new Float64Array(models[0]?.rms.length ?? 0);
  const link = (i: number, j: number) => {
    if (!sets.connected(i, j) && estimatedRelativeDistance(models[i]!, models[j]!, scratch) < RELATED_BELOW) sets.union(i, j);
  };
  const search: CandidateSearch = n <= (options.everyPairUpTo ?? EVERY_PAIR_UP_TO) ? "every pair" : "nearest neighbours";
  if (search === "every pair") {
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) link(i, j);
  } else {
    const neighbours = yield* nearestNeighbourSteps(models, Math.min(n - 1, options.neighbours ?? NEIGHBOURS), options.exactNeighboursUpTo);
    const k = neighbours.length / n;
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < k; c++) {
        const j = neighbours[i * k + c]!;
        if (j >= 0 && j !== i) link(i, j);
      }
      if ((i + 1) % MODELS_PER_STEP === 0) yield;
    }
  }
  const byRoot = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const root = sets.find(i);
    const members = byRoot.get(root);
    if (members) members.push(i);
    else byRoot.set(root, [i]);
  }
  return { components: [...byRoot.values()], search };
}

/**
 * The `k` nearest neighbours of every model (n × (k + 1) indices, itself among them, −1 where
 * fewer were found) by squared L2 over the search vectors: by exact search up to
 * EXACT_NEIGHBOURS_UP_TO models, else from an HNSW graph (usearch, one thread: the machine's
 * cores are the readers'). The HNSW graph is approximate: a missed relative costs nothing while
 * the tree stays connected through others.
 */
export function nearestNeighbours(models: readonly Comparable[], k: number, exactUpTo = EXACT_NEIGHBOURS_UP_TO): Int32Array {
  const steps = nearestNeighbourSteps(models, k, exactUpTo);
  for (let step = steps.next(); ; step = steps.next()) if (step.done) return step.value;
}

/** The work of nearestNeighbours, yielding after the inserts and between slices of MODELS_PER_STEP searches. */
function* nearestNeighbourSteps(models: readonly Comparable[], k: number, exactUpTo = EXACT_NEIGHBOURS_UP_TO): Generator<void, Int32Array> {
  const n = models.length;
  const layers = models[0]!.rms.length;
  const perLayer = Math.max(1, Math.min(SAMPLES_PER_LAYER, Math.floor(SEARCH_DIMENSIONS / layers)));
  const dimensions = perLayer * layers;
  const vectors = new Float32Array(n * dimensions);
  models.forEach((model, i) => {
    for (let l = 0; l < layers; l++) {
      const scale = model.rms[l]! > 0 ? 1 / model.rms[l]! : 0;
      for (let s = 0; s < perLayer; s++) vectors[i * dimensions + l * perLayer + s] = model.samples[l * SAMPLES_PER_LAYER + s]! * scale;
    }
  });
  const usearch = loadUsearch();
  const { Index, MetricKind, ScalarKind } = usearch;
  if (n <= exactUpTo) {
    const out = new Int32Array(n * (k + 1)).fill(-1);
    for (const [first, end] of slices(n)) {
      // A copy, not a view: exactSearch reads a view's whole buffer from its start.
      const queries = vectors.slice(first * dimensions, end * dimensions);
      const found = usearch.exactSearch(vectors, queries, dimensions, k + 1, MetricKind.L2sq, 1);
      keep(found.keys, n, out, first * (k + 1), (end - first) * (k + 1));
      yield;
    }
    mark(`nearest neighbours of ${n} models by exact search`);
    return withSelves(out, vectors, dimensions, k);
  }
  const index = new Index({
    metric: MetricKind.L2sq,
    dimensions,
    connectivity: 16,
    quantization: ScalarKind.F32,
    expansion_add: 64,
    expansion_search: 64,
    multi: false,
  });
  // Inserted in a seeded random order: inserting a tree's members one after another builds
  // them into an island the graph's greedy search may never enter.
  const order = seededPermutation(n);
  const shuffled = new Float32Array(n * dimensions);
  order.forEach((m, at) => shuffled.set(vectors.subarray(m * dimensions, (m + 1) * dimensions), at * dimensions));
  // In one call: usearch makes its per-thread contexts (their level draws) again each time it
  // grows, so inserts in slices build another graph (339 of 170,000 neighbours differ on 10,000 models).
  index.add(
    BigUint64Array.from(order, (m) => BigInt(m)),
    shuffled,
    1,
  );
  yield;
  mark(`HNSW index of ${n} models built`);
  const out = new Int32Array(n * (k + 1)).fill(-1);
  for (const [first, end] of slices(n)) {
    // A slice of two or more queries: usearch answers a single query in another shape.
    keep(index.search(vectors.subarray(first * dimensions, end * dimensions), k + 1, 1).keys, n, out, first * (k + 1), (end - first) * (k + 1));
    yield;
  }
  mark("HNSW index searched");
  return withSelves(out, vectors, dimensions, k);
}

/** Copies `count` neighbour keys of a search into `out` from `at`; usearch marks a missing neighbour with a key past the last model. */
function keep(keys: BigUint64Array, n: number, out: Int32Array, at: number, count: number): void {
  const models = BigInt(n); // one BigInt, not one a key (170,000 keys at 10,000 models)
  for (let i = 0; i < count; i++) if (keys[i]! < models) out[at + i] = Number(keys[i]!);
}

/**
 * `out` with every row holding its own model: a model whose search did not even find itself
 * sits where the greedy search did not reach (an island of close relatives), or has more than k
 * exact copies; its neighbours are found by a scan of every model instead, itself first.
 */
function withSelves(out: Int32Array, vectors: Float32Array, dimensions: number, k: number): Int32Array {
  for (let i = 0; i < out.length / (k + 1); i++) {
    const row = out.subarray(i * (k + 1), (i + 1) * (k + 1));
    if (!row.includes(i)) row.set(exactNeighbours(vectors, dimensions, i, k + 1));
  }
  return out;
}

/** [first, end) slices of 0 … n − 1 of MODELS_PER_STEP models, the last one merged into the one before when it would hold a single model. */
function slices(n: number): [number, number][] {
  const out: [number, number][] = [];
  for (let first = 0; first < n; first += MODELS_PER_STEP) out.push([first, Math.min(n, first + MODELS_PER_STEP)]);
  if (out.length > 1 && out.at(-1)![1] - out.at(-1)![0] === 1) out.splice(-2, 2, [out.at(-2)![0], n]);
  return out;
}

/**
 * The `count` nearest vectors to vector `i` by squared L2, by comparing it with every one (itself
 * first; ties in index order): each kept in a short list as it comes, where a sort of all n by
 * distance took ~5 ms of the ~7 a scan cost at 10,000 models (HNSW islands need ~20 such scans there).
 */
export function exactNeighbours(vectors: Float32Array, dimensions: number, i: number, count: number): Int32Array {
  const n = vectors.length / dimensions;
  const kept = new Int32Array(Math.min(count, n));
  const keptDistance = new Float64Array(kept.length);
  let size = 0;
  for (let j = 0; j < n; j++) {
    let sum = 0;
    for (let d = 0; d < dimensions; d++) {
      const delta = vectors[i * dimensions + d]! - vectors[j * dimensions + d]!;
      sum += delta * delta;
    }
    const distance = j === i ? -1 : sum;
    // A later index at an equal distance comes after every kept one.
    if (size === kept.length && !(distance < keptDistance[size - 1]!)) continue;
    let at = size < kept.length ? size++ : size - 1;
    for (; at > 0 && keptDistance[at - 1]! > distance; at--) {
      kept[at] = kept[at - 1]!;
      keptDistance[at] = keptDistance[at - 1]!;
    }
    kept[at] = j;
    keptDistance[at] = distance;
  }
  return kept;
}

/** A fixed pseudo-random permutation of 0 … n − 1 (Fisher–Yates over splitmix draws). */
function seededPermutation(n: number): Int32Array {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const uniform = makeUniform(n, 0x5eed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(uniform[i]! * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}
