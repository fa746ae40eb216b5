/** Worker entry for the fingerprint pool: fingerprints one model (its path) per message. */
import { MotherError } from "../errors.ts";
import { discoverModels } from "../io/discover-models.ts";
import { fingerprintModel } from "./fingerprint.ts";

declare const self: Worker;

self.onmessage = async (event: MessageEvent<{ path: string }>) => {
  const { path } = event.data;
  try {
    const [model] = await discoverModels([path]);
    const fingerprint = await fingerprintModel(model!);
    self.postMessage({ fingerprint }, [fingerprint.samples.buffer as ArrayBuffer]);
  } catch (error) {
    const failure =
      error instanceof MotherError
        ? { file: error.file, problem: error.problem, detail: error.detail, code: error.code }
        : { file: path, problem: error instanceof Error ? (error.stack ?? error.message) : String(error), bug: true };
    self.postMessage({ failure });
  }
};
