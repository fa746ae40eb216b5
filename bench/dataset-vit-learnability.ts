/**
 * Is each image task learnable, but not trivially, by the VTHR ViT in a few hundred
 * steps? Trains the default ViT (dim 48, depth 3, patch 8) from random initialisation
 * on every task and prints held-out accuracy next to chance. From scratch is a lower
 * bound: the harness fine-tunes pre-trained roots, which start ahead.
 *   bun run bench/dataset-vit-learnability.ts [--steps 400] [--lr 1e-3] [--tasks a,b]
 */
import { parseArgs } from "node:util";
import { taskByName, TASKS } from "../datasets/index.ts";
import { VTHR_VIT } from "../src/models/vit-config.ts";
import { trainModel } from "../src/train/train-model.ts";
import { datasetSource } from "../src/harness/dataset-source.ts";

const defaults = {
  /** optimizer steps per task */
  steps: 400,
  batchSize: 32,
  /** peak learning rate (AdamW, 10% warmup, cosine) */
  lr: 1e-3,
  trainCount: 8192,
  evalCount: 1024,
};
// An unknown option is an error (parseArgs is strict), not silently the default.
const { values: args } = parseArgs({ options: { steps: { type: "string" }, lr: { type: "string" }, tasks: { type: "string" } } });
const steps = Number(args.steps ?? defaults.steps);
const lr = Number(args.lr ?? defaults.lr);
const taskList = args.tasks !== undefined ? args.tasks.split(",").map(taskByName) : TASKS;

for (const task of taskList) {
  const start = performance.now();
  const result = await trainModel(
    {
      objective: { kind: "vit-classification", vit: { ...VTHR_VIT, numClasses: task.numClasses } },
      data: { kind: "image-task", task: task.name, seed: 1, trainCount: defaults.trainCount, evalCount: defaults.evalCount },
      seed: 1,
      steps,
      batchSize: defaults.batchSize,
      optimizer: { kind: "adamw" },
      lr,
      warmupSteps: Math.round(steps / 10),
      evalBatchSize: 128,
    },
    datasetSource,
  );
  const accuracy = result.evals[result.evals.length - 1]?.accuracy ?? Number.NaN;
  const seconds = (performance.now() - start) / 1000;
  console.log(`${task.name.padEnd(18)} chance ${(1 / task.numClasses).toFixed(2)}  ViT ${steps} steps ${accuracy.toFixed(3)}  (${seconds.toFixed(1)} s)`);
}
