/**
 * The exact recovery of many independent trees (recover-from-index.ts, step 4) spread over the
 * cores: each tree is a recoverModels call on its own models, so trees need no coordination,
 * and a worker thread per core runs them one after another. Few trees (or one core) run
 * in-process, where starting a worker (~0.1 s with its kernels) would cost more than it saves.
 */
import { discoverModels } from "../io/discover-models.ts";
import { holdFiles } from "../io/held-files.ts";
import type { RecoverOptions } from "../recover/options.ts";
import { recoverModels } from "../recover/recover.ts";
import { WorkerPool } from "../workers/worker-pool.ts";
import type { CachedTree } from "./tree-cache.ts";

/** From this many trees to recover, they are spread over worker threads. */
export const TREES_PER_WORKER_START = 8;

/**
 * A tree whose files total at most this many bytes is read into memory whole, one pread per
 * file, before its recovery (src/io/held-files.ts): its headers, layers and merge samples are
 * then copies, not an open and a read per tensor. Larger trees stream as before.
 */
export const HOLD_TREE_BYTES = 256 * 1024 * 1024;

/** One tree to recover: its models' paths, and their files with sizes (from the fingerprints). */
export interface TreeJob {
  readonly paths: string[];
  readonly files: readonly (readonly [file: string, size: number])[];
}

/** Recovers one tree's models (in a worker thread or in-process). */
export async function recoverTreeJob(job: TreeJob, options: RecoverOptions): Promise<CachedTree> {
  const bytes = job.files.reduce((sum, [, size]) => sum + size, 0);
  const release = bytes <= HOLD_TREE_BYTES ? holdFiles(job.files) : () => {};
  try {
    const { graph, distances } = await recoverModels(await discoverModels(job.paths), options);
    return { graph, distances };
  } finally {
    release();
  }
}

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
