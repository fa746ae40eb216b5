/** Worker entry for the fingerprint pool: fingerprints a batch of models (as discovered: their tensors' places) per message. */
import type { ModelSource } from "../types.ts";
import { failureOf } from "../workers/worker-pool.ts";
import { fingerprintModel, type Fingerprint } from "./fingerprint.ts";

declare const self: Worker;

self.onmessage = async (event: MessageEvent<{ models: ModelSource[] }>) => {
  const { models } = event.data;
  let path = models[0]?.path ?? "(no model)";
  try {
    const fingerprints: Fingerprint[] = [];
    for (const model of models) {
      path = model.path;
      fingerprints.push(await fingerprintModel(model));
    }
    self.postMessage(
      { result: fingerprints },
      fingerprints.map((f) => f.samples.buffer as ArrayBuffer),
    );
  } catch (error) {
    self.postMessage({ failure: failureOf(error, path) });
  }
};
