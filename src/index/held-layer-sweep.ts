/**
 * A small model's layers fingerprinted in a few native calls (fingerprint.ts): when a model's
 * file is held in kernel memory (fingerprintLocated reads a small model whole) and its layers are
 * f32 values of one chunk each, every layer of one size goes through one layerFirstChunks call —
 * the power-sum shift, then the power sums from scale 0 — instead of a layer start, a power-sum
 * call and their JavaScript per layer (readLayerWithKernels). The same kernels on the same values
 * in one chunk, so the same bits: shift, sums, statistics, samples and digest alike.
 */
import type { LayerStats, TensorInfo } from "../types.ts";
import { SHIFT_SAMPLE, statsFromPowerSums } from "../stats/layer-stats.ts";
import type { WeightKernels } from "../kernels/weight-kernels.ts";
import { CHUNK_VALUES, namingTheTensor } from "../recover/layer-pass.ts";
import { START_SAMPLES } from "../recover/layer-start.ts";
import { heldBytes } from "../io/held-files.ts";

/** One layer of a held file: its tensor, where its values lie in kernel memory, and (a distance layer) its seeded positions and where their values go. */
export interface HeldLayer {
  readonly tensor: TensorInfo;
  readonly pointer: number;
  readonly positions: Int32Array | undefined;
  readonly out: Float32Array | undefined;
  /** Set when the layer's start is wanted too (its share of exact zeros and grid, as the layer pass scans them): values a row, 0 for none. */
  readonly cols?: number;
}

/** What a layer's read gives the fingerprint: its statistics and the digest of its bytes (0n when not digested), and its start when asked. */
export interface LayerRead {
  readonly stats: LayerStats;
  readonly digest: bigint;
  /** The layer pass's share of exact zeros and grid levels of the layer (layer-start.ts, START_SAMPLES), when its start was asked for (HeldLayer.cols). */
  readonly start?: { readonly zeroFraction: number; readonly gridLevels: number };
}

/** A layer start that finds the shift only (as readLayerWithKernels asks): no zeros counted, no grid. */
export const SHIFT_ONLY = { shift: SHIFT_SAMPLE, zeros: 0, gridRows: 0 };

/** Whether sweepHeldLayers takes a layer lying at `pointer`: f32 as stored, at most one chunk, 4-byte aligned. */
export function sweepsHeld(tensor: TensorInfo, pointer: number): boolean {
  return tensor.dtype === "F32" && !tensor.encoding && !tensor.lowRank && tensor.byteLength <= CHUNK_VALUES * 4 && pointer % 4 === 0;
}

/**
 * Every layer's read, in order (each one sweepsHeld), by layers of one size at a time; undefined
 * without the native kernels (the caller then reads each layer itself). Allocates in kernel
 * memory: pointers from before stay valid, views do not.
 */
export function sweepHeldLayers(kernels: WeightKernels, layers: readonly HeldLayer[], digesting: boolean): LayerRead[] | undefined {
  if (kernels.backend !== "native") return undefined;
  const accumulators = layers.map(() => kernels.powerSumAccumulator());
  const shifts: number[] = [];
  const starts: ({ zeroFraction: number; gridLevels: number } | undefined)[] = [];
  // Layers of one size and one start (none, or rows of one width) go through one call; the shift and sums do not depend on the start's scan.
  const bySize = new Map<number, { count: number; cols: number | undefined; members: number[] }>();
  layers.forEach((layer, l) => {
    const [count, cols] = [layer.tensor.byteLength / 4, layer.cols];
    // count ≤ CHUNK_VALUES (sweepsHeld) and cols ≤ count: one number per (count, cols), 0 for no start.
    const key = count * 2 * (CHUNK_VALUES + 1) + (cols === undefined ? 0 : cols + 1);
    const same = bySize.get(key);
    if (same) same.members.push(l);
    else bySize.set(key, { count, cols, members: [l] });
  });
  for (const { count, cols, members } of bySize.values()) {
    const started = kernels.layerFirstChunks(
      members.map((l) => layers[l]!.pointer),
      members.map((l) => accumulators[l]!),
      count,
      cols ?? 0,
      cols === undefined ? SHIFT_ONLY : START_SAMPLES,
    );
    if (!started) return undefined;
    members.forEach((l, at) => {
      shifts[l] = started[4 * at]!;
      if (cols !== undefined) starts[l] = { zeroFraction: started[4 * at + 1]!, gridLevels: started[4 * at + 2]! };
    });
  }
  return layers.map(({ tensor, pointer, positions, out }, l) => {
    const count = tensor.byteLength / 4;
    if (positions && out) {
      const view = kernels.f32(pointer, count);
      for (let s = 0; s < positions.length; s++) out[s] = view[positions[s]!]!;
    }
    const sums = kernels.readPowerSums(accumulators[l]!, shifts[l]!);
    return {
      stats: namingTheTensor(tensor, () => statsFromPowerSums(count, sums)),
      digest: digesting ? Bun.hash.wyhash(kernels.bytes(pointer, tensor.byteLength), 0n) : 0n,
      start: starts[l],
    };
  });
}

