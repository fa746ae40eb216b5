/**
 * Fingerprinting spread over the cores of one machine (`mother index` without --redis): each
 * model is read by one worker thread, alone, so two threads read two models at a time — still a
 * small constant of open files. Small batches stay in-process, where starting a worker (~0.1 s
 * with its kernels) would cost more than it saves.
 */
import type { ModelSource } from "../types.ts";
import { BugError, MotherError, type ErrorCode, type ErrorDetail } from "../errors.ts";
import { fingerprintModel, type Fingerprint } from "./fingerprint.ts";

/**
 * From this many bytes to read, models are spread over worker threads: below it a thread's
 * start-up (~0.1–0.3 s with its kernels) costs more than the second core gives (1,000 models
 * of 0.33 MB fingerprint in ~0.25 s in-process).
 */
export const THREADS_FROM_BYTES = 512 * 1024 * 1024;

/**
 * Models per message to a thread: Bun's postMessage blocks the sender for ~1 ms a message here
 * (71 % of the main thread's time when each model was a message), far more than cloning 32
 * models' tensor lists.
 */
const MODELS_PER_MESSAGE = 32;

interface Failure {
  readonly file: string;
  readonly problem: string;
  readonly detail?: ErrorDetail;
  readonly code?: ErrorCode;
  readonly bug?: boolean;
}

/** Fingerprints `models` in order with `workers` threads (0: in-process); `done` gets the count finished so far (threads report a batch at a time). */
export async function fingerprintAll(models: readonly ModelSource[], workers: number, done: (count: number) => void = () => {}): Promise<Fingerprint[]> {
  const out: Fingerprint[] = new Array(models.length);
  let finished = 0;
  if (workers === 0) {
    for (const [i, model] of models.entries()) {
      out[i] = await fingerprintModel(model);
      done(++finished);
    }
    return out;
  }
  const threads = Array.from({ length: workers }, () => new Worker(new URL("./fingerprint-worker.ts", import.meta.url).href));
  let next = 0;
  try {
    await Promise.all(
      threads.map(async (thread) => {
        while (next < models.length) {
          const first = next;
          next = Math.min(models.length, next + MODELS_PER_MESSAGE);
          const batch = await new Promise<Fingerprint[]>((resolve, reject) => {
            thread.onmessage = (event: MessageEvent<{ fingerprints?: Fingerprint[]; failure?: Failure }>) => {
              const { fingerprints, failure } = event.data;
              if (!failure) resolve(fingerprints!);
              else if (failure.bug) reject(new BugError(`fingerprinting ${failure.file}: ${failure.problem}`));
              else reject(new MotherError(failure.file, failure.problem, failure.detail, failure.code));
            };
            thread.onerror = (event) => reject(new BugError(`fingerprint worker failed: ${event.message}`));
            thread.postMessage({ models: models.slice(first, next) });
          });
          batch.forEach((fingerprint, at) => (out[first + at] = fingerprint));
          finished += batch.length;
          done(finished);
        }
      }),
    );
  } finally {
    for (const thread of threads) thread.terminate();
  }
  return out;
}

/** The worker count for reading `models` on this machine. */
export function fingerprintWorkersFor(models: readonly ModelSource[]): number {
  const bytes = models.reduce((sum, model) => sum + model.tensors.reduce((total, tensor) => total + tensor.byteLength, 0), 0);
  return bytes < THREADS_FROM_BYTES ? 0 : Math.min(2, navigator.hardwareConcurrency || 1);
}
