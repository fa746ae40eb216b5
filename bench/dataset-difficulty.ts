/**
 * How hard is each image task for a weak learner? Trains a softmax-regression probe on
 * raw pixels (plain mini-batch SGD with momentum) and reports held-out accuracy next to
 * chance. Not a ViT: it only ranks tasks (a task a linear probe solves is too easy to
 * tell fine-tunes apart; one at chance needs spatial reasoning).
 *   bun run bench/dataset-difficulty.ts [--train 4000] [--test 1000] [--epochs 8] [--tasks a,b]
 */
import { parseArgs } from "node:util";
import { batches, taskByName, TASKS } from "../datasets/index.ts";

const defaults = {
  /** training images per task */
  train: 4000,
  /** held-out images per task (a different seed) */
  test: 1000,
  /** passes over the training images */
  epochs: 8,
  /** SGD step size and momentum */
  learningRate: 0.01,
  momentum: 0.9,
  batchSize: 64,
};
// An unknown option is an error (parseArgs is strict), not silently the default.
const { values: args } = parseArgs({ options: { train: { type: "string" }, test: { type: "string" }, epochs: { type: "string" }, tasks: { type: "string" } } });
const taskList = args.tasks !== undefined ? args.tasks.split(",").map(taskByName) : TASKS;
const settings = {
  ...defaults,
  train: Number(args.train ?? defaults.train),
  test: Number(args.test ?? defaults.test),
  epochs: Number(args.epochs ?? defaults.epochs),
};

for (const task of taskList) {
  const train = task.generate(1, settings.train);
  const test = task.generate(2, settings.test);
  const features = 3 * train.size * train.size;
  const classes = task.numClasses;
  const weights = new Float32Array(classes * (features + 1));
  const velocity = new Float32Array(weights.length);
  const logits = new Float64Array(classes);
  const scoreInto = (images: Float32Array, n: number): void => {
    for (let k = 0; k < classes; k++) {
      let sum = weights[k * (features + 1) + features] as number;
      const row = k * (features + 1);
      for (let f = 0; f < features; f++) sum += (weights[row + f] as number) * (images[n * features + f] as number);
      logits[k] = sum;
    }
  };
  const gradient = new Float32Array(weights.length);
  for (const batch of batches(train, settings.batchSize, 3, { epochs: settings.epochs })) {
    gradient.fill(0);
    for (let b = 0; b < settings.batchSize; b++) {
      scoreInto(batch.images, b);
      const max = Math.max(...logits);
      let total = 0;
      for (let k = 0; k < classes; k++) total += Math.exp((logits[k] as number) - max);
      for (let k = 0; k < classes; k++) {
        const error = Math.exp((logits[k] as number) - max) / total - (k === batch.labels[b] ? 1 : 0);
        const row = k * (features + 1);
        for (let f = 0; f < features; f++) gradient[row + f] = (gradient[row + f] as number) + error * (batch.images[b * features + f] as number);
        gradient[row + features] = (gradient[row + features] as number) + error;
      }
    }
    for (let i = 0; i < weights.length; i++) {
      velocity[i] = settings.momentum * (velocity[i] as number) - (settings.learningRate * (gradient[i] as number)) / settings.batchSize;
      weights[i] = (weights[i] as number) + (velocity[i] as number);
    }
  }
  let right = 0;
  for (let n = 0; n < test.count; n++) {
    scoreInto(test.images, n);
    right += logits.indexOf(Math.max(...logits)) === test.labels[n] ? 1 : 0;
  }
  console.log(`${task.name.padEnd(18)} chance ${(1 / classes).toFixed(2)}  linear probe ${(right / test.count).toFixed(3)}`);
}
