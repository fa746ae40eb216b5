/**
 * The layer pool's threads (layer-pool.ts), startable before the rest of recovery is loaded: this
 * module imports the worker pool alone, so the command line can start the threads for a few big
 * models (src/cli/main.ts) and their modules load (~30 ms) while the main thread loads the
 * program's, lists the set and reads its headers. recover() takes them (takeStartedLayerWorkers).
 */
import { bug } from "../errors.ts";
import { WorkerPool, type WorkerPoolSpec } from "../workers/worker-pool.ts";
import type { PoolResult, PoolTask } from "./pool-task.ts";

/** The layer pool's worker pool. */
export type LayerWorkers = WorkerPool<PoolTask, PoolResult>;

/** The layer pool's spec with `workers` threads; `inProcess` runs a task when there are none. */
export function layerPoolSpec(workers: number, inProcess: (task: PoolTask) => Promise<PoolResult>): WorkerPoolSpec<PoolTask, PoolResult> {
  return {
    entry: new URL("./pool-worker.ts", import.meta.url).href,
    workers,
    inProcess,
    message: (task) => ({ task }),
    name: "layer",
    doing: "analysing",
    // A worker's next layer is already there when one ends: results wait on a busy main thread.
    depth: 2,
  };
}

/** Threads a pool of workers runs on: the cores, at most two (one per core; more only share them). */
export function layerThreads(): number {
  return Math.max(1, Math.min(2, navigator.hardwareConcurrency || 1));
}

let started: LayerWorkers | undefined;

/** Starts layerThreads() layer threads once, for takeStartedLayerWorkers. */
export function startLayerWorkers(): void {
  started ??= new WorkerPool(layerPoolSpec(layerThreads(), () => bug("started layer workers run no task in-process")));
}

/** The threads startLayerWorkers started, handed over once (the taker closes them), or undefined. */
export function takeStartedLayerWorkers(): LayerWorkers | undefined {
  const workers = started;
  started = undefined;
  return workers;
}
