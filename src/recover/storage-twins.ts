/**
 * Storage twins: a model saved again at a lower precision (an f32 model re-uploaded as f16 or
 * bf16), or an exact duplicate. Such a copy differs from its source by rounding alone, far
 * less than any fine-tune, so the directional score cannot tell which of the two came first
 * and the copy would take its source's place — or its children — half the time
 * (experiments/derived-copies.ts). Recovery builds each tree on one model per twin set and
 * attaches the others under it afterwards.
 *
 * Two models are twins when every distance layer is either bit-identical (same dtype) or, in
 * different dtypes, differs by no more than rounding to the coarser one can: max |u_l − v_l|
 * ≤ u · max |w_l| (half an ulp at the layer's largest weight) and mean |u_l − v_l| ≤ ½ u · rms
 * (rounding moves each weight by at most u·|w|, about u·|w|/4 on average). A fine-tune moves
 * small and large weights alike, so it fails the mean test long before the max one; one
 * stored in the same dtype as its parent is never a twin unless identical.
 * A quantised copy (int8 or 16-level rows, dequantised) is a twin of the off-grid model it
 * rounds: every distance layer of the copy lies on the grid, the other's on none, and no weight
 * moved by more than the grid's rounding at the layer's largest weight.
 * In a set of twins the representative is off any grid and stored most precisely (then the
 * first given); the others are its copies.
 *
 * A GGUF-quantized model (its distance layers in ggml blocks: Q8_0, Q4_K, …) says by its format
 * that it is a lossy copy: it is the child of the unquantized model it is nearest to (smallest
 * Σ mean |Δ| over the distance layers), provided no weight moved by more than the format's
 * rounding can move one (ggufRounding); with no such model it stays a tree member of its own.
 * It never joins twin sets itself: a coarse format's bound could otherwise chain two siblings.
 */
import { DTYPE_BYTES, type Dtype, type TensorInfo } from "../types.ts";
import { ggmlBitsPerValue, isQuantized } from "../io/gguf/ggml-types.ts";
import { UNIT_ROUNDOFF } from "../distance/storage-noise.ts";
import { gridRounding } from "../stats/quantisation-grid.ts";
import { rootMeanSquareOf } from "../stats/layer-stats.ts";
import { DisjointSets } from "../tree/disjoint-sets.ts";
import type { LayerJob, LayerResult } from "./layer-pass.ts";

/** Slack on the rounding bound: the bound is exact for one rounding; allow summation noise. */
const ROUNDING_SLACK = 1.001;

/** Twins among a tree's members. */
export interface StorageTwins {
  /**
   * copyOf[i] = index (into members) of i's representative, or −1 for a representative. A GGUF
   * copy may point at a member that is itself a copy (a GGUF of an f16 re-save): follow the chain.
   */
  readonly copyOf: Int32Array;
  /**
   * 1 where the copy is stored less precisely than its representative, so which came first is
   * known; 0 for same-precision twins (duplicates, or fine-tunes that differ only outside the
   * distance layers, e.g. in a retrained head), whose order storage cannot tell.
   */
  readonly certain: Uint8Array;
}

