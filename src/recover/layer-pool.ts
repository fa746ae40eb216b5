/**
 * Runs layer jobs (and ℓ_LoRA rank jobs) over a pool of Bun Workers, or in-process when
 * `workers` is 0, keeping results in job order. Layers are the unit of parallelism: each
 * worker reads its own layers' bytes, so every weight byte is still read exactly once.
 */
import { WorkerPool } from "../workers/worker-pool.ts";
import { layerPoolSpec, layerThreads, type LayerWorkers } from "./layer-workers.ts";
import { jobBytes, type LayerJob, type LayerResult } from "./layer-pass.ts";
import type { RankRunner } from "./pair-ranks.ts";
import { runTask, type PoolResult, type PoolTask } from "./pool-task.ts";

/** Below this many selected bytes, worker start-up costs more than the second core gives. */
export const IN_PROCESS_BYTES = 32 * 1024 * 1024;

export interface LayerPoolOptions {
  /** Worker count; 0 runs in-process. */
  readonly workers: number;
  /** Called after each finished layer with (done, total, bytes of that layer). */
  readonly onLayerDone?: (done: number, total: number, bytes: number) => void;
}

/** Picks a worker count for a job set: in-process for small sets, else up to the core count. */
export function defaultWorkerCount(totalBytes: number): number {
  return totalBytes < IN_PROCESS_BYTES ? 0 : layerThreads();
}

/** Analyses every job with a pool that lives for this call only. */
export async function runLayerJobs(jobs: readonly LayerJob[], options: LayerPoolOptions): Promise<LayerResult[]> {
  const pool = new LayerPool(Math.min(options.workers, jobs.length));
  try {
    return await pool.run(jobs, options.onLayerDone);
  } finally {
    pool.close();
  }
}

/**
 * A set of workers kept for a whole recovery (the layer pass, then ℓ_LoRA's pair ranks),
 * fed from one queue: tasks can be added while others run, so a decision that needs one
 * early result (auto's LoRA probe) never makes a core wait for the rest of a batch. Starting
 * a worker costs tens of milliseconds, and starting them before the first task overlaps that
 * with planning.
 */
export class LayerPool {
  private readonly pool: LayerWorkers;

  /** `workers` = 0 runs everything in-process; `started`: threads already started (startLayerWorkers), used instead. */
  constructor(workers: number, started?: LayerWorkers) {
    this.pool = started ?? new WorkerPool(layerPoolSpec(workers, runTask));
  }

  /**
   * Queues one task; `urgent` ones go to the front (a decision is waiting on them). Rejects
   * with the task's failure (a MotherError naming the file for layers).
   */
  submit<Result extends PoolResult>(task: PoolTask, urgent = false): Promise<Result> {
    return this.pool.submit(task, urgent) as Promise<Result>;
  }

  /** Whether tasks run in this thread (no workers). */
  get inProcess(): boolean {
    return this.pool.size === 0;
  }

  /** Analyses every layer job, results in job order; rejects with the first failure. */
  run(jobs: readonly LayerJob[], onLayerDone?: LayerPoolOptions["onLayerDone"]): Promise<LayerResult[]> {
    let done = 0;
    return Promise.all(
      jobs.map((job) =>
        this.submit<LayerResult>({ kind: "layer", job }).then((result) => {
          onLayerDone?.(++done, jobs.length, jobBytes(job));
          return result;
        }),
      ),
    );
  }

  /**
   * Ranks the pairs of every rank job (a RankRunner), results in job order, ahead of queued layers. In-process,
   * jobs of one layer's sketches (auto's probe splits its pairs in two, one job a worker) run as one: each
   * pair's rank is its own, and the sketches are copied into kernel memory once instead of once a job.
   */
  readonly ranks: RankRunner = (jobs) => {
    const [first] = jobs;
    const joinable =
      this.pool.size === 0 &&
      first !== undefined &&
      jobs.length > 1 &&
      jobs.every((job) => job.sketches === first.sketches && job.epsilon === first.epsilon && job.atLeast === first.atLeast);
    if (!joinable) return Promise.all(jobs.map((job) => this.submit<Int32Array>({ kind: "ranks", job }, true)));
    const pairs = new Int32Array(jobs.reduce((sum, job) => sum + job.pairs.length, 0));
    let at = 0;
    for (const job of jobs) {
      pairs.set(job.pairs, at);
      at += job.pairs.length;
    }
    return this.submit<Int32Array>({ kind: "ranks", job: { ...first, pairs } }, true).then((ranks) => {
      let from = 0;
      return jobs.map((job) => ranks.slice(from, (from += job.pairs.length / 2)));
    });
  };

  /** Stops the workers (a pool that failed mid-batch must be closed, not reused). */
  close(): void {
    this.pool.close();
  }
}
