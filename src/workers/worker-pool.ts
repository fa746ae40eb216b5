/**
 * A small pool of Bun Workers fed from one queue, shared by recovery's layer pool and the
 * index's fingerprint and tree pools: tasks can be added while others run, an idle worker takes
 * the next one, and a pool of 0 workers runs tasks in-process one after another (where starting
 * a worker, ~0.1 s with its kernels, would cost more than it saves). A worker answers each
 * message with `{ result }` or `{ failure }` (see failureOf); a failure rejects that task only.
 * A worker that dies (an error outside any task, an exit) breaks the pool: the tasks it held, the queued ones and every
 * later one reject with one MotherError naming it (workerThreadDied), instead of waiting forever for an answer.
 */
import { basename } from "node:path";
import { BugError, bug, MotherError, type ErrorCode, type ErrorDetail } from "../errors.ts";
import { workerThreadDied } from "../messages/recovery.ts";
import { workerEnv } from "../ui/timeline.ts";
import { workerEntry } from "./prebuilt-entries.ts";

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
  /** Set once a worker died (workerDied): every task from then on rejects with it. */
  private broken: MotherError | undefined;
  /** close() was called: the workers' ends from then on are the pool's own doing. */
  private closed = false;

  constructor(private readonly spec: WorkerPoolSpec<Task, Result>) {
    this.depth = spec.depth ?? 1;
    this.workers = Array.from({ length: Math.max(0, spec.workers) }, () => new Worker(workerEntry(spec.entry), { env: workerEnv() }));
    for (const worker of this.workers) {
      const handed: Queued<Task, Result>[] = [];
      this.handed.set(worker, handed);
      worker.onmessage = (event: MessageEvent<{ result?: Result; failure?: WorkerFailure }>) => {
        const queued = handed.shift();
        // An answer the pool did not wait for: only after a death or close() took the worker's tasks back.
        if (queued === undefined) return this.broken || this.closed ? undefined : bug(`${this.spec.name} worker answered a task it was not handed`);
        const { resolve, reject } = queued;
        const { result, failure } = event.data;
        if (failure) reject(errorOf(failure, this.spec.doing));
        else resolve(result!);
        this.pump();
      };
      // An error outside any task ends the worker (Bun then fires close too); an exit fires close alone.
      worker.onerror = (event) => this.workerDied(handed, firstErrorLine(event.message));
      worker.addEventListener("close", (event) => this.workerDied(handed, `exit code ${(event as CloseEvent).code}`));
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
    if (this.broken) return Promise.reject(this.broken);
    if (this.closed) return Promise.reject(this.closedError());
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

  /**
   * Stops the workers and rejects every task not answered yet, queued or held by a stopped worker (which would
   * otherwise wait forever), and every later one (a pool that failed mid-batch must be closed, not reused).
   */
  close(): void {
    this.closed = true;
    for (const worker of this.workers) worker.terminate();
    const unanswered = [...this.workers.flatMap((worker) => this.handed.get(worker)!.splice(0)), ...this.queue.splice(0)];
    for (const { reject } of unanswered) reject(this.closedError());
  }

  /** The rejection of a task the pool was closed before answering (not a MotherError: a caller that closes stops awaiting). */
  private closedError(): Error {
    return new Error(`${this.spec.name} pool closed`);
  }

  /**
   * A worker stopped on its own (`cause`: its error's first line, or its exit code): the pool is broken from now on. The
   * tasks it held, the queued ones and every later one reject with one error naming it; the other workers finish the tasks
   * they hold, and close() stops them. Its second report (close after error) changes nothing.
   */
  private workerDied(handed: Queued<Task, Result>[], cause: string): void {
    if (this.closed) return;
    this.broken ??= workerThreadDied(this.spec.name, basename(this.spec.entry), cause);
    for (const { reject } of handed.splice(0)) reject(this.broken);
    for (const { reject } of this.queue.splice(0)) reject(this.broken);
  }

  /** Hands queued tasks to the least busy workers, up to `depth` each. */
  private pump(): void {
    if (this.broken) return;
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

/** The line of a worker's error report that says what was thrown (`RangeError: boom`), not the source excerpt around it. */
function firstErrorLine(report: string): string {
  const lines = report.split("\n").map((line) => line.trim());
  return lines.find((line) => /^[A-Za-z]*Error\b.*:/.test(line)) ?? lines.find((line) => line !== "") ?? "an error";
}
