/**
 * rank(u_l − v_l), the per-layer term of the LoRA distance ℓ_LoRA (paper Eq. 2): the number
 * of singular values of Δ = a − b above a threshold τ. Adaptive randomised range finder
 * (Halko, Martinsson & Tropp 2011, Alg. 4.2 with a growing sketch):
 *
 *   1. Y = Δ Ω with k Gaussian columns (deterministic seed), orthonormalised to Q
 *   2. B = Qᵀ Δ; its singular values approximate Δ's largest k from below
 *   3. if fewer than k − oversampling of them exceed τ, the sketch captured every direction
 *      above τ: that count is the rank. Otherwise add columns (k doubles) and repeat
 *   4. once k would pass a quarter of the smaller side, the sketch is no cheaper than an exact
 *      bidiagonalization of Δ, which is used instead
 *
 * τ = max(relativeEpsilon · σ_max, storage noise floor); see DEFAULT_RELATIVE_EPSILON and
 * NOISE_FLOOR_FACTOR for why both terms.
 */
import { MotherError } from "../errors.ts";
import type { Dtype } from "../types.ts";
import { bidiagonalize, bidiagonalSingularValue, countSingularValuesAbove } from "./bidiagonal-singular-values.ts";

/**
 * Relative threshold ε: a singular value counts when σ > ε·σ_max. 1e-4 is about what
 * `torch.linalg.matrix_rank` uses for f32 768×768 inputs (max(m,n)·ε_f32 ≈ 9e-5), so it keeps
 * the paper's behaviour on f32 weights. It is not what protects half-precision storage; the
 * noise floor below does that.
 */
export const DEFAULT_RELATIVE_EPSILON = 1e-4;

/** Unit roundoff (half an ulp, relative) of each storage dtype. */
export const UNIT_ROUNDOFF: Readonly<Record<Dtype, number>> = { F64: 2 ** -53, F32: 2 ** -24, F16: 2 ** -11, BF16: 2 ** -8 };

/**
 * Noise floor factor F: singular values at or below F·u·rms(w)·(√m+√n) are storage rounding.
 * Storing both models rounds each entry of Δ by at most an ulp each (RMS ≤ 0.82·u·rms(w));
 * an m×n matrix of such independent errors has largest singular value ≈ RMS·(√m+√n).
 * Measured by bench/difference-rank.ts on bf16-stored weights: the rounding noise's top σ is
 * ≈ 0.6·u·rms(w)·(√m+√n), so F = 1.2 sits 2× above it while still counting updates down to
 * about one bf16 ulp (test/distance/difference-rank.test.ts checks a bf16 LoRA child).
 */
export const NOISE_FLOOR_FACTOR = 1.2;

/** Sketch columns before oversampling in the first round. */
const INITIAL_SKETCH = 32;
/** Extra sketch columns: with p ≥ 5 the top singular values of B are accurate (Halko et al. §10). */
const OVERSAMPLING = 8;

/** Settings of differenceRank. */
export interface DifferenceRankOptions {
  /** Relative threshold ε (σ counts when σ > ε·σ_max). Default DEFAULT_RELATIVE_EPSILON. */
  readonly relativeEpsilon?: number;
  /**
   * Unit roundoff of the storage the weights came from (UNIT_ROUNDOFF[dtype]); sets the
   * noise floor. Default: detected from the values (all bf16-representable → bf16, f16 → f16,
   * f32 → f32), so f32 arrays upcast from a bf16 checkpoint are still treated as bf16.
   */
  readonly unitRoundoff?: number;
  /** Seed of the Gaussian sketch; results are deterministic for a fixed seed. */
  readonly seed?: number;
}

/**
 * Numerical rank of a − b for two rows×cols row-major layers: the number of singular values
 * of the difference above τ = max(ε·σ_max, NOISE_FLOOR_FACTOR·u·rms(a, b)·(√rows + √cols)), where
 * u·rms(a, b) is √((u_a²·Σa² + u_b²·Σb²) / (2·rows·cols)) when the two were stored differently.
 * Identical layers have rank 0. Cost ≈ 4·rows·cols·k for a rank well below k (k = 40 first),
 * an exact O(rows·cols²) bidiagonalization for ranks near full.
 */
