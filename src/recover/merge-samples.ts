/**
 * The values merge detection fits (detect-merges.ts): the first MERGE_SAMPLE_VALUES of each
 * distance layer (whole rows), for the models of one tree. Read again after the layer pass, as
 * the clustering sample is: a few kilobytes per layer and model, against the layer's megabytes.
 */
import { heldBytes } from "../io/held-files.ts";
import { openTensorStream } from "../io/read-safetensors.ts";
import type { TensorInfo } from "../types.ts";
import type { LayerJob } from "./layer-pass.ts";

/**
 * Values per distance layer (whole rows, at least one): a least-squares fit of at most five
 * weights per layer needs far fewer; more only tightens the residual of fine-tunes around its
 * mean (≥ 0.7 of r₁ against the 0.25 bar) and costs time on every tree (VTHR FT: 4096 → 1024
 * values took merge detection from ~0.25 to ~0.1 s per 21-model tree).
 */
export const MERGE_SAMPLE_VALUES = 1024;

/**
 * samples[i][l]: model `models[i]`'s (group index) first values of the l-th distance layer, f64.
 * A model's layers are consecutive views of one array (the merge screen takes them as they lie).
 */
export async function readMergeSamples(jobs: readonly LayerJob[], models: readonly number[]): Promise<Float64Array[][]> {
  const layers = jobs.filter((job) => job.roles.distance);
  const counts = layers.map((job) => {
    const size = job.shape.reduce((product, d) => product * d, 1);
    const row = job.shape.length === 2 ? job.shape[1]! : 1;
    return Math.min(size, Math.max(row, Math.floor(MERGE_SAMPLE_VALUES / row) * row));
  });
  const offsets = [0];
  for (const count of counts) offsets.push(offsets.at(-1)! + count);
  const joined = models.map(() => new Float64Array(offsets.at(-1)!));
  for (const [l, job] of layers.entries()) {
    for (const [i, m] of models.entries()) {
      const tensor = job.tensors[m]!;
      // The typed-array set widens f32 in one native loop (Float64Array.from iterates).
      const held = heldF32(tensor, counts[l]!);
      if (held) {
        joined[i]!.set(held, offsets[l]!);
        continue;
      }
      const stream = openTensorStream(tensor);
      try {
        joined[i]!.set(stream.read(0, counts[l]!, undefined, { checkFinite: false }), offsets[l]!);
      } finally {
        stream.close();
      }
    }
  }
  return joined.map((values) => counts.map((count, l) => values.subarray(offsets[l]!, offsets[l]! + count)));
}

/** The first `count` values of an f32 tensor whose file is held (held-files.ts) and aligned, as a view; else undefined. */
function heldF32(tensor: TensorInfo, count: number): Float32Array | undefined {
  if (tensor.dtype !== "F32" || tensor.encoding || tensor.lowRank) return undefined;
  const held = heldBytes(tensor.file);
  const at = (held?.byteOffset ?? 0) + tensor.offset;
  if (!held || at % 4 !== 0 || tensor.offset + count * 4 > held.length) return undefined;
  return new Float32Array(held.buffer, at, count);
}
