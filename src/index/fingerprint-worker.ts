/** Worker entry for the fingerprint pool: fingerprints one model (as discovered: its tensors' places) per message. */
import type { ModelSource } from "../types.ts";
import { MotherError } from "../errors.ts";
import { fingerprintModel } from "./fingerprint.ts";

declare const self: Worker;

self.onmessage = async (event: MessageEvent<{ model: ModelSource }>) => {
  const { model } = event.data;
  const path = model.path;
  try {
    const fingerprint = await fingerprintModel(model);
    self.postMessage({ fingerprint }, [fingerprint.samples.buffer as ArrayBuffer]);
  } catch (error) {
    const failure =
      error instanceof MotherError
        ? { file: error.file, problem: error.problem, detail: error.detail, code: error.code }
        : { file: path, problem: error instanceof Error ? (error.stack ?? error.message) : String(error), bug: true };
    self.postMessage({ failure });
  }
};
