/**
 * One batch of models fingerprinted in the calling thread: what a fingerprint or tree worker
 * does with a batch it is sent (fingerprint-worker.ts, tree-worker.ts), and the tree pool's
 * in-process fallback. Apart from the pools so that their workers import no pool.
 */
import type { ModelSource } from "../types.ts";
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
