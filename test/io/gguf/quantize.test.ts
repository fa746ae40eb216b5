/**
 * Reference quantizers: quantize → dequantize round trips stay within each format's rounding,
 * and the simple formats hit the values their definition gives.
 */
import { describe, expect, test } from "bun:test";
import { dequantize } from "../../../src/io/gguf/dequantize.ts";
import { quantize } from "../../../src/io/gguf/quantize.ts";
import type { GgmlType } from "../../../src/types.ts";

/** Deterministic Gaussian-like values (sum of uniforms from an LCG), with a few outliers. */
function weights(count: number, seed = 1): Float32Array {
  let state = seed;
  const uniform = () => (state = (state * 1664525 + 1013904223) >>> 0) / 2 ** 32;
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) values[i] = 0.02 * (uniform() + uniform() + uniform() + uniform() - 2) * (i % 97 === 0 ? 6 : 1);
  return values;
}

function roundTrip(type: GgmlType, values: Float32Array): Float32Array {
  const out = new Float32Array(values.length);
  dequantize(type, quantize(type, values), 0, values.length, out);
  return out;
}

function rms(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]! ** 2;
  return Math.sqrt(sum / values.length);
}

describe("quantize", () => {
  // Relative RMS error bounds on Gaussian blocks with a 6x outlier every 97 values (what weights look
  // like): symmetric Q4_0/Q5_0 spend their range on each block's largest value and pay most for outliers.
  const bounds: [GgmlType, number][] = [
    ["F16", 1e-3],
    ["BF16", 4e-3],
    ["Q8_0", 0.01],
    ["Q6_K", 0.03],
    ["Q5_0", 0.08],
    ["Q5_1", 0.05],
    ["Q5_K", 0.05],
    ["Q4_0", 0.15],
    ["Q4_1", 0.1],
    ["Q4_K", 0.1],
    ["Q3_K", 0.25],
    ["Q2_K", 0.4],
  ];
  for (const [type, bound] of bounds) {
    test(`${type} round trip keeps the relative RMS error under ${bound}`, () => {
      const values = weights(4096);
      const decoded = roundTrip(type, values);
      const error = decoded.map((v, i) => v - values[i]!);
      expect(rms(error) / rms(values)).toBeLessThan(bound);
      expect(decoded.every(Number.isFinite)).toBe(true);
    });
  }

  test("Q8_0 rounds each value to the nearest multiple of d = amax / 127 (d stored as f16)", () => {
    const values = weights(256, 7);
    const decoded = roundTrip("Q8_0", values);
    for (let b = 0; b < 8; b++) {
      const block = values.subarray(32 * b, 32 * b + 32);
      const amax = Math.max(...Array.from(block, Math.abs));
      for (let j = 0; j < 32; j++) expect(Math.abs(decoded[32 * b + j]! - block[j]!)).toBeLessThanOrEqual((amax / 127) * (0.5 + 127 * 2 ** -11) + 1e-12);
    }
  });

  test("Q4_0 maps the largest-magnitude value to −8 · d exactly and the rest to its grid", () => {
    const values = new Float32Array(32).map((_, j) => (j - 10) / 16); // max magnitude 21/16 at j = 31
    const decoded = roundTrip("Q4_0", values);
    const d = -(21 / 16) / 8; // exact in f16
    expect(decoded[31]).toBeCloseTo(21 / 16, 6);
    for (let j = 0; j < 32; j++) expect(Number.isInteger(Math.round((decoded[j]! / d) * 1e6) / 1e6)).toBe(true);
  });

  test("an all-zero block decodes to zeros in every format", () => {
    for (const [type] of bounds) expect(Array.from(roundTrip(type, new Float32Array(256)), (v) => v + 0)).toEqual(new Array(256).fill(0));
  });
});
