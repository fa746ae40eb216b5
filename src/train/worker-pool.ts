/**
 * Parallel jobs on Bun Workers. Each worker runs one job at a time; a job names a module
 * and an exported function `(input, report) => Promise<output>`, so any serialisable job
 * (a fine-tune, a pre-training) runs the same way. SPEC §7: two workers with one ORT
 * thread each give ≈1.6× the throughput of one two-thread session on this machine.
 * Progress reports and errors (with the worker-side stack) come back to the caller.
 */
import { availableParallelism } from "node:os";

/** A job: `module` (absolute path or URL) exports `exportName(input, report)`. */
export interface PoolJob<Input> {
  readonly module: string;
  readonly exportName: string;
  readonly input: Input;
}

/** Options of a pool. */
export interface WorkerPoolOptions {
  /** Number of workers (default: the machine's cores). */
  readonly size?: number;
}

type Message =
  | { type: "progress"; id: number; payload: unknown }
  | { type: "done"; id: number; output: unknown }
  | { type: "error"; id: number; message: string; stack?: string };

interface Pending {
  readonly id: number;
  readonly job: PoolJob<unknown>;
  readonly onProgress?: (payload: unknown) => void;
  resolve(output: unknown): void;
  reject(error: Error): void;
}

/** A fixed set of workers taking jobs in submission order. */
export class WorkerPool {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly queue: Pending[] = [];
  private readonly running = new Map<Worker, Pending>();
  private nextId = 0;
  private closed = false;

  constructor({ size = availableParallelism() }: WorkerPoolOptions = {}) {
    for (let index = 0; index < Math.max(1, size); index++) this.spawn();
  }

  private spawn(): void {
    const worker = new Worker(new URL("./pool-worker.ts", import.meta.url).href);
    worker.onmessage = (event: MessageEvent<Message>) => this.receive(worker, event.data);
    worker.onerror = (event) => this.crash(worker, new Error(`worker crashed: ${event.message}`));
    this.workers.push(worker);
    this.idle.push(worker);
  }

  /** Number of workers. */
  get size(): number {
    return this.workers.length;
  }

  /** Run `job` on the next free worker; `onProgress` receives what the job reports. */
  run<Input, Output>(job: PoolJob<Input>, onProgress?: (payload: unknown) => void): Promise<Output> {
    if (this.closed) return Promise.reject(new Error("worker pool is closed"));
    return new Promise<Output>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, job, ...(onProgress ? { onProgress } : {}), resolve: resolve as (output: unknown) => void, reject });
      this.dispatch();
    });
  }

  /** Terminate the workers (pending jobs are rejected). */
  async close(): Promise<void> {
    this.closed = true;
    for (const pending of this.queue.splice(0)) pending.reject(new Error("worker pool closed before the job started"));
    for (const [worker, pending] of this.running) {
      pending.reject(new Error("worker pool closed while the job ran"));
      this.running.delete(worker);
    }
    for (const worker of this.workers) worker.terminate();
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const worker = this.idle.pop()!;
      const pending = this.queue.shift()!;
      this.running.set(worker, pending);
      worker.postMessage({ id: pending.id, module: pending.job.module, exportName: pending.job.exportName, input: pending.job.input });
    }
  }

  private receive(worker: Worker, message: Message): void {
    const pending = this.running.get(worker);
    if (!pending || pending.id !== message.id) return;
    if (message.type === "progress") {
      pending.onProgress?.(message.payload);
      return;
    }
    this.running.delete(worker);
    this.idle.push(worker);
    if (message.type === "done") pending.resolve(message.output);
    else {
      const error = new Error(message.message);
      if (message.stack) error.stack = message.stack;
      pending.reject(error);
    }
    this.dispatch();
  }

  /** A worker died outside a job's try/catch: fail its job, replace it, keep going. */
  private crash(worker: Worker, error: Error): void {
    const pending = this.running.get(worker);
    this.running.delete(worker);
    pending?.reject(error);
    worker.terminate();
    this.workers.splice(this.workers.indexOf(worker), 1);
    const idleIndex = this.idle.indexOf(worker);
    if (idleIndex >= 0) this.idle.splice(idleIndex, 1);
    if (!this.closed) {
      this.spawn();
      this.dispatch();
    }
  }
}
