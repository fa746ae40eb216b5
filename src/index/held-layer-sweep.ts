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

/** One layer of a held file: its tensor, where its values lie in kernel memory, and (a distance layer) its seeded positions and where their values go. */
export interface HeldLayer {
  readonly tensor: TensorInfo;
  readonly pointer: number;
  readonly positions: Int32Array | undefined;
  readonly out: Float32Array | undefined;
}

/** What a layer's read gives the fingerprint: its statistics and the digest of its bytes (0n when not digested). */
export interface LayerRead {
  readonly stats: LayerStats;
  readonly digest: bigint;
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
  const bySize = new Map<number, number[]>();
  layers.forEach((layer, l) => {
    const size = layer.tensor.byteLength / 4;
    const same = bySize.get(size);
    if (same) same.push(l);
    else bySize.set(size, [l]);
  });
  for (const [count, members] of bySize) {
    const started = kernels.layerFirstChunks(
      members.map((l) => layers[l]!.pointer),
      members.map((l) => accumulators[l]!),
      count,
      0,
      SHIFT_ONLY,
    );
    if (!started) return undefined;
    members.forEach((l, at) => (shifts[l] = started[4 * at]!));
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
    };
  });
}
