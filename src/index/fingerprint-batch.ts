/**
 * One batch of models fingerprinted in the calling thread: what a fingerprint or tree worker
 * does with a batch it is sent (fingerprint-worker.ts, tree-worker.ts), and the tree pool's
 * in-process fallback. Apart from the pools so that their workers import no pool.
 */
import type { ModelSource } from "../types.ts";
import { type EmptyTensor, locatedFiles, type ModelLocation, openLocation } from "../io/discover-models.ts";
import { holdUpTo } from "../io/held-files.ts";
import { threadKernels } from "../kernels/weight-kernels.ts";
import { failureOf } from "../workers/worker-pool.ts";
import { fingerprintModel, type Fingerprint } from "./fingerprint.ts";

/** Fingerprints one batch of models in this thread, in order (`digest`: see fingerprintModel); `at` follows the model being read. */
export async function fingerprintBatch(models: readonly ModelSource[], digest = true, at: { path: string } = { path: "" }): Promise<Fingerprint[]> {
  const fingerprints: Fingerprint[] = [];
  for (const model of models) {
    at.path = model.path;
    fingerprints.push(await fingerprintModel(model, { digest }));
  }
  return fingerprints;
}

/** A worker's answer to a batch to fingerprint: the fingerprints (their samples transferred, not copied), or the failure at the model being read. */
export function fingerprintMessage(models: readonly ModelSource[], digest = true): Promise<[answer: unknown, transfer: Transferable[]]> {
  return answerOf(
    models[0]?.path,
    (at) => fingerprintBatch(models, digest, at),
    (fingerprints) => fingerprints,
  );
}

/** Located models opened and fingerprinted by a thread (fingerprintLocated): the fingerprints, and what opening them had to say. */
export interface LocatedFingerprints {
  readonly fingerprints: Fingerprint[];
  /** One-line notes of the headers (sharded checkpoints), in order. */
  readonly notes: string[];
  /** Empty tensors left out, said once for the whole set by the caller (noteEmptyTensors). */
  readonly empty: EmptyTensor[];
}

/**
 * Opens each located model (its headers) and fingerprints it, in order, without checksums (the
 * tree pool's: `mother recover` on a large set of safetensors models, whose main thread then
 * only lists the folders: two threads read the headers instead of one). `at` follows the model
 * being read, for the failure to name it.
 */
export async function fingerprintLocated(located: readonly ModelLocation[], at: { path: string } = { path: "" }): Promise<LocatedFingerprints> {
  const out: LocatedFingerprints = { fingerprints: [], notes: [], empty: [] };
  const memory = (await threadKernels()).holdMemory();
  for (const location of located) {
    at.path = location.path;
    // A small model's files read whole, once, into kernel memory: its header and its layers come from there (one open
    // and read instead of two of each, and no header buffer), the layers swept where they lie (fingerprintModel); their
    // sizes and times from the read's own fstat (no stat before it for the size, none after it for the identity).
    const release = holdUpTo(locatedFiles(location), HOLD_MODEL_BYTES, memory);
    try {
      const model = await openLocation(location, (note) => out.notes.push(note), out.empty);
      // With the results of the layers its tree's pass reads for their statistics alone: the tree then need not read them (known-layers.ts).
      out.fingerprints.push(await fingerprintModel(model, { digest: false, known: true }));
    } finally {
      release();
    }
  }
  return out;
}

/** A located model whose files total at most this many bytes is read whole for its fingerprint (fingerprintLocated). */
export const HOLD_MODEL_BYTES = 16 * 1024 * 1024;

/** A worker's answer to located models to fingerprint: fingerprintLocated's result (samples transferred), or the failure at the model being read. */
export function fingerprintLocatedMessage(located: readonly ModelLocation[]): Promise<[answer: unknown, transfer: Transferable[]]> {
  return answerOf(
    located[0]?.path,
    (at) => fingerprintLocated(located, at),
    (result) => result.fingerprints,
  );
}

/** `run`'s result as a worker posts it, the samples of its fingerprints transferred; or the failure at the model `at` names (`first` until one is read). */
async function answerOf<R>(
  first: string | undefined,
  run: (at: { path: string }) => Promise<R>,
  fingerprintsOf: (result: R) => readonly Fingerprint[],
): Promise<[answer: unknown, transfer: Transferable[]]> {
  const at = { path: first ?? "(no model)" };
  try {
    const result = await run(at);
    return [{ result }, fingerprintsOf(result).map((f) => f.samples.buffer as ArrayBuffer)];
  } catch (error) {
    return [{ failure: failureOf(error, at.path) }, []];
  }
}
