/**
 * One unit of work for the layer pool, and how it runs in a thread: shared by the pool
 * (layer-pool.ts, in-process runs) and its workers (pool-worker.ts), which start from a URL
 * and so must not import the pool back.
 */
import { analyseLayer, type LayerJob, type LayerResult } from "./layer-pass.ts";
import { rankPairs, type RankJob } from "./pair-ranks.ts";

/** One unit of work for a pool worker. */
export type PoolTask = { readonly kind: "layer"; readonly job: LayerJob } | { readonly kind: "ranks"; readonly job: RankJob };

/** Runs one task in this thread (a worker's message handler, or the in-process pool). */
export function runTask(task: PoolTask): Promise<LayerResult | Int32Array> {
  return task.kind === "layer" ? analyseLayer(task.job) : rankPairs(task.job);
}
