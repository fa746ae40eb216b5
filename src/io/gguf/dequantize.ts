/**
 * ggml blocks → f32 values, one function per type, each a plain loop over typed arrays that
 * follows the block layout of ggml-common.h and the arithmetic of ggml-quants.c's
 * `dequantize_row_*` (products taken in f32, as ggml does). Each decodes `blocks` whole blocks
 * starting at `bytes[at]` into `out[to…]`.
 */
import type { GgmlType } from "../../types.ts";
import { f16ToF32Table } from "../dtype.ts";
import { GGML_LAYOUTS } from "./ggml-types.ts";

type BlockDecoder = (bytes: Uint8Array, at: number, blocks: number, out: Float32Array, to: number) => void;

const f32 = Math.fround;

/** f16 at bytes[at], little-endian. */
function half(table: Float32Array, bytes: Uint8Array, at: number): number {
  return table[bytes[at]! | (bytes[at + 1]! << 8)]!;
}

const decodeF32: BlockDecoder = (bytes, at, count, out, to) => {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < count; i++) out[to + i] = view.getFloat32(at + 4 * i, true);
};

const decodeF16: BlockDecoder = (bytes, at, count, out, to) => {
  const table = f16ToF32Table();
  for (let i = 0; i < count; i++) out[to + i] = half(table, bytes, at + 2 * i);
};

const decodeBf16: BlockDecoder = (bytes, at, count, out, to) => {
  const bits = new Uint32Array(out.buffer, out.byteOffset + 4 * to, count);
  for (let i = 0; i < count; i++) bits[i] = (bytes[at + 2 * i]! | (bytes[at + 2 * i + 1]! << 8)) << 16;
};

const decodeQ8_0: BlockDecoder = (bytes, at, blocks, out, to) => {
  const table = f16ToF32Table();
  const signed = new Int8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let b = 0; b < blocks; b++, at += 34, to += 32) {
    const d = half(table, bytes, at);
    for (let j = 0; j < 32; j++) out[to + j] = signed[at + 2 + j]! * d;
  }
};

const decodeQ4_0: BlockDecoder = (bytes, at, blocks, out, to) => {
  const table = f16ToF32Table();
  for (let b = 0; b < blocks; b++, at += 18, to += 32) {
    const d = half(table, bytes, at);
    for (let j = 0; j < 16; j++) {
      const q = bytes[at + 2 + j]!;
      out[to + j] = ((q & 0xf) - 8) * d;
      out[to + j + 16] = ((q >> 4) - 8) * d;
    }
  }
};

const decodeQ4_1: BlockDecoder = (bytes, at, blocks, out, to) => {
  const table = f16ToF32Table();
  for (let b = 0; b < blocks; b++, at += 20, to += 32) {
    const d = half(table, bytes, at);
    const m = half(table, bytes, at + 2);
    for (let j = 0; j < 16; j++) {
      const q = bytes[at + 4 + j]!;
      out[to + j] = f32((q & 0xf) * d) + m;
      out[to + j + 16] = f32((q >> 4) * d) + m;
    }
  }
};

/** Q5_0 (offset 16) and Q5_1 (with a min) share the layout of the fifth bits. */
function decodeQ5(withMin: boolean): BlockDecoder {
  const blockBytes = withMin ? 24 : 22;
  return (bytes, at, blocks, out, to) => {
    const table = f16ToF32Table();
    for (let b = 0; b < blocks; b++, at += blockBytes, to += 32) {
      const d = half(table, bytes, at);
      const m = withMin ? half(table, bytes, at + 2) : 0;
      const h = withMin ? at + 4 : at + 2;
      const qh = (bytes[h]! | (bytes[h + 1]! << 8) | (bytes[h + 2]! << 16) | (bytes[h + 3]! << 24)) >>> 0;
      const qs = h + 4;
      for (let j = 0; j < 16; j++) {
        const q = bytes[qs + j]!;
        const low = (q & 0xf) | (((qh >>> j) << 4) & 0x10);
        const high = (q >> 4) | ((qh >>> (j + 12)) & 0x10);
        if (withMin) {
          out[to + j] = f32(low * d) + m;
          out[to + j + 16] = f32(high * d) + m;
        } else {
          out[to + j] = (low - 16) * d;
          out[to + j + 16] = (high - 16) * d;
        }
      }
    }
  };
}

