/**
 * A small pool of Bun Workers fed from one queue, shared by recovery's layer pool and the
 * index's fingerprint and tree pools: tasks can be added while others run, an idle worker takes
 * the next one, and a pool of 0 workers runs tasks in-process one after another (where starting
 * a worker, ~0.1 s with its kernels, would cost more than it saves). A worker answers each
 * message with `{ result }` or `{ failure }` (see failureOf); a failure rejects that task only.
 */
import { BugError, MotherError, type ErrorCode, type ErrorDetail } from "../errors.ts";
import { workerEnv } from "../ui/timeline.ts";

/** A task's failure as a worker posts it: a MotherError's fields, or `bug` for anything else. */
export interface WorkerFailure {
  readonly file: string;
  readonly problem: string;
  readonly detail?: ErrorDetail;
  readonly code?: ErrorCode;
  readonly bug?: boolean;
}

/** What a worker posts for an error thrown by its task; `where` names the file or job at fault when the error does not. */
export function failureOf(error: unknown, where: string): WorkerFailure {
  if (error instanceof MotherError) return { file: error.file, problem: error.problem, detail: error.detail, code: error.code };
  return { file: where, problem: error instanceof Error ? (error.stack ?? error.message) : String(error), bug: true };
}

/** The error a failure is rethrown as on the main thread; `doing` says what the worker was doing ("fingerprinting"). */
export function errorOf(failure: WorkerFailure, doing: string): Error {
  if (failure.bug) return new BugError(`${doing} ${failure.file}: ${failure.problem}`);
  return new MotherError(failure.file, failure.problem, failure.detail, failure.code);
}

/** The rejection of a task taken back from a pool's queue before it ran (WorkerPool.withdraw). */
export class WithdrawnTask extends Error {
  constructor(pool: string) {
    super(`${pool} task withdrawn`);
  }
}

/** How a pool runs its tasks. */
export interface WorkerPoolSpec<Task, Result> {
  /** The worker entry (a module URL). */
  readonly entry: string;
  /** Worker count; 0 runs every task in-process. */
  readonly workers: number;
  /** Runs one task in-process (workers = 0). */
  readonly inProcess: (task: Task) => Promise<Result>;
  /** The message posted to a worker for `task`. */
  readonly message: (task: Task) => unknown;
  /** What the pool is called in its errors ("layer": "layer worker failed", "layer pool closed"). */
  readonly name: string;
  /** What a worker does to a file, for its bugs ("fingerprinting": "fingerprinting a.safetensors: …"). */
  readonly doing: string;
  /**
   * Tasks handed to a worker at once (default 1). With 2 the next task is already there when
   * one ends, so a worker never waits for a busy main thread to send it; its entry must then
   * run tasks one at a time and answer in order.
   */
  readonly depth?: number;
}

interface Queued<Task, Result> {
  readonly task: Task;
  readonly resolve: (result: Result) => void;
  readonly reject: (error: unknown) => void;
}

/** Workers fed from one queue (see the file comment). */
export class WorkerPool<Task, Result> {
  private readonly workers: Worker[];
  /** Per worker, the tasks handed to it and not answered yet, oldest first. */
  private readonly handed = new Map<Worker, Queued<Task, Result>[]>();
  private readonly queue: Queued<Task, Result>[] = [];
  /** In-process pools run tasks one after another on this chain. */
  private serial: Promise<unknown> = Promise.resolve();
  /** Tasks handed to a worker at once (spec.depth, or setDepth). */
  private depth: number;
  /** Every task is queued (finishing): the last ones wait for whichever worker frees first. */
  private last = false;
  /** While set (helpHere), this thread runs queued tasks too when more than this many wait. */
  private keep: number | undefined;
  /** A task runs on this thread now (helpHere). */
  private runningHere = false;

  constructor(private readonly spec: WorkerPoolSpec<Task, Result>) {
    this.depth = spec.depth ?? 1;
    this.workers = Array.from({ length: Math.max(0, spec.workers) }, () => new Worker(spec.entry, { env: workerEnv() }));
    for (const worker of this.workers) {
      const handed: Queued<Task, Result>[] = [];
      this.handed.set(worker, handed);
      worker.onmessage = (event: MessageEvent<{ result?: Result; failure?: WorkerFailure }>) => {
        const { resolve, reject } = handed.shift()!;
        const { result, failure } = event.data;
        if (failure) reject(errorOf(failure, this.spec.doing));
        else resolve(result!);
        this.pump();
      };
      worker.onerror = (event) => {
        for (const { reject } of handed.splice(0)) reject(new BugError(`${this.spec.name} worker failed: ${event.message}`));
      };
    }
  }

