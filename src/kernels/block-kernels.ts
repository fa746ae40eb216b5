/**
 * GGUF blocks in kernel memory (issue #12): decoded natively into f32, their power sums taken from
 * their integers (native/block-moments.c), and a layer's chunks swept fused — decode, power sums
 * and pairwise |Δ| a run at a time (layerChunk) — or all of a layer's remaining chunks read and
 * swept in one native call (layerStream, native/layer-stream.c). Native kernels only: without
 * them the blocks decode in TypeScript (src/io/gguf/dequantize.ts).
 */
import { KernelMemory, type PairwiseAccumulator } from "./kernel-memory.ts";
import { NATIVE_DECODERS } from "./native-kernels.ts";
import type { GgmlType } from "../types.ts";
import type { StagedSource } from "../io/tensor-stream.ts";
import { GGML_LAYOUTS, ggmlByteLength } from "../io/gguf/ggml-types.ts";

/** The ggml types layerChunk decodes, by their code in the native source (CHUNK_*; 0 is f32 already in place). */
const CHUNK_KINDS: Partial<Record<GgmlType, number>> = { Q8_0: 1, Q4_K: 2, Q5_K: 3, Q6_K: 4 };

/** The ggml types whose power sums the native kernels take from the blocks' integers (addBlockPowerSums), by kind code. */
const INTEGER_SUM_KINDS: Partial<Record<GgmlType, number>> = { Q8_0: 1, Q4_K: 2, Q6_K: 4 };

/** layerChunk's flags on a model's kind (native CHUNK_INTEGER_SUMS, CHUNK_NO_DECODE). */
const INTEGER_SUMS = 0x100;
const NO_DECODE = 0x200;

/** Bytes of one model's power-sum state in layerChunk (the native power_state: six 32-byte registers). */
const POWER_STATE_BYTES = 192;

/** Kernel memory layerChunk works in for one layer job's models and pairwise groups (see BlockKernels.chunkPlan). */
export interface ChunkPlan {
  readonly models: number;
  readonly plan: number;
  readonly shifts: number;
  readonly scales: number;
  readonly groups: number;
  readonly pairwise: readonly PairwiseAccumulator[];
  readonly states: number;
}

/** One model's part of a chunk: GGUF blocks of `type` at `source` to decode into `target`, or (no type) f32 already there. */
export interface ModelChunk {
  readonly type?: GgmlType;
  readonly source: number;
  readonly target: number;
  /** Its power-sum accumulator, and the scale to sum with (0: not summed here). */
  readonly sums: number;
  readonly shift: number;
  readonly scale: number;
  /** Sum its blocks' integers instead (addBlockPowerSums; `scale` is then ignored), and decode them only when `decode`. */
  readonly integer?: { readonly decode: boolean };
}

/**
 * One model of a layer streamed natively (layerStream): a twin (another model's very bytes, already
 * in its buffer at `target`), or a staged GGUF tensor read from its file into its read-ahead
 * `window` — or, when `mapped`, read where a mapping of the file holds it (the caller has checked
 * that the file holds the tensor) — rotary rows gathered in `ordered` (−1: none), decoded into
 * `target` unless its power sums come from its blocks' integers (`integer`); or an f32 tensor
 * (source type "F32"; no window) read into `target`, or when `mapped` summed and compared where
 * the mapping holds it.
 */
export type StreamedModel = { readonly target: number; readonly sums: number } & (
  | { readonly twin: true }
  | {
      readonly twin?: false;
      readonly source: StagedSource;
      readonly window: number;
      readonly windowBytes: number;
      readonly ordered: number;
      readonly integer: boolean;
      readonly mapped: boolean;
    }
);

/** Where layerStream stopped: the model whose file was cut short (`read` bytes of its tensor there) or failed to read (`errno`). */
export type StreamFailure = { readonly model: number; readonly read: number } | { readonly model: number; readonly errno: number };

/** Most models layerStream sweeps in one call (native/layer-stream.c STREAM_MODELS). */
export const STREAM_MODELS = 64;

/** f64 fields of a model in layerStream's descriptor (native/layer-stream.c MODEL_FIELDS). */
const STREAM_FIELDS = 19;

/** The GGUF block kernels on a kernel memory (WeightKernels adds the float sweeps). */
export class BlockKernels extends KernelMemory {
  /**
   * Decodes `count` values of GGUF `type` blocks at `source` into f32 at `target` (both in kernel
   * memory) with the native kernels; false (nothing done) for a type they lack or without them,
   * and the caller decodes in TypeScript (src/io/gguf/dequantize.ts, the same values).
   */
  dequantize(source: number, target: number, count: number, type: GgmlType): boolean {
    const native = this.native;
    const decode = native && NATIVE_DECODERS[type];
    if (!native || !decode) return false;
    const [from, to] = [this.address(source, ggmlByteLength(type, count)), this.address(target, count * 4)];
    native[decode](from, to, count);
    return true;
  }

