import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { decodeTensorBytes, encodeBf16, encodeF16, encodeTensorValues, f16ToF32Table } from "../../src/io/dtype.ts";

const F16_TO_F32 = f16ToF32Table();

/** Independent oracle: the f16 value nearest to x (ties to even mantissa), by brute force over all finite patterns. */
function nearestF16Pattern(x: number): number {
  let best = -1;
  let bestDistance = Infinity;
  for (let bits = 0; bits < 0x7c00; bits++) {
    const distance = Math.abs(F16_TO_F32[bits]! - Math.abs(x));
    if (distance < bestDistance || (distance === bestDistance && (bits & 1) === 0)) {
      best = bits;
      bestDistance = distance;
    }
  }
  // beyond max finite + half ulp rounds to Inf
  if (Math.abs(x) >= 65520) best = 0x7c00;
  return (x < 0 || Object.is(x, -0) ? 0x8000 : 0) | best;
}

describe("f16", () => {
  test("table decodes known patterns exactly", () => {
    expect(F16_TO_F32[0x3c00]).toBe(1);
    expect(F16_TO_F32[0xc000]).toBe(-2);
    expect(F16_TO_F32[0x7bff]).toBe(65504);
    expect(F16_TO_F32[0x0001]).toBe(2 ** -24);
    expect(F16_TO_F32[0x0400]).toBe(2 ** -14);
    expect(F16_TO_F32[0x3555]).toBeCloseTo(0.333251953125, 12);
    expect(F16_TO_F32[0x7c00]).toBe(Infinity);
    expect(F16_TO_F32[0xfc00]).toBe(-Infinity);
    expect(Number.isNaN(F16_TO_F32[0x7e00])).toBe(true);
    expect(Object.is(F16_TO_F32[0x8000], -0)).toBe(true);
  });

  test("encoding every finite pattern's value gives the pattern back", () => {
    for (let bits = 0; bits < 0x10000; bits++) {
      if ((bits & 0x7c00) === 0x7c00) continue;
      expect(encodeF16(F16_TO_F32[bits]!)).toBe(bits);
    }
  });

  test("rounds to nearest, ties to even, overflow to Inf", () => {
    expect(encodeF16(1 + 2 ** -11)).toBe(0x3c00); // tie between 1 and 1+2^-10 → even (1)
    expect(encodeF16(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie between 1+2^-10 and 1+2^-9 → even
    expect(encodeF16(1 + 2 ** -11 + 2 ** -20)).toBe(0x3c01); // just above the tie rounds up
    expect(encodeF16(65519)).toBe(0x7bff);
    expect(encodeF16(65520)).toBe(0x7c00);
    expect(encodeF16(2 ** -25)).toBe(0); // tie between 0 and the smallest subnormal → 0
    expect(encodeF16(3 * 2 ** -25)).toBe(2); // tie between 1 and 2 units → 2
    expect(encodeF16(-0)).toBe(0x8000);
    expect(encodeF16(NaN) & 0x7c00).toBe(0x7c00);
  });

  test("agrees with a brute-force nearest-value oracle", () => {
    fc.assert(
      fc.property(fc.double({ min: -70000, max: 70000, noNaN: true }), (x) => {
        expect(encodeF16(x)).toBe(nearestF16Pattern(x));
      }),
      { numRuns: 200 },
    );
  });
});

describe("bf16", () => {
  test("rounds to nearest even and decodes as the top half of f32", () => {
    expect(encodeBf16(1)).toBe(0x3f80);
    expect(encodeBf16(1 + 2 ** -8)).toBe(0x3f80); // tie → even
    expect(encodeBf16(1 + 3 * 2 ** -8)).toBe(0x3f82); // tie → even (up)
    expect(encodeBf16(-2.5)).toBe(0xc020);
    expect(encodeBf16(Infinity)).toBe(0x7f80);
    expect(encodeBf16(3.4e38)).toBe(0x7f80); // above max bf16 + half ulp → Inf
    const decoded = decodeTensorBytes(new Uint8Array(new Uint16Array([0x3f80, 0xc020, 0x0001]).buffer), "BF16").values;
    expect([...decoded]).toEqual([1, -2.5, 2 ** -133]);
  });

  test("the Float32Array fast path matches the generic encoder", () => {
    fc.assert(
      fc.property(fc.array(fc.float({ noNaN: true }), { maxLength: 64 }), (values) => {
        const fast = new Uint16Array(encodeTensorValues(new Float32Array(values), "BF16").buffer);
        const generic = values.map((v) => encodeBf16(Math.fround(v)));
        expect([...fast]).toEqual(generic);
      }),
    );
  });

  test("f64 input is rounded once (no double rounding through f32)", () => {
    // 1 + 2^-8 + 2^-30: f32 rounding would give the tie 1 + 2^-8 then round to 1; correct is up.
    const x = 1 + 2 ** -8 + 2 ** -30;
    expect(encodeBf16(x)).toBe(0x3f81);
    expect(new Uint16Array(encodeTensorValues(new Float64Array([x]), "BF16").buffer)[0]).toBe(0x3f81);
  });
});

describe("decodeTensorBytes", () => {
  test("finds the first non-finite value for every dtype", () => {
    const cases = [
      { dtype: "F32", bytes: new Uint8Array(new Float32Array([1, 2, NaN, Infinity]).buffer), first: 2 },
      { dtype: "F64", bytes: new Uint8Array(new Float64Array([1, -Infinity, 3]).buffer), first: 1 },
      { dtype: "F16", bytes: new Uint8Array(new Uint16Array([0x3c00, 0x3c00, 0x3c00, 0xfc00]).buffer), first: 3 },
      { dtype: "BF16", bytes: new Uint8Array(new Uint16Array([0x7fc0, 0x3f80]).buffer), first: 0 },
    ] as const;
    for (const { dtype, bytes, first } of cases) expect(decodeTensorBytes(bytes, dtype).firstNonFinite).toBe(first);
  });

  test("reports -1 for finite data including the largest finite values", () => {
    expect(decodeTensorBytes(new Uint8Array(new Float32Array([3.4028234663852886e38, -0]).buffer), "F32").firstNonFinite).toBe(-1);
    expect(decodeTensorBytes(new Uint8Array(new Uint16Array([0x7bff, 0xfbff]).buffer), "F16").firstNonFinite).toBe(-1);
    expect(decodeTensorBytes(new Uint8Array(new Uint16Array([0x7f7f, 0xff7f]).buffer), "BF16").firstNonFinite).toBe(-1);
  });

  test("copies misaligned input instead of misreading it", () => {
    const raw = new Uint8Array(9);
    raw.set(new Uint8Array(new Float32Array([1.5, -2]).buffer), 1);
    expect([...decodeTensorBytes(raw.subarray(1), "F32").values]).toEqual([1.5, -2]);
  });
});
