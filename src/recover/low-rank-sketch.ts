/**
 * ℓ_LoRA needs rank(u_l − v_l) for every pair of models in a tree (paper Eq. 2). Reading each
 * layer once and doing an SVD of every full-size difference would cost O(n² · m · n_cols²).
 * Instead every model's layer is compressed once, while it is in memory, to a two-sided
 * sparse random sketch  S(W) = Ψᵀ W Ω  (k' × k). Sketching is linear, so S(u) − S(v) = S(u − v),
 * and for rank(u − v) < k the sketch keeps the rank exactly (with probability 1). The pair
 * ranks are then computed later, only for pairs inside the same cluster, on k' × k matrices.
 *
 * Layers whose smaller side is at most `sketchSize` are kept whole (S = W): no distortion.
 * Larger layers saturate at k = sketchSize: a difference of rank ≥ k reads as rank k, which
 * is still "far" for tree building.
 *
 * A singular value of the difference counts when it is above both ε·σ_max and the largest
 * singular value that storage rounding alone would give (the noise floor): a LoRA child
 * saved in bf16 differs from its parent by a rank-r update plus full-rank rounding noise.
 */
import type { Dtype } from "../types.ts";
import { bidiagonalize, bidiagonalSingularValue, countSingularValuesAbove, type Bidiagonal } from "../distance/bidiagonal-singular-values.ts";
import { NOISE_FLOOR_FACTOR, UNIT_ROUNDOFF } from "../distance/storage-noise.ts";
import { makeUniform } from "./seeded-random.ts";
import type { SparseSigns, WeightKernels } from "../kernels/weight-kernels.ts";

/** Default sketch width. LoRA ranks up to 64 give sibling differences up to rank 128. */
export const DEFAULT_SKETCH_SIZE = 160;
/** Extra rows in Ψ so that Ψᵀ restricted to the column space of Δ is well conditioned. */
const OVERSAMPLING = 8;
/**
 * Non-zeros per row of each sparse sign sketch (OSNAP-style). A dense Gaussian sketch costs
 * rows·cols·k multiply-adds per model and layer (seconds for a 1024² layer in JS); a sparse
 * one costs rows·cols·SPARSITY and keeps the rank of a generic low-rank Δ just as well.
 * Two, not four: on a 1024 × 768 layer both read the true rank of LoRA updates of rank 1, 8,
 * 32, 64, 100, 128, 150 and 159 in f32 and up to 128 in bf16 (beyond that the bf16 noise floor
 * hides the weakest directions alike: 143–147 for 150–159), at half the sketching cost
 * (bench/recover-read.ts --mode lora: 1.58 → 1.31 s, CPU 2.9 → 2.4 s).
 */
const SPARSITY = 2;

/**
 * Relative threshold: σ counts when σ > ε·σ_max. Sketching is an exact linear map, so it adds
 * no spurious directions; 1e-4 (about torch.linalg.matrix_rank's for f32 768² inputs) leaves
 * room for the sketch's distortion of the spectrum. Storage rounding is the noise floor's job.
 */
export const DEFAULT_RANK_EPSILON = 1e-4;

/** A sketch of one layer of one model, with what its noise floor needs. */
export interface LayerSketch {
  /** Sketch shape (rows × cols, row-major f64). */
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
  /**
   * How much i.i.d. noise of unit standard deviation per weight grows in the sketch's
   * spectrum: the largest singular value of a sketched (or whole) unit-noise matrix.
   */
  readonly noiseGain: number;
  /** Unit roundoff of the stored dtype times the layer's root-mean-square weight. */
  readonly roundingScale: number;
}

/** Sketches one layer shape; the same sketcher must serve every model of a tree. */
export interface Sketcher {
  /** The sketch of `weights` (rows × cols, row-major); `rms` defaults to computing it. */
  sketch(weights: Float32Array | Float64Array, dtype?: Dtype, rms?: number): LayerSketch;
  /**
   * `models` sketches built by the SIMD kernels from f32 row blocks in kernel memory (the
   * recovery pass streams a layer a chunk at a time). Allocates all their kernel memory now.
   */
  streamInKernels(kernels: WeightKernels, models: number): StreamingSketch[];
  /**
   * The sketches of whole layers whose f32 values lie in kernel memory at `pointers`, model m's
   * finished with dtypes[m] and rms[m], in one native call: streamInKernels' bits. Undefined
   * where it cannot (no native kernels, or no such path for this sketcher).
   */
  sketchLyingAt?(kernels: WeightKernels, pointers: readonly number[], dtypes: readonly Dtype[], rms: readonly number[]): LayerSketch[] | undefined;
}

