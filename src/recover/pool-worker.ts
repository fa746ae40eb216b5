/**
 * Worker entry for the layer pool: runs the tasks it is sent (a layer, its sketches, or pair ranks),
 * one at a time in the order sent, one message each. The pool hands a worker its next task
 * before the current one ends (depth 2), and tasks share this thread's kernel memory.
 */
import { mark } from "../ui/timeline.ts";
import { failureOf } from "../workers/worker-pool.ts";
import { runTask, transferList, type PoolTask } from "./pool-task.ts";

declare const self: Worker;

/** The task running now; the next starts when it has answered. */
let turn: Promise<void> = Promise.resolve();

async function answer(task: PoolTask): Promise<void> {
  try {
    const result = await runTask(task);
    self.postMessage({ result }, transferList(result));
  } catch (error) {
    self.postMessage({
      failure: failureOf(error, task.kind === "ranks" ? "pair ranks" : task.kind === "layers" ? task.jobs.map((job) => job.name).join(", ") : task.job.name),
    });
  }
}

/** Whether this thread's first task has started (MOTHER_TIMELINE marks it). */
let started = false;

self.onmessage = (event: MessageEvent<{ task: PoolTask }>) => {
  if (!started) mark("first task received");
  started = true;
  turn = turn.then(() => answer(event.data.task));
};

mark("modules loaded");