/** One layer of a layout as HeldModelSweep sweeps it: its tensor's place in the model's list, and (a distance layer) its seeded positions. */
export interface SweptLayer {
  /** The layer's tensor's index in the model's tensor list. */
  readonly tensorAt: number;
  readonly positions: Int32Array | undefined;
  /** As HeldLayer.cols. */
  readonly cols: number | undefined;
}

/** A held model's layers as HeldModelSweep gives them: sweepHeldLayers' reads, and the distance layers' samples one after another. */
export interface HeldModelRead {
  readonly reads: LayerRead[];
  readonly samples: Float32Array;
}

/**
 * sweepHeldLayers for model after model of one tensor layout (a set lists a family's models one
 * after another, their headers byte for byte alike): what sweepHeldLayers works out per model — the
 * layers' byte offsets, which call each size goes through, the accumulators' places — is worked out
 * once, from the first model, and taken by every later model whose selected tensors lie at the same
 * offsets of one held file (docs/scale.md, "Measurements": ~0.1 ms of JavaScript a small model
 * before). The same kernel calls on the same values: the same bits as sweepHeldLayers.
 */
export class HeldModelSweep {
  private readonly offsets: Float64Array;
  /** The layers' byte span in their file: [start, end). */
  private readonly start: number;
  private readonly end: number;
  /** Layers of one size and one start, as sweepHeldLayers groups them: members, and the arrays handed to each call (refilled per model). */
  private readonly groups: { count: number; cols: number | undefined; members: number[]; pointers: number[]; accumulators: number[] }[] = [];
  /** Each sample's value's place among the span's f32 values, distance layers in order (the model's samples, one after another). */
  private readonly gather: Int32Array;
  /** Empty accumulators for every layer, copied into kernel memory in one call per model. */
  private readonly emptySums: Float64Array;

  private constructor(
    private readonly layers: readonly SweptLayer[],
    tensors: readonly TensorInfo[],
  ) {
    this.offsets = Float64Array.from(layers, (layer) => tensors[layer.tensorAt]!.offset);
    this.start = Math.min(...this.offsets);
    this.end = Math.max(...layers.map((layer) => tensors[layer.tensorAt]!.offset + tensors[layer.tensorAt]!.byteLength));
    const bySize = new Map<number, (typeof this.groups)[number]>();
    layers.forEach((layer, l) => {
      const count = tensors[layer.tensorAt]!.byteLength / 4;
      const key = count * 2 * (CHUNK_VALUES + 1) + (layer.cols === undefined ? 0 : layer.cols + 1);
      const same = bySize.get(key);
      if (same) same.members.push(l);
      else bySize.set(key, { count, cols: layer.cols, members: [l], pointers: [], accumulators: [] });
    });
    this.groups = [...bySize.values()];
    const gather: number[] = [];
    layers.forEach((layer, l) => {
      const from = (this.offsets[l]! - this.start) >> 2;
      for (const position of layer.positions ?? []) gather.push(from + position);
    });
    this.gather = Int32Array.from(gather);
    this.emptySums = new Float64Array(layers.length * 6);
    for (let at = 0; at < this.emptySums.length; at += 6) this.emptySums.set(EMPTY_SUMS, at);
  }

  /**
   * The sweep of `layers` (in order) of models listing `tensors`' layout, when every one is a layer
   * sweepHeldLayers takes (f32 as stored, one chunk, its offset a multiple of 4) in one file; else
   * undefined, or null when no model of the layout has such layers (their types or sizes).
   */
  static of(layers: readonly SweptLayer[], tensors: readonly TensorInfo[]): HeldModelSweep | undefined | null {
    const file = tensors[layers[0]?.tensorAt ?? 0]?.file;
    if (layers.length === 0 || file === undefined) return null;
    if (!layers.every(({ tensorAt }) => sweepsHeld(tensors[tensorAt]!, 0))) return null;
    const taken = layers.every(({ tensorAt }) => tensors[tensorAt]!.file === file && tensors[tensorAt]!.offset % 4 === 0);
    return taken ? new HeldModelSweep(layers, tensors) : undefined;
  }

