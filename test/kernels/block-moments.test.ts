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

  test("Q4_K: a hand-computed super-block with a scale and min of its own in every sub-block (4–7's top bits packed in bytes 0–7)", async () => {
    const kernels = await loadWeightKernels();
    const bytes = new Uint8Array(144);
    bytes.set([0x00, 0x3c, 0x00, 0x38]); // d = 1, dmin = 0.5
    // sc = 1, 2, 3, 4, 44, 45, 46, 47 and m = 5, 6, 7, 8, 54, 55, 56, 57: bytes 0–3 sc 0–3 | (sc 4–7 >> 4) << 6,
    // 4–7 m 0–3 | (m 4–7 >> 4) << 6, 8–11 (sc 4–7 & 15) | (m 4–7 & 15) << 4.
    bytes.set([0x81, 0x82, 0x83, 0x84, 0xc5, 0xc6, 0xc7, 0xc8, 0x6c, 0x7d, 0x8e, 0x9f], 4);
    // Every q of sub-block j is 0, 15, 3, 7, 9, 1, 12, 5 (low nibbles: even sub-blocks, high: odd; 32 bytes a pair).
    [0xf0, 0x73, 0x19, 0x5c].forEach((pair, p) => bytes.fill(pair, 16 + 32 * p, 48 + 32 * p));
    // x = sc·q − m/2 per sub-block.
    const xs = [-2.5, 27, 5.5, 24, 369, 17.5, 524, 206.5];
    const decoded = new Float32Array(256);
    dequantize("Q4_K", bytes, 0, 256, decoded);
    expect([...decoded]).toEqual(xs.flatMap((x) => Array(32).fill(x)));
    const got = kernelSums(kernels, "Q4_K", bytes, 256, 0);
    if (!got) return expect(kernels.backend).toBe("wasm");
    const values = xs.map((x): [number, number] => [x, 32]);
    expect(got).toEqual([...handSums(values), -2.5, 524]);
    expect(handSums(values)[0]).toBe(37472);
  });

  test("Q6_K: a hand-computed super-block with sixteen distinct signed scales (d = 0.25, every q = −8: x = −2·sc)", async () => {
    const kernels = await loadWeightKernels();
    const bytes = new Uint8Array(210);
    bytes.fill(0x88, 0, 128); // low nibbles 8
    bytes.fill(0x55, 128, 192); // high bit pairs 1: q = 8 + 16 − 32 = −8
    const scales = [-3, 5, -7, 9, 11, -13, 15, -17, 1, -2, 4, -8, 16, -32, 64, -127];
    bytes.set(
      Int8Array.from(scales).map((sc) => sc & 0xff),
      192,
    );
    bytes.set([0x00, 0x34], 208); // d = 0.25
    // Sub-block i (16 values) is values 16i … 16i + 15 in ggml's order.
    const decoded = new Float32Array(256);
    dequantize("Q6_K", bytes, 0, 256, decoded);
    expect([...decoded]).toEqual(scales.flatMap((sc) => Array(16).fill(-2 * sc)));
    const got = kernelSums(kernels, "Q6_K", bytes, 256, 0);
    if (!got) return expect(kernels.backend).toBe("wasm");
    const values = scales.map((sc): [number, number] => [-2 * sc, 16]);
    expect(got).toEqual([...handSums(values), -128, 254]);
    expect(handSums(values)[0]).toBe(-32 * scales.reduce((a, b) => a + b, 0));
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
