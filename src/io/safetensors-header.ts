/**
 * The safetensors header as a pure function of its bytes: JSON → validated tensor list.
 * Layout of a file: u64 little-endian header length N, N bytes of UTF-8 JSON, then the data
 * section; every tensor's `data_offsets` [begin, end) is relative to the data section and is
 * the truth we check everything else against (after huggingface.js's parser).
 */
import type { Dtype, TensorInfo } from "../types.ts";
import {
  headerLengthOverCap,
  headerNotJson,
  headerNotObject,
  headerNotUtf8,
  headerPastEnd,
  headerTooManyTensors,
  headerTooManyValues,
  metadataNotObject,
  metadataValueNotString,
  tensorDtypeUnknown,
  tensorEntryNotObject,
  tensorOffsetsInvalid,
  tensorOffsetsReversed,
  tensorPastData,
  tensorShapeInvalid,
  tensorSizeMismatch,
  tensorWithoutDtype,
  tensorsOverlap,
} from "../messages.ts";

/** Bytes of the little-endian u64 that precedes the JSON header. */
export const HEADER_LENGTH_PREFIX_BYTES = 8;

/**
 * Largest header we accept: 100 MB, the limit of the reference Rust implementation
 * (huggingface/safetensors `MAX_HEADER_SIZE`). Real headers are kilobytes to a few MB, so a
 * bigger length means a corrupt or hostile file, and parsing it would cost unbounded memory.
 */
export const MAX_HEADER_BYTES = 100_000_000;

/**
 * Most tensors one file may describe: 100 000. The largest published checkpoints hold about
 * 10^5 tensors across all their shards (DeepSeek-V3: ~91k in 163 files), so one file with more
 * is corrupt or hostile — and JSON.parse spends ~0.8 KB per entry (a 98 MB header of 876k
 * empty tensors took 1.4 GB). Counted on the raw bytes before parsing (see HeaderSizeCheck).
 */
export const MAX_TENSORS_PER_FILE = 100_000;

/**
 * Most JSON values (numbers, strings, lists, objects) a header may hold before it is parsed:
 * 2 000 000, twenty per tensor at MAX_TENSORS_PER_FILE (a real entry has six to ten). Bounds
 * the parse's memory when the bytes are few entries with huge lists (a shape of 10^7 ones).
 */
export const MAX_HEADER_VALUES = 2_000_000;

/**
 * Bits per element of every dtype the safetensors format defines. Sub-byte formats (F4, F6)
 * pack elements, so sizes are in bits. Anything outside this table is not a safetensors file.
 */
export const SAFETENSORS_DTYPE_BITS: Readonly<Record<string, number>> = {
  BOOL: 8,
  U8: 8,
  I8: 8,
  F8_E5M2: 8,
  F8_E4M3: 8,
  F8_E8M0: 8,
  F4: 4,
  F6_E2M3: 6,
  F6_E3M2: 6,
  I16: 16,
  U16: 16,
  F16: 16,
  BF16: 16,
  I32: 32,
  U32: 32,
  F32: 32,
  C64: 64,
  I64: 64,
  U64: 64,
  F64: 64,
};

/** The dtypes whose values we read as weights; see `Dtype`. */
const WEIGHT_DTYPES: ReadonlySet<string> = new Set<Dtype>(["F64", "F32", "F16", "BF16"]);

/** A valid tensor we do not read (integer buffers such as `position_ids`, FP8/FP4 quantised data). */
export interface SkippedTensor {
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly number[];
}

/** Everything a header says, checked. */
export interface ParsedSafetensorsHeader {
  /** Floating-point tensors (F64/F32/F16/BF16) in header order, offsets absolute in the file. */
  readonly tensors: TensorInfo[];
  /** Valid tensors of other dtypes, left out of `tensors` on purpose. */
  readonly skipped: SkippedTensor[];
  /** The free-form `__metadata__` string map ({} when absent). */
  readonly metadata: Record<string, string>;
}

