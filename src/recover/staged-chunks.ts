/**
 * Fused chunks for GGUF inputs (issue #12's speed): where the native kernels decode a model's
 * block type, the layer pass leaves each chunk's raw blocks in kernel memory (TensorStream.stage)
 * and one kernel call per chunk decodes every model, adds its power sums and folds the pairwise
 * |Δ| a run of values at a time while the run is in L1 (WeightKernels.layerChunk) — the same bits
 * as decoding, summing and comparing one after another, with each value's trips through memory
 * saved. Blocks come from a read-ahead window per model: a read of ~1 MB costs less per byte than
 * one of a chunk's 35–70 KB. After a layer's first chunk, a layer whose every model is staged (or
 * a twin) is read and swept to its end in one native call (sweepRest): the same reads and bits
 * without TypeScript around every chunk — or, by default (layerMapping), with no reads: that call
 * maps each file's tensor and the kernels read the page cache where it lies (no copy out of it;
 * bench/mmap-read.c), and the first chunk reads only its own blocks.
 */
import { fstatSync } from "node:fs";
import { constants } from "node:os";
import { heldBytes } from "../io/held-files.ts";
import type { BlockStaging, StagedSource, TensorStream } from "../io/tensor-stream.ts";
import { ggmlByteLength, GGML_LAYOUTS } from "../io/gguf/ggml-types.ts";
import type { ChunkPlan, ModelChunk, PairwiseAccumulator, WeightKernels } from "../kernels/weight-kernels.ts";
import { STREAM_MODELS, type StreamedModel } from "../kernels/block-kernels.ts";
import * as messages from "../messages.ts";
import type { GgmlType, TensorInfo } from "../types.ts";

/** Read-ahead window per model: reads of ~1 MB run at ~0.06 ns a byte here against ~0.09 for 70 KB ones. */
export const READ_AHEAD_BYTES = 1024 * 1024;

/** Read-ahead of one layer job's models together (many models share it). */
const READ_AHEAD_BUDGET = 32 * 1024 * 1024;

/**
 * A job's staging: per model its window (undefined: read as usual into its buffer), and the chunk
 * plan; `integer[m]` where the model's statistics may come from its blocks' integers (a layer
 * read for its statistics only, Q8_0, Q4_K or Q6_K blocks: sumIntegers decides).
 */
export interface StagedModels {
  readonly staging: readonly (BlockStaging | undefined)[];
  readonly plan: ChunkPlan;
  readonly integer: readonly boolean[];
}

/**
 * How many standard deviations (of the first chunk) the power-sum shift may lie from zero for
 * the integer-domain sums: they are summed around zero and shifted once a chunk, which costs
 * ~(1 + |shift|/σ)⁴ · 2⁻⁵² relative in Σy⁴ (16: below 1e-10), where the f32 path loses nothing
 * to the shift. Weights lie around zero; a layer that does not keeps the f32 path.
 */
export const INTEGER_SHIFT_LIMIT = 16;

/**
 * Allocates the staging of a layer job (layer-pass.ts) whose models include GGUF tensors the kernels decode in chunks,
 * or undefined (nothing allocated) when none does. `chunk` is the values per chunk, `count` per
 * model; allocating detaches views, so this runs before any view is made.
 */
