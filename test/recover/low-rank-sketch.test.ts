import { describe, expect, test } from "bun:test";
import { Matrix, SVD } from "ml-matrix";
import { differenceNoiseFloor, makeRowSampleSketcher, makeSketcher, sketchDifferenceRank } from "../../src/recover/low-rank-sketch.ts";
import { encodeTensorValues, decodeTensorBytes } from "../../src/io/dtype.ts";
import { makeGaussian } from "../../src/recover/seeded-random.ts";
import { threadKernels } from "../../src/kernels/weight-kernels.ts";

/** base + B·A with B: rows×rank, A: rank×cols, f32 like a merged LoRA checkpoint. */
function lowRankUpdate(base: Float32Array, rows: number, cols: number, rank: number, seed: number, scale = 0.05): Float32Array {
  const b = makeGaussian(rows * rank, seed);
  const a = makeGaussian(rank * cols, seed + 7);
  const out = Float32Array.from(base);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      let s = 0;
      for (let k = 0; k < rank; k++) s += b[r * rank + k]! * a[k * cols + c]!;
      out[r * cols + c]! += scale * s;
    }
  return out;
}

/** Singular values of a rows × cols difference above `threshold` (a dense SVD, for reference). */
function svdCount(data: Float64Array, rows: number, cols: number, threshold: number): number {
  const m = new Matrix(rows, cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) m.set(r, c, data[r * cols + c]!);
  const sigma = new SVD(m, { computeLeftSingularVectors: false, computeRightSingularVectors: false, autoTranspose: true }).diagonal;
  return sigma.filter((s) => s > threshold).length;
}

function _svdRank(data: Float64Array, rows: number, cols: number, epsilon: number): number {
  const m = new Matrix(rows, cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) m.set(r, c, data[r * cols + c]!);
  const sigma = new SVD(m, { computeLeftSingularVectors: false, computeRightSingularVectors: false, autoTranspose: true }).diagonal;
  return sigma.filter((s) => s > epsilon * sigma[0]!).length;
}

describe("sketchDifferenceRank", () => {
  const base = Float32Array.from(makeGaussian(256 * 192, 1), (v) => v * 0.02);
  for (const [rows, cols, sketch] of [
    [256, 192, 64],
    [64, 48, 160],
  ] as const) {
    test(`recovers the rank of a LoRA-style difference (${rows}×${cols}, sketch ${sketch})`, () => {
      const w = base.subarray(0, rows * cols);
      const sketcher = makeSketcher(rows, cols, sketch);
      const parent = sketcher.sketch(w);
      for (const rank of [1, 4, 8, 16]) {
        const child = sketcher.sketch(lowRankUpdate(w, rows, cols, rank, 100 + rank));
        expect(sketchDifferenceRank(parent, child)).toBe(rank);
      }
      // Two siblings differ by at most r1 + r2.
      const siblingA = sketcher.sketch(lowRankUpdate(w, rows, cols, 4, 11));
      const siblingB = sketcher.sketch(lowRankUpdate(w, rows, cols, 8, 12));
      expect(sketchDifferenceRank(siblingA, siblingB)).toBe(12);
    });
  }

  test("keeps ranks up to LoRA's largest (64, siblings 128) with the default sketch on a 400×300 layer", () => {
    const [rows, cols] = [400, 300];
    const w = Float32Array.from(makeGaussian(rows * cols, 9), (v) => v * 0.02);
    const sketcher = makeSketcher(rows, cols);
    const parent = sketcher.sketch(w);
    const big = sketcher.sketch(lowRankUpdate(w, rows, cols, 64, 21));
    expect(sketchDifferenceRank(parent, big)).toBe(64);
    const other = sketcher.sketch(lowRankUpdate(w, rows, cols, 32, 22));
    expect(sketchDifferenceRank(big, other)).toBe(96);
  });

  test("a LoRA child saved in bf16 keeps its rank: rounding noise stays under the noise floor", () => {
    for (const [rows, cols] of [
      [64, 48],
      [400, 300],
    ] as const) {
      const w = Float32Array.from(makeGaussian(rows * cols, 31), (v) => v * 0.02);
      const toBf16 = (values: Float32Array) => decodeTensorBytes(encodeTensorValues(values, "BF16"), "BF16").values as Float32Array;
      const sketcher = makeSketcher(rows, cols);
      const parent = sketcher.sketch(toBf16(w), "BF16");
      // An update of ~5 bf16 ulps per weight: small next to the weights, large next to rounding.
      const child = sketcher.sketch(toBf16(lowRankUpdate(w, rows, cols, 8, 41, 0.0005)), "BF16");
      expect(sketchDifferenceRank(parent, child)).toBe(8);
      // Without the dtype the same noise would read as (nearly) full rank.
      const naive = sketchDifferenceRank(sketcher.sketch(toBf16(w)), sketcher.sketch(toBf16(lowRankUpdate(w, rows, cols, 8, 41, 0.0005))));
      expect(naive).toBeGreaterThan(8);
    }
  });

  test("a small full-rank difference in bf16 is not read as low rank, while a rank-8 one is (issue #12)", () => {
    // 64² like the PyTorch Llama-like family's attention: kept whole, measurable rank 64, low below 32.
    const n = 64;
    const w = Float32Array.from(makeGaussian(n * n, 81), (v) => v * 0.02);
    const toBf16 = (values: Float32Array) => decodeTensorBytes(encodeTensorValues(values, "BF16"), "BF16").values as Float32Array;
    const sketcher = makeSketcher(n, n);
    const parent = sketcher.sketch(toBf16(w), "BF16");
    // A short full fine-tune: every direction moves, σ_i = 0.024·0.9^i, so the spectrum decays
    // smoothly into bf16's rounding noise around i ≈ 28 with no gap.
    const [x, y] = [makeGaussian(n * n, 82), makeGaussian(n * n, 83)];
    const full = Float32Array.from(w);
    for (let i = 0; i < n; i++) {
      const sigma = (0.024 * 0.9 ** i) / n; // x_i, y_i have norm ≈ √n
      for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) full[r * n + c]! += sigma * x[i * n + r]! * y[i * n + c]!;
    }
    const child = sketcher.sketch(toBf16(full), "BF16");
    const diff = Float64Array.from(parent.data, (v, i) => child.data[i]! - v);
    const aboveFloor = svdCount(diff, n, n, differenceNoiseFloor(parent, child, parent.noiseGain));
    expect(aboveFloor).toBeGreaterThan(0);
    expect(aboveFloor).toBeLessThan(n / 2); // what the floor alone counted: an adapter's rank
    expect(sketchDifferenceRank(parent, child)).toBe(n);
    // A true rank-8 update of the same size keeps its rank: a gap after σ_8, stable under 2× the floor.
    const lora = sketcher.sketch(toBf16(lowRankUpdate(w, n, n, 8, 84, 0.0005)), "BF16");
    expect(sketchDifferenceRank(parent, lora)).toBe(8);
  });

  test("identical layers have rank 0", () => {
    const w = Float32Array.from(makeGaussian(64 * 48, 3));
    const sketcher = makeSketcher(64, 48);
    expect(sketchDifferenceRank(sketcher.sketch(w), sketcher.sketch(w))).toBe(0);
  });

  test("a full-rank difference saturates at the sketch size", () => {
    const [rows, cols, sketch] = [200, 180, 32];
    const sketcher = makeSketcher(rows, cols, sketch);
    const a = sketcher.sketch(Float32Array.from(makeGaussian(rows * cols, 5)));
    const b = sketcher.sketch(Float32Array.from(makeGaussian(rows * cols, 6)));
    expect(sketchDifferenceRank(a, b)).toBe(sketch);
  });
});

