/** Worker entry for the fingerprint pool: fingerprints a batch of models (as discovered: their tensors' places) per message. */
import type { ModelSource } from "../types.ts";
import { fingerprintMessage } from "./fingerprint-batch.ts";

declare const self: Worker;

self.onmessage = async (event: MessageEvent<{ models: ModelSource[] }>) => {
  const [answer, transfer] = await fingerprintMessage(event.data.models);
  self.postMessage(answer, transfer);
};