export function stageModels(
  job: { readonly tensors: readonly TensorInfo[]; readonly shape: readonly number[]; readonly roles: { readonly distance: boolean } },
  kernels: WeightKernels,
  chunk: number,
  count: number,
  pairwise: readonly PairwiseAccumulator[],
): StagedModels | undefined {
  const staged = job.tensors.map((tensor) => (tensor.encoding && kernels.decodesInChunks(tensor.encoding.ggmlType) ? tensor.encoding : undefined));
  // f32 safetensors tensors read from disk, swept where a mapping holds them (sweepRest): no window.
  const mapped = job.tensors.map((tensor) => mapsF32(tensor, kernels));
  if (!staged.some(Boolean) && !mapped.some(Boolean)) return undefined;
  const cols = job.shape.length === 2 ? job.shape[1]! : 1;
  const shared = Math.min(READ_AHEAD_BYTES, Math.floor(READ_AHEAD_BUDGET / job.tensors.length));
  const staging = staged.map((encoding, m) => {
    if (mapped[m]) return { window: -1, windowBytes: 0, ordered: -1 };
    if (!encoding) return undefined;
    const type = encoding.ggmlType;
    const rowBytes = (cols / GGML_LAYOUTS[type].blockValues) * GGML_LAYOUTS[type].blockBytes;
    // A rotary chunk is gathered from the whole heads around it: they must fit in the window at once.
    const headRows = encoding.ropeHeads ? job.tensors[m]!.shape[0]! / encoding.ropeHeads : 0;
    const needed = encoding.ropeHeads ? (Math.ceil(chunk / cols / headRows) + 1) * headRows * rowBytes : ggmlByteLength(type, chunk);
    const windowBytes = Math.max(needed, Math.min(shared, ggmlByteLength(type, count)));
    return { window: kernels.allocate(windowBytes), windowBytes, ordered: encoding.ropeHeads ? kernels.allocate(ggmlByteLength(type, chunk)) : -1 };
  });
  const plan = kernels.chunkPlan(job.tensors.length, pairwise);
  const bytes = (pointer: number, length: number) => kernels.bytes(pointer, length);
  // A distance layer decodes its values for the pairwise |Δ| anyway, and sums them in f32 as cheaply as the integers.
  const integer = staged.map((encoding) => encoding !== undefined && !job.roles.distance && kernels.sumsIntegers(encoding.ggmlType));
  return { staging: staging.map((s) => s && { ...s, bytes }), plan, integer };
}

/**
 * Whether `tensor` is an f32 safetensors tensor the layer stream sums where a mapping of its file
 * holds it: plain f32 (no GGUF encoding, no adapter), its file read from disk (not held in memory:
 * held-files.ts), with the native kernels, mapping and layer streaming on.
 */
function mapsF32(tensor: TensorInfo, kernels: WeightKernels): boolean {
  if (!layerMapping.enabled || !layerStreaming.enabled || !kernels.decodesInChunks("Q8_0")) return false;
  return tensor.dtype === "F32" && !tensor.encoding && !tensor.lowRank && heldBytes(tensor.file, 0, 0) === undefined;
}

/**
 * The first chunk of a staged model: its blocks staged (rotary rows put in order) and decoded
 * natively into `buffer` — the shift, zeros and grid need its values — or undefined (nothing
 * done) when it cannot be staged. Natively decoded whole heads cost a fraction of the
 * TypeScript decode a rotary chunk of part of a head takes through TensorStream.read.
 */
export function stageFirstChunk(
  kernels: WeightKernels,
  stream: TensorStream,
  staging: BlockStaging,
  count: number,
  buffer: number,
): { values: Float32Array; pointer: number; type: GgmlType } | undefined {
  // The rest of the layer is read through a mapping (sweepRest): no read-ahead for it.
  const placed = stream.stage?.(0, count, staging, !(layerStreaming.enabled && layerMapping.enabled));
  if (!placed || !kernels.dequantize(placed.pointer, buffer, count, placed.type)) return undefined;
  return { values: kernels.f32(buffer, count), ...placed };
}

/**
 * Sums a staged first chunk's blocks from their integers into the empty accumulator `sums`
 * (a model whose statistics may come from them: StagedModels.integer) and says whether its
 * later chunks may be summed so too: not when the shift lies more than INTEGER_SHIFT_LIMIT σ
 * from zero (then `sums` is left empty for the f32 path).
 */
export function sumIntegers(kernels: WeightKernels, placed: { pointer: number; type: GgmlType }, count: number, shift: number, sums: number): boolean {
  kernels.addBlockPowerSums(placed.pointer, count, placed.type, shift, sums);
  const [s1, s2] = kernels.f64(sums, 2);
  const spread = Math.sqrt(Math.max(0, s2! / count - (s1! / count) ** 2));
  if (shift === 0 || Math.abs(shift) <= INTEGER_SHIFT_LIMIT * spread) return true;
  kernels.f64(sums, 6).set([0, 0, 0, 0, Infinity, -Infinity]);
  return false;
}

/**
 * Sweeps one fused chunk (layer-pass.ts). chunks[m].scale −1 marks a model summed elsewhere (a
 * raw 16-bit chunk, or a tensor shared with an earlier model); the kernel sums the others with
 * their scale, and those it could not (scale 0, or a chunk that overflowed it) are summed here
 * from the decoded values, as addPowerSums would have.
 */
