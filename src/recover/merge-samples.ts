/**
 * The values merge detection fits (detect-merges.ts): the first MERGE_SAMPLE_VALUES of each
 * distance layer (whole rows), for the models of one tree. Read again after the layer pass, as
 * the clustering sample is: a few kilobytes per layer and model, against the layer's megabytes.
 */
import { openTensorStream } from "../io/read-safetensors.ts";
import type { LayerJob } from "./layer-pass.ts";

/**
 * Values per distance layer (whole rows, at least one): a least-squares fit of at most five
 * weights per layer needs far fewer; more only tightens the residual of fine-tunes around its
 * mean (≥ 0.7 of r₁ against the 0.25 bar) and costs time on every tree (VTHR FT: 4096 → 1024
 * values took merge detection from ~0.25 to ~0.1 s per 21-model tree).
 */
export const MERGE_SAMPLE_VALUES = 1024;

/** samples[i][l]: model `models[i]`'s (group index) first values of the l-th distance layer, f64. */
export async function readMergeSamples(jobs: readonly LayerJob[], models: readonly number[]): Promise<Float64Array[][]> {
  const layers = jobs.filter((job) => job.roles.distance);
  const samples: Float64Array[][] = models.map(() => []);
  for (const job of layers) {
    const size = job.shape.reduce((product, d) => product * d, 1);
    const row = job.shape.length === 2 ? job.shape[1]! : 1;
    const count = Math.min(size, Math.max(row, Math.floor(MERGE_SAMPLE_VALUES / row) * row));
    for (const [i, m] of models.entries()) {
      const stream = openTensorStream(job.tensors[m]!);
      try {
        // The typed-array constructor widens in one native loop (Float64Array.from iterates: ~10 µs a sample).
        samples[i]!.push(new Float64Array(stream.read(0, count, undefined, { checkFinite: false })));
      } finally {
        stream.close();
      }
    }
  }
  return samples;
}
