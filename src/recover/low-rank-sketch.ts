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
 */
import { makeUniform } from "./seeded-random.ts";

/** Default sketch width. LoRA ranks up to 64 give sibling differences up to rank 128. */
export const DEFAULT_SKETCH_SIZE = 160;
/** Extra rows in Ψ so that Ψᵀ restricted to the column space of Δ is well conditioned. */
const OVERSAMPLING = 8;

/**
 * Relative threshold for counting singular values (here: pivoted-QR diagonal magnitudes):
 * a direction counts when |r_ii| > ε·|r_11|. f32 weights round at 2^-24 relative and bf16 at
 * 2^-9; ε = 1e-2 sits well above f32 noise, and above the full-rank noise bf16 rounding adds
 * to a difference as long as the real update is not far below the weights' own rounding step.
 */
export const DEFAULT_RANK_EPSILON = 1e-2;

/** A sketch of one layer of one model: `rows × cols`, row-major, f64. */
export interface LayerSketch {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

/**
 * Non-zeros per row of each sparse sign sketch (OSNAP-style). A dense Gaussian sketch costs
 * rows·cols·k multiply-adds per model and layer (seconds for a 1024² layer in JS); a sparse
 * one costs rows·cols·SPARSITY and keeps the rank of a generic low-rank Δ just as well.
 */
const SPARSITY = 4;

/** Builds the sketch operator for one layer shape; the same operator must serve every model. */
export function makeSketcher(rows: number, cols: number, sketchSize = DEFAULT_SKETCH_SIZE, seed = 0x5eed) {
  if (Math.min(rows, cols) <= sketchSize) {
    return (weights: Float32Array | Float64Array): LayerSketch => ({ rows, cols, data: Float64Array.from(weights) });
  }
  const k = sketchSize;
  const kLeft = sketchSize + OVERSAMPLING;
  const right = sparseSigns(cols, k, seed); // Ω: cols → k
  const left = sparseSigns(rows, kLeft, seed + 1); // Ψ: rows → kLeft
  return (weights: Float32Array | Float64Array): LayerSketch => {
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
    return { rows: kLeft, cols: k, data: core };
  };
}

/** rank(S(u) − S(v)) = rank(u − v) for ranks below the sketch size. */
export function sketchDifferenceRank(a: LayerSketch, b: LayerSketch, epsilon = DEFAULT_RANK_EPSILON): number {
  const diff = new Float64Array(a.data.length);
  for (let i = 0; i < diff.length; i++) diff[i] = a.data[i]! - b.data[i]!;
  return numericalRank(diff, a.rows, a.cols, epsilon);
}

/**
 * Numerical rank by Householder QR with column pivoting (Businger–Golub): the pivoted
 * diagonal |r_ii| decreases and tracks the singular values closely enough to count those
 * above ε·|r_11|. O(rows · cols · rank) — it stops as soon as the remaining columns fall
 * below the threshold. Destroys `matrix` (row-major rows × cols).
 */
export function numericalRank(matrix: Float64Array, rows: number, cols: number, epsilon = DEFAULT_RANK_EPSILON): number {
  const columnNorms = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = matrix[r * cols + c]!;
      columnNorms[c]! += v * v;
    }
  }
  const limit = Math.min(rows, cols);
  let threshold = -1;
  let rank = 0;
  for (let step = 0; step < limit; step++) {
    // Pivot: the remaining column with the largest norm (norms recomputed exactly, cheap at sketch sizes).
    let pivot = step;
    let best = -1;
    for (let c = step; c < cols; c++) {
      let norm = 0;
      for (let r = step; r < rows; r++) {
        const v = matrix[r * cols + c]!;
        norm += v * v;
      }
      columnNorms[c] = norm;
      if (norm > best) {
        best = norm;
        pivot = c;
      }
    }
    const magnitude = Math.sqrt(best);
    if (threshold < 0) {
      if (magnitude === 0) return 0;
      threshold = epsilon * magnitude;
    }
    if (magnitude <= threshold) break;
    rank++;
    if (pivot !== step) {
      for (let r = 0; r < rows; r++) {
        const row = r * cols;
        const t = matrix[row + step]!;
        matrix[row + step] = matrix[row + pivot]!;
        matrix[row + pivot] = t;
      }
    }
    // Householder reflector zeroing column `step` below the diagonal.
    const head = matrix[step * cols + step]!;
    const alpha = head >= 0 ? -magnitude : magnitude;
    const v0 = head - alpha;
    let vNorm2 = v0 * v0;
    for (let r = step + 1; r < rows; r++) {
      const v = matrix[r * cols + step]!;
      vNorm2 += v * v;
    }
    if (vNorm2 === 0) continue;
    matrix[step * cols + step] = v0;
    for (let c = step + 1; c < cols; c++) {
      let dot = 0;
      for (let r = step; r < rows; r++) dot += matrix[r * cols + step]! * matrix[r * cols + c]!;
      const scale = (2 * dot) / vNorm2;
      for (let r = step; r < rows; r++) matrix[r * cols + c]! -= scale * matrix[r * cols + step]!;
    }
  }
  return rank;
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
