/**
 * Worker entry for the tree pool: recovers one tree (tree-pool.ts, TreeJob) per message, or
 * fingerprints a batch of models (`mother recover` on a large set fingerprints with the same
 * threads). Tasks run one at a time in the order sent: the pool hands a worker its next task
 * before the current one ends (depth 2), so that it never waits for the main thread.
 */
import type { ModelSource } from "../types.ts";
import type { RecoverOptions } from "../recover/options.ts";
import { failureOf } from "../workers/worker-pool.ts";
import { fingerprintLocatedMessage, fingerprintMessage } from "./fingerprint-batch.ts";
import type { ModelLocation } from "../io/discover-models.ts";
import type { TreeJob } from "./recover-tree-job.ts";
import { mark, timelineNow } from "../ui/timeline.ts";
import { threadKernels } from "../kernels/weight-kernels.ts";

declare const self: Worker;

type Message = { job: TreeJob; options: RecoverOptions } | { models: ModelSource[] } | { located: ModelLocation[] };

/**
 * The recovery's modules (~0.03–0.05 s to load; recover-tree-job.ts loads recover.ts only when a
 * tree starts, so that the main thread can make tree jobs without them), loaded after the
 * fingerprint's: the thread fingerprints its first batch meanwhile, trees come later. The
 * kernels are instantiated at once too, while the thread waits for its first batch.
 */
const recovery = import("./recover-tree-job.ts").then(async (job) => {
  await import("../recover/recover.ts");
  return job;
});
threadKernels().catch(() => {}); // a failure is the first task's to report, when it awaits them

/** The task running now; the next starts when it has answered. */
let turn: Promise<void> = Promise.resolve();

async function answer(message: Message): Promise<void> {
  const started = timelineNow();
  if ("located" in message) {
    const [reply, transfer] = await fingerprintLocatedMessage(message.located);
    self.postMessage(reply, transfer);
    mark(`opened and fingerprinted ${message.located.length} models from ${started.toFixed(1)} ms`);
    return;
  }
  if ("models" in message) {
    // No checksums: the tree pool's fingerprints are never written to an index (tree-pool.ts).
    const [reply, transfer] = await fingerprintMessage(message.models, false);
    self.postMessage(reply, transfer);
    mark(`fingerprinted ${message.models.length} models from ${started.toFixed(1)} ms`);
    return;
  }
  try {
    const { recoverTreeJob } = await recovery;
    self.postMessage({ result: await recoverTreeJob(message.job, message.options) });
  } catch (error) {
    self.postMessage({ failure: failureOf(error, message.job.paths[0] ?? "(tree)") });
  }
  mark(`recovered a tree of ${message.job.paths.length} models from ${started.toFixed(1)} ms`);
}

mark("modules loaded");

self.onmessage = (event: MessageEvent<Message>) => {
  turn = turn.then(() => answer(event.data));
};
