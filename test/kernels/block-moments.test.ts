/**
 * Power sums of GGUF blocks from their integers (native/block-moments.c, through
 * WeightKernels.addBlockPowerSums): hand-computed blocks, and on random blocks agreement with the
 * sums of the decoded values within the stated tolerance, min and max the decoded values' own.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { dequantize } from "../../src/io/gguf/dequantize.ts";
import { GGML_LAYOUTS } from "../../src/io/gguf/ggml-types.ts";
import { loadWeightKernels, type WeightKernels } from "../../src/kernels/weight-kernels.ts";

type IntegerType = "Q8_0" | "Q4_K" | "Q6_K";

/** [Σy, Σy², Σy³, Σy⁴, min, max] of the blocks by the kernel, or undefined without native kernels. */
function kernelSums(kernels: WeightKernels, type: IntegerType, bytes: Uint8Array, count: number, shift: number): number[] | undefined {
  if (!kernels.sumsIntegers(type)) return undefined;
  kernels.reset();
  const source = kernels.allocate(bytes.length);
  kernels.bytes(source, bytes.length).set(bytes);
  const sums = kernels.powerSumAccumulator();
  kernels.addBlockPowerSums(source, count, type, shift, sums);
  return [...kernels.f64(sums, 6)];
}

/** The same from the decoded f32 values in f64, and Σ|y|ᵏ (the tolerance's scale). */
function decodedSums(type: IntegerType, bytes: Uint8Array, count: number, shift: number): { sums: number[]; scale: number[] } {
  const values = new Float32Array(count);
  dequantize(type, bytes, 0, count, values);
  const sums = [0, 0, 0, 0, Infinity, -Infinity];
  const scale = [0, 0, 0, 0];
  for (const x of values) {
    const y = x - shift;
    for (let k = 1; k <= 4; k++) {
      sums[k - 1]! += y ** k;
      scale[k - 1]! += (Math.abs(x) + Math.abs(shift)) ** k;
    }
    sums[4] = Math.min(sums[4]!, x);
    sums[5] = Math.max(sums[5]!, x);
  }
  return { sums, scale };
}

/** Σ (value − shift)ᵏ, k = 1…4, of values given with their multiplicities. */
function handSums(values: [number, number][], shift = 0): number[] {
  return [1, 2, 3, 4].map((k) => values.reduce((sum, [x, times]) => sum + times * (x - shift) ** k, 0));
}

