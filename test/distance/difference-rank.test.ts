import { describe, expect, test } from "bun:test";
import { Matrix, SVD } from "ml-matrix";
import { DEFAULT_RELATIVE_EPSILON, detectUnitRoundoff, differenceRank, UNIT_ROUNDOFF } from "../../src/distance/difference-rank.ts";

function normals(seed: number): () => number {
  let state = seed >>> 0;
  const uniform = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state + 0.5) / 2 ** 32;
  };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

/** rows×cols product of Gaussian rows×rank and rank×cols factors: rank exactly `rank`. */
function lowRank(rows: number, cols: number, rank: number, seed: number, scale = 1): Float64Array {
  const gaussian = normals(seed);
  const left = Float64Array.from({ length: rows * rank }, gaussian);
  const right = Float64Array.from({ length: rank * cols }, gaussian);
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++)
    for (let k = 0; k < rank; k++) {
      const l = left[i * rank + k]! * scale;
      for (let j = 0; j < cols; j++) out[i * cols + j]! += l * right[k * cols + j]!;
    }
  return out;
}

/** Oracle: ml-matrix's full SVD, counting σ > ε·σ_max (f64 inputs: the noise floor is negligible). */
function svdRank(delta: Float64Array, rows: number, cols: number): number {
  const sigma = new SVD(new Matrix(Array.from({ length: rows }, (_, i) => Array.from(delta.subarray(i * cols, (i + 1) * cols)))), {
    computeLeftSingularVectors: false,
    computeRightSingularVectors: false,
    autoTranspose: true,
  }).diagonal;
  return sigma.filter((s) => s > DEFAULT_RELATIVE_EPSILON * sigma[0]!).length;
}

const bits = new Uint32Array(1);
const word = new Float32Array(bits.buffer);
/** Round to bf16 (nearest, ties to even), as a checkpoint saved in bf16 would. */
function toBf16(x: number): number {
  word[0] = x;
  const b = bits[0]!;
  bits[0] = ((b + 0x7fff + ((b >>> 16) & 1)) >>> 0) & 0xffff0000;
  return word[0]!;
}