/** A sketch fed a layer's rows in order, block by block. */
export interface StreamingSketch {
  /** Adds rows [firstRow, firstRow + rows) whose f32 values sit at `pointer` in kernel memory. */
  addRows(pointer: number, firstRow: number, rows: number): void;
  finish(dtype: Dtype, rms: number): LayerSketch;
}

/** Builds the sketch operator for one layer shape. */
export function makeSketcher(rows: number, cols: number, sketchSize = DEFAULT_SKETCH_SIZE, seed = 0x5eed): Sketcher {
  if (Math.min(rows, cols) <= sketchSize) return wholeLayer(rows, cols);
  const k = sketchSize;
  const kLeft = sketchSize + OVERSAMPLING;
  const right = sparseSigns(cols, k, seed); // Ω: cols → k
  const left = sparseSigns(rows, kLeft, seed + 1); // Ψ: rows → kLeft
  // Each sketch entry sums rows·cols/(k·kLeft) noise terms on average (weights 1/√s each, s² hits).
  const noiseGain = Math.sqrt((rows * cols) / (k * kLeft)) * (Math.sqrt(k) + Math.sqrt(kLeft));
  return {
    sketch: (weights, dtype = "F32", rms = rootMeanSquare(weights)) => {
      // Ψᵀ W (kLeft × cols): every row of W is added, with its sign, into SPARSITY rows.
      const partial = new Float64Array(kLeft * cols);
      for (let r = 0; r < rows; r++) {
        for (let s = 0; s < SPARSITY; s++) {
          const out = left.bucket[r * SPARSITY + s]! * cols;
          const sign = left.sign[r * SPARSITY + s]!;
          for (let c = 0; c < cols; c++) partial[out + c]! += sign * weights[r * cols + c]!;
        }
      }
      return finishedSketch(timesRightSigns(partial, kLeft, cols, right, k), kLeft, k, noiseGain, dtype, rms);
    },
    streamInKernels: (kernels, models) => {
      const leftSigns = kernels.copySigns(left, rows);
      const rightSigns = kernels.copySigns(right, cols);
      return Array.from({ length: models }, () => {
        const partial = kernels.allocate(kLeft * cols * 8);
        kernels.f64(partial, kLeft * cols).fill(0);
        return {
          addRows: (pointer, firstRow, count) => kernels.addSketchRows(pointer, firstRow, count, cols, leftSigns, partial),
          finish: (dtype, rms) => finishedSketch(kernels.sketchColumns(partial, kLeft, cols, rightSigns, k), kLeft, k, noiseGain, dtype, rms),
        };
      });
    },
  };
}

/**
 * A cheaper sketch for telling a low rank from a high one (auto's probe, probe-low-rank.ts):
 * Ψ selects `width` + 8 evenly spaced rows instead of mixing all of them, so sketching costs a
 * copy of those rows rather than SPARSITY passes over the layer, and the core is `width` wide.
 * Selecting rows is linear, so S(u) − S(v) = S(u − v) and rank(S(Δ)) ≤ rank(Δ): a difference
 * of rank below `width` keeps its rank whenever the sampled rows of its column factor do
 * (generic for a LoRA update B·A), and a dense difference saturates at `width`. Unlike the
 * mixing sketch it can miss an update confined to rows it skips (a fused qkv adapted in one
 * part only would need more than one row in 1/(width + 8) of the rows), so ℓ_LoRA itself
 * always uses makeSketcher.
 */
