/**
 * The GGUF header as pure functions of (view, offset) → (value, length), in huggingface.js's
 * style. Layout (little-endian; v2 and v3 — v1's 32-bit counts predate every file on the hub):
 *
 *   "GGUF" · u32 version · u64 tensor count · u64 metadata count
 *   metadata:     string key · u32 value type · value            (× metadata count)
 *   tensor infos: string name · u32 n_dims · u64 dims[n_dims] · u32 ggml type · u64 offset
 *   padding to `general.alignment` (32 by default), then the data section
 *
 * A string is a u64 byte length and UTF-8 bytes. Every count and length is checked against the
 * bytes left in the file before anything is allocated, so a lying header fails with a line
 * naming the file instead of an out-of-memory crash.
 */
import * as messages from "../../messages.ts";

/** The four bytes every GGUF file starts with. */
export const GGUF_MAGIC = 0x46554747; // "GGUF" read as a little-endian u32

/** Versions read: 2 (64-bit counts) and 3 (big-endian support; same little-endian layout). */
export const GGUF_VERSIONS: readonly number[] = [2, 3];

/** Alignment of tensor data when `general.alignment` is absent (gguf.h GGUF_DEFAULT_ALIGNMENT). */
export const DEFAULT_ALIGNMENT = 32;

/** Largest dimension count of a ggml tensor (GGML_MAX_DIMS). */
export const MAX_DIMS = 4;

/** Smallest encoded metadata entry: an empty key (8), a value type (4), a one-byte value. */
const MIN_KV_BYTES = 13;

/** Smallest encoded tensor info: an empty name (8), n_dims (4), one dim (8), type (4), offset (8). */
const MIN_TENSOR_INFO_BYTES = 32;

/** Bytes of each scalar metadata value type (gguf.h gguf_type); 8 = string and 9 = array vary. */
const SCALAR_BYTES: Readonly<Record<number, number>> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };
const STRING = 8;
const ARRAY = 9;

/** A metadata value: numbers (u64/i64 as bigint), booleans, strings, or arrays of them. */
export type GgufValue = number | bigint | boolean | string | GgufValue[];

/** One tensor as the header describes it (ggml order: dims[0] is the fastest axis). */
export interface GgufTensorHeader {
  readonly name: string;
  readonly dims: readonly number[];
  /** ggml type id (ggml-types.ts maps the ones mother reads). */
  readonly typeId: number;
  /** Offset from the start of the data section. */
  readonly offset: number;
}

/** Everything the header says. */
export interface GgufHeader {
  readonly version: number;
  readonly metadata: ReadonlyMap<string, GgufValue>;
  readonly tensors: readonly GgufTensorHeader[];
  readonly alignment: number;
  /** Absolute offset of the data section. */
  readonly dataStart: number;
}

/**
 * Thrown when the bytes read so far end before the header does: the caller reads more of the
 * file and parses again (only while the file has more; past its end it is truncation).
 */
export class NeedMoreBytes extends Error {
  constructor(readonly needed: number) {
    super(`header needs ${needed} bytes`);
  }
}

/** The decoder for a string that starts with a byte-order mark (TextDecoder drops it; Buffer's decoding keeps it). */
const UTF8 = new TextDecoder();

/**
 * A cursor over the header bytes; `fileSize` bounds every length, `view` may hold less. A value's
 * description is a name and a suffix joined only when a check fails: building it for every
 * tokenizer string cost more than reading the string.
 */
class Cursor {
  offset = 0;
  private readonly bytes: Buffer;
  constructor(
    private readonly view: DataView,
    readonly file: string,
    readonly fileSize: number,
    /** false: arrays are walked and checked but read as empty (their items unmade). */
    private readonly keepArrays = true,
  ) {
    this.bytes = Buffer.from(view.buffer, view.byteOffset, view.byteLength);
  }

