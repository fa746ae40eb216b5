/**
 * One file's share of a model's fingerprint (fingerprint.ts): the selected layers lying in that
 * file, read once — a small model's held bytes swept by size (held-layer-sweep.ts), else one
 * pread of the layers' span or chunk by chunk — into each layer's statistics, its seeded samples
 * and the digest of its bytes.
 */
import { closeSync, openSync, readSync } from "node:fs";
import type { TensorInfo } from "../types.ts";
import { openTensorStream, readTensor, TensorScratch, type TensorStream } from "../io/read-safetensors.ts";
import { heldBytes } from "../io/held-files.ts";
import { layerStats, powerSumShift, statsFromPowerSums } from "../stats/layer-stats.ts";
import type { WeightKernels } from "../kernels/weight-kernels.ts";
import { CHUNK_VALUES, namingTheTensor } from "../recover/layer-pass.ts";
import { type LayerRead, SHIFT_ONLY, sweepHeldLayers, sweepsHeld } from "./held-layer-sweep.ts";
import { cannotReadFile, tensorPastEndOfFile } from "../messages.ts";

/**
 * A file's selected tensors up to this many bytes apart are read with one pread (small models:
 * one read per model instead of one per layer); larger spans are streamed chunk by chunk.
 */
export const WHOLE_SPAN_BYTES = 16 * 1024 * 1024;

/** A selected layer of the file: its tensor and, for a distance layer, its seeded positions and where their values go. */
export interface FileLayer {
  readonly tensor: TensorInfo;
  readonly positions: Int32Array | undefined;
  readonly out: Float32Array | undefined;
  /** Set when the layer's start is wanted too (held-layer-sweep.ts, HeldLayer.cols): values a row, 0 for none. */
  readonly cols?: number;
}

/**
 * Reads `layers` (all in `file`, in plan order) and gives each one's statistics and digest (0n
 * unless `digest`), writing their samples into their `out`. Resets the kernels' memory: pointers and views from before are gone.
 */
export async function readFileLayers(
  kernels: WeightKernels,
  reader: FileReader,
  file: string,
  layers: readonly FileLayer[],
  digest: boolean,
): Promise<LayerRead[]> {
  const span = wholeSpan(layers.map((l) => l.tensor).filter(storedAsIs));
  kernels.reset();
  // A file held in kernel memory (fingerprintLocated reads a small model whole, once, for its header and its layers) is swept where it lies.
  const heldAt = span ? kernels.pointerOf(heldBytes(file, span.start, span.end) ?? EMPTY) : undefined;
  const spanPointer = !span ? -1 : heldAt !== undefined ? heldAt + span.start : kernels.allocate(span.end - span.start);
  if (span && heldAt === undefined) reader.read(file, span.start, kernels.bytes(spanPointer, span.end - span.start));
  // A held file's f32 layers of one chunk each: a few native calls for all of them (held-layer-sweep.ts), the same bits.
  const where = (tensor: TensorInfo) => spanPointer + tensor.offset - span!.start;
  const swept =
    heldAt !== undefined && layers.every((l) => sweepsHeld(l.tensor, where(l.tensor)))
      ? sweepHeldLayers(
          kernels,
          layers.map((l) => ({ ...l, pointer: where(l.tensor) })),
          digest,
        )
      : undefined;
  if (swept) return swept;
  // Values per chunk: a stored tensor's bytes / 2 bound its count; a streamed one's count is its shape's.
  const sizes = layers.map((l) => l.tensor).map((t) => (storedAsIs(t) ? t.byteLength / 2 : t.shape.reduce((product, size) => product * size, 1)));
  const chunk = Math.min(CHUNK_VALUES, Math.max(...sizes));
  const memory = { buffer: kernels.allocate(chunk * 4), staging: kernels.allocate(chunk * 4) };
  const reads: LayerRead[] = [];
  for (const { tensor, positions, out } of layers) {
    const stream = storedAsIs(tensor) ? undefined : openTensorStream(tensor);
    const fetch = stream ? { stream } : span ? { at: spanPointer + tensor.offset - span.start } : { reader };
    try {
      reads.push(
        tensor.dtype === "F64" ? await readF64Layer(tensor, positions, out) : readLayerWithKernels(kernels, memory, fetch, tensor, positions, out, digest),
      );
    } finally {
      stream?.close();
    }
  }
  return reads;
}

/**
 * Whether a tensor's bytes are its values as stored (read from the file's span or chunk by
 * chunk); a GGUF block tensor, one in llama.cpp's rotary row order, or an adapter's layer
 * (base + low-rank update) is read through its stream instead, which gives the values the
 * layer pass sees: dequantized, Hugging Face row order, update applied.
 */
function storedAsIs(tensor: TensorInfo): boolean {
  return !tensor.encoding && !tensor.lowRank;
}

/** The byte range covering `tensors` (one file) when there are any and it is small enough to read at once, else undefined. */
function wholeSpan(tensors: readonly TensorInfo[]): { start: number; end: number } | undefined {
  if (tensors.length === 0) return undefined;
  const start = Math.min(...tensors.map((t) => t.offset));
  const end = Math.max(...tensors.map((t) => t.offset + t.byteLength));
  return end - start <= WHOLE_SPAN_BYTES ? { start, end } : undefined;
}

