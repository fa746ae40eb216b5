/**
 * Streaming GGUF reader. Opening a file reads its header only (a bounded prefix, grown until the
 * header fits); each tensor is then read on demand, a chunk of whole ggml blocks at a time, and
 * dequantized into f32 — memory is bounded by the chunks in flight, never by the file size.
 *
 * Tensors come out as the safetensors reader gives them: Hugging Face names, PyTorch shapes
 * (ggml lists dims fastest first, so they are reversed) and, for Q/K of Llama-style models, the
 * Hugging Face row order. F32/F16/BF16 tensors in their natural order are plain TensorInfos (the
 * fast 16-bit paths read them); the rest carry an `encoding` the stream decodes.
 */
import { closeSync, openSync, readSync } from "node:fs";
import { stat } from "node:fs/promises";
import * as messages from "../../messages.ts";
import type { GgmlType, TensorInfo } from "../../types.ts";
import type { BlockStaging, TensorMemory, TensorStream } from "../tensor-stream.ts";
import { dequantize } from "./dequantize.ts";
import { loadedNativeKernels, NATIVE_DECODERS, type NativeKernels } from "../../kernels/native-kernels.ts";
import { GGML_LAYOUTS, ggmlByteLength, ggmlTypeOf, unreadTypeName } from "./ggml-types.ts";
import { NeedMoreBytes, parseGgufHeader, type GgufHeader, type GgufValue } from "./gguf-header.ts";
import { hfNameOf, rotaryHeadsOf, storedRowOf } from "./gguf-names.ts";

/** File-name suffix of a GGUF file. */
export const GGUF_SUFFIX = ".gguf";

/**
 * Bytes read first for the header. Headers without a vocabulary fit; a 32k-token one (~1 MB)
 * takes three more reads, each twice the last. A 4 MB first read cost ~5 ms a file in fresh
 * pages, a tenth of a small set's recovery.
 */
const FIRST_HEADER_READ = 256 * 1024;

/**
 * Largest header read: 256 MB. The biggest real headers (256k-token vocabularies with their
 * merges) are tens of MB; past this a header is corrupt or hostile, and parsing it would cost
 * unbounded memory.
 */
export const MAX_GGUF_HEADER_BYTES = 256 * 1024 * 1024;

/** A GGUF file's tensors (Hugging Face names) and metadata. */
export interface GgufModel {
  readonly tensors: TensorInfo[];
  readonly metadata: ReadonlyMap<string, GgufValue>;
  /** `general.architecture`, e.g. "llama". */
  readonly architecture: string | undefined;
}

/**
 * Read and check a GGUF file's header; throws MotherError naming the file on any inconsistency.
 * `arrays: false` reads metadata arrays as empty (walked and checked, not made): discovery wants the
 * tensors, and a tokenizer's 400,000 strings were most of a Llama 3 header's time.
 */
export async function openGgufFile(file: string, { arrays = true }: { readonly arrays?: boolean } = {}): Promise<GgufModel> {
  const fileSize = await regularFileSize(file);
  const header = readHeader(file, fileSize, arrays);
  const splits = numberOf(header.metadata.get("split.count")) ?? 1;
  if (splits > 1) throw messages.ggufSplit(file, splits);
  // Empty tensors hold no weights (the safetensors reader skips them too).
  const tensors = tensorInfos(header, file, fileSize).filter((tensor) => tensor.byteLength > 0);
  return { tensors, metadata: header.metadata, architecture: stringOf(header.metadata.get("general.architecture")) };
}

function readHeader(file: string, fileSize: number, arrays: boolean): GgufHeader {
  let length = Math.min(fileSize, FIRST_HEADER_READ);
  for (;;) {
    const bytes = readRange(file, 0, length);
    if (bytes.byteLength < length) throw messages.ggufPastEnd(file, "header", length, bytes.byteLength);
    try {
      return parseGgufHeader(bytes, file, fileSize, arrays);
    } catch (error) {
      if (!(error instanceof NeedMoreBytes)) throw error;
      if (error.needed > MAX_GGUF_HEADER_BYTES) throw messages.ggufHeaderTooLarge(file, MAX_GGUF_HEADER_BYTES);
      // Eight times as much: a re-read costs ~1 ms a few MB, a re-parse of a Llama 3 tokenizer ~50 ms (doubling parsed its 7 MB five times).
      length = Math.min(fileSize, MAX_GGUF_HEADER_BYTES, Math.max(error.needed, 8 * length));
    }
  }
}

