/**
 * Streaming safetensors reader: opening a file reads only the 8-byte length and the JSON
 * header; each tensor is then read on demand as one positioned read of exactly its bytes, so
 * memory is bounded by the tensors in flight, never by the file size (SPEC §6).
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { DTYPE_BYTES, type TensorInfo } from "../types.ts";
import { decodeTensorBytes } from "./dtype.ts";
import { openGgufTensorStream } from "./gguf/read-gguf.ts";
import { heldBytes } from "./held-files.ts";
import type { TensorMemory, TensorStream } from "./tensor-stream.ts";

export type { TensorMemory, TensorStream } from "./tensor-stream.ts";
export { TensorScratch } from "./tensor-stream.ts";
import { openLowRankStream } from "./peft/adapter-tensor.ts";
import {
  HEADER_LENGTH_PREFIX_BYTES,
  HeaderSizeCheck,
  MAX_HEADER_BYTES,
  MAX_TENSORS_PER_FILE,
  parseRepeatedHeader,
  type ParsedSafetensorsHeader,
} from "./safetensors-header.ts";
import {
  cannotReadFile,
  fileTooShortForHeader,
  headerCutShort,
  headerLengthOverCap,
  headerPastEnd,
  notRegularFile,
  tensorCutShort,
  tensorNotFinite,
} from "../messages.ts";

/**
 * Read and validate a file's header: float tensors (absolute offsets), skipped non-float
 * tensors and metadata. Truncation is caught here, before any tensor is read.
 */
export async function readSafetensorsHeader(file: string): Promise<ParsedSafetensorsHeader> {
  // Held (held-files.ts): each range the parse reads is asked for as such, so a held file's gaps are never read for its header.
  const held = heldBytes(file, 0, 0);
  if (held) {
    return parseHeaderOf(file, held.length, (offset, length) => {
      // Undefined only when a gap could not be read now: the file changed or went away since it was held.
      const bytes = heldBytes(file, offset, offset + length);
      if (!bytes) throw cannotReadFile(file, "changed while it was read");
      return bytes.subarray(offset, offset + length);
    });
  }
  // Blocking calls on one descriptor: Bun's promise-based stat and reads go through its thread pool, ~0.4 ms a call when the
  // cores are busy (a large set's headers are read while worker threads fingerprint), against a few µs for the calls themselves.
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch (error) {
    throw cannotReadFile(file, (error as NodeJS.ErrnoException).code ?? String(error));
  }
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) throw notRegularFile(file);
    return parseHeaderOf(file, info.size, (offset, length) => readHeaderBytes(fd, file, offset, length));
  } finally {
    closeSync(fd);
  }
}

/** The header of a file of `fileSize` bytes whose bytes at [offset, offset + length) `read` gives. */
function parseHeaderOf(file: string, fileSize: number, read: (offset: number, length: number) => Uint8Array): ParsedSafetensorsHeader {
  if (fileSize < HEADER_LENGTH_PREFIX_BYTES) {
    throw fileTooShortForHeader(file, fileSize, HEADER_LENGTH_PREFIX_BYTES);
  }
  const prefix = read(0, HEADER_LENGTH_PREFIX_BYTES);
  const headerLength = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  if (headerLength > BigInt(MAX_HEADER_BYTES)) {
    throw headerLengthOverCap(file, headerLength, MAX_HEADER_BYTES);
  }
  const length = Number(headerLength);
  if (HEADER_LENGTH_PREFIX_BYTES + length > fileSize) {
    throw headerPastEnd(file, HEADER_LENGTH_PREFIX_BYTES + length, fileSize);
  }
  // A model of a family repeats the previous one's header: parsed once (parseRepeatedHeader).
  return parseRepeatedHeader(read(HEADER_LENGTH_PREFIX_BYTES, length), file, fileSize, length);
}

/** The float tensors of one safetensors file, in header order (reads the header only). */
export async function openSafetensorsFile(file: string): Promise<TensorInfo[]> {
  return (await readSafetensorsHeader(file)).tensors;
}

/**
 * Read one tensor's bytes (a single ranged read) and decode them: F64 → Float64Array, every
 * other dtype → Float32Array. Without `scratch` the result is freshly allocated and owned by
 * the caller; with it, see TensorMemory. Throws MotherError naming file and tensor if a value
 * is NaN or ±Inf, or if the file became shorter than its header promised. `checkFinite: false`
 * skips the NaN/Inf pass for F32/F64 (a whole extra sweep) when the caller's own pass over the
 * values detects non-finite ones — recovery's statistics do — and reports them itself.
 */
export async function readTensor(
  info: TensorInfo,
  scratch?: TensorMemory,
  options: { checkFinite?: boolean; count?: number } = {},
): Promise<Float32Array | Float64Array> {
  const stream = openTensorStream(info);
  try {
    // `count`: only the tensor's first that-many elements (a sample), read and decoded alone.
    return stream.read(0, options.count ?? info.shape.reduce((product, size) => product * size, 1), scratch, options);
  } finally {
    stream.close();
  }
}

