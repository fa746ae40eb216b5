/**
 * One unit of work for the layer pool, and how it runs in a thread: shared by the pool
 * (layer-pool.ts, in-process runs) and its workers (pool-worker.ts), which start from a URL
 * and so must not import the pool back.
 */
import { analyseLayer, type LayerJob, type LayerResult } from "./layer-pass.ts";
import { rankPairs, type RankJob } from "./pair-ranks.ts";
import { sketchLayer } from "./sketch-only.ts";

/** One unit of work for a pool worker: a layer, a layer's sketches alone (its RMS per model given: sketch-only.ts), or pair ranks. */
export type PoolTask =
  | { readonly kind: "layer"; readonly job: LayerJob }
  | { readonly kind: "sketches"; readonly job: LayerJob; readonly rms: readonly number[] }
  | { readonly kind: "ranks"; readonly job: RankJob };

/** Runs one task in this thread (a worker's message handler, or the in-process pool). */
export function runTask(task: PoolTask): Promise<LayerResult | Int32Array> {
  if (task.kind === "layer") return analyseLayer(task.job);
  return task.kind === "sketches" ? sketchLayer(task.job, task.rms) : rankPairs(task.job);
}