/** Checked TensorInfos: known types, whole blocks per row, aligned offsets inside the file, no overlaps. */
function tensorInfos(header: GgufHeader, file: string, fileSize: number): TensorInfo[] {
  const { metadata } = header;
  const architecture = stringOf(metadata.get("general.architecture"));
  const headCount = numberOf(metadata.get(`${architecture}.attention.head_count`));
  const headCountKv = numberOf(metadata.get(`${architecture}.attention.head_count_kv`));
  const tensors = header.tensors.map((tensor) => {
    const type = ggmlTypeOf(tensor.typeId);
    if (!type) throw messages.ggufUnknownType(file, tensor.name, unreadTypeName(tensor.typeId));
    const shape = [...tensor.dims].reverse();
    const count = shape.reduce((product, size) => product * size, 1);
    const heads = rotaryHeadsOf(tensor.name, architecture, headCount, headCountKv);
    const rows = shape.length === 1 ? count : count / shape[shape.length - 1]!;
    // A permuted 1-D tensor (a Q/K bias) has one value per row.
    const rowValues = heads !== undefined && shape.length === 1 ? 1 : tensor.dims[0]!;
    const block = GGML_LAYOUTS[type].blockValues;
    if (rowValues % block !== 0) throw messages.ggufRowNotBlocks(file, tensor.name, rowValues, block);
    if (heads !== undefined && (!Number.isInteger(heads) || heads <= 0 || rows % (2 * heads) !== 0)) {
      const key = tensor.name.includes("attn_k") ? "head_count_kv" : "head_count";
      throw messages.ggufBadHeads(file, `${architecture}.attention.${key}`, String(heads), rows);
    }
    if (tensor.offset % header.alignment !== 0) {
      throw messages.ggufBadOffset(file, tensor.name, "offset is not aligned", String(tensor.offset), `multiple of ${header.alignment}`);
    }
    const byteLength = ggmlByteLength(type, count);
    const info: TensorInfo = {
      name: hfNameOf(tensor.name),
      dtype: type as "F32" | "F16" | "BF16",
      shape,
      file,
      offset: header.dataStart + tensor.offset,
      byteLength,
    };
    if (info.offset + byteLength > fileSize) {
      throw messages.ggufBadOffset(
        file,
        tensor.name,
        "data runs past the end of the file",
        `ends at byte ${info.offset + byteLength}`,
        `file size ${fileSize}`,
      );
    }
    // The dtype of a plain tensor is its ggml type; an encoded one reads as f32.
    const plain = (type === "F32" || type === "F16" || type === "BF16") && heads === undefined;
    return plain ? info : { ...info, dtype: "F32" as const, encoding: { format: "gguf" as const, ggmlType: type, ...(heads ? { ropeHeads: heads } : {}) } };
  });
  const byOffset = [...tensors].sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < byOffset.length; i++) {
    const [previous, current] = [byOffset[i - 1]!, byOffset[i]!];
    if (current.offset < previous.offset + previous.byteLength) {
      throw messages.ggufBadOffset(
        file,
        current.name,
        `overlaps tensor ${previous.name}`,
        `starts at byte ${current.offset}`,
        `${previous.name} ends at ${previous.offset + previous.byteLength}`,
      );
    }
  }
  const names = new Set<string>();
  for (const tensor of tensors) {
    if (names.has(tensor.name)) throw messages.ggufDuplicateTensor(file, tensor.name);
    names.add(tensor.name);
  }
  return tensors;
}

/** Raw block bytes of the chunk being decoded, reused across reads (one read is decoded before the next). */
let rawScratch = new Uint8Array(0);

