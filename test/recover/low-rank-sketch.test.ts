import { describe, expect, test } from "bun:test";
import { Matrix, SVD } from "ml-matrix";
import { makeSketcher, numericalRank, sketchDifferenceRank } from "../../src/recover/low-rank-sketch.ts";
import { makeGaussian } from "../../src/recover/seeded-random.ts";

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

function svdRank(data: Float64Array, rows: number, cols: number, epsilon: number): number {
  const m = new Matrix(rows, cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) m.set(r, c, data[r * cols + c]!);
  const sigma = new SVD(m, { computeLeftSingularVectors: false, computeRightSingularVectors: false, autoTranspose: true }).diagonal;
  return sigma.filter((s) => s > epsilon * sigma[0]!).length;
}

describe("numericalRank", () => {
  test("matches an exact SVD on products of known rank, including zero and full rank", () => {
    for (const [rows, cols, rank] of [[20, 30, 0], [20, 30, 1], [40, 25, 7], [33, 33, 33], [50, 12, 12]] as const) {
      const b = makeGaussian(rows * Math.max(rank, 1), rows + rank);
      const a = makeGaussian(Math.max(rank, 1) * cols, cols + rank);
      const m = new Float64Array(rows * cols);
      for (let r = 0; r < rows; r++)
        for (let c = 0; c < cols; c++) {
          let s = 0;
          for (let k = 0; k < rank; k++) s += b[r * rank + k]! * a[k * cols + c]!;
          m[r * cols + c] = s;
        }
      expect(svdRank(m.slice(), rows, cols, 1e-6)).toBe(rank);
      expect(numericalRank(m.slice(), rows, cols, 1e-6)).toBe(rank);
    }
  });
});

describe("sketchDifferenceRank", () => {
  const base = Float32Array.from(makeGaussian(256 * 192, 1), (v) => v * 0.02);
  for (const [rows, cols, sketch] of [[256, 192, 64], [64, 48, 160]] as const) {
    test(`recovers the rank of a LoRA-style difference (${rows}×${cols}, sketch ${sketch})`, () => {
      const w = base.subarray(0, rows * cols);
      const sketcher = makeSketcher(rows, cols, sketch);
      const parent = sketcher(w);
      for (const rank of [1, 4, 8, 16]) {
        const child = sketcher(lowRankUpdate(w, rows, cols, rank, 100 + rank));
        expect(sketchDifferenceRank(parent, child)).toBe(rank);
      }
      // Two siblings differ by at most r1 + r2.
      const siblingA = sketcher(lowRankUpdate(w, rows, cols, 4, 11));
      const siblingB = sketcher(lowRankUpdate(w, rows, cols, 8, 12));
      expect(sketchDifferenceRank(siblingA, siblingB)).toBe(12);
    });
  }

  test("keeps ranks up to LoRA's largest (64, siblings 128) with the default sketch on a 400×300 layer", () => {
    const [rows, cols] = [400, 300];
    const w = Float32Array.from(makeGaussian(rows * cols, 9), (v) => v * 0.02);
    const sketcher = makeSketcher(rows, cols);
    const parent = sketcher(w);
    const big = sketcher(lowRankUpdate(w, rows, cols, 64, 21));
    expect(sketchDifferenceRank(parent, big)).toBe(64);
    const other = sketcher(lowRankUpdate(w, rows, cols, 32, 22));
    expect(sketchDifferenceRank(big, other)).toBe(96);
  });

  test("a full-rank difference saturates at the sketch size", () => {
    const [rows, cols, sketch] = [200, 180, 32];
    const sketcher = makeSketcher(rows, cols, sketch);
    const a = sketcher(Float32Array.from(makeGaussian(rows * cols, 5)));
    const b = sketcher(Float32Array.from(makeGaussian(rows * cols, 6)));
    expect(sketchDifferenceRank(a, b)).toBe(sketch);
  });
});