/** Keeps one file open at a time: a model's layers are read file by file. */
export class FileReader {
  private file = "";
  private fd = -1;

  /** Reads `target.length` bytes at `offset` of `file` (one pread, repeated on short reads). */
  read(file: string, offset: number, target: Uint8Array): void {
    if (file !== this.file) {
      this.close();
      try {
        this.fd = openSync(file, "r");
      } catch (error) {
        throw cannotReadFile(file, (error as NodeJS.ErrnoException).code ?? String(error));
      }
      this.file = file;
    }
    let filled = 0;
    while (filled < target.length) {
      const bytesRead = readSync(this.fd, target, filled, target.length - filled, offset + filled);
      if (bytesRead === 0) throw tensorPastEndOfFile(file, offset + filled);
      filled += bytesRead;
    }
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    this.file = "";
  }
}

/**
 * One layer through the kernels, CHUNK_VALUES at a time (as the layer pass sweeps it): each
 * chunk's raw bytes — already in kernel memory (`at`, the file's span) or read now — are
 * digested, widened to f32 when 16-bit, folded into the power sums, and the seeded positions
 * falling in the chunk copied out. The digest depends on the bytes (and a 16-bit type) only, not on how they were read.
 * A tensor read through its stream (`stream`: GGUF, adapter layers) arrives as f32 values, which
 * are what is digested.
 */
function readLayerWithKernels(
  kernels: WeightKernels,
  memory: { readonly buffer: number; readonly staging: number },
  fetch: { readonly at: number } | { readonly reader: FileReader } | { readonly stream: TensorStream },
  tensor: TensorInfo,
  positions: Int32Array | undefined,
  out: Float32Array | undefined,
  digesting = true,
): LayerRead {
  const wide = tensor.dtype !== "F32" && !("stream" in fetch);
  const elementBytes = wide ? 2 : 4;
  const count = "stream" in fetch ? tensor.shape.reduce((product, size) => product * size, 1) : tensor.byteLength / elementBytes;
  const accumulator = kernels.powerSumAccumulator();
  // 16-bit bytes mean different values as F16 and BF16: the type is part of what is digested (a header-only relabel keeps the bytes).
  let digest = wide ? Bun.hash.wyhash(tensor.dtype) : 0n;
  let shift = 0;
  let scale = 0;
  let next = 0;
  for (let first = 0; first < count; first += CHUNK_VALUES) {
    const values = Math.min(CHUNK_VALUES, count - first);
    let raw: number;
    if ("at" in fetch) raw = fetch.at + first * elementBytes;
    else if ("stream" in fetch) {
      raw = memory.buffer;
      kernels.f32(raw, values).set(fetch.stream.read(first, values, streamScratch, { checkFinite: false }));
    } else {
      raw = wide ? memory.staging : memory.buffer;
      fetch.reader.read(tensor.file, tensor.offset + first * elementBytes, kernels.bytes(raw, values * elementBytes));
    }
    if (digesting) digest = Bun.hash.wyhash(kernels.bytes(raw, values * elementBytes), digest);
    let f32 = raw;
    if (wide) {
      kernels.widen(raw, memory.buffer, values, tensor.dtype as "F16" | "BF16");
      f32 = memory.buffer;
    } else if (raw % 4 !== 0) {
      kernels.bytes(memory.buffer, values * 4).set(kernels.bytes(raw, values * 4));
      f32 = memory.buffer;
    }
    const view = kernels.f32(f32, values);
    // The native layer start gives powerSumShift's bits (tree-kernels.c); in JavaScript it was ~12 % of fingerprinting a small model on a cold thread.
    if (first === 0) shift = Math.fround(kernels.layerStart(view, 0, SHIFT_ONLY)?.[0] ?? powerSumShift(view));
    while (positions && next < positions.length && positions[next]! < first + values) out![next] = view[positions[next++]! - first]!;
    scale = kernels.addPowerSums(f32, values, shift, accumulator, scale);
  }
  return { stats: namingTheTensor(tensor, () => statsFromPowerSums(count, kernels.readPowerSums(accumulator, shift))), digest };
}

/** No bytes (a file not held). */
const EMPTY = new Uint8Array(0);

/** Where a streamed tensor's chunk is decoded before it is copied into kernel memory (one per thread). */
const streamScratch = new TensorScratch();

/** An F64 layer (the kernels take f32): read whole, summed in TypeScript. */
async function readF64Layer(tensor: TensorInfo, positions: Int32Array | undefined, out: Float32Array | undefined): Promise<LayerRead> {
  const values = await readTensor(tensor, undefined, { checkFinite: false });
  positions?.forEach((position, i) => (out![i] = values[position]!));
  const stats = namingTheTensor(tensor, () => layerStats(values, 0));
  return { stats, digest: Bun.hash.wyhash(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), 0n) };
}