export function makeRowSampleSketcher(rows: number, cols: number, width: number, seed = 0x5eed): Sketcher {
  if (Math.min(rows, cols) <= width) return wholeLayer(rows, cols);
  const kLeft = Math.min(rows, width + OVERSAMPLING);
  const sampled = Int32Array.from({ length: kLeft }, (_, i) => Math.floor((i * rows) / kLeft));
  const right = sparseSigns(cols, width, seed); // Ω: cols → width
  // Each entry sums cols·SPARSITY/width terms of weight 1/√SPARSITY: variance cols/width.
  const noiseGain = Math.sqrt(cols / width) * (Math.sqrt(width) + Math.sqrt(kLeft));
  /** Copies the sampled rows among [firstRow, firstRow + count) of `block` into `partial` (f64). */
  const gather = (partial: Float64Array, block: Float32Array | Float64Array, firstRow: number, count: number) => {
    for (const [i, row] of sampled.entries()) {
      if (row >= firstRow && row < firstRow + count) partial.set(block.subarray((row - firstRow) * cols, (row - firstRow + 1) * cols), i * cols);
    }
  };
  return {
    sketch: (weights, dtype = "F32", rms = rootMeanSquare(weights)) => {
      const partial = new Float64Array(kLeft * cols);
      gather(partial, weights, 0, rows);
      return finishedSketch(timesRightSigns(partial, kLeft, cols, right, width), kLeft, width, noiseGain, dtype, rms);
    },
    streamInKernels: (kernels, models) => {
      const rightSigns = kernels.copySigns(right, cols);
      // Sampled row i goes, unchanged, to row i of the partial: the sketch-rows kernel with an
      // identity map widens it to f64 (a cross-type TypedArray copy took ~2× as long).
      const identity = kernels.copySigns({ bucket: Int32Array.from({ length: kLeft }, (_, i) => i), sign: new Float64Array(kLeft).fill(1) }, kLeft);
      return Array.from({ length: models }, () => {
        const partial = kernels.allocate(kLeft * cols * 8);
        kernels.f64(partial, kLeft * cols).fill(0);
        return {
          addRows: (pointer, firstRow, count) => {
            // A run of consecutive sampled rows (every row, when the sample keeps them all) is one call:
            // the identity map adds each row once into its own row of the partial, in any grouping.
            for (let i = 0; i < kLeft; ) {
              const row = sampled[i]!;
              if (row < firstRow || row >= firstRow + count) {
                i++;
                continue;
              }
              let run = 1;
              while (i + run < kLeft && sampled[i + run] === row + run && row + run < firstRow + count) run++;
              kernels.addSketchRows(pointer + (row - firstRow) * cols * 4, i, run, cols, identity, partial);
              i += run;
            }
          },
          finish: (dtype, rms) => finishedSketch(kernels.sketchColumns(partial, kLeft, cols, rightSigns, width), kLeft, width, noiseGain, dtype, rms),
        };
      });
    },
    sketchLyingAt: (kernels, pointers, dtypes, rms) =>
      kernels.scratch(() =>
        kernels
          .rowSampleSketches(pointers, cols, sampled, kernels.copySigns(right, cols), width)
          ?.map((data, m) => finishedSketch(data, kLeft, width, noiseGain, dtypes[m]!, rms[m]!)),
      ),
  };
}

/** (Ψᵀ W) Ω for a rows × cols f64 `partial`: every column lands in SPARSITY of the `width` columns. */
function timesRightSigns(partial: Float64Array, rows: number, cols: number, right: SparseSigns, width: number): Float64Array {
  const core = new Float64Array(rows * width);
  for (let i = 0; i < rows; i++) {
    for (let c = 0; c < cols; c++) {
      const value = partial[i * cols + c]!;
      for (let s = 0; s < SPARSITY; s++) core[i * width + right.bucket[c * SPARSITY + s]!]! += right.sign[c * SPARSITY + s]! * value;
    }
  }
  return core;
}

function finishedSketch(data: Float64Array, rows: number, cols: number, noiseGain: number, dtype: Dtype, rms: number): LayerSketch {
  return { rows, cols, data, noiseGain, roundingScale: UNIT_ROUNDOFF[dtype] * rms };
}

/** Small layers are kept whole (S = W): no distortion, and nothing to sketch. */
function wholeLayer(rows: number, cols: number): Sketcher {
  const noiseGain = Math.sqrt(rows) + Math.sqrt(cols);
  const result = (data: Float64Array, dtype: Dtype, rms: number) => finishedSketch(data, rows, cols, noiseGain, dtype, rms);
  return {
    sketch: (weights, dtype = "F32", rms = rootMeanSquare(weights)) => result(Float64Array.from(weights), dtype, rms),
    streamInKernels: (kernels, models) =>
      Array.from({ length: models }, () => {
        const data = new Float64Array(rows * cols);
        return {
          addRows: (pointer, firstRow, count) => data.set(kernels.f32(pointer, count * cols), firstRow * cols),
          finish: (dtype, rms) => result(data, dtype, rms),
        };
      }),
  };
}

/** A Householder bidiagonalisation: the TypeScript one, or the SIMD kernel's (WeightKernels). */
export type Bidiagonalizer = (matrix: Float64Array, rows: number, cols: number) => Bidiagonal;

/**
 * rank(S(u) − S(v)) = rank(u − v) for ranks below the sketch size: the number of singular
 * values above max(ε·σ_max, NOISE_FLOOR_FACTOR · rounding RMS of Δ · noiseGain).
 */
