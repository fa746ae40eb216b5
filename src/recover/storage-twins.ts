/**
 * Storage twins: a model saved again at a lower precision (an f32 model re-uploaded as f16 or
 * bf16), or an exact duplicate. Such a copy differs from its source by rounding alone, far
 * less than any fine-tune, so the directional score cannot tell which of the two came first
 * and the copy would take its source's place — or its children — half the time
 * (experiments/derived-copies.ts). Recovery builds each tree on one model per twin set and
 * attaches the others under it afterwards.
 *
 * Two models are twins when, in every distance layer, max |u_l − v_l| is within the rounding
 * of the coarser storage: u(dtype) · max |w_l| (half an ulp at the layer's largest weight).
 * In a set of twins the representative is the one stored most precisely (then the first
 * given); the others are its copies.
 */
import { DTYPE_BYTES } from "../types.ts";
import { UNIT_ROUNDOFF } from "../distance/storage-noise.ts";
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
  /** Bytes per stored value of model m (its coarsest distance layer). */
  const precision = (m: number) => Math.min(...layers.map((l) => DTYPE_BYTES[jobs[l]!.tensors[m]!.dtype]));
  const twins = (a: number, b: number) =>
    layers.every((l) => {
      const coarser = DTYPE_BYTES[jobs[l]!.tensors[a]!.dtype] <= DTYPE_BYTES[jobs[l]!.tensors[b]!.dtype] ? jobs[l]!.tensors[a]! : jobs[l]!.tensors[b]!;
      const stats = pass[l]!.stats;
      const largest = Math.max(Math.abs(stats[a]!.min), Math.abs(stats[a]!.max), Math.abs(stats[b]!.min), Math.abs(stats[b]!.max));
      return pass[l]!.maxAbsDiff[a * n + b]! <= ROUNDING_SLACK * UNIT_ROUNDOFF[coarser.dtype] * largest;
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