  /** The number of worker threads (0: in-process). */
  get size(): number {
    return this.workers.length;
  }

  /** Queues one task; `urgent` ones go to the front. Rejects with the task's failure. */
  submit(task: Task, urgent = false): Promise<Result> {
    if (this.workers.length === 0) {
      const result = this.serial.then(() => this.spec.inProcess(task));
      this.serial = result.catch(() => {});
      return result;
    }
    return new Promise<Result>((resolve, reject) => {
      const queued = { task, resolve, reject };
      if (urgent) this.queue.unshift(queued);
      else this.queue.push(queued);
      this.pump();
    });
  }

  /**
   * Takes back the queued tasks (not yet handed to a worker) that `unwanted` picks, rejecting
   * each with a WithdrawnTask; a task a worker holds already runs to its end. Returns how many.
   */
  withdraw(unwanted: (task: Task) => boolean): number {
    const kept = this.queue.filter((queued) => !unwanted(queued.task));
    const taken = this.queue.filter((queued) => unwanted(queued.task));
    this.queue.splice(0, this.queue.length, ...kept);
    for (const queued of taken) queued.reject(new WithdrawnTask(this.spec.name));
    return taken.length;
  }

  /** Hands up to `depth` tasks to each worker from now on (see WorkerPoolSpec.depth). */
  setDepth(depth: number): void {
    this.depth = Math.max(1, depth);
    this.pump();
  }

  /**
   * Says that every task has been submitted: from now on a worker already holding a task is
   * handed another only while the queue still holds one for every worker, so the last few go to
   * whichever worker frees first instead of waiting behind a busy one's current task (at the end of
   * set-1000 one tree thread idled ~0.15 s while the other ran the two trees it held).
   */
  finishing(): void {
    this.last = true;
    this.pump();
  }

  /**
   * From now on this thread runs queued tasks too (spec.inProcess), one at a time, each after a
   * turn of the event loop, while more than `keep` wait for the workers: for a caller with
   * nothing left to do but await them. A worker is then handed up to `depth` tasks, enough to
   * last while this thread is held by one.
   */
  helpHere(keep: number, depth: number): void {
    this.keep = keep;
    this.setDepth(depth);
  }

  /** Stops the workers and rejects the tasks still queued (a pool that failed mid-batch must be closed, not reused). */
  close(): void {
    for (const worker of this.workers) worker.terminate();
    for (const queued of this.queue.splice(0)) queued.reject(new Error(`${this.spec.name} pool closed`));
  }

  /** Hands queued tasks to the least busy workers, up to `depth` each. */
  private pump(): void {
    while (this.queue.length > 0) {
      const depth = this.last && this.queue.length < this.workers.length ? 1 : this.depth;
      let worker: Worker | undefined;
      for (const candidate of this.workers) if (this.handed.get(candidate)!.length < (worker ? this.handed.get(worker)!.length : depth)) worker = candidate;
      if (!worker) break;
      const queued = this.queue.shift()!;
      this.handed.get(worker)!.push(queued);
      worker.postMessage(this.spec.message(queued.task));
    }
    if (this.keep !== undefined && !this.runningHere && this.queue.length > this.keep) this.runHere();
  }

  /** Runs the next queued task on this thread after a turn of the event loop (the workers' answers first), if it still waits. */
  private runHere(): void {
    this.runningHere = true;
    setImmediate(() => {
      const queued = this.queue.length > (this.keep ?? 0) ? this.queue.shift() : undefined;
      if (!queued) {
        this.runningHere = false;
        return;
      }
      // Through a promise, as submit's in-process chain: a task that throws at once rejects its own promise, not this callback.
      Promise.resolve(queued.task)
        .then((task) => this.spec.inProcess(task))
        .then(queued.resolve, queued.reject)
        .finally(() => {
          this.runningHere = false;
          this.pump();
        });
    });
  }
}