const decodeQ2_K: BlockDecoder = (bytes, at, blocks, out, to) => {
  const table = f16ToF32Table();
  for (let b = 0; b < blocks; b++, at += 84) {
    const d = half(table, bytes, at + 80);
    const dmin = half(table, bytes, at + 82);
    let scale = 0;
    for (let half128 = 0; half128 < 2; half128++) {
      const q = at + 16 + 32 * half128;
      for (let shift = 0; shift < 8; shift += 2) {
        for (let part = 0; part < 2; part++) {
          const sc = bytes[at + scale++]!;
          const dl = f32(d * (sc & 0xf));
          const ml = f32(dmin * (sc >> 4));
          for (let l = 0; l < 16; l++) out[to++] = f32(dl * ((bytes[q + 16 * part + l]! >> shift) & 3)) - ml;
        }
      }
    }
  }
};

/** Q3_K's sixteen 6-bit scales (biased by 32), unpacked from its 12 scale bytes. */
function q3Scales(bytes: Uint8Array, at: number, scales: Int32Array): void {
  for (let j = 0; j < 16; j++) {
    const low = j < 8 ? bytes[at + j]! & 0xf : bytes[at + j - 8]! >> 4;
    const high = (bytes[at + 8 + (j % 4)]! >> (2 * Math.floor(j / 4))) & 3;
    scales[j] = (low | (high << 4)) - 32;
  }
}

const decodeQ3_K: BlockDecoder = (bytes, at, blocks, out, to) => {
  const table = f16ToF32Table();
  const scales = new Int32Array(16);
  for (let b = 0; b < blocks; b++, at += 110) {
    const d = half(table, bytes, at + 108);
    q3Scales(bytes, at + 96, scales);
    let scale = 0;
    let mask = 1;
    for (let half128 = 0; half128 < 2; half128++) {
      const q = at + 32 + 32 * half128;
      for (let shift = 0; shift < 8; shift += 2, mask <<= 1) {
        for (let part = 0; part < 2; part++) {
          const dl = f32(d * scales[scale++]!);
          for (let l = 16 * part; l < 16 * part + 16; l++) {
            const value = ((bytes[q + l]! >> shift) & 3) - (bytes[at + l]! & mask ? 0 : 4);
            out[to++] = dl * value;
          }
        }
      }
    }
  }
};

/** Scale j (0..7) of a Q4_K/Q5_K super-block whose 12 scale bytes start at s: 6 bits each (ggml's get_scale_min_k4). */
function scaleOf(bytes: Uint8Array, s: number, j: number): number {
  return j < 4 ? bytes[s + j]! & 63 : (bytes[s + j + 4]! & 0xf) | ((bytes[s + j - 4]! >> 6) << 4);
}

/** Min j (0..7) of the same super-block. */
function minOf(bytes: Uint8Array, s: number, j: number): number {
  return j < 4 ? bytes[s + j + 4]! & 63 : (bytes[s + j + 4]! >> 4) | ((bytes[s + j]! >> 6) << 4);
}

