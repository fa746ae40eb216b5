/**
 * One unit of work for the layer pool, and how it runs in a thread: shared by the pool
 * (layer-pool.ts, in-process runs) and its workers (pool-worker.ts), which start from a URL
 * and so must not import the pool back.
 */
import { analyseLayer, analyseLayers, type LayerJob, type LayerResult } from "./layer-pass.ts";
import { rankPairs, type RankJob } from "./pair-ranks.ts";
import { sketchLayer } from "./sketch-only.ts";

/**
 * One unit of work for a pool worker: a layer, layers one after another (a tree's clustering sample, in-process: analyseLayers),
 * a layer's sketches alone (its RMS per model given: sketch-only.ts), or pair ranks.
 */
export type PoolTask =
  | { readonly kind: "layer"; readonly job: LayerJob }
  | { readonly kind: "layers"; readonly jobs: readonly LayerJob[] }
  | { readonly kind: "sketches"; readonly job: LayerJob; readonly rms: readonly number[] }
  | { readonly kind: "ranks"; readonly job: RankJob };

/** What a task answers: a layer's result, layers' results, or pair ranks. */
export type PoolResult = LayerResult | LayerResult[] | Int32Array;

/** Runs one task in this thread (a worker's message handler, or the in-process pool). */
export function runTask(task: PoolTask): Promise<PoolResult> {
  if (task.kind === "layer") return analyseLayer(task.job);
  if (task.kind === "layers") return analyseLayers(task.jobs);
  return task.kind === "sketches" ? sketchLayer(task.job, task.rms) : rankPairs(task.job);
}

/**
 * The buffers a worker hands over with `result` (postMessage's transfer list), each once: a layer's
 * sketches may be views of one buffer (WeightKernels.rowSampleSketches, in a thread that holds the
 * files: runTask is the same code in the tree thread, which holds them, and in the pool's workers,
 * which today do not), and a buffer listed twice makes postMessage throw (DataCloneError).
 */
export function transferList(result: PoolResult): ArrayBuffer[] {
  if (result instanceof Int32Array) return [result.buffer as ArrayBuffer];
  const buffers = (Array.isArray(result) ? result : [result]).flatMap((layer) => [
    layer.maxAbsDiff.buffer,
    layer.meanAbsDiff.buffer,
    ...layer.sketches.map((sketch) => sketch.data.buffer),
  ]);
  return [...new Set(buffers)] as ArrayBuffer[];
}
