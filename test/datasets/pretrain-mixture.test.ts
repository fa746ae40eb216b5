import { describe, expect, test } from "bun:test";
import { pretrainMixture } from "../../datasets/pretrain-mixture.ts";
import { deriveSeed } from "../../src/rng.ts";
import { taskByName } from "../../datasets/task-registry.ts";

describe("pretrainMixture", () => {
  const names = ["shape", "digits", "hue"];
  const mixture = pretrainMixture(names, 9, 61);

  test("offsets labels so the label space is the union of the tasks' classes", () => {
    expect(mixture.numClasses).toBe(6 + 10 + 8);
    expect(mixture.labelOffsets).toEqual([0, 6, 16]);
    for (let i = 0; i < mixture.count; i++) {
      const task = mixture.taskOfImage[i] as number;
      const label = mixture.labels[i] as number;
      const offset = mixture.labelOffsets[task] as number;
      expect(label >= offset && label < offset + taskByName(names[task] as string).numClasses).toBe(true);
    }
  });

  test("shares images near-equally between tasks and mixes them", () => {
    const perTask = [0, 0, 0];
    for (const t of mixture.taskOfImage) perTask[t] = (perTask[t] as number) + 1;
    expect(perTask).toEqual([21, 20, 20]);
    const firstTwenty = new Set(Array.from(mixture.taskOfImage.subarray(0, 20)));
    expect(firstTwenty.size).toBe(3);
  });

  test("holds exactly the images of each task's own generator, and is deterministic", () => {
    const again = pretrainMixture(names, 9, 61);
    expect(Array.from(again.images)).toEqual(Array.from(mixture.images));
    const other = pretrainMixture(names, 10, 61);
    expect(Array.from(other.labels)).not.toEqual(Array.from(mixture.labels));
    // Every image's pixel sum matches some image of its source task.
    const stride = 3 * 32 * 32;
    const sum = (images: Float32Array, n: number): number => images.subarray(n * stride, (n + 1) * stride).reduce((a, b) => a + b, 0);
    const shapes = taskByName("shape").generate(deriveSeed(9, "mixture", "shape"), 21);
    const shapeSums = new Set(Array.from({ length: 21 }, (_, n) => sum(shapes.images, n).toFixed(3)));
    for (let i = 0; i < mixture.count; i++) if (mixture.taskOfImage[i] === 0) expect(shapeSums.has(sum(mixture.images, i).toFixed(3))).toBe(true);
  });
});