  /** Whether `type` blocks are decoded inside layerChunk (native kernels only). */
  decodesInChunks(type: GgmlType): boolean {
    return this.native !== undefined && CHUNK_KINDS[type] !== undefined;
  }

  /** Kernel memory for layerChunk over `models` models and the pairwise accumulators of their groups. */
  chunkPlan(models: number, pairwise: readonly PairwiseAccumulator[]): ChunkPlan {
    const plan = this.allocate(models * 16);
    const [shifts, scales] = [this.allocate(models * 8), this.allocate(models * 8)];
    const groups = this.allocate(pairwise.length * 12);
    const states = this.allocate(models * POWER_STATE_BYTES);
    new Uint32Array(this.memory.buffer, groups, pairwise.length * 3).set(pairwise.flatMap((group) => [group.table, group.models, group.out]));
    return { models, plan, shifts, scales, groups, pairwise, states };
  }

  /**
   * One chunk of `count` values of every model (native kernels only): each model's blocks
   * decoded into its target, its power sums added with its given scale, and the chunk folded
   * into the plan's pairwise accumulators, a run of values at a time while it is in L1. The
   * same bits as dequantize, addPowerSums and addPairwise one after another. Returns the scale
   * each model was summed with: 0 where it was not (scale 0 given), or where the chunk
   * overflowed the given scale — the caller then sums the target with addPowerSums(…, 0).
   */
  layerChunk(plan: ChunkPlan, chunks: readonly ModelChunk[], count: number): Float64Array {
    const native = this.native;
    if (!native) throw new RangeError("layerChunk runs on the native kernels only");
    if (chunks.length !== plan.models) throw new RangeError(`layerChunk: ${chunks.length} chunks for a plan of ${plan.models} models`);
    const entries = new Uint32Array(this.memory.buffer, plan.plan, plan.models * 4);
    const [shifts, scales] = [this.f64(plan.shifts, plan.models), this.f64(plan.scales, plan.models)];
    for (const [m, chunk] of chunks.entries()) {
      const kind = chunk.type === undefined ? 0 : CHUNK_KINDS[chunk.type];
      if (kind === undefined) throw new RangeError(`layerChunk does not decode ${chunk.type}`);
      if (chunk.integer && (chunk.type === undefined || !INTEGER_SUM_KINDS[chunk.type]))
        throw new RangeError(`layerChunk has no integer sums for ${chunk.type}`);
      const flags = chunk.integer ? INTEGER_SUMS | (chunk.integer.decode ? 0 : NO_DECODE) : 0;
      if (kind > 0) this.address(chunk.source, ggmlByteLength(chunk.type!, count));
      this.address(chunk.target, count * 4);
      this.address(chunk.sums, 6 * 8);
      if (!Object.is(Math.fround(chunk.shift), chunk.shift)) throw new RangeError(`power-sum shift ${chunk.shift} is not an f32 value`);
      entries.set([kind | flags, chunk.source, chunk.target, chunk.sums], m * 4);
      shifts[m] = chunk.shift;
      scales[m] = chunk.integer ? 0 : chunk.scale;
    }
    const at = this.planAddresses(plan, count);
    native.layerChunk(this.base, at.plan, plan.models, count, at.shifts, at.scales, at.groups, plan.pairwise.length, at.states);
    return this.f64(plan.scales, plan.models).slice();
  }

  /** Whether addBlockPowerSums reads `type` (Q8_0, Q4_K and Q6_K, native kernels only). */
  sumsIntegers(type: GgmlType): boolean {
    return this.native !== undefined && INTEGER_SUM_KINDS[type] !== undefined;
  }

  /**
   * Adds [Σy, Σy², Σy³, Σy⁴, min x, max x] of y = x − shift over the `count` values (whole blocks)
   * of the `type` blocks at `blocks` into `accumulator`, from the blocks' integers
   * (native/block-moments.c: f64 sums, not the f32 path's bits; min and max are the decoded
   * values'). Only where sumsIntegers(type).
   */
  addBlockPowerSums(blocks: number, count: number, type: GgmlType, shift: number, accumulator: number): void {
    const kind = INTEGER_SUM_KINDS[type];
    if (!this.native || kind === undefined) throw new RangeError(`no integer power sums for ${type} here`);
    if (count % GGML_LAYOUTS[type].blockValues !== 0) throw new RangeError(`addBlockPowerSums: ${count} values are not whole ${type} blocks`);
    this.native.blockPowerSums(kind, this.address(blocks, ggmlByteLength(type, count)), count, shift, this.address(accumulator, 6 * 8));
  }

  /**
   * Turns addBlockPowerSums's AVX-512 path off or back on where the CPU has it (the same bits as
   * the AVX2 path: tests compare the two); whether it is in use afterwards. Process-wide.
   */
  useWideKernels(on: boolean): boolean {
    return this.native !== undefined && this.native.useWideKernels(on ? 1 : 0) === 1;
  }

