/**
 * Block dequantization against blocks written byte by byte, with the values each must decode to
 * worked out by hand from the format's definition (ggml-common.h / ggml-quants.c).
 */
import { describe, expect, test } from "bun:test";
import { dequantize } from "../../../src/io/gguf/dequantize.ts";
import { GGML_LAYOUTS } from "../../../src/io/gguf/ggml-types.ts";
import type { GgmlType } from "../../../src/types.ts";

// f16 bit patterns of the scales used below.
const F16 = { quarter: 0x3400, half: 0x3800, one: 0x3c00, minusOne: 0xbc00 };

/** A zeroed block of `type` with f16 values and bytes placed at the given offsets. */
function block(type: GgmlType, halves: Record<number, number>, bytes: Record<number, number> = {}): Uint8Array {
  const out = new Uint8Array(GGML_LAYOUTS[type].blockBytes);
  for (const [at, bits] of Object.entries(halves)) [out[Number(at)], out[Number(at) + 1]] = [bits & 0xff, bits >> 8];
  for (const [at, value] of Object.entries(bytes)) out[Number(at)] = value;
  return out;
}

/** Decoded values of one block, −0 read as 0. */
function decode(type: GgmlType, bytes: Uint8Array): number[] {
  const out = new Float32Array(GGML_LAYOUTS[type].blockValues);
  expect(dequantize(type, bytes, 0, out.length, out)).toBe(bytes.length);
  return Array.from(out, (v) => v + 0);
}