/**
 * Parse and validate a safetensors header. `headerBytes` are the N JSON bytes, `fileSize` the
 * file's size in bytes, `headerLength` = N. Throws MotherError naming `file` for: invalid
 * UTF-8 or JSON, a non-object header, malformed entries, a dtype that is not a safetensors
 * dtype, begin > end, shape × dtype size ≠ byte range, ranges past the end of the file, and
 * overlapping ranges. Gaps between tensors and trailing bytes are tolerated.
 */
export function parseSafetensorsHeader(headerBytes: Uint8Array, file: string, fileSize: number, headerLength: number): ParsedSafetensorsHeader {
  const dataStart = HEADER_LENGTH_PREFIX_BYTES + headerLength;
  if (headerLength > MAX_HEADER_BYTES) {
    throw headerLengthOverCap(file, headerLength, MAX_HEADER_BYTES);
  }
  if (dataStart > fileSize) {
    throw headerPastEnd(file, dataStart, fileSize);
  }
  const dataBytes = fileSize - dataStart;
  new HeaderSizeCheck(file).add(headerBytes);
  const header = parseJsonObject(headerBytes, file);

  const tensors: TensorInfo[] = [];
  const skipped: SkippedTensor[] = [];
  const ranges: { name: string; begin: number; end: number }[] = [];
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === "__metadata__") {
      metadata = parseMetadata(entry, file);
      continue;
    }
    const { dtype, shape, begin, end } = parseEntry(name, entry, file);
    const bits = SAFETENSORS_DTYPE_BITS[dtype];
    if (bits === undefined) {
      throw tensorDtypeUnknown(file, name, dtype, Object.keys(SAFETENSORS_DTYPE_BITS));
    }
    if (begin > end) {
      throw tensorOffsetsReversed(file, name, begin, end);
    }
    if (end > dataBytes) {
      throw tensorPastData(file, name, end, dataBytes);
    }
    const elements = shape.reduce((product, size) => product * size, 1);
    const expectedBytes = Math.ceil((elements * bits) / 8);
    if (end - begin !== expectedBytes) {
      throw tensorSizeMismatch(file, name, `[${shape.join(", ")}] ${dtype} = ${expectedBytes} bytes`, end - begin);
    }
    ranges.push({ name, begin, end });
    // An empty tensor (a dimension of 0) is legal but holds no weights to compare.
    if (WEIGHT_DTYPES.has(dtype) && elements > 0) {
      tensors.push({ name, dtype: dtype as Dtype, shape, file, offset: dataStart + begin, byteLength: end - begin });
    } else {
      skipped.push({ name, dtype, shape });
    }
  }
  checkNoOverlap(ranges, file);
  return { tensors, skipped, metadata };
}

/**
 * Headers up to this many bytes are remembered by parseRepeatedHeader (one at a time, per thread):
 * a small model's header is a few KB; a 7B checkpoint's shard ~30 KB.
 */
export const REMEMBERED_HEADER_BYTES = 1024 * 1024;

/** The last header parseRepeatedHeader parsed: its bytes (a copy), the file size it was checked against, and what it says. */
let remembered: { readonly bytes: Buffer; readonly fileSize: number; readonly parsed: ParsedSafetensorsHeader } | undefined;

/**
 * parseSafetensorsHeader, remembering the last header: one whose bytes and file size are the
 * previous one's says the same, bar the file its tensors name — the checks depend on those two
 * alone. The models of a family (fine-tunes of one base) repeat their header byte for byte, and a
 * large recovery opens each model twice (its fingerprint, then its tree): on set-1000's 2 KB
 * headers a parse cost ~15–25 µs, a comparison ~1 µs. A header that fails is never remembered.
 * Every call returns fresh objects: a caller may not change what the next one gets.
 */
export function parseRepeatedHeader(headerBytes: Uint8Array, file: string, fileSize: number, headerLength: number): ParsedSafetensorsHeader {
  const known = remembered;
  let same = known;
  if (!(known && known.fileSize === fileSize && known.bytes.equals(headerBytes))) {
    const parsed = parseSafetensorsHeader(headerBytes, file, fileSize, headerLength);
    if (headerBytes.length > REMEMBERED_HEADER_BYTES) return parsed;
    same = remembered = { bytes: Buffer.from(headerBytes), fileSize, parsed };
  }
  const { tensors, skipped, metadata } = same!.parsed;
  return { tensors: tensors.map((tensor) => ({ ...tensor, file })), skipped: [...skipped], metadata: { ...metadata } };
}

