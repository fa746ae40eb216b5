/** Worker entry for the layer pool: runs the tasks it is sent (a layer, or a layer's pair ranks), one message each. */
import { MotherError } from "../errors.ts";
import { runTask, type PoolTask } from "./pool-task.ts";

declare const self: Worker;

self.onmessage = async (event: MessageEvent<{ id: number; task: PoolTask }>) => {
  const { id, task } = event.data;
  try {
    const result = await runTask(task);
    const transfer =
      result instanceof Int32Array ? [result.buffer] : [result.maxAbsDiff.buffer, result.meanAbsDiff.buffer, ...result.sketches.map((s) => s.data.buffer)];
    self.postMessage({ id, result }, transfer as ArrayBuffer[]);
  } catch (error) {
    const where = task.kind === "layer" ? task.job.name : "pair ranks";
    const failure =
      error instanceof MotherError
        ? { file: error.file, problem: error.problem, detail: error.detail }
        : { file: where, problem: error instanceof Error ? error.message : String(error) };
    self.postMessage({ id, failure });
  }
};
