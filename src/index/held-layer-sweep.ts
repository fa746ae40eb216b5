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
