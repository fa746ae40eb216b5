/**
 * Number formats of safetensors weights: decoding the stored bytes into f32/f64 (with the
 * finite check fused into the same loop) and encoding f32/f64 back for the writer.
 *
 * Safetensors stores little-endian data; typed arrays use the platform's byte order, so
 * the module refuses to load on a big-endian machine rather than silently misread.
 */
import type { Dtype } from "../types.ts";
import { DTYPE_BYTES } from "../types.ts";
import { bigEndianPlatform } from "../messages.ts";

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw bigEndianPlatform();
}

let f16Table: Float32Array | undefined;

/**
 * f16 bit pattern → its exact f32 value, for all 65,536 patterns (256 KiB), built on first
 * use: every layer worker loads this module, and most checkpoints hold no f16 tensor.
 */
export function f16ToF32Table(): Float32Array {
  return (f16Table ??= buildF16Table());
}

function buildF16Table(): Float32Array {
  const table = new Float32Array(65536);
  for (let bits = 0; bits < 65536; bits++) {
    const sign = bits & 0x8000 ? -1 : 1;
    const exponent = (bits >> 10) & 0x1f;
    const mantissa = bits & 0x3ff;
    if (exponent === 0) table[bits] = sign * mantissa * 2 ** -24;
    else if (exponent === 31) table[bits] = mantissa ? NaN : sign * Infinity;
    else table[bits] = sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
  }
  return table;
}

/** Decoded tensor values plus where the first NaN/±Inf sits (−1 when all are finite). */
export interface DecodedValues {
  /** F64 stays Float64Array; every other dtype becomes Float32Array (exactly: f16/bf16 ⊂ f32). */
  readonly values: Float32Array | Float64Array;
  readonly firstNonFinite: number;
}

/**
 * Decode raw little-endian tensor bytes. F32/F64 return a view over `bytes` when it is
 * aligned (no copy); F16/BF16 write into `output` when given (an f32 view of at least the
 * element count, reused to avoid first-touch page faults on big tensors, or memory the SIMD
 * kernels read) or into a fresh buffer. The NaN/Inf test
 * runs inside the decoding loop as branch-free integer arithmetic on the exponent field
 * (all ones ⇔ not finite).
 */
export function decodeTensorBytes(bytes: Uint8Array, dtype: Dtype, output?: Float32Array, checkFinite = true): DecodedValues {
  const elementBytes = DTYPE_BYTES[dtype];
  if (bytes.byteLength % elementBytes !== 0) {
    throw new RangeError(`${bytes.byteLength} bytes is not a whole number of ${dtype} elements`);
  }
  const aligned = bytes.byteOffset % elementBytes === 0 ? bytes : bytes.slice();
  const count = aligned.byteLength / elementBytes;
  const buffer = aligned.buffer;
  const start = aligned.byteOffset;
  switch (dtype) {
    case "F32": {
      const values = new Float32Array(buffer, start, count);
      if (!checkFinite) return { values, firstNonFinite: -1 };
      const bits = new Uint32Array(buffer, start, count);
      let nonFinite = 0;
      // (exponent field + one exponent ulp) overflows into bit 31 only when the field is all ones.
      for (let i = 0; i < count; i++) nonFinite |= ((bits[i]! & 0x7f800000) + 0x800000) >>> 31;
      return { values, firstNonFinite: nonFinite ? firstNonFiniteIndex(values) : -1 };
    }
    case "F64": {
      const values = new Float64Array(buffer, start, count);
      if (!checkFinite) return { values, firstNonFinite: -1 };
      let probe = 0;
      // x·0 is 0 for finite x and NaN for NaN/±Inf, so the sum turns NaN exactly when one is bad.
      for (let i = 0; i < count; i++) probe += values[i]! * 0;
      return { values, firstNonFinite: probe === 0 ? -1 : firstNonFiniteIndex(values) };
    }
    case "F16": {
      const halves = new Uint16Array(buffer, start, count);
      const values = output ? output.subarray(0, count) : new Float32Array(count);
      const table = f16ToF32Table();
      let nonFinite = 0;
      for (let i = 0; i < count; i++) {
        const half = halves[i]!;
        values[i] = table[half]!;
        nonFinite |= ((half & 0x7c00) + 0x400) >> 15;
      }
      return { values, firstNonFinite: nonFinite ? firstNonFiniteIndex(values) : -1 };
    }
    case "BF16": {
      const halves = new Uint16Array(buffer, start, count);
      const widened = output ? new Uint32Array(output.buffer, output.byteOffset, count) : new Uint32Array(count);
      let nonFinite = 0;
      for (let i = 0; i < count; i++) {
        const half = halves[i]!;
        widened[i] = half << 16; // bf16 is the top half of an f32
        nonFinite |= ((half & 0x7f80) + 0x80) >> 15;
      }
      const values = new Float32Array(widened.buffer, widened.byteOffset, count);
      return { values, firstNonFinite: nonFinite ? firstNonFiniteIndex(values) : -1 };
    }
  }
}

