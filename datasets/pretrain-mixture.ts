import { DEFAULT_IMAGE_SIZE, type ImageBatch } from "./image-task.ts";
import { deriveSeed, Rng } from "../src/rng.ts";
import { taskByName } from "./task-registry.ts";

/** A supervised mixture of several tasks with one union label space. */
export interface MixtureBatch extends ImageBatch {
  /** Size of the union label space: the sum of the tasks' class counts. */
  readonly numClasses: number;
  readonly taskNames: readonly string[];
  /** Task t's class k is mixture label `labelOffsets[t] + k`. */
  readonly labelOffsets: readonly number[];
  /** Index into `taskNames` of each image's source task. */
  readonly taskOfImage: Int32Array;
}

/**
 * `count` images drawn from the named tasks in near-equal shares (the first
 * `count mod tasks` tasks get one more), shuffled together, with labels offset per task
 * so the label space is the union. Used to pre-train the VTHR roots on different
 * mixtures; the masked-patch objective reuses the same images.
 */
export function pretrainMixture(taskNames: readonly string[], seed: number, count: number, imageSize = DEFAULT_IMAGE_SIZE): MixtureBatch {
  const tasks = taskNames.map(taskByName);
  const labelOffsets: number[] = [];
  let numClasses = 0;
  for (const task of tasks) {
    labelOffsets.push(numClasses);
    numClasses += task.numClasses;
  }
  const stride = 3 * imageSize * imageSize;
  const images = new Float32Array(count * stride);
  const labels = new Int32Array(count);
  const taskOfImage = new Int32Array(count);
  const order = new Rng(deriveSeed(seed, "mixture-order", count)).permutation(count);
  let cursor = 0;
  tasks.forEach((task, t) => {
    const share = Math.floor(count / tasks.length) + (t < count % tasks.length ? 1 : 0);
    if (share === 0) return;
    const part = task.generate(deriveSeed(seed, "mixture", task.name), share, imageSize);
    for (let i = 0; i < share; i++, cursor++) {
      const slot = order[cursor] as number;
      images.set(part.images.subarray(i * stride, (i + 1) * stride), slot * stride);
      labels[slot] = (labelOffsets[t] as number) + (part.labels[i] as number);
      taskOfImage[slot] = t;
    }
  });
  return { images, labels, count, channels: 3, size: imageSize, numClasses, taskNames: [...taskNames], labelOffsets, taskOfImage };
}
