/**
 * Runs layer jobs over a pool of Bun Workers (or in-process when `workers` is 0), keeping
 * results in job order. Layers are the unit of parallelism: each worker reads its own
 * layers' bytes, so every weight byte is still read exactly once.
 */
import { MotherError } from "../errors.ts";
import { analyseLayer, type LayerJob, type LayerResult } from "./layer-pass.ts";

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

/**
 * A set of layer workers kept across several batches of jobs (recovery runs its LoRA probe
 * and the rest as two batches): starting a worker costs tens of milliseconds, and starting
 * them before the first batch overlaps that with the main thread's planning.
 */
export class LayerPool {
  private readonly workers: Worker[];

  /** `workers` = 0 analyses in-process. */
  constructor(workers: number) {
    this.workers = Array.from({ length: Math.max(0, workers) }, () => new Worker(new URL("./layer-pass-worker.ts", import.meta.url).href));
  }

  /** Analyses every job, results in job order; rejects with the first failure (a MotherError naming the file). */
  async run(jobs: readonly LayerJob[], onLayerDone?: LayerPoolOptions["onLayerDone"]): Promise<LayerResult[]> {
    const results: LayerResult[] = new Array(jobs.length);
    const jobBytes = (job: LayerJob) => job.tensors.reduce((sum, t) => sum + t.byteLength, 0);
    let done = 0;
    const finish = (index: number, result: LayerResult) => {
      results[index] = result;
      done++;
      onLayerDone?.(done, jobs.length, jobBytes(jobs[index]!));
    };

    if (this.workers.length === 0) {
      for (let i = 0; i < jobs.length; i++) finish(i, await analyseLayer(jobs[i]!));
      return results;
    }

    let next = 0;
    await Promise.all(
      this.workers.map(
        (worker) =>
          new Promise<void>((resolve, reject) => {
            const sendNext = () => {
              if (next >= jobs.length) return resolve();
              const id = next++;
              worker.postMessage({ id, job: jobs[id] });
            };
            worker.onmessage = (event: MessageEvent) => {
              const { id, result, failure } = event.data as { id: number; result?: LayerResult; failure?: { file: string; problem: string; detail?: object } };
              if (failure) return reject(new MotherError(failure.file, failure.problem, failure.detail));
              finish(id, result!);
              sendNext();
            };
            worker.onerror = (event) => reject(new Error(`layer worker failed: ${event.message}`));
            sendNext();
          }),
      ),
    );
    return results;
  }

  /** Stops the workers (a pool that failed mid-batch must be closed, not reused). */
  close(): void {
    for (const worker of this.workers) worker.terminate();
  }
}
