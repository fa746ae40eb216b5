/**
 * Worker entry for the tree pool: recovers one tree (tree-pool.ts, TreeJob) per message, or
 * fingerprints a batch of models (`mother recover` on a large set fingerprints with the same threads).
 */
import type { ModelSource } from "../types.ts";
import type { RecoverOptions } from "../recover/options.ts";
import { failureOf } from "../workers/worker-pool.ts";
import { fingerprintMessage } from "./fingerprint-pool.ts";
import { recoverTreeJob, type TreeJob } from "./recover-tree-job.ts";

declare const self: Worker;

self.onmessage = async (event: MessageEvent<{ job: TreeJob; options: RecoverOptions } | { models: ModelSource[] }>) => {
  if ("models" in event.data) {
    const [answer, transfer] = await fingerprintMessage(event.data.models);
    self.postMessage(answer, transfer);
    return;
  }
  const { job, options } = event.data;
  try {
    self.postMessage({ result: await recoverTreeJob(job, options) });
  } catch (error) {
    self.postMessage({ failure: failureOf(error, job.paths[0] ?? "(tree)") });
  }
};
