/** The native GGUF decoders give the TypeScript decoders' values bit for bit. */
import { describe, expect, test } from "bun:test";
import { dequantize } from "../../src/io/gguf/dequantize.ts";
import { GGML_LAYOUTS } from "../../src/io/gguf/ggml-types.ts";
import { loadWeightKernels } from "../../src/kernels/weight-kernels.ts";

/** Random blocks of `type` whose f16 scales are finite (exponent field below all-ones). */
function randomBlocks(type: "Q8_0" | "Q4_K" | "Q5_K" | "Q6_K", blocks: number, seed: number): Uint8Array {
  const layout = GGML_LAYOUTS[type];
  const bytes = new Uint8Array(blocks * layout.blockBytes);
  let state = seed;
  for (let i = 0; i < bytes.length; i++) bytes[i] = (state = (state * 1103515245 + 12345) >>> 0) >>> 24;
  const halves = type === "Q8_0" ? [0] : type === "Q6_K" ? [208] : [0, 2];
  for (let b = 0; b < blocks; b++) for (const at of halves) bytes[b * layout.blockBytes + at + 1]! &= 0x3b; // |scale| < 2^−1·…, finite
  return bytes;
}

describe("native GGUF decoders", () => {
  for (const type of ["Q8_0", "Q4_K", "Q5_K", "Q6_K"] as const) {
    test(`${type}: the same f32 bits as the TypeScript decoder`, async () => {
      const kernels = await loadWeightKernels();
      const count = 40 * 256;
      const bytes = randomBlocks(type, count / GGML_LAYOUTS[type].blockValues, 5);
      const expected = new Float32Array(count);
      dequantize(type, bytes, 0, count, expected);
      kernels.reset();
      const [source, target] = [kernels.allocate(bytes.length), kernels.allocate(count * 4)];
      kernels.bytes(source, bytes.length).set(bytes);
      const ran = kernels.dequantize(source, target, count, type);
      if (!ran) {
        expect(kernels.backend).toBe("wasm"); // no native kernels here: the TypeScript decoder serves
        return;
      }
      const got = kernels.f32(target, count);
      expect(new Uint32Array(got.buffer, got.byteOffset, count)).toEqual(new Uint32Array(expected.buffer));
    });
  }

  test("Q5_K: a hand-computed super-block whose fifth bits name their sub-block (bit j of byte j: value j of sub-block j is 16)", async () => {
    const kernels = await loadWeightKernels();
    const bytes = new Uint8Array(176);
    bytes.set([0x00, 0x3c, 0x00, 0x00]); // d = 1, dmin = 0
    bytes.set([1, 1, 1, 1, 0, 0, 0, 0, 0x01, 0x01, 0x01, 0x01], 4); // every sc = 1, every m = 0
    for (let j = 0; j < 8; j++) bytes[16 + j] = 1 << j; // fifth bits; the 128 nibble bytes stay 0
    kernels.reset();
    const [source, target] = [kernels.allocate(bytes.length), kernels.allocate(256 * 4)];
    kernels.bytes(source, bytes.length).set(bytes);
    if (!kernels.dequantize(source, target, 256, "Q5_K")) return expect(kernels.backend).toBe("wasm");
    const expected = new Float32Array(256);
    for (let j = 0; j < 8; j++) expected[32 * j + j] = 16;
    expect([...kernels.f32(target, 256)]).toEqual([...expected]);
  });

  test("types without a native decoder are left to TypeScript", async () => {
    const kernels = await loadWeightKernels();
    kernels.reset();
    expect(kernels.dequantize(kernels.allocate(256), kernels.allocate(1024), 256, "Q3_K")).toBe(false);
  });
});