/** Q4_K and Q5_K: eight 32-value sub-blocks, each with its own 6-bit scale and min (no allocation per block: the hot path). */
function decodeQ45_K(fifthBit: boolean): BlockDecoder {
  const blockBytes = fifthBit ? 176 : 144;
  return (bytes, at, blocks, out, to) => {
    const table = f16ToF32Table();
    for (let b = 0; b < blocks; b++, at += blockBytes) {
      const d = half(table, bytes, at);
      const dmin = half(table, bytes, at + 2);
      const qh = at + 16;
      let qs = fifthBit ? at + 48 : at + 16;
      for (let pair = 0; pair < 4; pair++, qs += 32) {
        const d1 = f32(d * scaleOf(bytes, at + 4, 2 * pair));
        const min1 = f32(dmin * minOf(bytes, at + 4, 2 * pair));
        const d2 = f32(d * scaleOf(bytes, at + 4, 2 * pair + 1));
        const min2 = f32(dmin * minOf(bytes, at + 4, 2 * pair + 1));
        if (fifthBit) {
          const u1 = 1 << (2 * pair);
          const u2 = u1 << 1;
          for (let l = 0; l < 32; l++) {
            const h = bytes[qh + l]!;
            const q = bytes[qs + l]!;
            out[to + l] = f32(d1 * ((q & 0xf) + (h & u1 ? 16 : 0))) - min1;
            out[to + l + 32] = f32(d2 * ((q >> 4) + (h & u2 ? 16 : 0))) - min2;
          }
        } else {
          for (let l = 0; l < 32; l++) {
            const q = bytes[qs + l]!;
            out[to + l] = f32(d1 * (q & 0xf)) - min1;
            out[to + l + 32] = f32(d2 * (q >> 4)) - min2;
          }
        }
        to += 64;
      }
    }
  };
}

const decodeQ6_K: BlockDecoder = (bytes, at, blocks, out, to) => {
  const table = f16ToF32Table();
  const signed = new Int8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let b = 0; b < blocks; b++, at += 210) {
    const d = half(table, bytes, at + 208);
    for (let n = 0; n < 2; n++, to += 128) {
      const ql = at + 64 * n;
      const qh = at + 128 + 32 * n;
      const sc = at + 192 + 8 * n;
      for (let l = 0; l < 32; l++) {
        const s = l >> 4;
        const h = bytes[qh + l]!;
        const q1 = ((bytes[ql + l]! & 0xf) | ((h & 3) << 4)) - 32;
        const q2 = ((bytes[ql + l + 32]! & 0xf) | (((h >> 2) & 3) << 4)) - 32;
        const q3 = ((bytes[ql + l]! >> 4) | (((h >> 4) & 3) << 4)) - 32;
        const q4 = ((bytes[ql + l + 32]! >> 4) | (((h >> 6) & 3) << 4)) - 32;
        out[to + l] = f32(d * signed[sc + s]!) * q1;
        out[to + l + 32] = f32(d * signed[sc + s + 2]!) * q2;
        out[to + l + 64] = f32(d * signed[sc + s + 4]!) * q3;
        out[to + l + 96] = f32(d * signed[sc + s + 6]!) * q4;
      }
    }
  }
};

const DECODERS: Readonly<Record<GgmlType, BlockDecoder>> = {
  F32: decodeF32,
  F16: decodeF16,
  BF16: decodeBf16,
  Q8_0: decodeQ8_0,
  Q4_0: decodeQ4_0,
  Q4_1: decodeQ4_1,
  Q5_0: decodeQ5(false),
  Q5_1: decodeQ5(true),
  Q2_K: decodeQ2_K,
  Q3_K: decodeQ3_K,
  Q4_K: decodeQ45_K(false),
  Q5_K: decodeQ45_K(true),
  Q6_K: decodeQ6_K,
};

/**
 * Decode `count` values of `type` (a whole number of blocks) from `bytes[at…]` into
 * `out[to…]`; returns the bytes consumed.
 */
export function dequantize(type: GgmlType, bytes: Uint8Array, at: number, count: number, out: Float32Array, to = 0): number {
  const layout = GGML_LAYOUTS[type];
  const blocks = count / layout.blockValues;
  DECODERS[type](bytes, at, blocks, out, to);
  return blocks * layout.blockBytes;
}
