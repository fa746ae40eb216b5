/**
 * ℓ_LoRA needs rank(S(u_l) − S(v_l)) for every pair of a LoRA tree and every sketched layer:
 * k²/2 · L ranks. They are independent, so they run as jobs on the layer workers, one job per
 * layer (its sketches travel once, not once per pair), in kernel memory with the SIMD kernels.
 *
 * Most pairs of a LoRA tree differ by a rank far below the sketch size (r for parent and
 * child, 2r for siblings), and a bidiagonalisation of the whole 168 × 160 core costs ~3 ms.
 * So each pair is first looked at through a narrower map, Δ Ω₂ (rows × NARROW_WIDTH, Ω₂ the
 * sketches' kind of sparse sign map): linear, so it adds no directions, and for a rank well
 * below its width it keeps every singular value within a small factor (a Johnson–Lindenstrauss
 * map on the row space). A rank up to NARROW_ACCEPT there is the pair's rank; above it, the
 * whole core decides, as before. On the bench's rank-8 LoRA layers that is ~5× less work.
 */
import type { LayerSketch } from "./low-rank-sketch.ts";
import { differenceNoiseFloor, rankAboveFloor, sketchDifferenceRank, sparseSigns } from "./low-rank-sketch.ts";
import { threadKernels, type WeightKernels } from "../kernels/weight-kernels.ts";

/** The pairs of one layer to rank. */
export interface RankJob {
  /** The layer's sketch for each model the pairs refer to. */
  readonly sketches: readonly LayerSketch[];
  /** Flattened (i, j) index pairs into `sketches`. */
  readonly pairs: Int32Array;
  readonly epsilon: number;
  /**
   * For a caller that asks only whether each rank is below this (auto's probe): a pair whose rank
   * is proven to be at least `atLeast` may be given `atLeast` instead of its rank (natively, whole
   * cores: a Gram–Cholesky test instead of a bidiagonalisation, rank-kernels.c). Every other rank is exact.
   */
  readonly atLeast?: number;
}

/** Runs rank jobs (in a worker pool or in-process); results in job order, one rank per pair. */
export type RankRunner = (jobs: readonly RankJob[]) => Promise<Int32Array[]>;

/** Width of the narrow first look at a pair's difference. */
const NARROW_WIDTH = 64;
/** Ranks up to this in the narrow look are final (half its width: singular values lose at most a small factor). */
const NARROW_ACCEPT = 32;
/** Seed of Ω₂ (the sketches use 0x5eed and 0x5eed + 1). */
const NARROW_SEED = 0x5eed + 2;

/** The ranks of one job's pairs. */
export async function rankPairs(job: RankJob): Promise<Int32Array> {
  const kernels = await threadKernels();
  const { rows, cols } = job.sketches[0] ?? { rows: 0, cols: 0 };
  // Wide whole layers are ranked transposed by the reference path.
  if (rows < cols) {
    const reduce = kernels.bidiagonalize.bind(kernels);
    return Int32Array.from({ length: job.pairs.length / 2 }, (_, p) =>
      sketchDifferenceRank(job.sketches[job.pairs[2 * p]!]!, job.sketches[job.pairs[2 * p + 1]!]!, job.epsilon, reduce),
    );
  }
  // Narrow cores gain nothing from the narrow look: each whole difference is ranked, formed in kernel memory.
  if (cols < 2 * NARROW_WIDTH) return kernels.scratch(() => rankWholeInKernels(job, rows, cols, kernels));
  return kernels.scratch(() => rankInKernels(job, rows, cols, kernels));
}

function rankInKernels(job: RankJob, rows: number, cols: number, kernels: WeightKernels): Int32Array {
  const count = rows * cols;
  const used = [...new Set(job.pairs)];
  const at = new Map(used.map((m) => [m, kernels.copyIn(job.sketches[m]!.data)]));
  const narrowMap = kernels.copySigns(sparseSigns(cols, NARROW_WIDTH, NARROW_SEED), cols);
  const difference = kernels.allocate(count * 8);
  const narrow = kernels.allocate(rows * NARROW_WIDTH * 8);
  // Unit i.i.d. noise in a core has σ_max ≈ √rows + √cols; through Ω₂ its entries' variance
  // scales by cols / width, and σ_max becomes √(cols/width)·(√rows + √width).
  const narrowGain = Math.sqrt(cols / NARROW_WIDTH) * ((Math.sqrt(rows) + Math.sqrt(NARROW_WIDTH)) / (Math.sqrt(rows) + Math.sqrt(cols)));
  const ranks = new Int32Array(job.pairs.length / 2);
  for (let p = 0; p < ranks.length; p++) {
    const a = job.sketches[job.pairs[2 * p]!]!;
    const b = job.sketches[job.pairs[2 * p + 1]!]!;
    kernels.subtract(at.get(job.pairs[2 * p]!)!, at.get(job.pairs[2 * p + 1]!)!, count, difference);
    kernels.sketchColumnsInto(difference, rows, cols, narrowMap, NARROW_WIDTH, narrow);
    const rank = rankAboveFloor(kernels.bidiagonalizeInPlace(narrow, rows, NARROW_WIDTH), job.epsilon, differenceNoiseFloor(a, b, a.noiseGain * narrowGain));
    ranks[p] =
      rank <= NARROW_ACCEPT ? rank : rankAboveFloor(kernels.bidiagonalizeInPlace(difference, rows, cols), job.epsilon, differenceNoiseFloor(a, b, a.noiseGain));
  }
  return ranks;
}

/**
 * sketchDifferenceRank of every pair (rows ≥ cols), with the sketches copied into kernel memory
 * once and each difference formed there: the same subtraction and bidiagonalisation, so the
 * same ranks, without two fresh arrays and a copy per pair.
 */
function rankWholeInKernels(job: RankJob, rows: number, cols: number, kernels: WeightKernels): Int32Array {
  const count = rows * cols;
  const used = [...new Set(job.pairs)];
  // Natively, every pair in one call (rank-kernels.c: the same subtraction, bidiagonalisation and count).
  const slots = kernels.allocate(used.length * count * 8);
  for (const [slot, m] of used.entries()) kernels.f64(slots + slot * count * 8, count).set(job.sketches[m]!.data);
  const slotOf = new Map(used.map((m, slot) => [m, slot]));
  const floors = Float64Array.from({ length: job.pairs.length / 2 }, (_, p) => {
    const a = job.sketches[job.pairs[2 * p]!]!;
    return differenceNoiseFloor(a, job.sketches[job.pairs[2 * p + 1]!]!, a.noiseGain);
  });
  const native = kernels.rankDifferences(
    slots,
    used.length,
    rows,
    cols,
    Int32Array.from(job.pairs, (m) => slotOf.get(m)!),
    floors,
    job.epsilon,
    job.atLeast,
  );
  if (native) return native;
  const at = (m: number) => slots + slotOf.get(m)! * count * 8;
  const difference = kernels.allocate(count * 8);
  const ranks = new Int32Array(job.pairs.length / 2);
  for (let p = 0; p < ranks.length; p++) {
    kernels.subtract(at(job.pairs[2 * p]!), at(job.pairs[2 * p + 1]!), count, difference);
    ranks[p] = rankAboveFloor(kernels.bidiagonalizeInPlace(difference, rows, cols), job.epsilon, floors[p]!);
  }
  return ranks;
}

/** Runs rank jobs one after the other in this thread. */
export const rankInProcess: RankRunner = async (jobs) => {
  const out: Int32Array[] = [];
  for (const job of jobs) out.push(await rankPairs(job));
  return out;
};
