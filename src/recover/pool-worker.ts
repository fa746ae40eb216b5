/** Worker entry for the layer pool: runs the tasks it is sent (a layer, or a layer's pair ranks), one message each. */
import { failureOf } from "../workers/worker-pool.ts";
import { runTask, type PoolTask } from "./pool-task.ts";

declare const self: Worker;

self.onmessage = async (event: MessageEvent<{ task: PoolTask }>) => {
  const { task } = event.data;
  try {
    const result = await runTask(task);
    const transfer =
      result instanceof Int32Array ? [result.buffer] : [result.maxAbsDiff.buffer, result.meanAbsDiff.buffer, ...result.sketches.map((s) => s.data.buffer)];
    self.postMessage({ result }, transfer as ArrayBuffer[]);
  } catch (error) {
    self.postMessage({ failure: failureOf(error, task.kind === "layer" ? task.job.name : "pair ranks") });
  }
};
