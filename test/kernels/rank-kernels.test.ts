import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { nativeKernels } from "../../src/kernels/native-kernels.ts";
import { loadWeightKernels } from "../../src/kernels/weight-kernels.ts";
import { differenceNoiseFloor, rankAboveFloor, sketchDifferenceRank, type LayerSketch } from "../../src/recover/low-rank-sketch.ts";
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

  test("a rank proven at least `atLeast` is only given as such when it is: every other rank exact, at and around the bar", async () => {
    // Differences of every rank from 0 to the core's width, plus noise from nothing to the rounding floor's size and
    // beyond, some with empty columns (the sparse map's empty buckets), scaled from tiny to large.
    let proven = 0;
    let exactBelow = 0;
    fc.assert(
      fc.property(
        fc.constantFrom([48, 40], [60, 60], [104, 96], [30, 12]),
        fc.integer({ min: 0, max: 96 }),
        fc.constantFrom(0, 1e-12, 1e-7, 1e-4, 1e-2),
        fc.integer({ min: 0, max: 6 }),
        fc.constantFrom(1e-30, 1e-3, 1, 1e30),
        fc.integer({ min: 1, max: 96 }),
        fc.constantFrom(1e-4, 1e-3, 0.05, 0),
        fc.integer(),
        ([rows, cols], rankDraw, noise, emptyColumns, scale, atLeastDraw, epsilon, seed) => {
          const rank = rankDraw % (cols + 1);
          const atLeast = 1 + (atLeastDraw % cols);
          const pairCount = 5;
          const sketches: LayerSketch[] = Array.from({ length: 2 * pairCount }, (_, m) => {
            const data = Float64Array.from(makeGaussian(rows * cols, (seed >>> 0) + 7 * m), (v) => scale * 0.02 * v);
            return { rows, cols, data, noiseGain: Math.sqrt(rows) + Math.sqrt(cols), roundingScale: scale * 0.02 * 2 ** -24 * (m % 3) };
          });
          for (let q = 0; q < pairCount; q++) {
            const [a, b] = [sketches[2 * q]!.data, sketches[2 * q + 1]!.data];
            const r = Math.max(0, rank - q); // ranks just below the drawn one too
            const [u, v, e] = [makeGaussian(rows * r, seed + q), makeGaussian(r * cols, seed + q + 1), makeGaussian(rows * cols, seed + q + 2)];
            for (let i = 0; i < rows; i++)
              for (let c = 0; c < cols; c++) {
                let x = 0;
                for (let t = 0; t < r; t++) x += u[i * r + t]! * v[t * cols + c]!;
                b[i * cols + c] = c < emptyColumns ? a[i * cols + c]! : a[i * cols + c]! + scale * 1e-3 * (x + noise * e[i * cols + c]!);
              }
          }
          const pairs = Int32Array.from({ length: 2 * pairCount }, (_, i) => i);
          const exact = [...rankPairsNow({ sketches, pairs, epsilon })];
          const bounded = [...rankPairsNow({ sketches, pairs, epsilon, atLeast })];
          for (let q = 0; q < pairCount; q++) {
            if (bounded[q] === exact[q]) {
              if (exact[q]! < atLeast) exactBelow++;
              continue;
            }
            expect(bounded[q]).toBe(atLeast);
            expect(exact[q]).toBeGreaterThanOrEqual(atLeast);
            proven++;
          }
        },
      ),
      { numRuns: 150 },
    );
    // Both sides were exercised: ranks proven without being ranked, and ranks below the bar ranked exactly.
    expect(proven).toBeGreaterThan(50);
    expect(exactBelow).toBeGreaterThan(50);
  }, 30_000);
});

/** rankPairs' native call on whole cores, synchronously (a fast-check property cannot await). */
function rankPairsNow(job: { sketches: readonly LayerSketch[]; pairs: Int32Array; epsilon: number; atLeast?: number }): Int32Array {
  const { rows, cols } = job.sketches[0]!;
  const count = rows * cols;
  return kernels.scratch(() => {
    const slots = kernels.allocate(job.sketches.length * count * 8);
    job.sketches.forEach((sketch, m) => kernels.f64(slots + m * count * 8, count).set(sketch.data));
    const floors = Float64Array.from({ length: job.pairs.length / 2 }, (_, q) => {
      const [a, b] = [job.sketches[job.pairs[2 * q]!]!, job.sketches[job.pairs[2 * q + 1]!]!];
      return differenceNoiseFloor(a, b, a.noiseGain);
    });
    return kernels.rankDifferences(slots, job.sketches.length, rows, cols, job.pairs, floors, job.epsilon, job.atLeast)!;
  });
}
