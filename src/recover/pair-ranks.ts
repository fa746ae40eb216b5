/**
 * ℓ_LoRA needs rank(S(u_l) − S(v_l)) for every pair of a LoRA tree and every sketched layer:
 * one bidiagonalisation each (a few ms at the 168 × 160 sketch size), k²/2 · L of them. They
 * are independent, so they run as jobs on the layer workers, one job per layer (its sketches
 * travel once, not once per pair), with the SIMD bidiagonalisation.
 */
import type { LayerSketch } from "./low-rank-sketch.ts";
import { sketchDifferenceRank } from "./low-rank-sketch.ts";
import { threadKernels } from "../kernels/weight-kernels.ts";

/** The pairs of one layer to rank. */
export interface RankJob {
  /** The layer's sketch for each model the pairs refer to. */
  readonly sketches: readonly LayerSketch[];
  /** Flattened (i, j) index pairs into `sketches`. */
  readonly pairs: Int32Array;
  readonly epsilon: number;
}

/** Runs rank jobs (in a worker pool or in-process); results in job order, one rank per pair. */
export type RankRunner = (jobs: readonly RankJob[]) => Promise<Int32Array[]>;

/** The ranks of one job's pairs. */
export async function rankPairs(job: RankJob): Promise<Int32Array> {
  const simd = await threadKernels();
  const reduce = simd.bidiagonalize.bind(simd);
  const ranks = new Int32Array(job.pairs.length / 2);
  for (let p = 0; p < ranks.length; p++) {
    ranks[p] = sketchDifferenceRank(job.sketches[job.pairs[2 * p]!]!, job.sketches[job.pairs[2 * p + 1]!]!, job.epsilon, reduce);
  }
  return ranks;
}

/** Runs rank jobs one after the other in this thread. */
export const rankInProcess: RankRunner = async (jobs) => {
  const out: Int32Array[] = [];
  for (const job of jobs) out.push(await rankPairs(job));
  return out;
};
