/**
 * Fingerprinting spread over the cores of one machine (`mother index` without --redis): each
 * model is read by one worker thread, alone, so two threads read two models at a time — still a
 * small constant of open files. Small batches stay in-process, where starting a worker (~0.1 s
 * with its kernels) would cost more than it saves.
 */
import type { ModelSource } from "../types.ts";
import { bug } from "../errors.ts";
import { WorkerPool } from "../workers/worker-pool.ts";
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
export const MODELS_PER_MESSAGE = 32;

/**
 * Bytes of weights per message at most (a message holds one model at least): a message's models
 * are reported, and `mother index` saves them, only once the whole message is read, so 32 multi-GB
 * checkpoints in one message were hundreds of GB that a stop would lose (review15). A message per
 * 256 MB (~0.1 s of reading from the page cache) keeps the ~1 ms a message a small cost.
 */
export const BYTES_PER_MESSAGE = 256 * 1024 * 1024;

/** The bytes of weights `model` holds. */
const bytesOf = (model: ModelSource) => model.tensors.reduce((total, tensor) => total + tensor.byteLength, 0);

/** `models` in order, cut into messages of at most MODELS_PER_MESSAGE models and BYTES_PER_MESSAGE bytes (or one model). */
export function messageBatches<Model extends ModelSource>(models: readonly Model[]): Model[][] {
  const batches: Model[][] = [];
  let [batch, bytes]: [Model[], number] = [[], 0];
  for (const model of models) {
    const size = bytesOf(model);
    if (batch.length > 0 && (batch.length === MODELS_PER_MESSAGE || bytes + size > BYTES_PER_MESSAGE)) {
      batches.push(batch);
      [batch, bytes] = [[], 0];
    }
    batch.push(model);
    bytes += size;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

/**
 * Fingerprints `models` in order with `workers` threads (0: in-process); `done` gets the count finished so far (threads
 * report a batch at a time), after `finished` got that batch's fingerprints.
 */
export async function fingerprintAll(
  models: readonly ModelSource[],
  workers: number,
  done: (count: number) => void = () => {},
  finished: (fingerprints: readonly Fingerprint[]) => void = () => {},
): Promise<Fingerprint[]> {
  if (workers === 0) {
    const out: Fingerprint[] = [];
    for (const model of models) {
      out.push(await fingerprintModel(model));
      finished(out.slice(-1));
      done(out.length);
    }
    return out;
  }
  const pool = new WorkerPool<readonly ModelSource[], Fingerprint[]>({
    entry: new URL("./fingerprint-worker.ts", import.meta.url).href,
    workers,
    // workers > 0 here: the in-process path above reports progress a model at a time.
    inProcess: () => bug("fingerprint pool without workers"),
    message: (batch) => ({ models: batch }),
    name: "fingerprint",
    doing: "fingerprinting",
  });
  try {
    return await fingerprintBatches(models, (batch) => pool.submit(batch), done, finished);
  } finally {
    pool.close();
  }
}

/**
 * Fingerprints `models` in order, a message (messageBatches) at a time through `submit` (threads of a
 * pool: this one's, or the tree pool's, which `mother recover` on a large set starts once for both).
 */
export async function fingerprintBatches(
  models: readonly ModelSource[],
  submit: (batch: readonly ModelSource[]) => Promise<Fingerprint[]>,
  done: (count: number) => void = () => {},
  finished: (fingerprints: readonly Fingerprint[]) => void = () => {},
): Promise<Fingerprint[]> {
  const out: Fingerprint[] = new Array(models.length);
  let count = 0;
  const batches: Promise<void>[] = [];
  let first = 0;
  for (const batch of messageBatches(models)) {
    const at = first;
    first += batch.length;
    batches.push(
      submit(batch).then((fingerprints) => {
        fingerprints.forEach((fingerprint, i) => (out[at + i] = fingerprint));
        finished(fingerprints);
        count += fingerprints.length;
        done(count);
      }),
    );
  }
  await Promise.all(batches);
  return out;
}

/** The worker count for reading `models` on this machine. */
export function fingerprintWorkersFor(models: readonly ModelSource[]): number {
  const bytes = models.reduce((sum, model) => sum + bytesOf(model), 0);
  return bytes < THREADS_FROM_BYTES ? 0 : Math.min(2, navigator.hardwareConcurrency || 1);
}
