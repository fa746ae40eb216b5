import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { loadWeightKernels } from "../../src/kernels/weight-kernels.ts";
import { nativeKernels } from "../../src/kernels/native-kernels.ts";
import { powerSumShift, SHIFT_SAMPLE } from "../../src/stats/layer-stats.ts";
import { gridOf, ZERO_SAMPLE, zeroFractionOf } from "../../src/recover/layer-start.ts";

// The native per-tree scans (src/kernels/native/tree-kernels.c) against their TypeScript twins.
const kernels = await loadWeightKernels();
const native = (await nativeKernels()).native;
const SAMPLES = { shift: SHIFT_SAMPLE, zeros: ZERO_SAMPLE, gridRows: 4 };

/** Rows of `cols` values: trained-like, on a 16-level or int8 grid, pruned (zeros), or with special values. */
function layerValues(kind: number, rows: number, cols: number, seed: number): Float32Array {
  let state = seed >>> 0 || 1;
  const random = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const scale = 0.01 + random();
    for (let c = 0; c < cols; c++) {
      const at = r * cols + c;
      const x = random() * 2 - 1;
      if (kind === 0) out[at] = 0.02 * x;
      // 16-level affine and int8 symmetric, each row reaching its grid's ends (its first values)
      else if (kind === 1) out[at] = -scale + ((c === 0 ? 0 : c === 1 ? 15 : Math.floor(random() * 16)) * (2 * scale)) / 15;
      else if (kind === 2) out[at] = ((c === 0 ? 127 : Math.round(x * 127)) * scale) / 127;
      else if (kind === 3) out[at] = random() < 0.5 ? 0 : random() < 0.5 ? -0 : x;
      else if (kind === 4) out[at] = [Number.NaN, Infinity, -Infinity, x, 0][Math.floor(random() * 5)]!;
      // Magnitudes 40 binades apart (the shift's sum is then not exact in every order), or offset like a LayerNorm.
      else if (kind === 5) out[at] = x * 2 ** -Math.floor(random() * 40);
      else out[at] = 1 + 1e-3 * x;
    }
  }
  // A grid row whose last value is nudged off it: that row, and so the layer, is on no grid.
  if ((kind === 1 || kind === 2) && seed % 3 === 0 && rows > 1) out[cols + cols - 1] = out[cols + cols - 1]! + scaleOf(out) * 0.01;
  return out;
}

function scaleOf(values: Float32Array): number {
  let largest = 0;
  for (const v of values) largest = Math.max(largest, Math.abs(v));
  return largest;
}

describe.skipIf(kernels.backend !== "native")("layerStart (native)", () => {
  test("gives the bits of powerSumShift, zeroFractionOf and gridOf on any layer start", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 9 }), fc.integer({ min: 1, max: 300 }), fc.integer(), (kind, rows, cols, seed) => {
        const values = layerValues(kind, rows, cols, seed);
        for (const matrixCols of [cols, 0]) {
          kernels.reset();
          const pointer = kernels.allocate(Math.max(values.byteLength, 4));
          const placed = kernels.f32(pointer, values.length);
          placed.set(values);
          const start = kernels.layerStart(placed, matrixCols, SAMPLES);
          expect(start).toBeDefined();
          expect(start![0]).toBe(powerSumShift(values));
          expect(start![1]).toBe(zeroFractionOf(values));
          expect(start![2]).toBe(matrixCols > 0 ? gridOf(values, matrixCols) : 0);
        }
      }),
      { numRuns: 1000 },
    );
  });

  test("finds the grids its twin finds, on rows long enough, and none on short rows or trained weights", () => {
    for (const [kind, levels] of [
      [1, 16],
      [2, 255],
      [0, 0],
    ] as const) {
      const values = layerValues(kind, 6, 64, 7);
      kernels.reset();
      const placed = kernels.f32(kernels.allocate(values.byteLength), values.length);
      placed.set(values);
      expect(gridOf(values, 64)).toBe(levels);
      expect(kernels.layerStart(placed, 64, SAMPLES)![2]).toBe(levels);
      const short = kernels.f32(kernels.allocate(31 * 4 * 4), 31 * 4);
      short.set(layerValues(kind, 4, 31, 7));
      expect(kernels.layerStart(short, 31, SAMPLES)![2]).toBe(0);
    }
  });

  test("leaves values outside kernel memory to the caller", () => {
    expect(kernels.layerStart(new Float32Array(64), 8, SAMPLES)).toBeUndefined();
    expect(kernels.layerStart(new Float64Array(64), 8, SAMPLES)).toBeUndefined();
  });
});

describe.skipIf(native === undefined)("layerDots (native)", () => {
  test("per-layer inner products match an f64 brute force to 1e-13 of their scale, for any layer lengths", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 70 }), { minLength: 1, maxLength: 6 }), fc.integer(), (lengths, seed) => {
        const offsets = new Int32Array(lengths.length + 1);
        lengths.forEach((length, l) => (offsets[l + 1] = offsets[l]! + length));
        const total = offsets[lengths.length]!;
        const [a, b] = [layerValues(0, 1, total, seed), layerValues(0, 1, total, seed + 1)].map((v) => Float64Array.from(v, (x) => x * 50 + 0.3));
        const out = new Float64Array(lengths.length);
        native!.layerDots(a!, b!, offsets, lengths.length, out);
        for (let l = 0; l < lengths.length; l++) {
          let sum = 0;
          let scale = 0;
          for (let i = offsets[l]!; i < offsets[l + 1]!; i++) {
            sum += a![i]! * b![i]!;
            scale += Math.abs(a![i]! * b![i]!);
          }
          expect(Math.abs(out[l]! - sum)).toBeLessThanOrEqual(1e-13 * scale);
        }
      }),
      { numRuns: 300 },
    );
  });
});
