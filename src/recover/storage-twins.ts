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
 */
import { DTYPE_BYTES } from "../types.ts";
import { UNIT_ROUNDOFF } from "../distance/storage-noise.ts";
import { gridRounding } from "../stats/quantisation-grid.ts";
import { rootMeanSquareOf } from "../stats/layer-stats.ts";
import type { LayerJob, LayerResult } from "./layer-pass.ts";

/** Slack on the rounding bound: the bound is exact for one rounding; allow summation noise. */
const ROUNDING_SLACK = 1.001;

/** Twins among a tree's members. */
export interface StorageTwins {
  /** copyOf[i] = index (into members) of i's representative, or −1 for a representative. */
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
  /** Bytes per stored value of model m (its coarsest distance layer); a quantised model counts as 1. */
  const precision = (m: number) => (grid(m) > 0 ? 1 : Math.min(...layers.map((l) => DTYPE_BYTES[jobs[l]!.tensors[m]!.dtype])));
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
  const twins = (a: number, b: number) =>
    quantisedTwins(a, b) ||
    layers.every((l) => {
      const [ta, tb] = [jobs[l]!.tensors[a]!, jobs[l]!.tensors[b]!];
      const maxDiff = pass[l]!.maxAbsDiff[a * n + b]!;
      if (ta.dtype === tb.dtype) return maxDiff === 0;
      const u = UNIT_ROUNDOFF[DTYPE_BYTES[ta.dtype] <= DTYPE_BYTES[tb.dtype] ? ta.dtype : tb.dtype];
      const largest = largestOf(l, a, b);
      const rms = Math.max(rootMeanSquareOf(pass[l]!.stats[a]!), rootMeanSquareOf(pass[l]!.stats[b]!));
      return maxDiff <= ROUNDING_SLACK * u * largest && pass[l]!.meanAbsDiff[a * n + b]! <= ROUNDING_SLACK * 0.5 * u * rms;
    });
  // Union the twin pairs, then name each set's most precisely stored member (first given on ties).
  const root = Int32Array.from({ length: k }, (_, i) => i);
  const find = (i: number): number => (root[i] === i ? i : (root[i] = find(root[i]!)));
  for (let i = 0; i < k; i++) {
    for (let j = i + 1; j < k; j++) if (twins(members[i]!, members[j]!)) root[find(j)] = find(i);
  }
  const representative = new Map<number, number>();
  for (let i = 0; i < k; i++) {
    const set = find(i);
    const current = representative.get(set);
    if (current === undefined || precision(members[i]!) > precision(members[current]!)) representative.set(set, i);
  }
  for (let i = 0; i < k; i++) {
    const chosen = representative.get(find(i))!;
    if (chosen === i) continue;
    copyOf[i] = chosen;
    certain[i] = precision(members[chosen]!) > precision(members[i]!) ? 1 : 0;
  }
  return { copyOf, certain };
}
