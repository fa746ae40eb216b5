import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { nativeKernels } from "../../src/kernels/native-kernels.ts";
import { loadWeightKernels } from "../../src/kernels/weight-kernels.ts";
import { rankAboveFloor, sketchDifferenceRank, type LayerSketch } from "../../src/recover/low-rank-sketch.ts";
import { rankPairs } from "../../src/recover/pair-ranks.ts";
import { bidiagonalSingularValue, bidiagonalSingularValues } from "../../src/distance/bidiagonal-singular-values.ts";
import { makeGaussian } from "../../src/recover/seeded-random.ts";

// The native ranks of sketch differences (src/kernels/native/rank-kernels.c) against their TypeScript twins.
const kernels = await loadWeightKernels();
const native = (await nativeKernels()).native;

/** A bidiagonal of `p` values: Gaussian, some zeros, magnitudes spread over `binades` binades (a low-rank-looking gap when `gap`). */
function bidiagonalOf(p: number, seed: number, binades: number, zeros: number, gap: number): { diagonal: Float64Array; superdiagonal: Float64Array } {
  const values = makeGaussian(2 * p, seed);
  const scale = (i: number) => 2 ** -((i * 7919 + seed) % (binades + 1)) * (i >= gap ? 1e-9 : 1);
  const diagonal = Float64Array.from({ length: p }, (_, i) => ((i * 31 + seed) % 10 < zeros ? 0 : values[i]! * scale(i)));
  const superdiagonal = Float64Array.from({ length: Math.max(p - 1, 0) }, (_, i) => ((i * 17 + seed) % 10 < zeros ? 0 : values[p + i]! * scale(i)));
  return { diagonal, superdiagonal };
}

describe.skipIf(native === undefined)("rank-kernels (native)", () => {
  test("rankAboveFloor gives the TypeScript count on any bidiagonal, floor and ε, the floor on a singular value included", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60 }),
        fc.integer(),
        // Down to subnormal magnitudes, where the Sturm count's pivot floor decides.
        fc.constantFrom(0, 10, 60, 1000, 1070),
        fc.integer({ min: 0, max: 9 }),
        fc.integer({ min: 0, max: 60 }),
        fc.constantFrom(0, 1e-6, 1e-3, 0.05),
        fc.integer({ min: 0, max: 4 }),
        (p, seed, binades, zeros, gap, epsilon, floorKind) => {
          const bidiagonal = bidiagonalOf(p, seed >>> 0, binades, zeros, gap);
          const values = p > 0 ? bidiagonalSingularValues(bidiagonal) : new Float64Array(0);
          const at = values[(seed >>> 0) % Math.max(p, 1)] ?? 0;
          // No floor, a singular value (the bar on a value), half or twice one, and far above them all.
          const noiseFloor = [0, at, at / 2, 2 * at, 1e300][floorKind]!;
          const expected = rankAboveFloor(bidiagonal, epsilon, noiseFloor);
          expect(native!.rankAboveFloor(bidiagonal.diagonal, bidiagonal.superdiagonal, p, epsilon, noiseFloor)).toBe(expected);
        },
      ),
      { numRuns: 400 },
    );
  });

  test("σ_max bisected four bidiagonals at a time is bidiagonalSingularValue's, to the bit, however many there are", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 48 }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer(),
        fc.constantFrom(0, 10, 60, 1000, 1070),
        fc.integer({ min: 0, max: 9 }),
        fc.constantFrom(1e-6, 1e-3),
        (p, count, seed, binades, zeros, tolerance) => {
          // Bidiagonals that differ in size of values, zeros and gaps, so their bisections stop after different steps.
          const bidiagonals = Array.from({ length: count }, (_, b) =>
            bidiagonalOf(p, (seed >>> 0) + 97 * b, b % 2 ? binades : 0, b === 2 ? 10 : zeros, (b * 5) % (p + 1)),
          );
          const diagonals = new Float64Array(count * p);
          const superdiagonals = new Float64Array(count * Math.max(p - 1, 0));
          bidiagonals.forEach((bd, b) => {
            diagonals.set(bd.diagonal, b * p);
            superdiagonals.set(bd.superdiagonal, b * (p - 1));
          });
          const out = new Float64Array(count);
          native!.largestSingularValues(diagonals, superdiagonals.length > 0 ? superdiagonals : new Float64Array(1), count, p, tolerance, out);
          expect([...out]).toEqual(bidiagonals.map((bd) => bidiagonalSingularValue(bd, 0, tolerance)));
        },
      ),
      { numRuns: 300 },
    );
  });

  test("rankPairs ranks each pair of whole sketches as sketchDifferenceRank does, low-rank, full-rank and identical pairs alike", async () => {
    for (const [rows, cols] of [
      [48, 40],
      [60, 60],
      [70, 9],
    ] as const) {
      const base = makeGaussian(rows * cols, rows);
      const sketch = (rank: number, seed: number, noise = 0): LayerSketch => {
        const data = Float64Array.from(base, (v) => 0.02 * v);
        const [u, v, e] = [makeGaussian(rows * rank, seed), makeGaussian(rank * cols, seed + 1), makeGaussian(rows * cols, seed + 2)];
        for (let r = 0; r < rows; r++)
          for (let c = 0; c < cols; c++) {
            for (let t = 0; t < rank; t++) data[r * cols + c]! += 1e-3 * u[r * rank + t]! * v[t * cols + c]!;
            data[r * cols + c]! += noise * e[r * cols + c]!;
          }
        return { rows, cols, data, noiseGain: Math.sqrt(rows) + Math.sqrt(cols), roundingScale: 0.02 * 2 ** -24 };
      };
      const sketches = [sketch(0, 1), sketch(2, 10), sketch(5, 20), sketch(0, 30, 1e-3), sketch(0, 40, 1e-9), sketch(0, 50)];
      const pairs = Int32Array.from([0, 1, 1, 2, 0, 3, 3, 4, 0, 4, 5, 0, 2, 5, 4, 4]);
      for (const epsilon of [1e-3, 0.05]) {
        const expected = Array.from({ length: pairs.length / 2 }, (_, q) =>
          sketchDifferenceRank(sketches[pairs[2 * q]!]!, sketches[pairs[2 * q + 1]!]!, epsilon, kernels.bidiagonalize.bind(kernels)),
        );
        expect(new Set(expected).size).toBeGreaterThan(2);
        // The native kernel bisects four pairs' σ_max side by side: every job size, whole groups of four and partial ones.
        for (let size = 1; size <= pairs.length / 2; size++) {
          const ranks = await rankPairs({ sketches, pairs: pairs.slice(0, 2 * size), epsilon });
          expect([...ranks]).toEqual(expected.slice(0, size));
        }
      }
    }
  });
});