export function differenceRank(
  a: Float32Array | Float64Array,
  b: Float32Array | Float64Array,
  rows: number,
  cols: number,
  options: DifferenceRankOptions = {},
): number {
  const { relativeEpsilon = DEFAULT_RELATIVE_EPSILON, seed = 0x1f2e3d } = options;
  if (a.length !== rows * cols || b.length !== rows * cols) {
    throw new MotherError("differenceRank", "layer sizes do not match the shape", { value: `${a.length} and ${b.length}`, limit: `${rows}×${cols}` });
  }
  const roundoffA = options.unitRoundoff ?? detectUnitRoundoff(a);
  const roundoffB = options.unitRoundoff ?? detectUnitRoundoff(b);

  // Δ in the given layout, then its transpose; the sketch works on the tall one (m ≥ n) and
  // reads the other for B = QᵀΔ (rank is transpose-invariant).
  const given = new Float64Array(rows * cols);
  let sumSquaresA = 0;
  let sumSquaresB = 0;
  let anyDifference = false;
  for (let i = 0; i < given.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    sumSquaresA += x * x;
    sumSquaresB += y * y;
    const d = x - y;
    if (d !== 0) anyDifference = true;
    given[i] = d;
  }
  if (!anyDifference) return 0;
  const transposed = transpose(given, rows, cols);
  const tall = rows >= cols;
  const m = tall ? rows : cols;
  const n = tall ? cols : rows;
  const delta = tall ? given : transposed;
  const deltaTransposed = tall ? transposed : given;
  // Each operand's rounding scales with its own precision and magnitude (an all-zero operand
  // is exactly representable in any format and adds no noise).
  const roundingScale = Math.sqrt((roundoffA ** 2 * sumSquaresA + roundoffB ** 2 * sumSquaresB) / (2 * m * n));
  const noiseFloor = NOISE_FLOOR_FACTOR * roundingScale * (Math.sqrt(m) + Math.sqrt(n));
  const thresholdFor = (largest: number) => Math.max(relativeEpsilon * largest, noiseFloor);

  // 1–3. growing sketch
  const gaussian = gaussianStream(seed);
  const basis: Float64Array[] = []; // orthonormal columns of Q, each length m
  const projected: Float64Array[] = []; // rows of B = QᵀΔ, each length n
  let sketch = INITIAL_SKETCH + OVERSAMPLING;
  while (sketch <= n / 4) {
    const added = sketch - basis.length;
    const dropped = extendBasis(delta, deltaTransposed, m, n, added, gaussian, basis, projected);
    const k = projected.length;
    if (k === 0) return 0;
    // singular values of B (k×n): bidiagonalize Bᵀ (n×k, n ≥ k)
    const projectedTransposed = new Float64Array(n * k);
    for (let c = 0; c < k; c++) {
      const row = projected[c]!;
      for (let j = 0; j < n; j++) projectedTransposed[j * k + c] = row[j]!;
    }
    const bidiagonal = bidiagonalize(projectedTransposed, n, k);
    const rank = countSingularValuesAbove(bidiagonal, thresholdFor(bidiagonalSingularValue(bidiagonal, 0, 1e-6)));
    // Dropped columns mean Y already spans range(Δ): nothing above τ is missing.
    if (rank + OVERSAMPLING <= sketch || dropped > 0) return rank;
    sketch *= 2;
  }

  // 4. exact
  const bidiagonal = bidiagonalize(delta, m, n);
  return countSingularValuesAbove(bidiagonal, thresholdFor(bidiagonalSingularValue(bidiagonal, 0, 1e-6)));
}

/**
 * Adds `count` columns to the range basis: Gaussian ω → y = Δω, orthonormalised against the
 * basis twice (classical Gram–Schmidt, twice is enough), and the matching rows qᵀΔ of B.
 * A column that vanishes after orthogonalisation lies in the span already (Δ's rank is below
 * the sketch size) and is dropped; returns how many were.
 */
function extendBasis(
  delta: Float64Array,
  deltaTransposed: Float64Array,
  m: number,
  n: number,
  count: number,
  gaussian: () => number,
  basis: Float64Array[],
  projected: Float64Array[],
): number {
  const omegas = new Float64Array(count * n);
  for (let i = 0; i < omegas.length; i++) omegas[i] = gaussian();
  const sketches = new Float64Array(count * m);
  multiplyRowsByVectors(delta, m, n, omegas, count, sketches);
  const accepted: Float64Array[] = [];
  for (let c = 0; c < count; c++) {
    const y = sketches.subarray(c * m, c * m + m);
    const original = norm(y);
    if (original === 0) continue;
    for (let pass = 0; pass < 2; pass++) {
      for (const q of basis) {
        let dot = 0;
        for (let i = 0; i < m; i++) dot += q[i]! * y[i]!;
        for (let i = 0; i < m; i++) y[i]! -= dot * q[i]!;
      }
    }
    const remaining = norm(y);
    if (remaining <= 1e-12 * original) continue;
    for (let i = 0; i < m; i++) y[i]! /= remaining;
    basis.push(y);
    accepted.push(y);
  }
  // B rows for the new basis vectors: (qᵀΔ)_j = Δᵀ[j, :]·q
  const packed = new Float64Array(accepted.length * m);
  accepted.forEach((q, c) => packed.set(q, c * m));
  const rowsOfB = new Float64Array(accepted.length * n);
  multiplyRowsByVectors(deltaTransposed, n, m, packed, accepted.length, rowsOfB);
  for (let c = 0; c < accepted.length; c++) projected.push(rowsOfB.subarray(c * n, c * n + n));
  return count - accepted.length;
}