function firstNonFiniteIndex(values: Float32Array | Float64Array): number {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) return i;
  return -1;
}

/**
 * Round a number to the nearest value of a binary float format with `exponentBits` and
 * `mantissaBits` (IEEE layout, subnormals, round-to-nearest-even, overflow → ±Inf) and return
 * its bit pattern. Works from the f64 value directly, so F64 input is rounded once, not twice.
 */
function encodeBinaryFloat(value: number, exponentBits: number, mantissaBits: number): number {
  const signBit = 1 << (exponentBits + mantissaBits);
  const exponentAllOnes = ((1 << exponentBits) - 1) << mantissaBits;
  if (Number.isNaN(value)) return exponentAllOnes | (1 << (mantissaBits - 1)); // quiet NaN
  const sign = value < 0 || Object.is(value, -0) ? signBit : 0;
  const magnitude = Math.abs(value);
  if (magnitude === Infinity) return sign | exponentAllOnes;
  const bias = (1 << (exponentBits - 1)) - 1;
  const minNormalExponent = 1 - bias;
  const implicitOne = 1 << mantissaBits;
  if (magnitude < 2 ** minNormalExponent) {
    // Subnormal: count units of 2^(minNormalExponent − mantissaBits); rounding up to
    // `implicitOne` units lands exactly on the smallest normal's bit pattern.
    return sign | roundHalfEven(magnitude * 2 ** (mantissaBits - minNormalExponent));
  }
  let exponent = Math.floor(Math.log2(magnitude));
  if (2 ** exponent > magnitude) exponent--; // log2 can be off by one near powers of two
  if (2 ** (exponent + 1) <= magnitude) exponent++;
  let significand = roundHalfEven(magnitude * 2 ** (mantissaBits - exponent)); // in [implicitOne, 2·implicitOne]
  if (significand === 2 * implicitOne) {
    significand = implicitOne;
    exponent++;
  }
  if (exponent > bias) return sign | exponentAllOnes;
  return sign | ((exponent + bias) << mantissaBits) | (significand - implicitOne);
}

function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const fraction = x - floor; // exact: x < 2^25 here
  if (fraction > 0.5) return floor + 1;
  if (fraction < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** f32/f64 value → f16 bit pattern, round-to-nearest-even (|x| ≥ 65520 → ±Inf). */
export function encodeF16(value: number): number {
  return encodeBinaryFloat(value, 5, 10);
}

/** f32/f64 value → bf16 bit pattern, round-to-nearest-even. */
export function encodeBf16(value: number): number {
  return encodeBinaryFloat(value, 8, 7);
}

/**
 * Encode values as little-endian `dtype` bytes for the writer. F32 input to F32/BF16 takes
 * exact bit-level fast paths; everything else rounds each value once from its own precision.
 */
export function encodeTensorValues(values: Float32Array | Float64Array, dtype: Dtype): Uint8Array {
  switch (dtype) {
    case "F64":
      return new Uint8Array(Float64Array.from(values).buffer);
    case "F32":
      return new Uint8Array(Float32Array.from(values).buffer);
    case "F16": {
      const halves = new Uint16Array(values.length);
      for (let i = 0; i < values.length; i++) halves[i] = encodeF16(values[i]!);
      return new Uint8Array(halves.buffer);
    }
    case "BF16": {
      const halves = new Uint16Array(values.length);
      if (values instanceof Float32Array) {
        const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
        for (let i = 0; i < values.length; i++) {
          const word = bits[i]!;
          if ((word & 0x7fffffff) > 0x7f800000) halves[i] = 0x7fc0 | ((word >>> 16) & 0x8000);
          else halves[i] = (word + 0x7fff + ((word >>> 16) & 1)) >>> 16; // RNE on the dropped half
        }
      } else {
        for (let i = 0; i < values.length; i++) halves[i] = encodeBf16(values[i]!);
      }
      return new Uint8Array(halves.buffer);
    }
  }
}