describe("dequantize", () => {
  test("Q8_0: value = d · q with q a signed byte", () => {
    // d = 0.5; qs = [1, −2, 127, −128, 0, …]
    const values = decode("Q8_0", block("Q8_0", { 0: F16.half }, { 2: 1, 3: 0xfe, 4: 127, 5: 0x80 }));
    expect(values.slice(0, 5)).toEqual([0.5, -1, 63.5, -64, 0]);
    expect(values.slice(5).every((v) => v === 0)).toBe(true);
  });

  test("Q4_0: low nibbles are values 0–15, high nibbles 16–31, offset 8", () => {
    // d = 0.25; qs[0] = 0x9F (low 15, high 9), other qs 0x08 (low 8, high 0)
    const bytes = block("Q4_0", { 0: F16.quarter });
    bytes.fill(0x08, 2);
    bytes[2] = 0x9f;
    const values = decode("Q4_0", bytes);
    expect(values[0]).toBe(1.75); // (15 − 8) · 0.25
    expect(values[16]).toBe(0.25); // (9 − 8) · 0.25
    expect(values[1]).toBe(0); // (8 − 8)
    expect(values[17]).toBe(-2); // (0 − 8) · 0.25
  });

  test("Q4_1: value = d · q + m", () => {
    // d = 0.5, m = −1; every qs byte 0x30 (low 0, high 3)
    const bytes = block("Q4_1", { 0: F16.half, 2: F16.minusOne });
    bytes.fill(0x30, 4);
    const values = decode("Q4_1", bytes);
    expect(values.slice(0, 16).every((v) => v === -1)).toBe(true);
    expect(values.slice(16).every((v) => v === 0.5)).toBe(true);
  });

  test("Q5_0: the fifth bit of value j is bit j of qh, of value j + 16 bit j + 16; offset 16", () => {
    // d = 1; qh = 0x00010001 (bits 0 and 16); qs[0] = 0x21
    const values = decode("Q5_0", block("Q5_0", { 0: F16.one }, { 2: 0x01, 4: 0x01, 6: 0x21 }));
    expect(values[0]).toBe(1); // (1 | 16) − 16
    expect(values[16]).toBe(2); // (2 | 16) − 16
    expect(values[1]).toBe(-16); // no fifth bit
    expect(values[17]).toBe(-16);
  });

  test("Q5_1: value = d · q + m with five-bit q", () => {
    // d = 0.5, m = 0.25; qh = 0x80000000 (bit 31 → value 31); qs[15] = 0xF0
    const values = decode("Q5_1", block("Q5_1", { 0: F16.half, 2: F16.quarter }, { 7: 0x80, 23: 0xf0 }));
    expect(values[31]).toBe(15.75); // (15 | 16) · 0.5 + 0.25
    expect(values[15]).toBe(0.25); // 0 · 0.5 + 0.25
    expect(values[30]).toBe(0.25);
  });

  test("Q2_K: 2-bit values, per-16 scale (low nibble) and min (high nibble) on d and dmin", () => {
    // d = 0.5, dmin = 0.25; scales[0] = 0x21 (scale 1, min 2), scales[2] = 0x13 (scale 3, min 1);
    // qs[0] = 0b11_10_01_00: value 0 gets q 0, value 32 q 1, value 64 q 2, value 96 q 3.
    const values = decode("Q2_K", block("Q2_K", { 80: F16.half, 82: F16.quarter }, { 0: 0x21, 2: 0x13, 16: 0xe4 }));
    expect(values[0]).toBe(-0.5); // 0.5 · 1 · 0 − 0.25 · 2
    expect(values[1]).toBe(-0.5);
    expect(values[32]).toBe(1.25); // 0.5 · 3 · 1 − 0.25 · 1
    expect(values[64]).toBe(0); // scales[4] = 0
    expect(values[16]).toBe(0); // scales[1] = 0
  });

  test("Q3_K: 6-bit scales biased by 32, a 2-bit value and a high bit that, when clear, subtracts 4", () => {
    // d = 1. Scale 0 = 34 (→ 2): low nibble 2 in scales[0], high bits 2 in scales[8] bits 0–1;
    // every other scale 32 (→ 0): high bits 2 in each pair of scales[8..11] = 0xAA.
    const bytes = block("Q3_K", { 108: F16.one }, { 96: 0x02, 104: 0xaa, 105: 0xaa, 106: 0xaa, 107: 0xaa });
    bytes[32] = 0x03; // qs[0]: value 0 gets q 3
    bytes[33] = 0x01; // qs[1]: value 1 gets q 1
    bytes[0] = 0x01; // hmask[0] bit 0: value 0 keeps its q
    const values = decode("Q3_K", bytes);
    expect(values[0]).toBe(6); // 2 · (3 − 0)
    expect(values[1]).toBe(-6); // 2 · (1 − 4)
    expect(values[2]).toBe(-8); // 2 · (0 − 4)
    expect(values[16]).toBe(0); // scale 1 is 0
  });

  test("Q4_K: per-32 6-bit scale and min, the upper four packed in their top bits", () => {
    // d = 1, dmin = 0.5. Scales bytes at 4..15: scales[0] = 0x42 (scale 0 = 2; its top bits 1 → scale 4's bit 4),
    // scales[4] = 4 (min 0 = 4), scales[1] = 1 (scale 1), scales[8] = 0x21 (scale 4 low 1, min 4 low 2).
    const bytes = block("Q4_K", { 0: F16.one, 2: F16.half }, { 4: 0x42, 5: 0x01, 8: 0x04, 12: 0x21 });
    bytes[16] = 0x53; // qs[0]: value 0 low nibble 3, value 32 high nibble 5
    bytes[16 + 64] = 0x01; // qs[64]: value 128 low nibble 1
    const values = decode("Q4_K", bytes);
    expect(values[0]).toBe(4); // 1 · 2 · 3 − 0.5 · 4
    expect(values[1]).toBe(-2); // 1 · 2 · 0 − 0.5 · 4
    expect(values[32]).toBe(5); // 1 · 1 · 5 − 0.5 · 0
    expect(values[128]).toBe(16); // 1 · (1 | 1 << 4) · 1 − 0.5 · 2
  });

  test("Q5_K: Q4_K plus a fifth bit per value from qh, two bits per 64 values", () => {
    // d = 1, dmin = 0; scale 0 = 1, scale 2 = 3; qs at 48, qh at 16.
    const bytes = block("Q5_K", { 0: F16.one, 2: 0 }, { 4: 0x01, 6: 0x03 });
    bytes[48] = 0x0f; // value 0 low nibble 15
    bytes[48 + 32] = 0x02; // value 64 low nibble 2
    bytes[16] = 0x01 | 0x04; // qh[0]: bit 0 → value 0, bit 2 → value 64
    const values = decode("Q5_K", bytes);
    expect(values[0]).toBe(31); // 1 · (15 + 16)
    expect(values[64]).toBe(54); // 3 · (2 + 16)
    expect(values[1]).toBe(0);
  });

  test("Q6_K: 4 low bits from ql, 2 high bits from qh, offset 32, signed per-16 scales", () => {
    // d = 0.5 at 208; scales at 192: scale 0 = 2, scale 2 = −1.
    const bytes = block("Q6_K", { 208: F16.half }, { 192: 2, 194: 0xff });
    bytes[0] = 0x21; // ql[0]: value 0 low 1, value 64 low 2
    bytes[128] = 0x06; // qh[0]: value 0 high 2, value 32 high 1
    const values = decode("Q6_K", bytes);
    expect(values[0]).toBe(1); // 0.5 · 2 · ((1 | 2 << 4) − 32)
    expect(values[32]).toBe(8); // 0.5 · −1 · ((0 | 1 << 4) − 32)
    expect(values[1]).toBe(-32); // 0.5 · 2 · (0 − 32)
    expect(values[33]).toBe(16); // 0.5 · −1 · (0 − 32)
    expect(values[64]).toBe(0); // scale 4 = 0
  });

  test("F32, F16 and BF16 are plain little-endian values", () => {
    const out = new Float32Array(2);
    dequantize("F16", new Uint8Array([0x00, 0x3c, 0x00, 0xc0]), 0, 2, out);
    expect(Array.from(out)).toEqual([1, -2]);
    dequantize("BF16", new Uint8Array([0x80, 0x3f, 0x40, 0xc0]), 0, 2, out);
    expect(Array.from(out)).toEqual([1, -3]);
    dequantize("F32", new Uint8Array(new Float32Array([0.25, -7]).buffer), 0, 2, out);
    expect(Array.from(out)).toEqual([0.25, -7]);
  });

  test("decodes several blocks from an offset into an offset", () => {
    const two = new Uint8Array(1 + 68);
    two.set(block("Q8_0", { 0: F16.one }, { 2: 3 }), 1);
    two.set(block("Q8_0", { 0: F16.half }, { 2: 3 }), 35);
    const out = new Float32Array(66);
    dequantize("Q8_0", two, 1, 64, out, 2);
    expect([out[2], out[34]]).toEqual([3, 1.5]);
  });
});
