/**
 * The exact recovery of many independent trees (recover-from-index.ts, step 4) spread over the
 * cores: each tree is a recoverModels call on its own models, so trees need no coordination,
 * and a worker thread per core runs them one after another. Few trees (or one core) run
 * in-process, where starting a worker (~0.1 s with its kernels) would cost more than it saves.
 * The same threads fingerprint models (`mother recover` on a large set starts them once, before
 * it reads the headers, and fingerprints with them: one start-up instead of two).
 */
import type { ModelSource } from "../types.ts";
import type { RecoverOptions } from "../recover/options.ts";
import { WorkerPool } from "../workers/worker-pool.ts";
import type { Fingerprint } from "./fingerprint.ts";
import { fingerprintBatch, fingerprintLocated, type LocatedFingerprints } from "./fingerprint-batch.ts";
import type { ModelLocation } from "../io/discover-models.ts";
import { recoverTreeJob, type TreeJob } from "./recover-tree-job.ts";
import type { CachedTree } from "./tree-cache.ts";

/** From this many trees to recover, they are spread over worker threads. */
export const TREES_PER_WORKER_START = 8;

/** Trees left queued for the worker threads when the calling thread helps (TreePool.finishing). */
const HELP_KEEPS = 2;

/**
 * Trees a worker holds while the calling thread helps: its first tree holds that thread ~0.05–0.1 s
 * (the recovery's modules, a cold JIT) where a warm tree takes the worker ~8 ms.
 */
const HELPED_DEPTH = 8;

/** A task of the pool: one tree to recover, or a batch of models to fingerprint (opened, or located: opened by the thread). */
type Task = { readonly job: TreeJob } | { readonly models: readonly ModelSource[] } | { readonly located: readonly ModelLocation[] };

/** Recovers trees with `workers` threads, or in-process with 0. */
export class TreePool {
  private readonly pool: WorkerPool<Task, CachedTree | Fingerprint[] | LocatedFingerprints>;

  /**
   * `helpHere`: once every tree is submitted (finishing), this thread recovers queued trees too —
   * for a caller whose thread is otherwise idle then (`mother recover` on a large set with one tree
   * thread: recover-at-scale.ts).
   */
  constructor(
    workers: number,
    options: RecoverOptions,
    private readonly helping = false,
  ) {
    this.pool = new WorkerPool<Task, CachedTree | Fingerprint[] | LocatedFingerprints>({
      entry: new URL("./tree-worker.ts", import.meta.url).href,
      workers,
      // One tree at a time, as in a worker: its files are the only ones open.
      inProcess: (task): Promise<CachedTree | Fingerprint[] | LocatedFingerprints> =>
        "job" in task ? recoverTreeJob(task.job, options) : "models" in task ? fingerprintBatch(task.models, false) : fingerprintLocated(task.located),
      message: (task) => ("job" in task ? { job: task.job, options } : task),
      name: "tree",
      doing: "recovering the tree of",
      // Each post blocks the main thread ~0.8 ms (813 posts at 10,000 models: 0.67 s); with the
      // next task already there, a worker that ends one never waits for it.
      depth: 2,
    });
  }

  /** The worker count for `trees` trees to recover on this machine. */
  static workersFor(trees: number): number {
    return trees < TREES_PER_WORKER_START ? 0 : Math.min(2, navigator.hardwareConcurrency || 1);
  }

  /** The number of worker threads (0: in-process). */
  get size(): number {
    return this.pool.size;
  }

  /** Recovers one tree (rejects with its MotherError). */
  recover(job: TreeJob): Promise<CachedTree> {
    return this.pool.submit({ job }) as Promise<CachedTree>;
  }

  /**
   * Fingerprints a batch of models, in order (rejects with the MotherError of the first that fails). Without
   * checksums (""): these fingerprints find trees and are dropped, never written to an index (fingerprintModel).
   */
  fingerprint(models: readonly ModelSource[]): Promise<Fingerprint[]> {
    return this.pool.submit({ models }) as Promise<Fingerprint[]>;
  }

  /** Opens and fingerprints a batch of located models, in order, without checksums (rejects with the MotherError of the first that fails). */
  fingerprintLocated(located: readonly ModelLocation[]): Promise<LocatedFingerprints> {
    return this.pool.submit({ located }) as Promise<LocatedFingerprints>;
  }

  /** Takes back the tree jobs among `jobs` still queued (their promises reject with WithdrawnTask); returns how many. */
  withdraw(jobs: ReadonlySet<TreeJob>): number {
    return this.pool.withdraw((task) => "job" in task && jobs.has(task.job));
  }

  /** Hands up to `depth` tasks to each thread from now on (two by default: see the constructor). */
  setDepth(depth: number): void {
    this.pool.setDepth(depth);
  }

  /**
   * Every tree to recover is submitted: the last ones go to whichever thread frees first
   * (WorkerPool.finishing); with `helpHere` (constructor) the calling thread, now idle until the
   * trees are in, recovers queued trees too.
   */
  finishing(): void {
    this.pool.finishing();
    if (this.helping) this.pool.helpHere(HELP_KEEPS, HELPED_DEPTH);
  }

  /** Stops the workers. */
  close(): void {
    this.pool.close();
  }
}