/** The storage twins among `members` (group indices). */
export function storageTwins(members: readonly number[], jobs: readonly LayerJob[], pass: readonly LayerResult[]): StorageTwins {
  const k = members.length;
  const layers = jobs.flatMap((job, l) => (job.roles.distance ? [l] : []));
  const copyOf = new Int32Array(k).fill(-1);
  const certain = new Uint8Array(k);
  if (layers.length === 0) return { copyOf, certain };
  const n = jobs[layers[0]!]!.tensors.length;
  /** Bits per stored value of model m (its coarsest distance layer); a quantised model counts as 8. */
  const precision = (m: number) => (grid(m) > 0 ? 8 : Math.min(...layers.map((l) => storedBits(jobs[l]!.tensors[m]!))));
  /** Whether model m is a GGUF block-quantized copy (any distance layer in ggml blocks). */
  const ggufQuantized = (m: number) => layers.some((l) => ggufQuantizedType(jobs[l]!.tensors[m]!) !== undefined);
  /** The grid every distance layer of model m lies on (255 or 16), or 0. */
  const grid = (m: number) => {
    const levels = pass[layers[0]!]!.gridLevels[m]!;
    return levels > 0 && layers.every((l) => pass[l]!.gridLevels[m] === levels) ? levels : 0;
  };
  const largestOf = (l: number, a: number, b: number) => {
    const [sa, sb] = [pass[l]!.stats[a]!, pass[l]!.stats[b]!];
    return Math.max(Math.abs(sa.min), Math.abs(sa.max), Math.abs(sb.min), Math.abs(sb.max));
  };
  const quantisedTwins = (a: number, b: number) => {
    const [ga, gb] = [grid(a), grid(b)];
    if (ga > 0 === gb > 0) return false;
    const levels = Math.max(ga, gb) as 16 | 255;
    return layers.every((l) => pass[l]!.maxAbsDiff[a * n + b]! <= ROUNDING_SLACK * gridRounding(levels, largestOf(l, a, b)));
  };
  const twins = (a: number, b: number) => quantisedTwins(a, b) || layers.every((l) => sameUpToRounding(jobs[l]!, pass[l]!, a, b));
  // Union the twin pairs, then name each set's most precisely stored member (first given on ties).
  const sets = new DisjointSets(k);
  const quantized = members.map(ggufQuantized);
  for (let i = 0; i < k; i++) {
    if (quantized[i]) continue;
    for (let j = i + 1; j < k; j++) if (!quantized[j] && twins(members[i]!, members[j]!)) sets.union(i, j);
  }
  const representative = new Map<number, number>();
  for (let i = 0; i < k; i++) {
    const set = sets.find(i);
    const current = representative.get(set);
    if (current === undefined || precision(members[i]!) > precision(members[current]!)) representative.set(set, i);
  }
  for (let i = 0; i < k; i++) {
    if (quantized[i]) continue;
    const chosen = representative.get(sets.find(i))!;
    if (chosen === i) continue;
    copyOf[i] = chosen;
    certain[i] = precision(members[chosen]!) > precision(members[i]!) ? 1 : 0;
  }
  // GGUF copies: under the nearest model that their format's rounding explains — an unquantized
  // one, or a finer GGUF copy whose own rounding is added to the bound. With the source present
  // it is the nearest (a finer copy adds its own rounding); without it (a hub repository of
  // quantizations) the finest copy is nearer than any fine-tune relative and stands for it.
  const meanDistance = (a: number, b: number) => layers.reduce((sum, l) => sum + pass[l]!.meanAbsDiff[a * n + b]!, 0);
  const bitsOf = (m: number, l: number) => storedBits(jobs[l]!.tensors[m]!);
  const modelBits = (m: number) => Math.min(...layers.map((l) => bitsOf(m, l)));
  // Copies alike in their coarsest layer (Q4_K_M beside Q4_K_S: Q6_K in some layers, the rest byte-identical) are
  // ordered by their mean bits over the distance layers; else neither hangs under the other and they read as fine-tunes.
  const meanBits = (m: number) => layers.reduce((sum, l) => sum + bitsOf(m, l), 0) / layers.length;
  const finer = (a: number, b: number) => modelBits(a) > modelBits(b) || (modelBits(a) === modelBits(b) && meanBits(a) > meanBits(b));
  const within = (copy: number, other: number, slack: (l: number) => number) =>
    layers.every((l) => pass[l]!.maxAbsDiff[copy * n + other]! <= slack(l) * largestOf(l, copy, other));
  const nearestOf = (i: number, admits: (j: number) => boolean) => {
    let nearest = -1;
    for (let j = 0; j < k; j++) {
      if (j !== i && admits(j) && (nearest < 0 || meanDistance(members[i]!, members[j]!) < meanDistance(members[i]!, members[nearest]!))) nearest = j;
    }
    return nearest;
  };
  for (let i = 0; i < k; i++) {
    if (!quantized[i]) continue;
    const copy = members[i]!;
    const parent = nearestOf(i, (j) => {
      const other = members[j]!;
      if (!quantized[j]) return grid(other) === 0 && within(copy, other, (l) => ggufRounding(bitsOf(copy, l)));
      return finer(other, copy) && within(copy, other, (l) => ggufRounding(bitsOf(copy, l)) + ggufRounding(bitsOf(other, l)));
    });
    if (parent >= 0) [copyOf[i], certain[i]] = [parent, 1];
  }
  return { copyOf, certain };
}

/**
 * The largest |Δ| a GGUF copy with `bits` stored bits per value may show against its source,
 * relative to the layer's largest weight: 4 · 2^−⌊bits⌋ (Q8_0 1/64, Q6_K 1/16, Q4_K 1/4, Q2_K 1).
 * Block formats round each value to a step of about 2·max|w_block| / 2^bits, clipping and
 * 6-bit sub-block scales add up to about a step more (Q4_0's worst case is 1/8 exactly), so this
 * is twice the worst case: it only has to reject models the copy was not made from, and those
 * differ by the size of the weights themselves. Among the models it admits the nearest is chosen.
 */
export function ggufRounding(bits: number): number {
  return 4 * 2 ** -Math.floor(bits);
}

/** The ggml block type a tensor is stored in, or undefined for plain and F32/F16/BF16 GGUF tensors. */
function ggufQuantizedType(tensor: TensorInfo) {
  const type = tensor.encoding?.ggmlType;
  return type !== undefined && isQuantized(type) ? type : undefined;
}

/** The float type a tensor's values were stored in (a GGUF F16 tensor read as F32 is F16). */
function storedDtype(tensor: TensorInfo): Dtype {
  const type = tensor.encoding?.ggmlType;
  return type === "F32" || type === "F16" || type === "BF16" ? type : tensor.dtype;
}

/** Bits per stored value of a tensor. */
function storedBits(tensor: TensorInfo): number {
  const type = ggufQuantizedType(tensor);
  return type === undefined ? 8 * DTYPE_BYTES[storedDtype(tensor)] : ggmlBitsPerValue(type);
}

/**
 * Whether models a and b (group indices) hold the same values of one distance layer up to
 * storage: bit-identical in the same dtype, or in different dtypes within rounding to the
 * coarser one (max |Δ| ≤ u · the layer's largest |w|, mean |Δ| ≤ ½ u · rms).
 */
export function sameUpToRounding(job: LayerJob, result: LayerResult, a: number, b: number): boolean {
  const n = job.tensors.length;
  const [ta, tb] = [storedDtype(job.tensors[a]!), storedDtype(job.tensors[b]!)];
  const maxDiff = result.maxAbsDiff[a * n + b]!;
  if (ta === tb) return maxDiff === 0;
  const u = UNIT_ROUNDOFF[DTYPE_BYTES[ta] <= DTYPE_BYTES[tb] ? ta : tb];
  const [sa, sb] = [result.stats[a]!, result.stats[b]!];
  const largest = Math.max(Math.abs(sa.min), Math.abs(sa.max), Math.abs(sb.min), Math.abs(sb.max));
  const rms = Math.max(rootMeanSquareOf(sa), rootMeanSquareOf(sb));
  return maxDiff <= ROUNDING_SLACK * u * largest && result.meanAbsDiff[a * n + b]! <= ROUNDING_SLACK * 0.5 * u * rms;
}
