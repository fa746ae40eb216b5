/** Worker entry for the tree pool: recovers one tree (tree-pool.ts, TreeJob) per message. */
import type { RecoverOptions } from "../recover/options.ts";
import { failureOf } from "../workers/worker-pool.ts";
import { recoverTreeJob, type TreeJob } from "./recover-tree-job.ts";

declare const self: Worker;

self.onmessage = async (event: MessageEvent<{ job: TreeJob; options: RecoverOptions }>) => {
  const { job, options } = event.data;
  try {
    self.postMessage({ result: await recoverTreeJob(job, options) });
  } catch (error) {
    self.postMessage({ failure: failureOf(error, job.paths[0] ?? "(tree)") });
  }
};