  /** Whether a model listing `tensors` (its layout this sweep's) has its selected tensors where this sweep takes them: one file, the same offsets. */
  fits(tensors: readonly TensorInfo[]): boolean {
    const file = tensors[this.layers[0]!.tensorAt]!.file;
    for (let l = 0; l < this.layers.length; l++) {
      const tensor = tensors[this.layers[l]!.tensorAt]!;
      if (tensor.offset !== this.offsets[l] || tensor.file !== file || tensor.encoding || tensor.lowRank) return false;
    }
    return true;
  }

  /**
   * The reads of a model this sweep fits, its file held in kernel memory; undefined when the file is
   * not held there (or not 4-byte aligned), or without the native kernels. Resets the kernels' memory (as readFileLayers).
   */
  sweep(kernels: WeightKernels, tensors: readonly TensorInfo[], digesting: boolean): HeldModelRead | undefined {
    if (kernels.backend !== "native") return undefined;
    const file = tensors[this.layers[0]!.tensorAt]!.file;
    kernels.reset();
    const held = heldBytes(file, this.start, this.end);
    const heldAt = held && kernels.pointerOf(held);
    if (heldAt === undefined || heldAt % 4 !== 0) return undefined;
    const accumulators = kernels.allocate(this.layers.length * ACCUMULATOR_BYTES);
    kernels.f64(accumulators, this.layers.length * 6).set(this.emptySums);
    const shifts = new Float64Array(this.layers.length);
    const starts: ({ zeroFraction: number; gridLevels: number } | undefined)[] = new Array(this.layers.length);
    for (const group of this.groups) {
      const { count, cols, members, pointers } = group;
      for (let at = 0; at < members.length; at++) {
        pointers[at] = heldAt + this.offsets[members[at]!]!;
        group.accumulators[at] = accumulators + members[at]! * ACCUMULATOR_BYTES;
      }
      const started = kernels.layerFirstChunks(pointers, group.accumulators, count, cols ?? 0, cols === undefined ? SHIFT_ONLY : START_SAMPLES);
      if (!started) return undefined;
      for (let at = 0; at < members.length; at++) {
        shifts[members[at]!] = started[4 * at]!;
        if (cols !== undefined) starts[members[at]!] = { zeroFraction: started[4 * at + 1]!, gridLevels: started[4 * at + 2]! };
      }
    }
    // One view of the layers' values and one of their sums (a view per layer cost as much as the samples it gave); the samples
    // gathered in one loop over their places, worked out once (a loop per layer and its offsets per model were ~1/4 of this sweep's JavaScript).
    const values = kernels.f32(heldAt + this.start, (this.end - this.start) >> 2);
    const { gather } = this;
    const samples = new Float32Array(gather.length);
    for (let s = 0; s < gather.length; s++) samples[s] = values[gather[s]!]!;
    const reads: LayerRead[] = new Array(this.layers.length);
    const sumsOf = kernels.f64(accumulators, this.layers.length * 6);
    for (let l = 0; l < this.layers.length; l++) {
      const tensor = tensors[this.layers[l]!.tensorAt]!;
      const [pointer, count] = [heldAt + this.offsets[l]!, tensor.byteLength / 4];
      const at = l * 6;
      const sums = {
        shift: shifts[l]!,
        s1: sumsOf[at]!,
        s2: sumsOf[at + 1]!,
        s3: sumsOf[at + 2]!,
        s4: sumsOf[at + 3]!,
        min: sumsOf[at + 4]!,
        max: sumsOf[at + 5]!,
      };
      reads[l] = {
        stats: namingTheTensor(tensor, () => statsFromPowerSums(count, sums)),
        digest: digesting ? Bun.hash.wyhash(kernels.bytes(pointer, tensor.byteLength), 0n) : 0n,
        start: starts[l],
      };
    }
    return { reads, samples };
  }
}

/** A power-sum accumulator's bytes (WeightKernels.powerSumAccumulator: Σy … Σy⁴, min, max in f64). */
const ACCUMULATOR_BYTES = 6 * 8;

/** An empty accumulator's values (as powerSumAccumulator sets them). */
const EMPTY_SUMS = [0, 0, 0, 0, Infinity, -Infinity];