/** The skipped tensors that are empty (a dimension of 0): legal, but nothing to read. */
export function emptyTensors(skipped: readonly SkippedTensor[]): SkippedTensor[] {
  return skipped.filter((tensor) => tensor.shape.includes(0));
}

/**
 * Refuses a header whose parse would cost unbounded memory, from upper bounds counted on its
 * raw bytes: every entry is an object, so it opens with a `{` byte (JSON cannot escape a
 * structural brace), and every value but the root follows a `,` or opens a container. Bytes
 * inside strings only raise the counts, so a header under the limits is never refused wrongly
 * unless its strings hold about as many braces or commas as the limits. Fed in chunks
 * (readSafetensorsHeader), it stops a hostile header after reading a few MB of it.
 */
export class HeaderSizeCheck {
  private objects = 0;
  private lists = 0;
  private commas = 0;

  constructor(private readonly file: string) {}

  /** Counts `bytes`, the next chunk of the header; throws once a limit is passed. */
  add(bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes[i];
      if (byte === OPEN_BRACE) this.objects++;
      else if (byte === OPEN_BRACKET) this.lists++;
      else if (byte === COMMA) this.commas++;
    }
    // The root object is no entry; every value but the root is a member of a container.
    if (this.objects - 1 > MAX_TENSORS_PER_FILE) throw headerTooManyTensors(this.file, this.objects - 1, MAX_TENSORS_PER_FILE);
    const values = 1 + this.commas + this.objects + this.lists;
    if (values > MAX_HEADER_VALUES) throw headerTooManyValues(this.file, values, MAX_HEADER_VALUES);
  }
}

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const COMMA = 0x2c;

function parseJsonObject(headerBytes: Uint8Array, file: string): Record<string, unknown> {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(headerBytes);
  } catch {
    throw headerNotUtf8(file);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw headerNotJson(file, (error as Error).message);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw headerNotObject(file, Array.isArray(parsed) ? "array" : typeof parsed);
  }
  return parsed as Record<string, unknown>;
}

function parseMetadata(entry: unknown, file: string): Record<string, string> {
  if (entry === null || typeof entry !== "object" || Array.isArray(entry)) {
    throw metadataNotObject(file);
  }
  for (const [key, value] of Object.entries(entry)) {
    if (typeof value !== "string") throw metadataValueNotString(file, key, JSON.stringify(value));
  }
  return { ...(entry as Record<string, string>) };
}

function parseEntry(name: string, entry: unknown, file: string): { dtype: string; shape: number[]; begin: number; end: number } {
  const record = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | null;
  if (record === null || typeof record !== "object" || Array.isArray(record)) {
    throw tensorEntryNotObject(file, name);
  }
  const { dtype, shape, data_offsets: offsets } = record;
  if (typeof dtype !== "string") throw tensorWithoutDtype(file, name, JSON.stringify(dtype));
  if (!Array.isArray(shape) || !shape.every(isNonNegativeInteger)) {
    throw tensorShapeInvalid(file, name, JSON.stringify(shape));
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isNonNegativeInteger)) {
    throw tensorOffsetsInvalid(file, name, JSON.stringify(offsets));
  }
  return { dtype, shape: shape as number[], begin: offsets[0] as number, end: offsets[1] as number };
}

function isNonNegativeInteger(value: unknown): boolean {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

/** Byte ranges may leave gaps but must not share bytes; empty tensors share nothing. */
function checkNoOverlap(ranges: { name: string; begin: number; end: number }[], file: string): void {
  const filled = ranges.filter((range) => range.end > range.begin).sort((a, b) => a.begin - b.begin || a.end - b.end);
  for (let i = 1; i < filled.length; i++) {
    const previous = filled[i - 1]!;
    const current = filled[i]!;
    if (current.begin < previous.end) {
      throw tensorsOverlap(file, previous.name, current.name, `[${previous.begin}, ${previous.end}) and [${current.begin}, ${current.end})`);
    }
  }
}
