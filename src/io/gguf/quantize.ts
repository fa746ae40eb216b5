/**
 * f32 values → ggml blocks, following ggml-quants.c's reference quantizers
 * (`quantize_row_*_ref`, what llama.cpp uses without an importance matrix): the same scale
 * choice, search and rounding (`roundf` is half away from zero, `nearest_int` half to even),
 * with products rounded to f32 where ggml computes in f32. Used by the GGUF writer.
 */
import type { GgmlType } from "../../types.ts";
import { encodeBf16, encodeF16, f16ToF32Table } from "../dtype.ts";
import { GGML_LAYOUTS } from "./ggml-types.ts";
import { makeQ3Quants, makeQkx2Quants, makeQxQuants, nearestInt } from "./quantize-search.ts";

type BlockEncoder = (x: Float32Array, at: number, out: Uint8Array, to: number) => void;

const f32 = Math.fround;

/** f16 bits of `value`, written little-endian at out[to]; returns the f16 value as f32. */
function putHalf(out: Uint8Array, to: number, value: number): number {
  const bits = encodeF16(value);
  out[to] = bits & 0xff;
  out[to + 1] = bits >> 8;
  return f16ToF32Table()[bits]!;
}

/** C's (int8_t) cast of a float (truncation toward zero; in range here). */
const truncate = Math.trunc;

/** C's roundf: half away from zero. */
function roundAway(x: number): number {
  return Math.sign(x) * Math.floor(Math.abs(x) + 0.5);
}

const encodeQ8_0: BlockEncoder = (x, at, out, to) => {
  let amax = 0;
  for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[at + j]!));
  const d = f32(amax / 127);
  const id = d ? f32(1 / d) : 0;
  putHalf(out, to, d);
  for (let j = 0; j < 32; j++) out[to + 2 + j] = roundAway(f32(x[at + j]! * id)) & 0xff;
};

/** The value of largest magnitude in x[at, at + n) (sign kept; the first on ties). */
function signedMax(x: Float32Array, at: number, n: number): number {
  let amax = 0;
  let max = 0;
  for (let j = 0; j < n; j++) {
    const v = x[at + j]!;
    if (amax < Math.abs(v)) {
      amax = Math.abs(v);
      max = v;
    }
  }
  return max;
}

/** Q4_0 (bits 4, offset 8) and Q5_0 (bits 5, offset 16): d = max / −offset. */
function encodeSymmetric(bits: 4 | 5): BlockEncoder {
  const offset = 1 << (bits - 1);
  const top = (1 << bits) - 1;
  return (x, at, out, to) => {
    const d = f32(signedMax(x, at, 32) / -offset);
    const id = d ? f32(1 / d) : 0;
    putHalf(out, to, d);
    let qh = 0;
    const qs = bits === 4 ? to + 2 : to + 6;
    for (let j = 0; j < 16; j++) {
      const q0 = Math.min(top, truncate(f32(f32(x[at + j]! * id) + offset + 0.5)));
      const q1 = Math.min(top, truncate(f32(f32(x[at + j + 16]! * id) + offset + 0.5)));
      out[qs + j] = (q0 & 0xf) | ((q1 & 0xf) << 4);
      qh |= ((q0 >> 4) << j) | ((q1 >> 4) << (j + 16));
    }
    if (bits === 5) new DataView(out.buffer, out.byteOffset).setUint32(to + 2, qh >>> 0, true);
  };
}

/** Q4_1 and Q5_1: d = (max − min) / (2^bits − 1), m = min. */
function encodeWithMin(bits: 4 | 5): BlockEncoder {
  const top = (1 << bits) - 1;
  return (x, at, out, to) => {
    let min = Infinity;
    let max = -Infinity;
    for (let j = 0; j < 32; j++) {
      min = Math.min(min, x[at + j]!);
      max = Math.max(max, x[at + j]!);
    }
    const d = f32(f32(max - min) / top);
    const id = d ? f32(1 / d) : 0;
    putHalf(out, to, d);
    putHalf(out, to + 2, min);
    let qh = 0;
    const qs = bits === 4 ? to + 4 : to + 8;
    for (let j = 0; j < 16; j++) {
      const q0 = Math.min(top, truncate(f32(f32(f32(x[at + j]! - min) * id) + 0.5)));
      const q1 = Math.min(top, truncate(f32(f32(f32(x[at + j + 16]! - min) * id) + 0.5)));
      out[qs + j] = (q0 & 0xf) | ((q1 & 0xf) << 4);
      qh |= ((q0 >> 4) << j) | ((q1 >> 4) << (j + 16));
    }
    if (bits === 5) new DataView(out.buffer, out.byteOffset).setUint32(to + 4, qh >>> 0, true);
  };
}

