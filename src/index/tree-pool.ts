/**
 * The exact recovery of many independent trees (recover-from-index.ts, step 4) spread over the
 * cores: each tree is a recoverModels call on its own models, so trees need no coordination,
 * and a worker thread per core runs them one after another. Few trees (or one core) run
 * in-process, where starting a worker (~0.1 s with its kernels) would cost more than it saves.
 */
import { discoverModels } from "../io/discover-models.ts";
import type { RecoverOptions } from "../recover/options.ts";
import { recoverModels } from "../recover/recover.ts";
import { WorkerPool } from "../workers/worker-pool.ts";
import type { CachedTree } from "./tree-cache.ts";

/** From this many trees to recover, they are spread over worker threads. */
export const TREES_PER_WORKER_START = 8;

/** Recovers trees (each a list of model paths) with `workers` threads, or in-process with 0. */
export class TreePool {
  private readonly pool: WorkerPool<string[], CachedTree>;

  constructor(workers: number, options: RecoverOptions) {
    this.pool = new WorkerPool({
      entry: new URL("./tree-worker.ts", import.meta.url).href,
      workers,
      // One tree at a time, as in a worker: its files are the only ones open.
      inProcess: async (paths) => {
        const { graph, distances } = await recoverModels(await discoverModels(paths), options);
        return { graph, distances };
      },
      message: (paths) => ({ paths, options }),
      name: "tree",
      doing: "recovering the tree of",
    });
  }

  /** The worker count for `trees` trees to recover on this machine. */
  static workersFor(trees: number): number {
    return trees < TREES_PER_WORKER_START ? 0 : Math.min(2, navigator.hardwareConcurrency || 1);
  }

  /** Recovers the tree of the models at `paths` (rejects with its MotherError). */
  recover(paths: string[]): Promise<CachedTree> {
    return this.pool.submit(paths);
  }

  /** Stops the workers. */
  close(): void {
    this.pool.close();
  }
}