/**
 * out[c·rows + i] = matrix[i, :] · vectors[c, :] for a rows×cols row-major matrix and `count`
 * vectors of length cols. Four vectors per sweep over a matrix row: the row is loaded once
 * for four dot products, which is what makes the sketch cheap in JS.
 */
function multiplyRowsByVectors(matrix: Float64Array, rows: number, cols: number, vectors: Float64Array, count: number, out: Float64Array): void {
  const blocked = count - (count % 4);
  for (let i = 0; i < rows; i++) {
    const row = i * cols;
    for (let c = 0; c < blocked; c += 4) {
      const v0 = c * cols;
      const v1 = v0 + cols;
      const v2 = v1 + cols;
      const v3 = v2 + cols;
      let d0 = 0;
      let d1 = 0;
      let d2 = 0;
      let d3 = 0;
      for (let j = 0; j < cols; j++) {
        const x = matrix[row + j]!;
        d0 += x * vectors[v0 + j]!;
        d1 += x * vectors[v1 + j]!;
        d2 += x * vectors[v2 + j]!;
        d3 += x * vectors[v3 + j]!;
      }
      out[c * rows + i] = d0;
      out[(c + 1) * rows + i] = d1;
      out[(c + 2) * rows + i] = d2;
      out[(c + 3) * rows + i] = d3;
    }
    for (let c = blocked; c < count; c++) {
      const v = c * cols;
      let dot = 0;
      for (let j = 0; j < cols; j++) dot += matrix[row + j]! * vectors[v + j]!;
      out[c * rows + i] = dot;
    }
  }
}

/** cols×rows transpose of a rows×cols row-major matrix, in 32×32 tiles to stay in cache. */
function transpose(matrix: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  const tile = 32;
  for (let i0 = 0; i0 < rows; i0 += tile) {
    const iEnd = Math.min(i0 + tile, rows);
    for (let j0 = 0; j0 < cols; j0 += tile) {
      const jEnd = Math.min(j0 + tile, cols);
      for (let i = i0; i < iEnd; i++) for (let j = j0; j < jEnd; j++) out[j * rows + i] = matrix[i * cols + j]!;
    }
  }
  return out;
}

function norm(vector: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < vector.length; i++) sum += vector[i]! * vector[i]!;
  return Math.sqrt(sum);
}

/**
 * Unit roundoff of the narrowest float format that holds every value exactly: bf16 when the
 * low 16 bits of every f32 pattern are zero, f16 when every value survives f16 rounding,
 * else f32 (or f64 for f64 arrays with values f32 cannot hold).
 */
export function detectUnitRoundoff(values: Float32Array | Float64Array): number {
  let f32 = values;
  if (values instanceof Float64Array) {
    for (let i = 0; i < values.length; i++) if (Math.fround(values[i]!) !== values[i]!) return UNIT_ROUNDOFF.F64;
    f32 = Float32Array.from(values);
  }
  const bits = new Uint32Array(f32.buffer, f32.byteOffset, f32.length);
  let bf16 = true;
  for (let i = 0; i < bits.length && bf16; i++) if ((bits[i]! & 0xffff) !== 0) bf16 = false;
  if (bf16) return UNIT_ROUNDOFF.BF16;
  for (let i = 0; i < f32.length; i++) if (Math.f16round(f32[i]!) !== f32[i]!) return UNIT_ROUNDOFF.F32;
  return UNIT_ROUNDOFF.F16;
}

/** Deterministic standard normals (splitmix32 → Box–Muller), so ranks repeat run to run. */
function gaussianStream(seed: number): () => number {
  let state = seed >>> 0;
  let spare: number | undefined;
  const uniform = (): number => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (((z ^ (z >>> 16)) >>> 0) + 0.5) / 4294967296;
  };
  return () => {
    if (spare !== undefined) {
      const value = spare;
      spare = undefined;
      return value;
    }
    const radius = Math.sqrt(-2 * Math.log(uniform()));
    const angle = 2 * Math.PI * uniform();
    spare = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  };
}