/** Packs Q4_K/Q5_K's eight 6-bit scales and mins into 12 bytes at out[s]. */
function packScaleMins(out: Uint8Array, s: number, ls: Uint8Array, lm: Uint8Array): void {
  for (let j = 0; j < 8; j++) {
    if (j < 4) {
      out[s + j] = ls[j]!;
      out[s + j + 4] = lm[j]!;
    } else {
      out[s + j + 4] = (ls[j]! & 0xf) | ((lm[j]! & 0xf) << 4);
      out[s + j - 4]! |= (ls[j]! >> 4) << 6;
      out[s + j]! |= (lm[j]! >> 4) << 6;
    }
  }
}

/** Q4_K (levels 15) and Q5_K (levels 31): per 32-value sub-block a scale and a min, both 6-bit on the block's d and dmin. */
function encodeQ45_K(levels: 15 | 31): BlockEncoder {
  const fifthBit = levels === 31;
  // Scratch reused block to block (one block is encoded at a time).
  const L = new Uint8Array(256);
  const scales = new Float32Array(8);
  const mins = new Float32Array(8);
  const weights = new Float32Array(32);
  const ls = new Uint8Array(8);
  const lm = new Uint8Array(8);
  return (x, at, out, to) => {
    let [maxScale, maxMin] = [0, 0];
    for (let j = 0; j < 8; j++) {
      let sumX2 = 0;
      for (let l = 0; l < 32; l++) sumX2 = f32(sumX2 + f32(x[at + 32 * j + l]! * x[at + 32 * j + l]!));
      const av = f32(Math.sqrt(f32(sumX2 / 32)));
      for (let l = 0; l < 32; l++) weights[l] = f32(av + Math.abs(x[at + 32 * j + l]!));
      const fit = fifthBit
        ? makeQkx2Quants(32, levels, x, at + 32 * j, weights, L, 32 * j, -0.5, 0.1, 15)
        : makeQkx2Quants(32, levels, x, at + 32 * j, weights, L, 32 * j, -1, 0.1, 20);
      [scales[j], mins[j]] = [fit.scale, fit.min];
      maxScale = Math.max(maxScale, scales[j]!);
      maxMin = Math.max(maxMin, mins[j]!);
    }
    const invScale = maxScale > 0 ? f32(63 / maxScale) : 0;
    const invMin = maxMin > 0 ? f32(63 / maxMin) : 0;
    for (let j = 0; j < 8; j++) {
      ls[j] = Math.min(63, nearestInt(f32(invScale * scales[j]!)));
      lm[j] = Math.min(63, nearestInt(f32(invMin * mins[j]!)));
    }
    out.fill(0, to, to + GGML_LAYOUTS[fifthBit ? "Q5_K" : "Q4_K"].blockBytes);
    packScaleMins(out, to + 4, ls, lm);
    const d = putHalf(out, to, f32(maxScale / 63));
    const dmin = putHalf(out, to + 2, f32(maxMin / 63));
    for (let j = 0; j < 8; j++) {
      const dj = f32(d * ls[j]!);
      if (!dj) continue;
      const dm = f32(dmin * lm[j]!);
      for (let l = 0; l < 32; l++) L[32 * j + l] = Math.max(0, Math.min(levels, nearestInt(f32(f32(x[at + 32 * j + l]! + dm) / dj))));
    }
    const qh = to + 16;
    let qs = fifthBit ? to + 48 : to + 16;
    for (let n = 0; n < 256; n += 64, qs += 32) {
      const [m1, m2] = [1 << (n / 32), 2 << (n / 32)];
      for (let l = 0; l < 32; l++) {
        let l1 = L[n + l]!;
        let l2 = L[n + l + 32]!;
        if (l1 > 15) {
          l1 -= 16;
          out[qh + l]! |= m1;
        }
        if (l2 > 15) {
          l2 -= 16;
          out[qh + l]! |= m2;
        }
        out[qs + l] = l1 | (l2 << 4);
      }
    }
  };
}

