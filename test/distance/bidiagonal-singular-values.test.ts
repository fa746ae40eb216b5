import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { Matrix, SVD } from "ml-matrix";
import { bidiagonalize, bidiagonalSingularValues, countSingularValuesAbove } from "../../src/distance/bidiagonal-singular-values.ts";

function mlMatrixSingularValues(values: number[], rows: number, cols: number): number[] {
  const matrix = new Matrix(Array.from({ length: rows }, (_, i) => values.slice(i * cols, (i + 1) * cols)));
  return new SVD(matrix, { computeLeftSingularVectors: false, computeRightSingularVectors: false, autoTranspose: true }).diagonal;
}

const tallMatrix = fc
  .tuple(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }))
  .map(([a, b]) => [Math.max(a, b), Math.min(a, b)] as const)
  .chain(([rows, cols]) =>
    fc.record({
      rows: fc.constant(rows),
      cols: fc.constant(cols),
      values: fc.array(fc.oneof(fc.double({ min: -5, max: 5, noNaN: true }), fc.constant(0), fc.integer({ min: -2, max: 2 })), {
        minLength: rows * cols,
        maxLength: rows * cols,
      }),
    }),
  );

describe("bidiagonal singular values", () => {
  test("match ml-matrix's SVD on random matrices, including zero and repeated entries", () => {
    fc.assert(
      fc.property(tallMatrix, ({ rows, cols, values }) => {
        const expected = mlMatrixSingularValues(values, rows, cols);
        const actual = bidiagonalSingularValues(bidiagonalize(Float64Array.from(values), rows, cols));
        const scale = Math.max(1, expected[0]!);
        for (let i = 0; i < cols; i++) expect(Math.abs(actual[i]! - expected[i]!)).toBeLessThan(1e-9 * scale);
      }),
      { numRuns: 200, seed: 7 },
    );
  });

  test("count the singular values above a threshold, just below and just above each one", () => {
    // diag(5, 3, 3, 1, 0) rotated by nothing: σ = 5, 3, 3, 1, 0
    const n = 5;
    const diagonal = [5, 3, 3, 1, 0];
    const matrix = new Float64Array(n * n);
    diagonal.forEach((s, i) => (matrix[i * n + i] = s));
    const bidiagonal = bidiagonalize(matrix, n, n);
    expect(countSingularValuesAbove(bidiagonal, 6)).toBe(0);
    expect(countSingularValuesAbove(bidiagonal, 4.999)).toBe(1);
    expect(countSingularValuesAbove(bidiagonal, 2.999)).toBe(3);
    expect(countSingularValuesAbove(bidiagonal, 0.999)).toBe(4);
    expect(countSingularValuesAbove(bidiagonal, 1e-9)).toBe(4);
    expect(countSingularValuesAbove(bidiagonalize(new Float64Array(6), 3, 2), 1e-9)).toBe(0);
  });

  test("refuse wide matrices (the caller transposes)", () => {
    expect(() => bidiagonalize(new Float64Array(6), 2, 3)).toThrow(RangeError);
  });
});
