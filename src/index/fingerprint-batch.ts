/**
 * One batch of models fingerprinted in the calling thread: what a fingerprint or tree worker
 * does with a batch it is sent (fingerprint-worker.ts, tree-worker.ts), and the tree pool's
 * in-process fallback. Apart from the pools so that their workers import no pool.
 */
import type { ModelSource } from "../types.ts";
import { type EmptyTensor, type ModelLocation, openLocation } from "../io/discover-models.ts";
import { failureOf } from "../workers/worker-pool.ts";
import { fingerprintModel, type Fingerprint } from "./fingerprint.ts";

/** Fingerprints one batch of models in this thread, in order (`digest`: see fingerprintModel). */
export async function fingerprintBatch(models: readonly ModelSource[], digest = true): Promise<Fingerprint[]> {
  const fingerprints: Fingerprint[] = [];
  for (const model of models) fingerprints.push(await fingerprintModel(model, { digest }));
  return fingerprints;
}

/** A worker's answer to a batch to fingerprint: the fingerprints (their samples transferred, not copied), or the failure at the model being read. */
export async function fingerprintMessage(models: readonly ModelSource[], digest = true): Promise<[answer: unknown, transfer: Transferable[]]> {
  const fingerprints: Fingerprint[] = [];
  let path = models[0]?.path ?? "(no model)";
  try {
    for (const model of models) {
      path = model.path;
      fingerprints.push(await fingerprintModel(model, { digest }));
    }
    return [{ result: fingerprints }, fingerprints.map((f) => f.samples.buffer as ArrayBuffer)];
  } catch (error) {
    return [{ failure: failureOf(error, path) }, []];
  }
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
  for (const location of located) {
    at.path = location.path;
    const model = await openLocation(location, (note) => out.notes.push(note), out.empty);
    out.fingerprints.push(await fingerprintModel(model, { digest: false }));
  }
  return out;
}

/** A worker's answer to located models to fingerprint: fingerprintLocated's result (samples transferred), or the failure at the model being read. */
export async function fingerprintLocatedMessage(located: readonly ModelLocation[]): Promise<[answer: unknown, transfer: Transferable[]]> {
  const at = { path: located[0]?.path ?? "(no model)" };
  try {
    const result = await fingerprintLocated(located, at);
    return [{ result }, result.fingerprints.map((f) => f.samples.buffer as ArrayBuffer)];
  } catch (error) {
    return [{ failure: failureOf(error, at.path) }, []];
  }
}
