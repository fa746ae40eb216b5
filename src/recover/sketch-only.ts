/**
 * A sketched layer whose clustering sample covered it whole (whole-sample.ts) needs nothing of
 * a second pass but its sketches: the sample's statistics, zeros, grid and pairwise |Δ| are the
 * pass's bits. Auto's probe layer is such a layer on small models (a 48 × 48 probe of the
 * 0.33 MB models of docs/scale.md), and its pass swept the layer's 190 pairs, power sums and
 * starts again for the 20 row-sample sketches it was read for. Here the sketches alone are made,
 * with the calls the pass makes for them (one chunk, every row at once, the same RMS).
 */
import type { LayerSketch } from "./low-rank-sketch.ts";
import type { TensorMemory } from "../io/tensor-stream.ts";
import { openTensorStream } from "../io/read-safetensors.ts";
import { rootMeanSquareOf } from "../stats/layer-stats.ts";
import { threadKernels, type WeightKernels } from "../kernels/weight-kernels.ts";
import { bug } from "../errors.ts";
import { heldInKernels } from "./held-tensors.ts";
import { chunkValues, sketcherFor, type LayerJob, type LayerResult } from "./layer-pass.ts";
import { resultFromWholeSample } from "./whole-sample.ts";

/**
 * `job`'s result but its sketches, from the whole sample (`sample`, `result`), when the pass would
 * read it as plain f32 in one chunk; with the RMS each model's sketch is finished with. Undefined
 * when the layer must be read whole: no sketch asked for, another dtype (16-bit and GGUF layers
 * may be summed another way when staged), or the sample does not cover it.
 */
export function sketchlessFromWholeSample(
  job: LayerJob,
  sample: LayerJob,
  result: LayerResult,
): { readonly rest: LayerResult; readonly rms: number[] } | undefined {
  if (!job.roles.sketch || job.shape.length !== 2 || !job.tensors.every((t) => t.dtype === "F32" && !t.encoding && !t.lowRank)) return undefined;
  const count = job.shape[0]! * job.shape[1]!;
  if (chunkValues(job) !== count) return undefined;
  const rest = resultFromWholeSample({ ...job, roles: { ...job.roles, sketch: false }, probeWidth: undefined }, sample, result);
  return rest && { rest, rms: rest.stats.map(rootMeanSquareOf) };
}

/**
 * The sketches of a 2-D f32 layer read in one chunk (sketchlessFromWholeSample), each finished
 * with `rms[m]`; as a layer result holding nothing else (a pool task's answer).
 */
export async function sketchLayer(job: LayerJob, rms: readonly number[]): Promise<LayerResult> {
  const kernels = await threadKernels();
  const [rows, cols] = job.shape as [number, number];
  const count = rows * cols;
  // Every region is allocated before any view is made: allocating may grow (and detach) memory.
  kernels.reset();
  const inPlace = job.tensors.map((tensor) => heldInKernels(tensor, count, kernels));
  const sketcher = sketcherFor(job);
  // Every model's layer lying in held files: all the sketches in one native call where the sketcher has one.
  const lying = inPlace.every((pointer) => pointer !== undefined)
    ? sketcher.sketchLyingAt?.(
        kernels,
        inPlace as number[],
        job.tensors.map((tensor) => tensor.dtype),
        rms,
      )
    : undefined;
  if (lying) return sketchesOnly(job, lying);
  const buffers = inPlace.map((pointer) => pointer ?? kernels.allocate(count * 4));
  const sketches = sketcher.streamInKernels(kernels, job.tensors.length);
  for (const [m, tensor] of job.tensors.entries()) {
    if (inPlace[m] === undefined) {
      const stream = openTensorStream(tensor);
      try {
        stream.read(0, count, f32At(kernels, buffers[m]!), { checkFinite: false });
      } finally {
        stream.close();
      }
    }
    sketches[m]!.addRows(buffers[m]!, 0, rows);
  }
  return sketchesOnly(
    job,
    sketches.map((sketch, m): LayerSketch => sketch.finish(job.tensors[m]!.dtype, rms[m]!)),
  );
}

/** A layer result holding `sketches` and nothing else. */
function sketchesOnly(job: LayerJob, sketches: LayerSketch[]): LayerResult {
  return { name: job.name, stats: [], maxAbsDiff: new Float64Array(0), meanAbsDiff: new Float64Array(0), sketches, zeroFraction: [], gridLevels: [] };
}

/** Reader memory for an f32 tensor read into kernel memory at `pointer` (no other dtype comes here). */
function f32At(kernels: WeightKernels, pointer: number): TensorMemory {
  return {
    bytesFor: (length, dtype) => (dtype === "F32" ? kernels.bytes(pointer, length) : bug(`sketchLayer: an ${dtype} tensor`)),
    valuesFor: (size) => kernels.f32(pointer, size),
  };
}