  /** Fails unless `length` more bytes exist in the file; asks for more bytes if the view is short. */
  need(length: number, what: string, suffix = ""): void {
    const end = this.offset + length;
    if (end > this.fileSize) throw messages.ggufPastEnd(this.file, what + suffix, end, this.fileSize);
    if (end > this.view.byteLength) throw new NeedMoreBytes(end);
  }

  u32(what: string, suffix = ""): number {
    this.need(4, what, suffix);
    const value = this.view.getUint32(this.offset, true);
    this.offset += 4;
    return value;
  }

  /** A u64 as a number; a value past 2^53 cannot be a length or offset in a real file (read as 2^53 − 1). */
  u64(what: string, suffix = ""): number {
    this.need(8, what, suffix);
    const low = this.view.getUint32(this.offset, true);
    const high = this.view.getUint32(this.offset + 4, true);
    this.offset += 8;
    // high · 2^32 + low > 2^53 − 1 exactly when high ≥ 2^21; below, the sum is exact.
    return high >= 2 ** 21 ? Number.MAX_SAFE_INTEGER : high * 2 ** 32 + low;
  }

  /**
   * Walks `count` items of `itemType` as value() reads them (every string's length checked against
   * the file, the same refusals) without making them; an empty array stands for them.
   */
  private skipItems(itemType: number, count: number, what: string): GgufValue[] {
    if (itemType !== STRING) {
      this.need(count * SCALAR_BYTES[itemType]!, what);
      this.offset += count * SCALAR_BYTES[itemType]!;
      return [];
    }
    for (let i = 0; i < count; i++) {
      const length = this.u64(what, " length");
      const end = this.offset + length;
      if (end > this.fileSize) throw messages.ggufPastEnd(this.file, `${what} (${length} bytes)`, end, this.fileSize);
      if (end > this.view.byteLength) throw new NeedMoreBytes(end);
      this.offset = end;
    }
    return [];
  }

  string(what: string): string {
    const length = this.u64(what, " length");
    const end = this.offset + length;
    if (end > this.fileSize) throw messages.ggufPastEnd(this.file, `${what} (${length} bytes)`, end, this.fileSize);
    if (end > this.view.byteLength) throw new NeedMoreBytes(end);
    // Decoded where it lies: a TextDecoder and a view per string were most of a Llama 3 header's parse (400,000
    // tokenizer strings). Buffer's UTF-8 decoding replaces bad bytes as TextDecoder does, but keeps a leading BOM.
    const bytes = this.bytes;
    const text =
      bytes[this.offset] === 0xef && bytes[this.offset + 1] === 0xbb && bytes[this.offset + 2] === 0xbf && length >= 3
        ? UTF8.decode(bytes.subarray(this.offset, end))
        : bytes.toString("utf8", this.offset, end);
    this.offset = end;
    return text;
  }

  value(type: number, what: string): GgufValue {
    if (type === STRING) return this.string(what);
    if (type === ARRAY) {
      const itemType = this.u32(`${what} item type`);
      const count = this.u64(`${what} item count`);
      const itemBytes = itemType === STRING ? 8 : SCALAR_BYTES[itemType];
      if (itemBytes === undefined || itemType === ARRAY) throw messages.ggufBadValueType(this.file, what, itemType);
      // Every item takes at least itemBytes: a count the rest of the file cannot hold is a lie.
      if (count * itemBytes > this.fileSize - this.offset)
        throw messages.ggufCountLies(this.file, `${what} item count`, count, Math.floor((this.fileSize - this.offset) / itemBytes));
      if (!this.keepArrays) return this.skipItems(itemType, count, what);
      const items: GgufValue[] = [];
      for (let i = 0; i < count; i++) items.push(this.value(itemType, what));
      return items;
    }
    const size = SCALAR_BYTES[type];
    if (size === undefined) throw messages.ggufBadValueType(this.file, what, type);
    this.need(size, what);
    const at = this.offset;
    this.offset += size;
    const view = this.view;
    switch (type) {
      case 0:
        return view.getUint8(at);
      case 1:
        return view.getInt8(at);
      case 2:
        return view.getUint16(at, true);
      case 3:
        return view.getInt16(at, true);
      case 4:
        return view.getUint32(at, true);
      case 5:
        return view.getInt32(at, true);
      case 6:
        return view.getFloat32(at, true);
      case 7:
        return view.getUint8(at) !== 0;
      case 10:
        return view.getBigUint64(at, true);
      case 11:
        return view.getBigInt64(at, true);
      default:
        return view.getFloat64(at, true);
    }
  }
}

