/**
 * The values merge detection fits (detect-merges.ts): the first MERGE_SAMPLE_VALUES of each
 * distance layer (whole rows), for the models of one tree. Read again after the layer pass, as
 * the clustering sample is: a few kilobytes per layer and model, against the layer's megabytes.
 */
import { heldBytes } from "../io/held-files.ts";
import { loadedNativeKernels } from "../kernels/native-kernels.ts";
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
  return samplesInto(jobs, models, (values) => new Float64Array(values));
}

/**
 * Runs `use` on the samples of readMergeSamples held in this thread's reused buffer: fresh memory
 * for every tree (20 × 96 KB for the small models of docs/scale.md) cost more in page faults
 * than reading the samples. `use` runs synchronously and nothing of the samples may outlive it,
 * so no other tree of this thread can reuse the buffer meanwhile.
 */
export function withMergeSamples<T>(jobs: readonly LayerJob[], models: readonly number[], use: (samples: Float64Array[][]) => T): T {
  if (scratchInUse) return use(samplesInto(jobs, models, (values) => new Float64Array(values)));
  // A tree whose samples exceed SCRATCH_VALUES gets fresh memory, freed after it.
  scratchInUse = true;
  try {
    return use(
      samplesInto(jobs, models, (values) => {
        if (values > SCRATCH_VALUES) return new Float64Array(values);
        if (scratch.length < values) scratch = new Float64Array(values);
        return scratch.subarray(0, values);
      }),
    );
  } finally {
    scratchInUse = false;
  }
}

/** Most values the reused buffer grows to (32 MB). */
const SCRATCH_VALUES = 4 * 1024 * 1024;
let scratch = new Float64Array(0);
let scratchInUse = false;

/** The samples, every model's in one array of `memory(values)`, each value of which is written. */
function samplesInto(jobs: readonly LayerJob[], models: readonly number[], memory: (values: number) => Float64Array): Float64Array[][] {
  const layers = jobs.filter((job) => job.roles.distance);
  const counts = layers.map((job) => {
    const size = job.shape.reduce((product, d) => product * d, 1);
    const row = job.shape.length === 2 ? job.shape[1]! : 1;
    return Math.min(size, Math.max(row, Math.floor(MERGE_SAMPLE_VALUES / row) * row));
  });
  const offsets = [0];
  for (const count of counts) offsets.push(offsets.at(-1)! + count);
  const perModel = offsets.at(-1)!;
  const all = memory(models.length * perModel);
  const joined = models.map((_, i) => all.subarray(i * perModel, (i + 1) * perModel));
  // Held f32 samples are widened natively, all in one call at the end (a converting copy each was ~5 % of a small tree):
  // every held sample's byte offset in the held files' buffer, its length and its place in `all`, gathered as they are found.
  const native = loadedNativeKernels();
  const most = layers.length * models.length;
  const gathered = native && {
    base: undefined as ArrayBufferLike | undefined,
    sources: new Float64Array(most),
    counts: new Int32Array(most),
    targets: new Int32Array(most),
    n: 0,
  };
  for (let l = 0; l < layers.length; l++) {
    const job = layers[l]!;
    for (let i = 0; i < models.length; i++) {
      const tensor = job.tensors[models[i]!]!;
      const held = heldF32(tensor, counts[l]!);
      if (held && gathered && (gathered.base === undefined || held.buffer === gathered.base)) {
        gathered.base = held.buffer;
        gathered.sources[gathered.n] = held.at;
        gathered.counts[gathered.n] = counts[l]!;
        gathered.targets[gathered.n++] = i * perModel + offsets[l]!;
        continue;
      }
      if (held) {
        // Widened to f64 exactly by the typed arrays' own converting copy (2.5–3× the speed of a JavaScript loop here).
        joined[i]!.set(new Float32Array(held.buffer, held.at, counts[l]!), offsets[l]!);
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
  if (native && gathered && gathered.base !== undefined)
    native.widenGather(native.addressOf(gathered.base as ArrayBuffer), gathered.sources, gathered.counts, gathered.targets, gathered.n, all);
  return joined.map((values) => counts.map((count, l) => values.subarray(offsets[l]!, offsets[l]! + count)));
}

/**
 * Where the first `count` values of an f32 tensor whose file is held (held-files.ts) and aligned lie: its held
 * buffer and byte offset there (no view made: a tree asks for 240); else undefined.
 */
function heldF32(tensor: TensorInfo, count: number): { readonly buffer: ArrayBufferLike; readonly at: number } | undefined {
  if (tensor.dtype !== "F32" || tensor.encoding || tensor.lowRank) return undefined;
  const held = heldBytes(tensor.file, tensor.offset, tensor.offset + count * 4);
  const at = (held?.byteOffset ?? 0) + tensor.offset;
  if (!held || at % 4 !== 0 || tensor.offset + count * 4 > held.length) return undefined;
  return { buffer: held.buffer, at };
}
