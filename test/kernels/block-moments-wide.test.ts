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
import { dequantize } from "../../src/io/gguf/dequantize.ts";
import { GGML_LAYOUTS } from "../../src/io/gguf/ggml-types.ts";
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

/** [Σy, Σy², Σy³, Σy⁴, min, max] of Q8_0 or Q4_K blocks, with the AVX-512 path on or off. */
function blockSums(kernels: WeightKernels, bytes: Uint8Array, shift: number, wide: boolean, type: "Q8_0" | "Q4_K" = "Q8_0"): Float64Array {
  const { blockValues, blockBytes } = GGML_LAYOUTS[type];
  kernels.useWideKernels(wide);
  kernels.reset();
  const source = kernels.allocate(bytes.length);
  kernels.bytes(source, bytes.length).set(bytes);
  const sums = kernels.powerSumAccumulator();
  kernels.addBlockPowerSums(source, (bytes.length / blockBytes) * blockValues, type, shift, sums);
  return kernels.f64(sums, 6).slice();
}

/** Random bytes from a seed (a linear congruential generator's top byte). */
function fillRandom(target: Uint8Array, seed: number): void {
  let state = seed >>> 0;
  for (let i = 0; i < target.length; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    target[i] = state >>> 24;
  }
}

/**
 * The same f64 bits (−0 is not +0), but any NaN for a NaN: which NaN an operation on two NaN
 * operands returns (x86 keeps the first source's) follows the compiler's choice of instruction form.
 */
function expectSameBits(got: Float64Array, expected: Float64Array): void {
  const same = [...got].map((x, i) => (Number.isNaN(x) && Number.isNaN(expected[i]!)) || Object.is(x, expected[i]));
  expect({ got: [...got], same }).toEqual({ got: [...got], same: same.map(() => true) });
  expect(new Uint8Array(got.filter((x) => !Number.isNaN(x)).buffer)).toEqual(new Uint8Array(expected.filter((x) => !Number.isNaN(x)).buffer));
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
    for (const wide of [true, false]) expect([...blockSums(kernels, bytes, 0, wide)]).toEqual(expected);
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
      for (const wide of [true, false]) expect([...blockSums(kernels, bytes, 0, wide)]).toEqual(expected);
    }
  });

  test("Q8_0: the same bits as the AVX2 path on random blocks (any f16 scale, NaN and ∞ too — a NaN either way; q = −128 runs; any shift)", async () => {
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
          const q = bytes.subarray(34 * b + 2, 34 * b + 34);
          if (fill === "random") fillRandom(q, seed);
          else q.fill(fill === "zero" ? 0 : fill === "min" ? 0x80 : 0x7f);
          bytes.set([half & 0xff, half >> 8], 34 * b);
        }
        const f32Shift = Math.fround(shift);
        expectSameBits(blockSums(kernels, bytes, f32Shift, true), blockSums(kernels, bytes, f32Shift, false));
      }),
      { numRuns: 400, seed: 21 },
    );
  });
  test("Q4_K: 5 hand-computed super-blocks (4 read together, 1 left over), every sub-block its own scale, min and q", async () => {
    const kernels = await loadWeightKernels();
    if (!kernels.sumsIntegers("Q4_K")) return expect(kernels.backend).toBe("wasm");
    // Super-block s: d = 2^(s − 2), dmin = 2^−s; sub-block j: sc = j + 1 + s, m = (2j + s) mod 16, every q = (3j + s) mod 16
    // but its first q = 15 and its last q = 0; so x = d·sc·q − dmin·m, exact in f32 (small dyadic numbers).
    const bytes = new Uint8Array(5 * 144);
    const values: [number, number][] = [];
    for (let s = 0; s < 5; s++) {
      const block = bytes.subarray(144 * s, 144 * (s + 1));
      block.set([...powerOfTwoHalf(s - 2), ...powerOfTwoHalf(-s)]);
      const sc = [0, 1, 2, 3, 4, 5, 6, 7].map((j) => j + 1 + s);
      const m = [0, 1, 2, 3, 4, 5, 6, 7].map((j) => (2 * j + s) % 16);
      // 6-bit scales and mins packed as get_scale_min_k4 reads them (all < 16 here: no top bits).
      for (let j = 0; j < 4; j++) [block[4 + j], block[8 + j]] = [sc[j]!, m[j]!];
      for (let j = 4; j < 8; j++) block[12 + j - 4] = sc[j]! | (m[j]! << 4);
      for (let j = 0; j < 8; j++) {
        const q = (3 * j + s) % 16;
        const nibbles = block.subarray(16 + 32 * (j >> 1), 48 + 32 * (j >> 1));
        for (let l = 0; l < 32; l++) {
          const v = l === 0 ? 15 : l === 31 ? 0 : q;
          nibbles[l] = j % 2 ? (nibbles[l]! & 0x0f) | (v << 4) : (nibbles[l]! & 0xf0) | v;
        }
        const a = 2 ** (s - 2) * sc[j]!,
          b = 2 ** -s * m[j]!;
        values.push([a * q - b, 30], [a * 15 - b, 1], [-b, 1]);
      }
    }
    const decoded = new Float32Array(5 * 256);
    dequantize("Q4_K", bytes, 0, 5 * 256, decoded);
    const xs = values.map(([x]) => x);
    expect([Math.min(...decoded), Math.max(...decoded)]).toEqual([Math.min(...xs), Math.max(...xs)]);
    const expected = [...handSums(values), Math.min(...xs), Math.max(...xs)];
    for (const wide of [true, false]) expect([...blockSums(kernels, bytes, 0, wide, "Q4_K")]).toEqual(expected);
  });

  test("Q4_K: the same bits as the AVX2 path on random super-blocks (any f16 d and dmin, NaN and ∞ too — a NaN either way; any shift)", async () => {
    const kernels = await loadWeightKernels();
    if (!kernels.sumsIntegers("Q4_K")) return expect(kernels.backend).toBe("wasm");
    if (!kernels.useWideKernels(true)) return; // no AVX-512 here: the hand-computed test above checked the AVX2 path
    const block = fc.record({
      halves: fc.array(fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.constant(0x3c00), fc.constant(0)), { minLength: 2, maxLength: 2 }),
      fill: fc.constantFrom("random", "zero", "ones"),
      seed: fc.integer(),
    });
    fc.assert(
      fc.property(fc.array(block, { minLength: 4, maxLength: 13 }), fc.double({ min: -4, max: 4, noNaN: true }), (blocks, shift) => {
        const bytes = new Uint8Array(blocks.length * 144);
        for (const [b, { halves, fill, seed }] of blocks.entries()) {
          const block = bytes.subarray(144 * b, 144 * (b + 1));
          if (fill === "random") fillRandom(block, seed);
          else block.fill(fill === "ones" ? 0xff : 0);
          for (const [i, half] of halves.entries()) block.set([half & 0xff, half >> 8], 2 * i);
        }
        const f32Shift = Math.fround(shift);
        expectSameBits(blockSums(kernels, bytes, f32Shift, true, "Q4_K"), blockSums(kernels, bytes, f32Shift, false, "Q4_K"));
      }),
      { numRuns: 400, seed: 22 },
    );
  });
});