/**
 * Parse the header from its first bytes (`bytes` may be a prefix of the file; NeedMoreBytes says
 * how many more it needs). Throws MotherError naming `file` for: a wrong magic, an unsupported
 * version, a tensor or metadata count the file cannot hold, a string or array running past the
 * end, an unknown metadata type, more than MAX_DIMS dimensions, a bad alignment. Tensor types
 * and offsets are checked by the caller (read-gguf.ts), which knows which types it decodes.
 * `keepArrays` false reads every array as empty, its items checked but not made: a reader that
 * wants the tensors alone (set-languages.ts's glance) skips a tokenizer's 400,000 strings.
 */
export function parseGgufHeader(bytes: Uint8Array, file: string, fileSize: number, keepArrays = true): GgufHeader {
  const cursor = new Cursor(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), file, fileSize, keepArrays);
  const magic = cursor.u32("magic");
  if (magic !== GGUF_MAGIC) throw messages.ggufBadMagic(file, magic);
  const version = cursor.u32("version");
  if (!GGUF_VERSIONS.includes(version)) throw messages.ggufBadVersion(file, version);
  const tensorCount = cursor.u64("tensor count");
  const kvCount = cursor.u64("metadata count");
  const left = () => fileSize - cursor.offset;
  if (kvCount * MIN_KV_BYTES > left()) throw messages.ggufCountLies(file, "metadata count", kvCount, Math.floor(left() / MIN_KV_BYTES));
  const metadata = new Map<string, GgufValue>();
  for (let i = 0; i < kvCount; i++) {
    const key = cursor.string(`metadata key ${i}`);
    const type = cursor.u32(`type of ${key}`);
    metadata.set(key, cursor.value(type, key));
  }
  if (tensorCount * MIN_TENSOR_INFO_BYTES > left()) {
    throw messages.ggufCountLies(file, "tensor count", tensorCount, Math.floor(left() / MIN_TENSOR_INFO_BYTES));
  }
  const tensors: GgufTensorHeader[] = [];
  for (let i = 0; i < tensorCount; i++) {
    const name = cursor.string(`tensor name ${i}`);
    const rank = cursor.u32(`dimension count of ${name}`);
    if (rank === 0 || rank > MAX_DIMS) throw messages.ggufBadRank(file, name, rank);
    const dims: number[] = [];
    for (let d = 0; d < rank; d++) dims.push(cursor.u64(`dimension ${d} of ${name}`));
    const typeId = cursor.u32(`type of ${name}`);
    const offset = cursor.u64(`offset of ${name}`);
    tensors.push({ name, dims, typeId, offset });
  }
  const alignment = alignmentOf(metadata, file);
  const dataStart = Math.ceil(cursor.offset / alignment) * alignment;
  return { version, metadata, tensors, alignment, dataStart };
}

function alignmentOf(metadata: ReadonlyMap<string, GgufValue>, file: string): number {
  const value = metadata.get("general.alignment");
  if (value === undefined) return DEFAULT_ALIGNMENT;
  const alignment = Number(value);
  // gguf.cpp requires a power of two; anything else would misplace every tensor.
  if (!Number.isInteger(alignment) || alignment <= 0 || (alignment & (alignment - 1)) !== 0) throw messages.ggufBadAlignment(file, String(value));
  return alignment;
}