  /**
   * Chunks [first, count) of a layer, `chunk` values each, swept in one native call
   * (native/layer-stream.c): each staged model's blocks read from its file into its window when
   * the window does not hold them, rotary rows put in order, and every chunk swept as layerChunk
   * sweeps it, a chunk that overflows its model's scale summed again with its own — the
   * per-chunk path's reads and bits. `shifts[m]` and `scales[m]` are the models' (the scales of
   * models summed in f32 are updated as that path updates them). Undefined, or where a read
   * failed.
   */
  layerStream(
    plan: ChunkPlan,
    models: readonly StreamedModel[],
    range: { readonly first: number; readonly count: number; readonly chunk: number },
    shifts: readonly number[],
    scales: number[],
  ): StreamFailure | undefined {
    const native = this.native;
    if (!native) throw new RangeError("layerStream runs on the native kernels only");
    if (models.length !== plan.models) throw new RangeError(`layerStream: ${models.length} models for a plan of ${plan.models}`);
    if (models.length > STREAM_MODELS) throw new RangeError(`layerStream: ${models.length} models, limit ${STREAM_MODELS}`);
    const { first, count, chunk } = range;
    const described = new Float64Array(models.length * STREAM_FIELDS);
    for (const [m, model] of models.entries()) {
      this.address(model.target, chunk * 4);
      this.address(model.sums, 6 * 8);
      if (!Object.is(Math.fround(shifts[m]!), shifts[m])) throw new RangeError(`power-sum shift ${shifts[m]} is not an f32 value`);
      if (model.twin) {
        described.set([0, 0, 0, 0, 0, 0, 0, 0, 0, -1, 1, 1, 1, 1, 0, model.target, model.sums, 0, 0], m * STREAM_FIELDS);
        continue;
      }
      const { source } = model;
      // An f32 tensor (kind 0) is read into its buffer at `target`, or summed where its mapping holds it: no window.
      const f32 = source.type === "F32";
      const kind = f32 ? 0 : CHUNK_KINDS[source.type];
      if (kind === undefined) throw new RangeError(`layerStream does not decode ${source.type}`);
      if (f32 && (model.integer || source.ropeHeads > 0)) throw new RangeError("layerStream: an f32 tensor has no integer sums or rotary rows");
      if (model.integer && !INTEGER_SUM_KINDS[source.type]) throw new RangeError(`layerStream has no integer sums for ${source.type}`);
      const { blockValues, blockBytes } = GGML_LAYOUTS[source.type];
      if (chunk % blockValues !== 0 || (count - first) % blockValues !== 0)
        throw new RangeError(`layerStream: chunks of ${source.type} that are not whole blocks`);
      if (source.ropeHeads > 0 && (chunk % source.cols !== 0 || (count - first) % source.cols !== 0 || model.ordered < 0))
        throw new RangeError("layerStream: rotary chunks that are not whole rows");
      if (!f32) this.address(model.window, model.windowBytes);
      if (source.ropeHeads > 0) this.address(model.ordered, ggmlByteLength(source.type, chunk));
      described.set(
        [
          1,
          kind | (model.integer ? INTEGER_SUMS | NO_DECODE : 0),
          source.fd,
          source.offset,
          source.byteLength,
          f32 ? 0 : model.window,
          f32 ? 0 : model.windowBytes,
          source.held.start,
          source.held.end,
          model.ordered,
          blockValues,
          blockBytes,
          source.cols,
          source.rows,
          source.ropeHeads,
          model.target,
          model.sums,
          model.integer ? 0 : 1,
          model.mapped ? 1 : 0,
        ],
        m * STREAM_FIELDS,
      );
    }
    const at = this.planAddresses(plan, chunk);
    const [shiftsIn, scalesInOut, failure] = [Float64Array.from(shifts), Float64Array.from(scales), new Float64Array(2)];
    const code = native.layerStream(
      this.base,
      described,
      models.length,
      first,
      count,
      chunk,
      shiftsIn,
      scalesInOut,
      at.plan,
      at.scales,
      at.groups,
      plan.pairwise.length,
      at.states,
      failure,
    );
    for (let m = 0; m < scales.length; m++) scales[m] = scalesInOut[m]!;
    if (code === 0) return undefined;
    if (code === 1) return { model: failure[0]!, read: failure[1]! };
    if (code === 2) return { model: failure[0]!, errno: failure[1]! };
    throw new RangeError(`layerStream: a chunk did not fit its model's window, or too many models (code ${code})`);
  }

  /** The plan's native addresses, bounds-checked with its pairwise accumulators' inputs of `values` f32 each (layerChunk and layerStream). */
  private planAddresses(plan: ChunkPlan, values: number): { plan: number; shifts: number; scales: number; groups: number; states: number } {
    for (const group of plan.pairwise) for (const pointer of group.pointers) this.address(pointer, values * 4);
    return {
      plan: this.address(plan.plan, plan.models * 16),
      shifts: this.address(plan.shifts, plan.models * 8),
      scales: this.address(plan.scales, plan.models * 8),
      groups: this.address(plan.groups, plan.pairwise.length * 12),
      states: this.address(plan.states, plan.models * POWER_STATE_BYTES),
    };
  }
}