function rawBytes(length: number): Uint8Array {
  if (rawScratch.byteLength < length) rawScratch = new Uint8Array(Math.max(length, Math.floor(rawScratch.byteLength * 1.5)));
  return rawScratch.subarray(0, length);
}

/** Opens a GGUF-encoded tensor for reading in element ranges (read-safetensors.ts's TensorStream). */
export function openGgufTensorStream(info: TensorInfo): TensorStream {
  const encoding = info.encoding!;
  const type = encoding.ggmlType;
  const fd = openFile(info.file);
  const count = info.shape.reduce((product, size) => product * size, 1);
  const cols = encoding.ropeHeads !== undefined && info.shape.length === 1 ? 1 : info.shape[info.shape.length - 1]!;
  const headRows = encoding.ropeHeads ? count / cols / encoding.ropeHeads : 0;
  /** Decoded whole heads [firstHead, endHead) in stored order (rotary tensors only). */
  let heads = { firstHead: 0, endHead: 0, values: new Float32Array(0) };
  /** The tensor's bytes [start, end) held in a stage() window at `pointer`. */
  let window = { pointer: -1, start: 0, end: 0 };

  /** Values [first, first + length) in stored order into out[to…]. */
  const decodeStored = (first: number, length: number, out: Float32Array, to: number): void => {
    const block = GGML_LAYOUTS[type].blockValues;
    const firstBlock = Math.floor(first / block);
    const endBlock = Math.ceil((first + length) / block);
    const bytes = readBlocks(fd, info, type, firstBlock, endBlock);
    if (first % block === 0 && (first + length) % block === 0) {
      decodeBlocks(type, bytes, length, out, to);
      return;
    }
    const whole = new Float32Array((endBlock - firstBlock) * block);
    decodeBlocks(type, bytes, whole.length, whole, 0);
    out.set(whole.subarray(first - firstBlock * block, first - firstBlock * block + length), to);
  };

  /** Values [first, first + length) decoded by the caller's kernels, or undefined when they cannot. */
  const decodeInKernels = (first: number, length: number, memory: TensorMemory | undefined): Float32Array | undefined => {
    const block = GGML_LAYOUTS[type].blockValues;
    if (!memory?.blocksFor || !memory.dequantize || first % block !== 0 || length % block !== 0 || block === 1) return undefined;
    // The staging region holds 2 bytes a value: every block type is smaller.
    const target = memory.blocksFor(ggmlByteLength(type, length));
    fill(fd, info, target, (first / block) * GGML_LAYOUTS[type].blockBytes);
    return memory.dequantize(type, length);
  };

  /** Values [first, first + length) of a rotary-ordered tensor in Hugging Face row order, from whole decoded heads. */
  const readRotary = (first: number, length: number, out: Float32Array, ropeHeads: number): void => {
    const firstRow = Math.floor(first / cols);
    const endRow = Math.ceil((first + length) / cols);
    const [firstHead, endHead] = [Math.floor(firstRow / headRows), Math.ceil(endRow / headRows)];
    if ((endRow - firstRow) * 8 < headRows && (firstHead < heads.firstHead || endHead > heads.endHead)) {
      // A few rows (a sample's first rows): only the stored rows they need are decoded, not whole heads.
      const rows = count / cols;
      for (let row = firstRow; row < endRow; row++) {
        const from = Math.max(first, row * cols);
        const to = Math.min(first + length, (row + 1) * cols);
        decodeStored(storedRowOf(row, rows, ropeHeads) * cols + (from - row * cols), to - from, out, from - first);
      }
      return;
    }
    if (firstHead < heads.firstHead || endHead > heads.endHead) {
      const values = new Float32Array((endHead - firstHead) * headRows * cols);
      decodeStored(firstHead * headRows * cols, values.length, values, 0);
      heads = { firstHead, endHead, values };
    }
    const rows = count / cols;
    for (let row = firstRow; row < endRow; row++) {
      const from = Math.max(first, row * cols);
      const to = Math.min(first + length, (row + 1) * cols);
      const source = (storedRowOf(row, rows, ropeHeads) - heads.firstHead * headRows) * cols + (from - row * cols);
      out.set(heads.values.subarray(source, source + (to - from)), from - first);
    }
  };

  /**
   * Raw blocks of values [first, first + length) left in `staging` in Hugging Face row order
   * (TensorStream.stage): plain tensors straight from the window, rotary ones (whole rows) gathered
   * from the whole heads around them, which the window holds.
   */
  const stage = (first: number, length: number, staging: BlockStaging, readAhead = true): { type: GgmlType; pointer: number } | undefined => {
    const { blockValues, blockBytes } = GGML_LAYOUTS[type];
    if (first % blockValues !== 0 || length % blockValues !== 0) return undefined;
    const rowBytes = (cols / blockValues) * blockBytes;
    const [firstRow, endRow] = [Math.floor(first / cols), Math.ceil((first + length) / cols)];
    const rotary = encoding.ropeHeads !== undefined;
    if (rotary && (first % cols !== 0 || length % cols !== 0 || staging.ordered < 0)) return undefined;
    const [from, to] = rotary
      ? [Math.floor(firstRow / headRows) * headRows * rowBytes, Math.ceil(endRow / headRows) * headRows * rowBytes]
      : [(first / blockValues) * blockBytes, ((first + length) / blockValues) * blockBytes];
    if (to - from > staging.windowBytes) return undefined;
    if (window.pointer !== staging.window || from < window.start || to > window.end) {
      // One large read serves the next chunks too: below ~1 MB the per-read cost shows (bench/gguf-kernels.ts).
      const size = readAhead ? Math.min(staging.windowBytes, info.byteLength - from) : to - from;
      fill(fd, info, staging.bytes(staging.window, size), from);
      window = { pointer: staging.window, start: from, end: from + size };
    }
    const at = staging.window - window.start;
    if (!rotary) return { type, pointer: at + from };
    // Blocks never cross rows, so moving raw rows equals moving decoded ones.
    const heap = staging.bytes(0, Math.max(staging.window + staging.windowBytes, staging.ordered + (endRow - firstRow) * rowBytes));
    for (let row = firstRow; row < endRow; row++) {
      const source = at + storedRowOf(row, count / cols, encoding.ropeHeads!) * rowBytes;
      heap.copyWithin(staging.ordered + (row - firstRow) * rowBytes, source, source + rowBytes);
    }
    return { type, pointer: staging.ordered };
  };

  return {
    stage,
    stagedSource: (staging) => ({
      file: info.file,
      name: info.name,
      fd,
      offset: info.offset,
      byteLength: info.byteLength,
      type,
      rows: count / cols,
      cols,
      ropeHeads: encoding.ropeHeads ?? 0,
      held: window.pointer === staging.window ? { start: window.start, end: window.end } : { start: 0, end: 0 },
    }),
    read(first, length, memory, options = {}) {
      // The kernels decode plain block runs, and whole rotary heads, in place; other ranges and types decode here.
      let out = encoding.ropeHeads ? undefined : decodeInKernels(first, length, memory);
      const headValues = headRows * cols;
      if (encoding.ropeHeads && first % headValues === 0 && length % headValues === 0) {
        out = decodeInKernels(first, length, memory);
        if (out) toHuggingFaceOrder(out, first / cols, length / cols, count / cols, encoding.ropeHeads, cols);
      }
      if (!out) {
        out = outputFor(length, memory);
        if (encoding.ropeHeads) readRotary(first, length, out, encoding.ropeHeads);
        else decodeStored(first, length, out, 0);
      }
      if (options.checkFinite ?? true) {
        for (let i = 0; i < length; i++) if (!Number.isFinite(out[i]!)) throw messages.ggufNonFinite(info.file, info.name, out[i]!, first + i);
      }
      return out;
    },
    close: () => closeSync(fd),
  };
}