/**
 * Opens a tensor for streaming: recovery reads a layer of every model a chunk at a time, so
 * each chunk is still in cache when the kernels sweep it. Reads are synchronous on purpose:
 * Bun's async read cannot write into WebAssembly memory directly and goes through a bounce
 * buffer (≈ 1.8 GB/s against ≈ 4.4 GB/s for a blocking pread here), and a blocked thread costs
 * nothing in a layer worker or a CLI run.
 */
export function openTensorStream(info: TensorInfo): TensorStream {
  // GGUF blocks (and rotary row order) are decoded by their own reader.
  if (info.encoding) return openGgufTensorStream(info);
  // A PEFT adapter's layer: its base's values plus the low-rank update, formed per chunk.
  if (info.lowRank) return openLowRankStream(info, openTensorStream);
  // A held file (held-files.ts) is copied from memory: no open or read per tensor.
  const opened = heldBytes(info.file, info.offset, info.offset + info.byteLength);
  let fd = -1;
  if (!opened) {
    try {
      fd = openSync(info.file, "r");
    } catch (error) {
      throw cannotReadFile(info.file, (error as NodeJS.ErrnoException).code ?? String(error));
    }
  }
  const elementBytes = DTYPE_BYTES[info.dtype];
  const wide = info.dtype === "F16" || info.dtype === "BF16";
  const count = info.shape.reduce((product, size) => product * size, 1);
  const cols = info.shape.length > 1 ? info.shape[info.shape.length - 1]! : 1;
  // An f32 tensor read from disk, as a native loop reads it itself (BlockKernels.layerStream: summed where a mapping holds it).
  const stagedSource =
    info.dtype === "F32" && fd >= 0
      ? () => ({
          file: info.file,
          name: info.name,
          fd,
          offset: info.offset,
          byteLength: info.byteLength,
          type: "F32" as const,
          rows: count / cols,
          cols,
          ropeHeads: 0,
          held: { start: 0, end: 0 },
        })
      : undefined;
  return {
    stagedSource,
    read(first, count, memory, options = {}) {
      const byteLength = count * elementBytes;
      const target = memory ? memory.bytesFor(byteLength, info.dtype) : new Uint8Array(byteLength);
      const begin = info.offset + first * elementBytes;
      // A fresh view: held bytes in kernel memory are detached from older views when it grows.
      const held = opened && (heldBytes(info.file, begin, begin + byteLength) ?? opened);
      let filled = 0;
      if (held) {
        const end = Math.min(held.length, begin + byteLength);
        if (end > begin) target.set(held.subarray(begin, end));
        filled = Math.max(0, end - begin);
      }
      while (!held && filled < byteLength) {
        const bytesRead = readSync(fd, target, filled, byteLength - filled, begin + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      if (filled !== byteLength) {
        throw tensorCutShort(info.file, info.name, first * elementBytes + filled, info.byteLength);
      }
      const checkFinite = options.checkFinite ?? true;
      if (wide && memory?.widen && !checkFinite) return memory.widen(target, info.dtype as "F16" | "BF16", count);
      const output = memory && wide ? memory.valuesFor(count) : undefined;
      const { values, firstNonFinite } = decodeTensorBytes(target, info.dtype, output, checkFinite);
      if (firstNonFinite >= 0) {
        throw tensorNotFinite(info.file, info.name, values[firstNonFinite] ?? Number.NaN, first + firstNonFinite);
      }
      return values;
    },
    close: () => {
      if (fd >= 0) closeSync(fd);
    },
  };
}

/** Bytes read and counted at a time: a hostile header is refused after a few of these. */
const HEADER_CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * `length` bytes at `offset` of the open file, read chunk by chunk and counted as they come
 * (HeaderSizeCheck): a header of a million empty tensors is refused after its first few MB,
 * not after all of it is in memory. Pages of the buffer are only committed as they are read.
 */
function readHeaderBytes(fd: number, file: string, offset: number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  // A header of at most MAX_TENSORS_PER_FILE bytes cannot pass either limit (each counted value is at least a byte): not counted.
  const check = offset === 0 || length <= MAX_TENSORS_PER_FILE ? undefined : new HeaderSizeCheck(file);
  for (let filled = 0; filled < length; ) {
    const count = readSync(fd, bytes, filled, Math.min(HEADER_CHUNK_BYTES, length - filled), offset + filled);
    if (count === 0) throw offset === 0 ? fileTooShortForHeader(file, filled, length) : headerCutShort(file, filled, length);
    check?.add(bytes.subarray(filled, filled + count));
    filled += count;
  }
  return bytes;
}