const encodeQ6_K: BlockEncoder = (x, at, out, to) => {
  const L = new Int8Array(256);
  const scales = new Float32Array(16);
  let [maxScale, maxAbsScale] = [0, 0];
  for (let b = 0; b < 16; b++) {
    scales[b] = makeQxQuants(16, 32, x, at + 16 * b, L, 16 * b);
    if (Math.abs(scales[b]!) > maxAbsScale) [maxAbsScale, maxScale] = [Math.abs(scales[b]!), scales[b]!];
  }
  out.fill(0, to, to + 210);
  if (maxAbsScale < 1e-15) return;
  const iscale = f32(-128 / maxScale);
  const d = putHalf(out, to + 208, f32(1 / iscale));
  const signed = new Int8Array(out.buffer, out.byteOffset, out.byteLength);
  for (let b = 0; b < 16; b++) signed[to + 192 + b] = Math.min(127, nearestInt(f32(iscale * scales[b]!)));
  for (let b = 0; b < 16; b++) {
    const db = f32(d * signed[to + 192 + b]!);
    if (!db) continue;
    for (let i = 0; i < 16; i++) L[16 * b + i] = Math.max(-32, Math.min(31, nearestInt(f32(x[at + 16 * b + i]! / db)))) + 32;
  }
  for (let j = 0, ql = to, qh = to + 128; j < 256; j += 128, ql += 64, qh += 32) {
    for (let l = 0; l < 32; l++) {
      const q1 = L[j + l]!;
      const q2 = L[j + l + 32]!;
      const q3 = L[j + l + 64]!;
      const q4 = L[j + l + 96]!;
      out[ql + l] = (q1 & 0xf) | ((q3 & 0xf) << 4);
      out[ql + l + 32] = (q2 & 0xf) | ((q4 & 0xf) << 4);
      out[qh + l] = (q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6);
    }
  }
};

const encodeQ2_K: BlockEncoder = (x, at, out, to) => {
  const L = new Uint8Array(256);
  const scales = new Float32Array(16);
  const mins = new Float32Array(16);
  const weights = new Float32Array(16);
  let [maxScale, maxMin] = [0, 0];
  for (let j = 0; j < 16; j++) {
    for (let l = 0; l < 16; l++) weights[l] = Math.abs(x[at + 16 * j + l]!);
    const fit = makeQkx2Quants(16, 3, x, at + 16 * j, weights, L, 16 * j, -0.5, 0.1, 15, true);
    [scales[j], mins[j]] = [fit.scale, fit.min];
    maxScale = Math.max(maxScale, fit.scale);
    maxMin = Math.max(maxMin, fit.min);
  }
  out.fill(0, to, to + 84);
  if (maxScale > 0) {
    const iscale = f32(15 / maxScale);
    for (let j = 0; j < 16; j++) out[to + j] = nearestInt(f32(iscale * scales[j]!));
  }
  if (maxMin > 0) {
    const iscale = f32(15 / maxMin);
    for (let j = 0; j < 16; j++) out[to + j]! |= nearestInt(f32(iscale * mins[j]!)) << 4;
  }
  const d = putHalf(out, to + 80, maxScale > 0 ? f32(maxScale / 15) : 0);
  const dmin = putHalf(out, to + 82, maxMin > 0 ? f32(maxMin / 15) : 0);
  for (let j = 0; j < 16; j++) {
    const dj = f32(d * (out[to + j]! & 0xf));
    if (!dj) continue;
    const dm = f32(dmin * (out[to + j]! >> 4));
    for (let l = 0; l < 16; l++) L[16 * j + l] = Math.max(0, Math.min(3, nearestInt(f32(f32(x[at + 16 * j + l]! + dm) / dj))));
  }
  for (let j = 0; j < 256; j += 128) {
    for (let l = 0; l < 32; l++) out[to + 16 + j / 4 + l] = L[j + l]! | (L[j + l + 32]! << 2) | (L[j + l + 64]! << 4) | (L[j + l + 96]! << 6);
  }
};