describe("makeRowSampleSketcher (auto's probe)", () => {
  const [rows, cols, width] = [400, 300, 96];
  const w = Float32Array.from(makeGaussian(rows * cols, 51), (v) => v * 0.02);
  const sketcher = makeRowSampleSketcher(rows, cols, width);

  test("keeps the rank of a LoRA-style difference below its width, as the full sketch does", () => {
    const parent = sketcher.sketch(w);
    const full = makeSketcher(rows, cols);
    for (const rank of [1, 8, 64, 80]) {
      const child = lowRankUpdate(w, rows, cols, rank, 300 + rank);
      expect(sketchDifferenceRank(parent, sketcher.sketch(child))).toBe(rank);
      expect(sketchDifferenceRank(full.sketch(w), full.sketch(child))).toBe(rank);
    }
  });

  test("a dense difference saturates at its width", () => {
    const noise = makeGaussian(rows * cols, 71);
    const other = Float32Array.from(w, (v, i) => v + 0.001 * noise[i]!);
    expect(sketchDifferenceRank(sketcher.sketch(w), sketcher.sketch(other))).toBe(width);
  });

  test("a LoRA child saved in bf16 keeps its rank under the row sample's noise floor", () => {
    const toBf16 = (values: Float32Array) => decodeTensorBytes(encodeTensorValues(values, "BF16"), "BF16").values as Float32Array;
    const parent = sketcher.sketch(toBf16(w), "BF16");
    const child = sketcher.sketch(toBf16(lowRankUpdate(w, rows, cols, 8, 61, 0.0005)), "BF16");
    expect(sketchDifferenceRank(parent, child)).toBe(8);
    // A re-save in bf16 differs by rounding only: rank 0, as with the full sketch.
    expect(sketchDifferenceRank(sketcher.sketch(w), sketcher.sketch(toBf16(w), "BF16"))).toBe(0);
  });

  test("layers no wider than the sample are kept whole", () => {
    const small = makeRowSampleSketcher(90, 120, 96).sketch(w.subarray(0, 90 * 120));
    expect([small.rows, small.cols]).toEqual([90, 120]);
  });
});

describe("makeRowSampleSketcher streamed in the kernels", () => {
  /** The sketch of `w` fed `rowsPerCall` rows at a time (each row alone: one kernel call per sampled row). */
  async function streamed(rows: number, cols: number, width: number, w: Float32Array, rowsPerCall: number): Promise<Float64Array> {
    const kernels = await threadKernels();
    return kernels.scratch(() => {
      const [stream] = makeRowSampleSketcher(rows, cols, width).streamInKernels(kernels, 1);
      const chunk = kernels.allocate(rowsPerCall * cols * 4);
      for (let first = 0; first < rows; first += rowsPerCall) {
        const count = Math.min(rowsPerCall, rows - first);
        kernels.f32(chunk, count * cols).set(w.subarray(first * cols, (first + count) * cols));
        stream!.addRows(chunk, first, count);
      }
      return Float64Array.from(stream!.finish("F32", 0.02).data);
    });
  }

  test("rows fed in runs give the bits of rows fed one at a time, whether the sample keeps every row or skips some", async () => {
    for (const [rows, cols, width] of [
      [48, 48, 40],
      [100, 64, 24],
    ] as const) {
      const w = Float32Array.from(makeGaussian(rows * cols, rows + width), (v) => v * 0.02);
      const oneByOne = await streamed(rows, cols, width, w, 1);
      for (const rowsPerCall of [7, 32, rows]) expect(await streamed(rows, cols, width, w, rowsPerCall)).toEqual(oneByOne);
      expect(oneByOne.some((v) => v !== 0)).toBe(true);
    }
  });
});
