/**
 * The AVX-512 path of the integer-domain power sums (native/block-moments-wide.c, chosen at run
 * time): it is used exactly where the CPU reports the instructions, gives hand-computed sums on
 * blocks it reads (sixteen at a time, so these tests use 16 or more), and the same bits as the
 * AVX2 path on random blocks. Where the CPU lacks AVX-512 the AVX2 path is all there is, and the
 * first test checks that it is the one in use (by /proc/cpuinfo: under qemu-user, which shows the
 * host's flags, that test fails by design; the others pass on the AVX2 path, as checked under
 * `qemu-x86_64 -cpu Haswell`).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { loadWeightKernels, type WeightKernels } from "../../src/kernels/weight-kernels.ts";

/** The CPU flags /proc/cpuinfo lists (Linux), or undefined elsewhere. */
function cpuFlags(): Set<string> | undefined {
  try {
    const line = readFileSync("/proc/cpuinfo", "utf8")
      .split("\n")
      .find((l) => l.startsWith("flags"));
    return line ? new Set(line.split(":")[1]!.trim().split(/\s+/)) : undefined;
  } catch {
    return undefined;
  }
}

/** [Σy, Σy², Σy³, Σy⁴, min, max] of Q8_0 blocks, with the AVX-512 path on or off. */
function q8Sums(kernels: WeightKernels, bytes: Uint8Array, shift: number, wide: boolean): Float64Array {
  kernels.useWideKernels(wide);
  kernels.reset();
  const source = kernels.allocate(bytes.length);
  kernels.bytes(source, bytes.length).set(bytes);
  const sums = kernels.powerSumAccumulator();
  kernels.addBlockPowerSums(source, (bytes.length / 34) * 32, "Q8_0", shift, sums);
  return kernels.f64(sums, 6).slice();
}

/** Σ xᵏ, k = 1…4, of values given with their multiplicities (exact here: small dyadic values). */
function handSums(values: [number, number][]): number[] {
  return [1, 2, 3, 4].map((k) => values.reduce((sum, [x, times]) => sum + times * x ** k, 0));
}

/** An f16's two bytes for 2^e (−14 ≤ e ≤ 15). */
function powerOfTwoHalf(e: number): [number, number] {
  const half = (e + 15) << 10;
  return [half & 0xff, half >> 8];
}

describe("AVX-512 integer power sums (block-moments-wide.c)", () => {
  afterAll(async () => {
    (await loadWeightKernels()).useWideKernels(true);
  });

  test("used exactly where the CPU has AVX-512 F, BW, VL, DQ and VNNI", async () => {
    const kernels = await loadWeightKernels();
    if (!kernels.sumsIntegers("Q8_0")) return expect(kernels.backend).toBe("wasm");
    const flags = cpuFlags();
    const has = flags !== undefined && ["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512_vnni"].every((f) => flags.has(f));
    expect(kernels.useWideKernels(true)).toBe(has);
    expect(kernels.useWideKernels(false)).toBe(false);
    expect(kernels.useWideKernels(true)).toBe(has);
  });

  test("Q8_0: 21 hand-computed blocks (16 read sixteen at a time, 4 grouped, 1 left over), a scale of their own each", async () => {
    const kernels = await loadWeightKernels();
    if (!kernels.sumsIntegers("Q8_0")) return expect(kernels.backend).toBe("wasm");
    // Block b: d = 2^(b mod 5 − 2); q[b mod 32] = −128, q[(b + 9) mod 32] = 127, q[(b + 20) mod 32] = 2 + b, the rest 0.
    const bytes = new Uint8Array(21 * 34);
    const values: [number, number][] = [];
    for (let b = 0; b < 21; b++) {
      const e = (b % 5) - 2;
      bytes.set(powerOfTwoHalf(e), 34 * b);
      bytes[34 * b + 2 + (b % 32)] = 0x80;
      bytes[34 * b + 2 + ((b + 9) % 32)] = 127;
      bytes[34 * b + 2 + ((b + 20) % 32)] = 2 + b;
      values.push([-128 * 2 ** e, 1], [127 * 2 ** e, 1], [(2 + b) * 2 ** e, 1]);
    }
    const expected = [...handSums(values), -128 * 4, 127 * 4];
    for (const wide of [true, false]) expect([...q8Sums(kernels, bytes, 0, wide)]).toEqual(expected);
    expect(handSums([[-128, 1]])).toEqual([-128, 16384, -2097152, 268435456]);
  });

  test("Q8_0: Σq⁴ past 32 bits (sixteen blocks of q = −128 and of 127, d = 1) is exact", async () => {
    const kernels = await loadWeightKernels();
    if (!kernels.sumsIntegers("Q8_0")) return expect(kernels.backend).toBe("wasm");
    for (const q of [-128, 127]) {
      const bytes = new Uint8Array(32 * 34);
      for (let b = 0; b < 32; b++) {
        bytes.set(powerOfTwoHalf(0), 34 * b);
        bytes.fill(q & 0xff, 34 * b + 2, 34 * b + 34);
      }
      // 1024 values of q: Σq⁴ = 2^10 · q⁴ (2^38 for −128; a block's own 32·q⁴ ≥ 2^32 either way).
      const expected = [...handSums([[q, 1024]]), q, q];
      for (const wide of [true, false]) expect([...q8Sums(kernels, bytes, 0, wide)]).toEqual(expected);
    }
  });

  test("Q8_0: the same bits as the AVX2 path on random blocks (any f16 scale, NaN and ∞ too; q = −128 runs; any shift)", async () => {
    const kernels = await loadWeightKernels();
    if (!kernels.sumsIntegers("Q8_0")) return expect(kernels.backend).toBe("wasm");
    if (!kernels.useWideKernels(true)) return; // no AVX-512 here: the hand-computed tests above checked the AVX2 path

    const block = fc.record({
      half: fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.constant(0x3c00), fc.constant(0x8000)),
      fill: fc.constantFrom("random", "zero", "min", "max"),
      seed: fc.integer(),
    });
    fc.assert(
      fc.property(fc.array(block, { minLength: 16, maxLength: 70 }), fc.double({ min: -4, max: 4, noNaN: true }), (blocks, shift) => {
        const bytes = new Uint8Array(blocks.length * 34);
        for (const [b, { half, fill, seed }] of blocks.entries()) {
          let state = seed >>> 0;
          for (let i = 2; i < 34; i++) {
            state = (state * 1103515245 + 12345) >>> 0;
            bytes[34 * b + i] = fill === "zero" ? 0 : fill === "min" ? 0x80 : fill === "max" ? 0x7f : state >>> 24;
          }
          bytes.set([half & 0xff, half >> 8], 34 * b);
        }
        const f32Shift = Math.fround(shift);
        const wide = new Uint8Array(q8Sums(kernels, bytes, f32Shift, true).buffer);
        const narrow = new Uint8Array(q8Sums(kernels, bytes, f32Shift, false).buffer);
        expect(wide).toEqual(narrow);
      }),
      { numRuns: 400, seed: 21 },
    );
  });
});