export function sweepChunk(kernels: WeightKernels, staged: StagedModels, chunks: ModelChunk[], values: number, scales: number[]): void {
  const used = kernels.layerChunk(
    staged.plan,
    chunks.map((chunk) => (chunk.scale < 0 ? { ...chunk, scale: 0 } : chunk)),
    values,
  );
  for (const [m, chunk] of chunks.entries()) {
    if (chunk.scale < 0 || used[m] !== 0) continue;
    const scale = kernels.addPowerSums(chunk.target, values, chunk.shift, chunk.sums, 0);
    if (chunk.scale === 0) scales[m] = scale;
  }
}

/** Whether sweepRest may take over a layer's remaining chunks (tests and benches turn it off to time or compare the per-chunk path). */
export const layerStreaming = { enabled: true };

/**
 * Whether sweepRest reads its files through mappings instead of preads into the read-ahead
 * windows (tests and benches turn it off to compare; the same bits either way). Mapped, the copy
 * out of the page cache is saved: in C, one 838 MB file read and summed once took 0.081 CPU-s
 * against 0.131 through 1 MB preads when its pages sat in 2 MB folios, 0.185 against 0.198 in
 * 4 KB ones (bench/mmap-read.sh, docs/gguf.md "Reading through a mapping").
 */
export const layerMapping = { enabled: true };

/** A layer job's models as the chunk loop holds them (layer-pass.ts). */
export interface LoopModels {
  /** Per model its open stream, or undefined for a twin of an earlier model (twins[m] ≥ 0). */
  readonly streams: readonly (TensorStream | undefined)[];
  readonly buffers: readonly number[];
  readonly powerSums: readonly number[];
  /** Whether the model's statistics come from its blocks' integers (decided at the first chunk). */
  readonly integer: readonly boolean[];
}

/**
 * Chunks [first, count) of a staged layer read and swept in one native call
 * (BlockKernels.layerStream) when every model is staged or a twin, they are at most STREAM_MODELS,
 * and the chunks are whole blocks (whole rows where rotary); false (nothing done) otherwise, and the caller goes on chunk by chunk.
 * `scales` are updated as sweepChunk updates them. A file cut short meanwhile is named.
 */
export function sweepRest(
  kernels: WeightKernels,
  staged: StagedModels,
  models: LoopModels,
  range: { readonly first: number; readonly count: number; readonly chunk: number },
  shifts: readonly number[],
  scales: number[],
): boolean {
  if (!layerStreaming.enabled || models.streams.length > STREAM_MODELS) return false;
  const streamed: StreamedModel[] = [];
  for (const [m, stream] of models.streams.entries()) {
    const [target, sums] = [models.buffers[m]!, models.powerSums[m]!];
    if (!stream) {
      streamed.push({ twin: true, target, sums });
      continue;
    }
    const staging = staged.staging[m];
    const source = staging && stream.stagedSource?.(staging);
    if (!staging || !source) return false;
    // Chunks of whole blocks; rotary ones of whole rows (rows are whole blocks).
    const block = GGML_LAYOUTS[source.type].blockValues;
    const whole = source.ropeHeads > 0 ? source.cols : block;
    if (whole % block !== 0 || range.chunk % whole !== 0 || (range.count - range.first) % whole !== 0) return false;
    const mapped = layerMapping.enabled;
    // A mapped page past the end of the file faults (the kernel's guard reports it); a file already short is named here.
    if (mapped) fileHoldsTensor(source);
    streamed.push({
      source,
      window: staging.window,
      windowBytes: staging.windowBytes,
      ordered: staging.ordered,
      target,
      sums,
      integer: models.integer[m]!,
      mapped,
    });
  }
  const failure = kernels.layerStream(staged.plan, streamed, range, shifts, scales);
  if (!failure) return true;
  const { source } = streamed[failure.model] as { source: StagedSource };
  if ("read" in failure) throw cutShort(source, failure.read);
  const code = Object.entries(constants.errno).find(([, value]) => value === failure.errno)?.[0];
  throw messages.cannotReadFile(source.file, code ?? `errno ${failure.errno}`);
}

/** Throws when `source`'s file (its open descriptor) is too short to hold the tensor. */
function fileHoldsTensor(source: StagedSource): void {
  const size = fstatSync(source.fd).size;
  if (size < source.offset + source.byteLength) throw cutShort(source, Math.max(0, size - source.offset));
}

/** A staged tensor cut short after `read` of its bytes, in its format's words. */
function cutShort(source: StagedSource, read: number): Error {
  if (source.type === "F32") return messages.tensorCutShort(source.file, source.name, read, source.byteLength);
  return messages.ggufTruncated(source.file, source.name, read, source.byteLength);
}