describe("integer-domain power sums of GGUF blocks", () => {
  test("Q8_0: a hand-computed block (d = 0.5; q = −128, 127, 2 and zeros), four grouped and one left over", async () => {
    const kernels = await loadWeightKernels();
    const block = new Uint8Array(34);
    block.set([0x00, 0x38]); // f16 0.5
    block.set([0x80, 0x7f, 0x02], 2); // q = −128, 127, 2
    const bytes = new Uint8Array(5 * 34);
    for (let b = 0; b < 5; b++) bytes.set(block, b * 34);
    const got = kernelSums(kernels, "Q8_0", bytes, 160, 0);
    if (!got) return expect(kernels.backend).toBe("wasm");
    // x = −64, 63.5, 1 and 29 zeros per block, five blocks.
    expect(got).toEqual([
      ...handSums([
        [-64, 5],
        [63.5, 5],
        [1, 5],
      ]),
      -64,
      63.5,
    ]);
    expect(
      handSums([
        [-64, 5],
        [63.5, 5],
        [1, 5],
      ]),
    ).toEqual([2.5, 40646.25, -30475.625, 165181285.3125]);
  });

  test("Q4_K: a hand-computed super-block (d = 1, dmin = 0.5, every sc = 2 and m = 1), around a shift", async () => {
    const kernels = await loadWeightKernels();
    const bytes = new Uint8Array(144);
    bytes.set([0x00, 0x3c, 0x00, 0x38]); // d = 1, dmin = 0.5
    bytes.set([2, 2, 2, 2, 1, 1, 1, 1, 0x12, 0x12, 0x12, 0x12], 4); // sub-blocks 0–3 and (packed) 4–7: sc = 2, m = 1
    bytes.fill(0x51, 16); // low nibbles 1 (even sub-blocks), high nibbles 5 (odd ones)
    bytes[16] = 0xf0; // the first value of sub-block 0 is q = 0, of sub-block 1 q = 15
    const shift = 3;
    const got = kernelSums(kernels, "Q4_K", bytes, 256, shift);
    if (!got) return expect(kernels.backend).toBe("wasm");
    // x = 2q − 0.5: q = 1 → 1.5 (127 values), q = 5 → 9.5 (127), q = 0 → −0.5, q = 15 → 29.5.
    const values: [number, number][] = [
      [1.5, 127],
      [9.5, 127],
      [-0.5, 1],
      [29.5, 1],
    ];
    expect(got).toEqual([...handSums(values, shift), -0.5, 29.5]);
    expect(handSums(values)[0]).toBe(1426);
  });

  test("Q6_K: a hand-computed super-block (d = 1, every sc = 1, every q = 0: x = −32)", async () => {
    const kernels = await loadWeightKernels();
    const bytes = new Uint8Array(210);
    bytes.fill(1, 192, 208); // 16 scales of 1
    bytes.set([0x00, 0x3c], 208); // d = 1
    const got = kernelSums(kernels, "Q6_K", bytes, 256, 0);
    if (!got) return expect(kernels.backend).toBe("wasm");
    expect(got).toEqual([...handSums([[-32, 256]]), -32, -32]);
    expect(handSums([[-32, 256]])).toEqual([-8192, 262144, -8388608, 268435456]);
  });

  test("Q8_0: each of four grouped blocks' extremes is its own (distinct scales, one extreme q per block)", async () => {
    const kernels = await loadWeightKernels();
    if (!kernels.sumsIntegers("Q8_0")) return expect(kernels.backend).toBe("wasm");
    // Block b: d = 2^b (f16 0x3c00 + b·0x400), q = 0 but q[b] = 100 − b and q[31 − b] = −(90 + b): x from −(90 + b)·2^b to (100 − b)·2^b.
    for (const order of [
      [0, 1, 2, 3],
      [3, 2, 1, 0],
      [2, 0, 3, 1],
    ]) {
      const bytes = new Uint8Array(4 * 34);
      for (const [at, b] of order.entries()) {
        const half = 0x3c00 + b * 0x400;
        bytes.set([half & 0xff, half >> 8], at * 34);
        bytes[at * 34 + 2 + b] = 100 - b;
        bytes[at * 34 + 2 + 31 - b] = (256 - (90 + b)) & 0xff;
      }
      const got = kernelSums(kernels, "Q8_0", bytes, 128, 0)!;
      expect(got.slice(4)).toEqual([-(90 + 3) * 8, (100 - 3) * 8]);
    }
  });

  test("the range carried in the accumulator: blocks summed in two calls give one call's min and max", async () => {
    const kernels = await loadWeightKernels();
    if (!kernels.sumsIntegers("Q8_0")) return expect(kernels.backend).toBe("wasm");
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 8 * 34, maxLength: 8 * 34 }), fc.integer({ min: 1, max: 7 }), (random, split) => {
        const bytes = random.slice();
        // Finite scales only (an f16 exponent below 31).
        for (let b = 0; b < 8; b++) bytes[b * 34 + 1]! &= 0x7b;
        const whole = kernelSums(kernels, "Q8_0", bytes, 256, 0)!;
        kernels.reset();
        const source = kernels.allocate(bytes.length);
        kernels.bytes(source, bytes.length).set(bytes);
        const sums = kernels.powerSumAccumulator();
        kernels.addBlockPowerSums(source, split * 32, "Q8_0", 0, sums);
        kernels.addBlockPowerSums(source + split * 34, (8 - split) * 32, "Q8_0", 0, sums);
        const got = [...kernels.f64(sums, 6)];
        expect([got[4] === whole[4], got[5] === whole[5]]).toEqual([true, true]);
      }),
      { numRuns: 200, seed: 7 },
    );
  });

  for (const type of ["Q8_0", "Q4_K", "Q6_K"] as const) {
    test(`${type}: random blocks agree with their decoded values' sums (extreme scales, zero blocks, q = −128)`, async () => {
      const kernels = await loadWeightKernels();
      if (!kernels.sumsIntegers(type)) return expect(kernels.backend).toBe("wasm");
      const { blockValues, blockBytes } = GGML_LAYOUTS[type];
      const halves = type === "Q8_0" ? [0] : type === "Q6_K" ? [208] : [0, 2];
      // A block's f16 scale: any finite one (subnormal to 65504), or zero; its other bytes random, all zero, or all 0x80 (q = −128).
      const half = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0x7bff }), fc.integer({ min: 0x8000, max: 0xfbff }));
      const fill = fc.oneof(fc.constant("random" as const), fc.constant("zero" as const), fc.constant("min" as const));
      const block = fc.record({ scales: fc.array(half, { minLength: 2, maxLength: 2 }), fill, seed: fc.integer() });
      fc.assert(
        fc.property(fc.array(block, { minLength: 1, maxLength: type === "Q8_0" ? 11 : 3 }), fc.double({ min: -4, max: 4, noNaN: true }), (blocks, shift) => {
          const bytes = new Uint8Array(blocks.length * blockBytes);
          for (const [b, { scales, fill, seed }] of blocks.entries()) {
            let state = seed >>> 0;
            for (let i = 0; i < blockBytes; i++)
              bytes[b * blockBytes + i] = fill === "zero" ? 0 : fill === "min" ? 0x80 : (state = (state * 1103515245 + 12345) >>> 0) >>> 24;
            for (const [s, at] of halves.entries()) bytes.set([scales[s]! & 0xff, scales[s]! >> 8], b * blockBytes + at);
          }
          const count = blocks.length * blockValues;
          const f32Shift = Math.fround(shift);
          const got = kernelSums(kernels, type, bytes, count, f32Shift)!;
          const { sums, scale } = decodedSums(type, bytes, count, f32Shift);
          // Q8_0's and Q6_K's decoded values are exact (d·q, (d·sc)·q); Q4_K's are rounded to f32 (≤ 2⁻²⁴ relative each): k·2⁻²³ of Σ|y|ᵏ.
          for (let k = 0; k < 4; k++) {
            const tolerance = (type === "Q4_K" ? (k + 1) * 2 ** -23 : 1e-12) * scale[k]! + 1e-300;
            expect(Math.abs(got[k]! - sums[k]!)).toBeLessThanOrEqual(tolerance);
          }
          // The decoded values' own extremes (=== : a zero's sign depends on which block comes first).
          expect([got[4] === sums[4], got[5] === sums[5]]).toEqual([true, true]);
        }),
        { numRuns: 300, seed: 12 },
      );
    });
  }
});
