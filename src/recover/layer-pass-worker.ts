/** Worker entry for the layer pass: analyses the layers it is sent, one message each. */
import { MotherError } from "../errors.ts";
import { analyseLayer, type LayerJob } from "./layer-pass.ts";

declare const self: Worker;

self.onmessage = async (event: MessageEvent<{ id: number; job: LayerJob }>) => {
  const { id, job } = event.data;
  try {
    const result = await analyseLayer(job);
    const transfer = [result.maxAbsDiff.buffer, result.meanAbsDiff.buffer, ...result.sketches.map((s) => s.data.buffer)];
    self.postMessage({ id, result }, transfer as ArrayBuffer[]);
  } catch (error) {
    const failure =
      error instanceof MotherError
        ? { file: error.file, problem: error.problem, detail: error.detail }
        : { file: job.name, problem: error instanceof Error ? error.message : String(error) };
    self.postMessage({ id, failure });
  }
};