describe("differenceRank", () => {
  test("equals the SVD rank of random low-rank differences, on both the sketch and the exact path", () => {
    const rows = 200;
    const cols = 164; // smaller side / 4 ≥ 40: the first sketch round runs
    const base = lowRank(rows, cols, cols, 1); // full-rank "parent"
    for (const [rank, seed, checkWithSvd] of [[1, 2, false], [5, 3, true], [30, 4, false], [60, 5, true]] as const) {
      const update = lowRank(rows, cols, rank, seed, 0.01);
      const child = base.map((x, i) => x + update[i]!);
      // ml-matrix's full SVD is the oracle (slow in JS, so for one sketch-path and one exact-path case)
      const expected = checkWithSvd ? svdRank(child.map((x, i) => x - base[i]!), rows, cols) : rank;
      expect(expected).toBe(rank);
      expect(differenceRank(child, base, rows, cols)).toBe(expected);
      // wide orientation: same rank of the transpose
      const transpose = (m: Float64Array) => Float64Array.from({ length: rows * cols }, (_, k) => m[(k % rows) * cols + Math.floor(k / rows)]!);
      expect(differenceRank(transpose(child), transpose(base), cols, rows)).toBe(expected);
    }
  });

  test("counts a smoothly decaying spectrum exactly where it crosses ε·σ_max (sketch path)", () => {
    // Δ = U diag(σ) Vᵀ with σ_i / σ_0 = 10^(−i/4): 16 values above 10^−3.875·σ_max
    const rows = 220;
    const cols = 180;
    const gaussian = normals(51);
    const orthonormalColumns = (length: number, count: number): Float64Array[] => {
      const columns: Float64Array[] = [];
      while (columns.length < count) {
        const v = Float64Array.from({ length }, gaussian);
        for (let pass = 0; pass < 2; pass++)
          for (const q of columns) {
            const dot = q.reduce((s, x, i) => s + x * v[i]!, 0);
            q.forEach((x, i) => (v[i]! -= dot * x));
          }
        const length2 = Math.hypot(...v);
        columns.push(v.map((x) => x / length2));
      }
      return columns;
    };
    const spectrumSize = 40;
    const left = orthonormalColumns(rows, spectrumSize);
    const right = orthonormalColumns(cols, spectrumSize);
    const delta = new Float64Array(rows * cols);
    for (let k = 0; k < spectrumSize; k++) {
      const sigma = 10 ** (-(k + 0.5) / 4);
      for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) delta[i * cols + j]! += sigma * left[k]![i]! * right[k]![j]!;
    }
    expect(differenceRank(delta, new Float64Array(rows * cols), rows, cols, { relativeEpsilon: 10 ** -3.875 })).toBe(16);
    expect(differenceRank(delta, new Float64Array(rows * cols), rows, cols, { relativeEpsilon: 10 ** -2.1 })).toBe(9);
  });

  test("a full-rank difference has rank min(rows, cols); identical layers have rank 0", () => {
    const a = lowRank(90, 70, 70, 11);
    const b = lowRank(90, 70, 70, 12);
    expect(differenceRank(a, b, 90, 70)).toBe(svdRank(a.map((x, i) => x - b[i]!), 90, 70));
    expect(differenceRank(a, b, 90, 70)).toBe(70);
    expect(differenceRank(a, a.slice(), 90, 70)).toBe(0);
  });

  test("the sum of two LoRA updates of ranks r₁ and r₂ has rank r₁ + r₂ (siblings, paper §4.1)", () => {
    const n = 192;
    const parent = lowRank(n, n, n, 21);
    const update1 = lowRank(n, n, 4, 22, 0.05);
    const update2 = lowRank(n, n, 8, 23, 0.05);
    const child1 = parent.map((x, i) => x + update1[i]!);
    const child2 = parent.map((x, i) => x + update2[i]!);
    expect(differenceRank(child1, parent, n, n)).toBe(4);
    expect(differenceRank(child1, child2, n, n)).toBe(12);
  });

  test("bf16 storage noise is not counted: a bf16-saved rank-8 LoRA child still reads rank 8", () => {
    const n = 256;
    const gaussian = normals(31);
    const parentF32 = Float32Array.from({ length: n * n }, () => 0.02 * gaussian());
    const update = lowRank(n, n, 8, 32, 1);
    let sumSquares = 0;
    for (const x of update) sumSquares += x * x;
    const scale = (0.01 * 0.02) / Math.sqrt(sumSquares / (n * n)); // update RMS = 1% of the weights'
    const parent = parentF32.map(toBf16);
    const child = parentF32.map((x, i) => toBf16(x + scale * update[i]!));
    expect(detectUnitRoundoff(child)).toBe(UNIT_ROUNDOFF.BF16);
    expect(differenceRank(child, parent, n, n)).toBe(8);
    // the same pair judged at f32 precision sees the rounding noise as (nearly) full rank
    expect(differenceRank(child, parent, n, n, { unitRoundoff: UNIT_ROUNDOFF.F32 })).toBeGreaterThan(200);
  });

  test("detects the storage precision from the values", () => {
    const gaussian = normals(41);
    const f32 = Float32Array.from({ length: 1000 }, gaussian);
    expect(detectUnitRoundoff(f32)).toBe(UNIT_ROUNDOFF.F32);
    expect(detectUnitRoundoff(f32.map(toBf16))).toBe(UNIT_ROUNDOFF.BF16);
    expect(detectUnitRoundoff(f32.map((x) => Math.f16round(x * 0.5)))).toBe(UNIT_ROUNDOFF.F16);
    expect(detectUnitRoundoff(Float64Array.from(f32))).toBe(UNIT_ROUNDOFF.F32);
    expect(detectUnitRoundoff(Float64Array.from({ length: 100 }, gaussian))).toBe(UNIT_ROUNDOFF.F64);
  });

  test("shape mismatches are errors", () => {
    expect(() => differenceRank(new Float32Array(6), new Float32Array(6), 2, 4)).toThrow(/do not match the shape/);
  });
});
