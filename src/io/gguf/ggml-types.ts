/**
 * The ggml storage types mother reads from GGUF files: each type's id in a tensor info, the
 * values per block and the bytes per block (ggml-common.h's `block_*` structs). Anything not
 * in this table (IQ*, Q8_1/Q8_K, MXFP4, TQ*, …) is refused by name.
 */
import type { GgmlType } from "../../types.ts";

/** Values per K-quant super-block (ggml's QK_K). */
export const SUPER_BLOCK = 256;

/** Layout of one ggml type: `blockValues` values take `blockBytes` bytes. */
export interface GgmlLayout {
  readonly id: number;
  readonly blockValues: number;
  readonly blockBytes: number;
}

/** Every readable type, by name. */
export const GGML_LAYOUTS: Readonly<Record<GgmlType, GgmlLayout>> = {
  F32: { id: 0, blockValues: 1, blockBytes: 4 },
  F16: { id: 1, blockValues: 1, blockBytes: 2 },
  // d (f16), 16 bytes of 4-bit values
  Q4_0: { id: 2, blockValues: 32, blockBytes: 18 },
  // d, m (f16), 16 bytes of 4-bit values
  Q4_1: { id: 3, blockValues: 32, blockBytes: 20 },
  // d, 4 bytes of fifth bits, 16 bytes of low nibbles
  Q5_0: { id: 6, blockValues: 32, blockBytes: 22 },
  // d, m, 4 bytes of fifth bits, 16 bytes of low nibbles
  Q5_1: { id: 7, blockValues: 32, blockBytes: 24 },
  // d, 32 signed bytes
  Q8_0: { id: 8, blockValues: 32, blockBytes: 34 },
  // 16 scale/min nibble pairs, 64 bytes of 2-bit values, d, dmin
  Q2_K: { id: 10, blockValues: SUPER_BLOCK, blockBytes: 84 },
  // 32 bytes of high bits, 64 bytes of 2-bit values, 12 bytes of 6-bit scales, d
  Q3_K: { id: 11, blockValues: SUPER_BLOCK, blockBytes: 110 },
  // d, dmin, 12 bytes of 6-bit scales and mins, 128 bytes of 4-bit values
  Q4_K: { id: 12, blockValues: SUPER_BLOCK, blockBytes: 144 },
  // d, dmin, 12 bytes of scales and mins, 32 bytes of fifth bits, 128 bytes of low nibbles
  Q5_K: { id: 13, blockValues: SUPER_BLOCK, blockBytes: 176 },
  // 128 bytes of low nibbles, 64 bytes of high bit pairs, 16 signed scales, d
  Q6_K: { id: 14, blockValues: SUPER_BLOCK, blockBytes: 210 },
  BF16: { id: 30, blockValues: 1, blockBytes: 2 },
};

const BY_ID = new Map<number, GgmlType>(Object.entries(GGML_LAYOUTS).map(([name, layout]) => [layout.id, name as GgmlType]));

/** Names of ggml types this reader knows of but does not decode, so the error can say which it met. */
const KNOWN_UNREAD: Readonly<Record<number, string>> = {
  4: "Q4_2 (removed from ggml)",
  5: "Q4_3 (removed from ggml)",
  9: "Q8_1",
  15: "Q8_K",
  16: "IQ2_XXS",
  17: "IQ2_XS",
  18: "IQ3_XXS",
  19: "IQ1_S",
  20: "IQ4_NL",
  21: "IQ3_S",
  22: "IQ2_S",
  23: "IQ4_XS",
  24: "I8",
  25: "I16",
  26: "I32",
  27: "I64",
  28: "F64",
  29: "IQ1_M",
  34: "TQ1_0",
  35: "TQ2_0",
  39: "MXFP4",
};

/** The type with ggml id `id`, or undefined when mother does not decode it. */
export function ggmlTypeOf(id: number): GgmlType | undefined {
  return BY_ID.get(id);
}

/** A readable name for an id mother does not decode (`IQ2_XS`, or `type 99`). */
export function unreadTypeName(id: number): string {
  return KNOWN_UNREAD[id] ?? `type ${id}`;
}

/** Bytes `count` values of `type` take (count a whole number of blocks). */
export function ggmlByteLength(type: GgmlType, count: number): number {
  const layout = GGML_LAYOUTS[type];
  return (count / layout.blockValues) * layout.blockBytes;
}

/** Stored bits per value: how coarse a copy is (Q8_0 8.5, Q4_K 4.5, F16 16). */
export function ggmlBitsPerValue(type: GgmlType): number {
  const layout = GGML_LAYOUTS[type];
  return (8 * layout.blockBytes) / layout.blockValues;
}

/** True for the block-quantized types (everything but F32/F16/BF16). */
export function isQuantized(type: GgmlType): boolean {
  return GGML_LAYOUTS[type].blockValues > 1;
}
