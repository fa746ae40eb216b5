/**
 * Worker entry for the tree pool: recovers one tree (tree-pool.ts, TreeJob) per message, or
 * fingerprints a batch of models (`mother recover` on a large set fingerprints with the same
 * threads). Tasks run one at a time in the order sent: the pool hands a worker its next task
 * before the current one ends (depth 2), so that it never waits for the main thread.
 */
import type { ModelSource } from "../types.ts";
import type { RecoverOptions } from "../recover/options.ts";
import { failureOf } from "../workers/worker-pool.ts";
import { fingerprintMessage } from "./fingerprint-batch.ts";
import { recoverTreeJob, type TreeJob } from "./recover-tree-job.ts";

declare const self: Worker;

type Message = { job: TreeJob; options: RecoverOptions } | { models: ModelSource[] };

/** The task running now; the next starts when it has answered. */
let turn: Promise<void> = Promise.resolve();

async function answer(message: Message): Promise<void> {
  if ("models" in message) {
    const [reply, transfer] = await fingerprintMessage(message.models);
    self.postMessage(reply, transfer);
    return;
  }
  try {
    self.postMessage({ result: await recoverTreeJob(message.job, message.options) });
  } catch (error) {
    self.postMessage({ failure: failureOf(error, message.job.paths[0] ?? "(tree)") });
  }
}

self.onmessage = (event: MessageEvent<Message>) => {
  turn = turn.then(() => answer(event.data));
};