export function sketchDifferenceRank(a: LayerSketch, b: LayerSketch, epsilon = DEFAULT_RANK_EPSILON, reduce: Bidiagonalizer = bidiagonalize): number {
  const transpose = a.rows < a.cols;
  const [rows, cols] = transpose ? [a.cols, a.rows] : [a.rows, a.cols];
  const diff = new Float64Array(a.data.length);
  if (transpose) {
    for (let r = 0; r < a.rows; r++) for (let c = 0; c < a.cols; c++) diff[c * a.rows + r] = a.data[r * a.cols + c]! - b.data[r * a.cols + c]!;
  } else {
    for (let i = 0; i < diff.length; i++) diff[i] = a.data[i]! - b.data[i]!;
  }
  return rankAboveFloor(reduce(diff, rows, cols), epsilon, differenceNoiseFloor(a, b, a.noiseGain));
}

/**
 * The largest singular value storage rounding alone would give the difference of `a` and `b`
 * through a map of noise gain `noiseGain`. Each stored value is off by up to one rounding step;
 * Δ's rounding RMS is ≈ 0.82·u·rms for uniform errors in both operands (storage-noise.ts).
 */
export function differenceNoiseFloor(a: LayerSketch, b: LayerSketch, noiseGain: number): number {
  const roundingRms = Math.sqrt((a.roundingScale ** 2 + b.roundingScale ** 2) / 2);
  return NOISE_FLOOR_FACTOR * roundingRms * noiseGain;
}

/**
 * Doubling the noise floor must keep at least this fraction of the rank counted above it, or the
 * rank is the floor's, not the update's. A low-rank update (LoRA, rank r) has r singular values
 * clear of rounding and a gap after them: doubling the floor keeps all r. A short full fine-tune
 * stored in bf16 has a full-rank spectrum that decays smoothly into the floor: on the PyTorch
 * Llama-like family (64² layers, lr 1e-4, 150–250 steps) 22–38 of 64 values sit above the floor
 * and only 56–69 % of them above twice it, which read as rank ~30 < 32, an `adapter` edge (issue #12).
 */
export const STABLE_RANK_FRACTION = 0.8;

/**
 * The number of singular values of a bidiagonalised difference above max(ε·σ_max, `noiseFloor`),
 * or all of them (full rank) when the noise floor sets the threshold and the count is not stable
 * under doubling it (STABLE_RANK_FRACTION): a full-rank spectrum whose tail rounding hides.
 */
export function rankAboveFloor(bidiagonal: Bidiagonal, epsilon: number, noiseFloor: number): number {
  const largest = countSingularValuesAbove(bidiagonal, 0) === 0 ? 0 : bidiagonalSingularValue(bidiagonal, 0, 1e-6);
  if (largest === 0) return 0;
  const rank = countSingularValuesAbove(bidiagonal, Math.max(epsilon * largest, noiseFloor));
  if (noiseFloor <= epsilon * largest || rank === 0) return rank;
  const stable = countSingularValuesAbove(bidiagonal, 2 * noiseFloor) >= STABLE_RANK_FRACTION * rank;
  return stable ? rank : bidiagonal.diagonal.length;
}

function rootMeanSquare(values: Float32Array | Float64Array): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]! * values[i]!;
  return values.length === 0 ? 0 : Math.sqrt(sum / values.length);
}

/** For each of `count` inputs, SPARSITY distinct buckets in [0, width) and signs ±1/√SPARSITY. */
export function sparseSigns(count: number, width: number, seed: number): SparseSigns {
  // Every layer of a shape uses the same map (milliseconds to draw for 4096 inputs): draw it once per thread.
  const key = `${count}:${width}:${seed}`;
  let map = signMaps.get(key);
  if (!map) signMaps.set(key, (map = drawSparseSigns(count, width, seed)));
  return map;
}

/** Sparse sign maps drawn so far in this thread (read-only once drawn). */
const signMaps = new Map<string, SparseSigns>();

function drawSparseSigns(count: number, width: number, seed: number): SparseSigns {
  const uniforms = makeUniform(count * SPARSITY * 8, seed);
  let next = 0;
  const bucket = new Int32Array(count * SPARSITY);
  const sign = new Float64Array(count * SPARSITY);
  const scale = 1 / Math.sqrt(SPARSITY);
  for (let i = 0; i < count; i++) {
    const chosen = bucket.subarray(i * SPARSITY, (i + 1) * SPARSITY);
    for (let s = 0; s < SPARSITY; s++) {
      let b: number;
      do b = Math.floor(uniforms[next++ % uniforms.length]! * width);
      while (chosen.subarray(0, s).includes(b));
      chosen[s] = b;
      sign[i * SPARSITY + s] = uniforms[next++ % uniforms.length]! < 0.5 ? -scale : scale;
    }
  }
  return { bucket, sign };
}