const encodeQ3_K: BlockEncoder = (x, at, out, to) => {
  const L = new Int8Array(256);
  const scales = new Float32Array(16);
  let [maxScale, amax] = [0, 0];
  for (let j = 0; j < 16; j++) {
    scales[j] = makeQ3Quants(16, 4, x, at + 16 * j, L, 16 * j);
    if (Math.abs(scales[j]!) > amax) [amax, maxScale] = [Math.abs(scales[j]!), scales[j]!];
  }
  out.fill(0, to, to + 110);
  const sc = to + 96;
  let d = 0;
  if (maxScale) {
    const iscale = f32(-32 / maxScale);
    for (let j = 0; j < 16; j++) {
      const l = Math.max(-32, Math.min(31, nearestInt(f32(iscale * scales[j]!)))) + 32;
      if (j < 8) out[sc + j] = l & 0xf;
      else out[sc + j - 8]! |= (l & 0xf) << 4;
      out[sc + 8 + (j % 4)]! |= (l >> 4) << (2 * Math.floor(j / 4));
    }
    d = putHalf(out, to + 108, f32(1 / iscale));
  }
  for (let j = 0; j < 16; j++) {
    const low = j < 8 ? out[sc + j]! & 0xf : out[sc + j - 8]! >> 4;
    const scale = (low | (((out[sc + 8 + (j % 4)]! >> (2 * Math.floor(j / 4))) & 3) << 4)) - 32;
    const dj = f32(d * scale);
    if (!dj) continue;
    for (let l = 0; l < 16; l++) L[16 * j + l] = Math.max(-4, Math.min(3, nearestInt(f32(x[at + 16 * j + l]! / dj)))) + 4;
  }
  // High bit of value j goes to hmask[j % 32], bit ⌊j / 32⌋.
  for (let j = 0; j < 256; j++) {
    if (L[j]! > 3) {
      out[to + (j % 32)]! |= 1 << Math.floor(j / 32);
      L[j] = L[j]! - 4;
    }
  }
  for (let j = 0; j < 256; j += 128) {
    for (let l = 0; l < 32; l++) out[to + 32 + j / 4 + l] = L[j + l]! | (L[j + l + 32]! << 2) | (L[j + l + 64]! << 4) | (L[j + l + 96]! << 6);
  }
};

const ENCODERS: Readonly<Record<Exclude<GgmlType, "F32" | "F16" | "BF16">, BlockEncoder>> = {
  Q8_0: encodeQ8_0,
  Q4_0: encodeSymmetric(4),
  Q5_0: encodeSymmetric(5),
  Q4_1: encodeWithMin(4),
  Q5_1: encodeWithMin(5),
  Q2_K: encodeQ2_K,
  Q3_K: encodeQ3_K,
  Q4_K: encodeQ45_K(15),
  Q5_K: encodeQ45_K(31),
  Q6_K: encodeQ6_K,
};

/** `values` (a whole number of blocks) as `type`'s bytes, as ggml's reference quantizer writes them. */
export function quantize(type: GgmlType, values: Float32Array): Uint8Array {
  const layout = GGML_LAYOUTS[type];
  const out = new Uint8Array((values.length / layout.blockValues) * layout.blockBytes);
  if (type === "F32") out.set(new Uint8Array(Float32Array.from(values).buffer));
  else if (type === "F16" || type === "BF16") {
    const encode = type === "F16" ? encodeF16 : encodeBf16;
    for (let i = 0; i < values.length; i++) [out[2 * i], out[2 * i + 1]] = [encode(values[i]!) & 0xff, encode(values[i]!) >> 8];
  } else {
    const encode = ENCODERS[type];
    for (let at = 0, to = 0; at < values.length; at += layout.blockValues, to += layout.blockBytes) encode(values, at, out, to);
  }
  return out;
}
