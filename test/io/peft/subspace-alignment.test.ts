import { describe, expect, test } from "bun:test";
import { Matrix, SingularValueDecomposition } from "ml-matrix";
import { subspaceAlignment } from "../../../src/io/peft/subspace-alignment.ts";
import { makeGaussian } from "../../../src/recover/seeded-random.ts";

/** diag(6, 5, 4, 3, 2, 1): its top-k singular directions are the first k unit vectors on both sides. */
const weight = { rows: 6, cols: 6, values: Float64Array.from({ length: 36 }, (_, i) => (i % 7 === 0 ? 6 - i / 7 : 0)) };
const unit = (n: number, i: number) => Float64Array.from({ length: n }, (_, j) => (j === i ? 1 : 0));

describe("subspaceAlignment", () => {
  test("hand-computed: Δ = e_i e_jᵀ counts 1 for each side whose index is among W's top k", () => {
    // rank 1: B = e_i (6 × 1), A = e_jᵀ (1 × 6)
    expect(subspaceAlignment(weight, unit(6, 1), unit(6, 0), 1, 2)).toBeCloseTo(2, 6); // both inside the top 2
    expect(subspaceAlignment(weight, unit(6, 4), unit(6, 0), 1, 2)).toBeCloseTo(1, 6); // left inside, right outside
    expect(subspaceAlignment(weight, unit(6, 5), unit(6, 3), 1, 2)).toBeCloseTo(0, 6); // neither
  });

  test("the scale of the factors does not matter, and a rank-2 update mixes its sides' shares", () => {
    const a = new Float64Array([...unit(6, 0), ...unit(6, 5)]); // rows e_0ᵀ, e_5ᵀ
    const b = Float64Array.from({ length: 12 }, (_, i) => (i === 0 || i === 11 ? 1 : 0)); // B = [e_0, e_5]
    // Δ = e_0 e_0ᵀ + e_5 e_5ᵀ: half its energy in the top-1 subspace on each side.
    expect(subspaceAlignment(weight, a, b, 2, 1)).toBeCloseTo(1, 6);
    expect(
      subspaceAlignment(
        weight,
        a.map((x) => 3 * x),
        b,
        2,
        1,
      ),
    ).toBeCloseTo(1, 6);
  });

  test("an update of zeros aligns with nothing", () => {
    expect(subspaceAlignment(weight, new Float64Array(6), new Float64Array(6), 1, 2)).toBe(0);
  });
});

test("on a 40 × 30 weight with a decaying spectrum, equals the dense computation through an exact SVD", () => {
  const [rows, cols, rank, k] = [40, 30, 3, 4];
  const noise = makeGaussian(rows * cols, 7);
  // W = Σ_i (10 / (i + 1)) u_i v_iᵀ from Gaussian factors, plus small noise: singular values decay slowly.
  const u = makeGaussian(rows * 12, 8);
  const v = makeGaussian(cols * 12, 9);
  const values = Float64Array.from({ length: rows * cols }, (_, at) => {
    const [i, j] = [Math.floor(at / cols), at % cols];
    let sum = 0.05 * noise[at]!;
    for (let c = 0; c < 12; c++) sum += (10 / (c + 1)) * u[i * 12 + c]! * v[j * 12 + c]!;
    return sum;
  });
  const a = makeGaussian(rank * cols, 10);
  const b = makeGaussian(rows * rank, 11);
  const dense = new Matrix(Array.from({ length: rows }, (_, i) => Array.from(values.subarray(i * cols, (i + 1) * cols))));
  const svd = new SingularValueDecomposition(dense);
  const delta = new Matrix(Array.from({ length: rows }, (_, i) => Array.from({ length: rank }, (_, c) => b[i * rank + c]!))).mmul(
    new Matrix(Array.from({ length: rank }, (_, c) => Array.from(a.subarray(c * cols, (c + 1) * cols)))),
  );
  const energy = delta.norm("frobenius") ** 2;
  const left = svd.leftSingularVectors.subMatrix(0, rows - 1, 0, k - 1);
  const right = svd.rightSingularVectors.subMatrix(0, cols - 1, 0, k - 1);
  const expected = (left.transpose().mmul(delta).norm("frobenius") ** 2 + delta.mmul(right).norm("frobenius") ** 2) / energy;
  expect(subspaceAlignment({ rows, cols, values }, a, b, rank, k)).toBeCloseTo(expected, 4);
});
