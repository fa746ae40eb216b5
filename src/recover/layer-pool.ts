/**
 * Runs layer jobs (and ℓ_LoRA rank jobs) over a pool of Bun Workers, or in-process when
 * `workers` is 0, keeping results in job order. Layers are the unit of parallelism: each
 * worker reads its own layers' bytes, so every weight byte is still read exactly once.
 */
import { MotherError } from "../errors.ts";
import { analyseLayer, type LayerJob, type LayerResult } from "./layer-pass.ts";
import { rankPairs, type RankJob, type RankRunner } from "./pair-ranks.ts";

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
  if (totalBytes < IN_PROCESS_BYTES) return 0;
  return Math.max(1, Math.min(2, navigator.hardwareConcurrency || 1));
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

/** One unit of work for a pool worker. */
export type PoolTask = { readonly kind: "layer"; readonly job: LayerJob } | { readonly kind: "ranks"; readonly job: RankJob };

/** Runs one task in this thread (a worker's message handler, or the in-process pool). */
export function runTask(task: PoolTask): Promise<LayerResult | Int32Array> {
  return task.kind === "layer" ? analyseLayer(task.job) : rankPairs(task.job);
}

/**
 * A set of workers kept for a whole recovery: the layer pass (its LoRA probe and the rest
 * are two batches) and then ℓ_LoRA's pair ranks. Starting a worker costs tens of
 * milliseconds, and starting them before the first batch overlaps that with planning.
 */
export class LayerPool {
  private readonly workers: Worker[];

  /** `workers` = 0 runs everything in-process. */
  constructor(workers: number) {
    this.workers = Array.from({ length: Math.max(0, workers) }, () => new Worker(new URL("./pool-worker.ts", import.meta.url).href));
  }

  /** Analyses every layer job, results in job order; rejects with the first failure (a MotherError naming the file). */
  run(jobs: readonly LayerJob[], onLayerDone?: LayerPoolOptions["onLayerDone"]): Promise<LayerResult[]> {
    const jobBytes = (job: LayerJob) => job.tensors.reduce((sum, t) => sum + t.byteLength, 0);
    let done = 0;
    return this.dispatch<LayerResult>(
      jobs.map((job) => ({ kind: "layer", job })),
      (index) => onLayerDone?.(++done, jobs.length, jobBytes(jobs[index]!)),
    );
  }

  /** Ranks the pairs of every rank job (a RankRunner), results in job order. */
  readonly ranks: RankRunner = (jobs) => this.dispatch<Int32Array>(jobs.map((job) => ({ kind: "ranks", job })));

  /** Stops the workers (a pool that failed mid-batch must be closed, not reused). */
  close(): void {
    for (const worker of this.workers) worker.terminate();
  }

  private async dispatch<Result>(tasks: readonly PoolTask[], onDone?: (index: number) => void): Promise<Result[]> {
    const results: Result[] = new Array(tasks.length);
    if (this.workers.length === 0) {
      for (let i = 0; i < tasks.length; i++) {
        results[i] = (await runTask(tasks[i]!)) as Result;
        onDone?.(i);
      }
      return results;
    }
    let next = 0;
    await Promise.all(
      this.workers.map(
        (worker) =>
          new Promise<void>((resolve, reject) => {
            const sendNext = () => {
              if (next >= tasks.length) return resolve();
              const id = next++;
              worker.postMessage({ id, task: tasks[id] });
            };
            worker.onmessage = (event: MessageEvent) => {
              const { id, result, failure } = event.data as { id: number; result?: Result; failure?: { file: string; problem: string; detail?: object } };
              if (failure) return reject(new MotherError(failure.file, failure.problem, failure.detail));
              results[id] = result!;
              onDone?.(id);
              sendNext();
            };
            worker.onerror = (event) => reject(new Error(`layer worker failed: ${event.message}`));
            sendNext();
          }),
      ),
    );
    return results;
  }
}