/**
 * `count` values of `type` blocks in `bytes` decoded into out[to…]: natively when this thread has
 * the native kernels (a read outside the layer pass, e.g. the merge samples on the main thread: the
 * TypeScript decoders' first call also builds a 65,536-entry f16 table there), else in TypeScript.
 */
function decodeBlocks(type: GgmlType, bytes: Uint8Array, count: number, out: Float32Array, to: number): void {
  const native: NativeKernels | undefined = loadedNativeKernels();
  const decoder = NATIVE_DECODERS[type];
  if (!native || !decoder) {
    dequantize(type, bytes, 0, count, out, to);
    return;
  }
  const [from, into] = [
    native.addressOf(bytes.buffer as ArrayBuffer) + bytes.byteOffset,
    native.addressOf(out.buffer as ArrayBuffer) + out.byteOffset + to * 4,
  ];
  if (bytes.byteLength < ggmlByteLength(type, count) || out.length < to + count) throw new RangeError(`decodeBlocks: ${count} values do not fit`);
  native[decoder](from, into, count);
}

/** Stored rows of whole heads, copied aside while they are put back in place (reused read to read). */
let rowScratch = new Float32Array(0);

/**
 * Rows [firstRow, firstRow + rowCount) of a rotary tensor (whole heads, decoded in stored order
 * in `values`) put in Hugging Face order in place: whole heads map onto themselves.
 */
