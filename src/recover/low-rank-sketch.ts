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
import { bidiagonalize, bidiagonalSingularValue, countSingularValuesAbove } from "../distance/bidiagonal-singular-values.ts";
import { NOISE_FLOOR_FACTOR, UNIT_ROUNDOFF } from "../distance/storage-noise.ts";
import { makeUniform } from "./seeded-random.ts";

/** Default sketch width. LoRA ranks up to 64 give sibling differences up to rank 128. */
export const DEFAULT_SKETCH_SIZE = 160;
/** Extra rows in Ψ so that Ψᵀ restricted to the column space of Δ is well conditioned. */
const OVERSAMPLING = 8;
/**
 * Non-zeros per row of each sparse sign sketch (OSNAP-style). A dense Gaussian sketch costs
 * rows·cols·k multiply-adds per model and layer (seconds for a 1024² layer in JS); a sparse
 * one costs rows·cols·SPARSITY and keeps the rank of a generic low-rank Δ just as well.
 */
const SPARSITY = 4;

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

/** Builds the sketch operator for one layer shape; the same operator must serve every model. */
export function makeSketcher(rows: number, cols: number, sketchSize = DEFAULT_SKETCH_SIZE, seed = 0x5eed) {
  const roundingScaleOf = (weights: Float32Array | Float64Array, dtype: Dtype) => UNIT_ROUNDOFF[dtype] * rootMeanSquare(weights);
  if (Math.min(rows, cols) <= sketchSize) {
    const noiseGain = Math.sqrt(rows) + Math.sqrt(cols);
    return (weights: Float32Array | Float64Array, dtype: Dtype = "F32"): LayerSketch => ({
      rows,
      cols,
      data: Float64Array.from(weights),
      noiseGain,
      roundingScale: roundingScaleOf(weights, dtype),
    });
  }
  const k = sketchSize;
  const kLeft = sketchSize + OVERSAMPLING;
  const right = sparseSigns(cols, k, seed); // Ω: cols → k
  const left = sparseSigns(rows, kLeft, seed + 1); // Ψ: rows → kLeft
  // Each sketch entry sums rows·cols/(k·kLeft) noise terms on average (weights 1/√s each, s² hits).
  const noiseGain = Math.sqrt((rows * cols) / (k * kLeft)) * (Math.sqrt(k) + Math.sqrt(kLeft));
  return (weights: Float32Array | Float64Array, dtype: Dtype = "F32"): LayerSketch => {
    // W Ω (rows × k): every column of W lands in SPARSITY buckets with a random sign.
    const projected = new Float64Array(rows * k);
    for (let r = 0; r < rows; r++) {
      const out = r * k;
      const row = r * cols;
      for (let c = 0; c < cols; c++) {
        const w = weights[row + c]!;
        const base = c * SPARSITY;
        for (let s = 0; s < SPARSITY; s++) projected[out + right.bucket[base + s]!]! += w * right.sign[base + s]!;
      }
    }
    // Ψᵀ (W Ω) (kLeft × k): every row lands in SPARSITY buckets likewise.
    const core = new Float64Array(kLeft * k);
    for (let r = 0; r < rows; r++) {
      const base = r * SPARSITY;
      for (let s = 0; s < SPARSITY; s++) {
        const out = left.bucket[base + s]! * k;
        const sign = left.sign[base + s]!;
        for (let j = 0; j < k; j++) core[out + j]! += sign * projected[r * k + j]!;
      }
    }
    return { rows: kLeft, cols: k, data: core, noiseGain, roundingScale: roundingScaleOf(weights, dtype) };
  };
}

/**
 * rank(S(u) − S(v)) = rank(u − v) for ranks below the sketch size: the number of singular
 * values above max(ε·σ_max, NOISE_FLOOR_FACTOR · rounding RMS of Δ · noiseGain).
 */
export function sketchDifferenceRank(a: LayerSketch, b: LayerSketch, epsilon = DEFAULT_RANK_EPSILON): number {
  const transpose = a.rows < a.cols;
  const [rows, cols] = transpose ? [a.cols, a.rows] : [a.rows, a.cols];
  const diff = new Float64Array(a.data.length);
  if (transpose) {
    for (let r = 0; r < a.rows; r++) for (let c = 0; c < a.cols; c++) diff[c * a.rows + r] = a.data[r * a.cols + c]! - b.data[r * a.cols + c]!;
  } else {
    for (let i = 0; i < diff.length; i++) diff[i] = a.data[i]! - b.data[i]!;
  }
  const bidiagonal = bidiagonalize(diff, rows, cols);
  const largest = countSingularValuesAbove(bidiagonal, 0) === 0 ? 0 : bidiagonalSingularValue(bidiagonal, 0, 1e-6);
  if (largest === 0) return 0;
  // Each stored value is off by up to one rounding step; Δ's rounding RMS is ≈ 0.82·u·rms for
  // uniform errors in both operands (see storage-noise.ts for the measured factor).
  const roundingRms = Math.sqrt((a.roundingScale ** 2 + b.roundingScale ** 2) / 2);
  const noiseFloor = NOISE_FLOOR_FACTOR * roundingRms * a.noiseGain;
  return countSingularValuesAbove(bidiagonal, Math.max(epsilon * largest, noiseFloor));
}

function rootMeanSquare(values: Float32Array | Float64Array): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]! * values[i]!;
  return values.length === 0 ? 0 : Math.sqrt(sum / values.length);
}

/** For each of `count` inputs, SPARSITY distinct buckets in [0, width) and signs ±1/√SPARSITY. */
function sparseSigns(count: number, width: number, seed: number): { bucket: Int32Array; sign: Float64Array } {
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
