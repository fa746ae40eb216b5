/**
 * The per-layer pair evidence (pair-evidence.ts) of every pair of a tree's models: each of the
 * rule's layers is read once for every member and every unordered pair is compared — k(k−1)/2
 * pairs, only inside one tree, never across a whole collection. Each layer of every member is in
 * memory at once (k × its sample), which is what a tree of a few dozen models affords; recovery's
 * layer pass does not keep these sums (it is a separate read, run only for a pair rule).
 *
 * A layer is read up to PAIR_SAMPLE_VALUES values (its first whole rows): a pair's z grows with
 * √n, and its sign is settled long before a 4096-wide layer's 16 M values — the cap keeps a
 * 7 B-weight family of five at seconds of tanh per pair instead of minutes.
 */
import type { LayerJob } from "../recover/layer-pass.ts";
import { readTensor } from "../io/read-safetensors.ts";
import { standardizedPairEvidence, standardizeLayer, type PairEvidenceOptions, type PairLayerEvidence } from "./pair-evidence.ts";
import { readsLayer, type RuleLayers } from "./statistic-rule.ts";
import { decayVotes, decayZ, notReproducingParents, reproduction } from "./decay-signature.ts";
import type { TensorInfo } from "../types.ts";
import { classifyLayer } from "../layers/classify-layer.ts";
import { type LayerBlock, topLeftBlock } from "./inherit-side.ts";

/** Values of a layer the pair evidence reads at most (its first whole rows): 2¹⁸, 1 MB of f32 per model. */
export const PAIR_SAMPLE_VALUES = 262_144;

/** How many values of a layer of `shape` the pair evidence reads: whole rows, at least one, at most PAIR_SAMPLE_VALUES. */
export function pairSampleCount(shape: readonly number[]): number {
  const count = shape.reduce((product, size) => product * size, 1);
  const row = shape.length >= 2 ? shape[shape.length - 1]! : 1;
  return Math.min(count, Math.max(row, Math.floor(PAIR_SAMPLE_VALUES / row) * row));
}

/** Per unordered pair of a tree's members, each read layer's evidence (undefined where a layer is constant). */
export interface PairLayers {
  /** Members in the order the pairs index them. */
  readonly size: number;
  /** Evidence of pair (i, j), i < j, computed with i as a: one entry per layer read. */
  readonly layersOf: (i: number, j: number) => readonly (PairLayerEvidence | undefined)[];
  /** With `--pair-decay on`: the weight-decay sign test's z of pair (i, j), i < j, computed with i as a (decay-signature.ts). */
  readonly decayOf?: (i: number, j: number) => number;
  /** With `--pair-decay exact`: k×k, 1 where another member reproduces j's weight-decayed rows more exactly than i (notReproducingParents). */
  readonly notParent?: Uint8Array;
  /** With `--pair-inherit on`: each read matrix's top-left block of every member as stored (inherit-side.ts). */
  readonly blocks?: readonly LayerBlock[];
}

/** Values of an embedding matrix the decay signature reads at most (its first whole rows): 2²², 16 MB of f32 per model. */
export const DECAY_SAMPLE_VALUES = 4_194_304;

/** A model's (first) 2-D embedding matrix, or undefined. */
export function embeddingTensor(tensors: readonly TensorInfo[]): TensorInfo | undefined {
  return tensors.find((t) => t.shape.length === 2 && classifyLayer(t.name, t.shape) === "embedding");
}

/**
 * The weight-decay sign test (decay-signature.ts) of every pair of a tree's members, from each one's
 * embedding matrix (`tensors`, in member order, the same shape in every model), or undefined when
 * any has none. Reads up to DECAY_SAMPLE_VALUES values of it per model.
 */
export async function readDecayEvidence(
  tensors: readonly (TensorInfo | undefined)[],
  read: (tensor: TensorInfo, count: number) => Promise<Float32Array | Float64Array> = (tensor, count) => readTensor(tensor, undefined, { count }),
): Promise<{ readonly decayOf: (i: number, j: number) => number; readonly notParent: Uint8Array } | undefined> {
  const first = tensors[0];
  if (first?.shape.length !== 2 || tensors.some((t) => t?.shape.join() !== first.shape.join())) return undefined;
  const cols = first.shape[1]!;
  const count = Math.min(first.shape[0]! * cols, Math.max(cols, Math.floor(DECAY_SAMPLE_VALUES / cols) * cols));
  const values = await Promise.all(tensors.map((tensor) => read(tensor!, count)));
  const k = tensors.length;
  const z = new Float64Array((k * (k - 1)) / 2);
  for (let i = 0; i < k; i++) for (let j = i + 1; j < k; j++) z[pairIndex(i, j, k)] = decayZ(decayVotes(values[i]!, values[j]!, cols, first.dtype));
  const notParent = notReproducingParents(k, (parent, child) => reproduction(values[parent]!, values[child]!, cols, first.dtype));
  return { decayOf: (i, j) => z[pairIndex(i, j, k)]!, notParent };
}

/** Index of unordered pair (i, j), i < j, among k members: pairs listed row by row. */
export function pairIndex(i: number, j: number, k: number): number {
  return i * k - (i * (i + 1)) / 2 + (j - i - 1);
}

/**
 * The evidence of every pair of `members` (columns of `jobs`' tensors) on the layers `layers`
 * selects. The layers are read one at a time; `read` is the reader (tests pass arrays); `options`
 * says which estimators to form (recovery forms the entropy ratio only for a rule that reads it).
 */
export async function readPairEvidence(
  jobs: readonly Pick<LayerJob, "kind" | "roles" | "tensors" | "shape">[],
  layers: RuleLayers,
  members: readonly number[],
  read: (job: Pick<LayerJob, "tensors" | "shape">, member: number) => Promise<Float32Array | Float64Array> = (job, member) =>
    readTensor(job.tensors[member]!, undefined, { count: pairSampleCount(job.shape) }),
  options: PairEvidenceOptions = {},
  keepBlocks = false,
): Promise<PairLayers> {
  const k = members.length;
  const byPair: (PairLayerEvidence | undefined)[][] = Array.from({ length: (k * (k - 1)) / 2 }, () => []);
  const blocks: LayerBlock[] = [];
  for (const job of jobs) {
    if (!readsLayer({ layers }, job)) continue;
    const values = await Promise.all(members.map((member) => read(job, member)));
    if (keepBlocks && job.shape.length === 2) blocks.push(topLeftBlock(values, job.shape[1]!));
    // Each member standardized once for its k − 1 pairs (bit for bit what pairLayerEvidence forms per pair).
    const standardized = values.map(standardizeLayer);
    for (let i = 0; i < k; i++) {
      for (let j = i + 1; j < k; j++) {
        const [a, b] = [standardized[i], standardized[j]];
        byPair[pairIndex(i, j, k)]!.push(a && b ? standardizedPairEvidence(a, b, options) : undefined);
      }
    }
  }
  return { size: k, layersOf: (i, j) => byPair[pairIndex(i, j, k)]!, ...(keepBlocks ? { blocks } : {}) };
}