function toHuggingFaceOrder(values: Float32Array, firstRow: number, rowCount: number, rows: number, heads: number, cols: number): void {
  if (rowScratch.length < values.length) rowScratch = new Float32Array(Math.max(values.length, Math.floor(rowScratch.length * 1.5)));
  const stored = rowScratch.subarray(0, values.length);
  stored.set(values);
  for (let row = firstRow; row < firstRow + rowCount; row++) {
    const source = (storedRowOf(row, rows, heads) - firstRow) * cols;
    values.set(stored.subarray(source, source + cols), (row - firstRow) * cols);
  }
}

/** Room for `length` f32 values: the caller's memory (kernel memory in the layer pass) or fresh. */
function outputFor(length: number, memory: TensorMemory | undefined): Float32Array {
  if (!memory) return new Float32Array(length);
  const bytes = memory.bytesFor(length * 4, "F32");
  if (bytes.byteOffset % 4 === 0) return new Float32Array(bytes.buffer, bytes.byteOffset, length);
  return memory.valuesFor(length);
}

/** The bytes of blocks [firstBlock, endBlock) of a tensor, in one positioned read. */
function readBlocks(fd: number, info: TensorInfo, type: GgmlType, firstBlock: number, endBlock: number): Uint8Array {
  const blockBytes = GGML_LAYOUTS[type].blockBytes;
  const target = rawBytes((endBlock - firstBlock) * blockBytes);
  fill(fd, info, target, firstBlock * blockBytes);
  return target;
}

/** Fills `target` from the tensor's bytes starting `from` bytes in; a file cut short is named. */
function fill(fd: number, info: TensorInfo, target: Uint8Array, from: number): void {
  const begin = info.offset + from;
  let filled = 0;
  while (filled < target.byteLength) {
    const bytesRead = readSync(fd, target, filled, target.byteLength - filled, begin + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  if (filled !== target.byteLength) throw messages.ggufTruncated(info.file, info.name, from + filled, info.byteLength);
}

function stringOf(value: GgufValue | undefined): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function numberOf(value: GgufValue | undefined): number | undefined {
  return typeof value === "number" || typeof value === "bigint" ? Number(value) : undefined;
}

function openFile(file: string): number {
  try {
    return openSync(file, "r");
  } catch (error) {
    throw messages.cannotReadFile(file, (error as NodeJS.ErrnoException).code ?? String(error));
  }
}

async function regularFileSize(file: string): Promise<number> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(file);
  } catch (error) {
    throw messages.cannotReadFile(file, (error as NodeJS.ErrnoException).code ?? String(error));
  }
  if (!info.isFile()) throw messages.notRegularFile(file);
  return info.size;
}

function readRange(file: string, begin: number, end: number): Uint8Array {
  const fd = openFile(file);
  try {
    const bytes = new Uint8Array(end - begin);
    let filled = 0;
    while (filled < bytes.byteLength) {
      const bytesRead = readSync(fd, bytes, filled, bytes.byteLength - filled, begin + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return bytes.subarray(0, filled);
  } finally {
    closeSync(fd);
  }
}
