/**
 * The exact recovery of many independent trees (recover-from-index.ts, step 4) spread over the
 * cores: each tree is a recoverModels call on its own models, so trees need no coordination,
 * and a worker thread per core runs them one after another. Few trees (or one core) run
 * in-process, where starting a worker (~0.1 s with its kernels) would cost more than it saves.
 */
import type { RecoverOptions } from "../recover/options.ts";
import { WorkerPool } from "../workers/worker-pool.ts";
import { recoverTreeJob, type TreeJob } from "./recover-tree-job.ts";
import type { CachedTree } from "./tree-cache.ts";

/** From this many trees to recover, they are spread over worker threads. */
export const TREES_PER_WORKER_START = 8;

/** Recovers trees with `workers` threads, or in-process with 0. */
export class TreePool {
  private readonly pool: WorkerPool<TreeJob, CachedTree>;

  constructor(workers: number, options: RecoverOptions) {
    this.pool = new WorkerPool({
      entry: new URL("./tree-worker.ts", import.meta.url).href,
      workers,
      // One tree at a time, as in a worker: its files are the only ones open.
      inProcess: (job) => recoverTreeJob(job, options),
      message: (job) => ({ job, options }),
      name: "tree",
      doing: "recovering the tree of",
    });
  }

  /** The worker count for `trees` trees to recover on this machine. */
  static workersFor(trees: number): number {
    return trees < TREES_PER_WORKER_START ? 0 : Math.min(2, navigator.hardwareConcurrency || 1);
  }

  /** Recovers one tree (rejects with its MotherError). */
  recover(job: TreeJob): Promise<CachedTree> {
    return this.pool.submit(job);
  }

  /** Stops the workers. */
  close(): void {
    this.pool.close();
  }
}
