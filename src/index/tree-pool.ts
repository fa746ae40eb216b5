/**
 * The exact recovery of many independent trees (recover-from-index.ts, step 4) spread over the
 * cores: each tree is a recoverModels call on its own models, so trees need no coordination,
 * and a worker thread per core runs them one after another. Few trees (or one core) run
 * in-process, where starting a worker (~0.1 s with its kernels) would cost more than it saves.
 */
import { BugError, MotherError, type ErrorCode, type ErrorDetail } from "../errors.ts";
import { discoverModels } from "../io/discover-models.ts";
import type { RecoverOptions } from "../recover/options.ts";
import { recoverModels } from "../recover/recover.ts";
import type { CachedTree } from "./tree-cache.ts";

/** From this many trees to recover, they are spread over worker threads. */
export const TREES_PER_WORKER_START = 8;

interface Failure {
  readonly file: string;
  readonly problem: string;
  readonly detail?: ErrorDetail;
  readonly code?: ErrorCode;
  readonly bug?: boolean;
}

/** Recovers trees (each a list of model paths) with `workers` threads, or in-process with 0. */
export class TreePool {
  private readonly workers: Worker[];
  private readonly idle: Worker[];
  /** In-process trees run one after another on this chain. */
  private serial: Promise<unknown> = Promise.resolve();
  private readonly queue: { paths: string[]; resolve: (tree: CachedTree) => void; reject: (error: unknown) => void }[] = [];

  constructor(
    workers: number,
    private readonly options: RecoverOptions,
  ) {
    this.workers = Array.from({ length: workers }, () => new Worker(new URL("./tree-worker.ts", import.meta.url).href));
    this.idle = [...this.workers];
  }

  /** The worker count for `trees` trees to recover on this machine. */
  static workersFor(trees: number): number {
    return trees < TREES_PER_WORKER_START ? 0 : Math.min(2, navigator.hardwareConcurrency || 1);
  }

  /** Recovers the tree of the models at `paths` (rejects with its MotherError). */
  recover(paths: string[]): Promise<CachedTree> {
    if (this.workers.length === 0) {
      // One tree at a time, as in a worker: its files are the only ones open.
      const tree = this.serial.then(async () => {
        const { graph, distances } = await recoverModels(await discoverModels(paths), this.options);
        return { graph, distances };
      });
      this.serial = tree.catch(() => {});
      return tree;
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ paths, resolve, reject });
      this.pump();
    });
  }

  /** Stops the workers. */
  close(): void {
    for (const worker of this.workers) worker.terminate();
    for (const queued of this.queue.splice(0)) queued.reject(new Error("tree pool closed"));
  }

  private pump(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const worker = this.idle.pop()!;
      const { paths, resolve, reject } = this.queue.shift()!;
      worker.onmessage = (event: MessageEvent<{ tree?: CachedTree; failure?: Failure }>) => {
        this.idle.push(worker);
        const { tree, failure } = event.data;
        if (!failure) resolve(tree!);
        else if (failure.bug) reject(new BugError(`recovering the tree of ${failure.file}: ${failure.problem}`));
        else reject(new MotherError(failure.file, failure.problem, failure.detail, failure.code));
        this.pump();
      };
      worker.onerror = (event) => reject(new BugError(`tree worker failed: ${event.message}`));
      worker.postMessage({ paths, options: this.options });
    }
  }
}
